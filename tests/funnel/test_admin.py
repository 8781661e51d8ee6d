"""Managers configure the funnel in the admin: stages, reasons, allowed moves. Every change is
logged in the admin's history with the fields that changed."""

from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from funnel.models import Reason, ReasonKind, Stage
from funnel.permissions import FUNNEL_CONFIGURATION
from funnel.services import EntryCriteriaNotMet, claim_lead, move_lead
from tests.factories import LeadFactory, PersonaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_manager() -> User:
    return UserFactory.create(
        username="morgan", first_name="Morgan", is_staff=True, roles=[Role.MANAGERS]
    )


def stage_form(stage: Stage, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": stage.name,
        "position": stage.position,
        "team": stage.team,
        "outcome": stage.outcome,
        "probability": stage.probability,
        "sla_hours": stage.sla_hours or "",
        "required_fields": list(stage.required_fields),
    }
    data.update(changes)
    return data


def test_the_migration_gives_managers_the_funnel_configuration() -> None:
    granted = set(
        Group.objects.get(name=Role.MANAGERS.value)
        .permissions.filter(content_type__app_label="funnel")
        .values_list("codename", flat=True)
    )
    assert granted == set(FUNNEL_CONFIGURATION)
    assert not Group.objects.get(name=Role.MARKETING.value).permissions.exists()
    assert Permission.objects.filter(codename="delete_stage").exists()


def test_a_manager_opens_the_stage_list(client: Client, staff_manager: User) -> None:
    client.force_login(staff_manager)

    response = client.get(reverse("admin:funnel_stage_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    for name in ["New", "MQL", "Opportunity", "Won"]:
        assert f">{name}</a>" in page
    assert "Company, Persona" in page  # MQL's entry criteria, by their labels


def test_the_home_page_links_staff_managers_to_the_configuration(
    client: Client, staff_manager: User, manager: User
) -> None:
    link = reverse("admin:app_list", kwargs={"app_label": "funnel"})
    client.force_login(staff_manager)
    assert link in client.get(reverse("home")).content.decode()
    client.force_login(manager)  # a manager without staff status cannot enter the admin
    assert link not in client.get(reverse("home")).content.decode()


def test_a_manager_changes_a_stage_and_the_change_is_logged(
    client: Client, staff_manager: User
) -> None:
    mql = Stage.objects.get(slug="mql")
    client.force_login(staff_manager)

    response = client.post(
        reverse("admin:funnel_stage_change", args=[mql.pk]),
        stage_form(mql, sla_hours=36, required_fields=["company", "persona", "phone"]),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    mql.refresh_from_db()
    assert mql.sla_hours == 36
    assert mql.required_fields == ["company", "persona", "phone"]
    entry = LogEntry.objects.get(object_id=str(mql.pk))
    assert entry.user == staff_manager
    assert entry.action_flag == CHANGE
    message = entry.get_change_message()
    assert "Time limit (hours)" in message
    assert "Required lead fields" in message


def test_new_entry_criteria_apply_to_the_next_move(
    client: Client, staff_manager: User, marketer: User
) -> None:
    mql = Stage.objects.get(slug="mql")
    client.force_login(staff_manager)
    client.post(
        reverse("admin:funnel_stage_change", args=[mql.pk]),
        stage_form(mql, required_fields=["company", "persona", "phone"]),
    )
    lead = LeadFactory.create(company="Engines", persona=PersonaFactory.create(), phone="")

    with pytest.raises(EntryCriteriaNotMet) as refusal:
        move_lead(lead_id=lead.pk, to_stage_id=mql.pk, actor=marketer)

    assert refusal.value.missing == ["phone"]


def test_unknown_required_fields_are_refused(client: Client, staff_manager: User) -> None:
    mql = Stage.objects.get(slug="mql")
    client.force_login(staff_manager)

    response = client.post(
        reverse("admin:funnel_stage_change", args=[mql.pk]),
        stage_form(mql, required_fields=["company", "password"]),
    )

    assert response.status_code == 200
    assert "required_fields" in response.context["adminform"].form.errors
    mql.refresh_from_db()
    assert "password" not in mql.required_fields
    assert not LogEntry.objects.exists()


def test_a_stored_unknown_field_is_not_offered_and_dropped_on_save(
    client: Client, staff_manager: User
) -> None:
    mql = Stage.objects.get(slug="mql")
    Stage.objects.filter(pk=mql.pk).update(required_fields=["company", "shoe_size"])
    client.force_login(staff_manager)

    form = client.get(reverse("admin:funnel_stage_change", args=[mql.pk])).context["adminform"]
    assert form.form.initial["required_fields"] == ["company"]


def test_the_stage_key_is_not_editable(client: Client, staff_manager: User) -> None:
    mql = Stage.objects.get(slug="mql")
    client.force_login(staff_manager)

    client.post(
        reverse("admin:funnel_stage_change", args=[mql.pk]), {**stage_form(mql), "slug": "x"}
    )

    mql.refresh_from_db()
    assert mql.slug == "mql"


def test_a_marketer_with_staff_status_cannot_configure_the_funnel(client: Client) -> None:
    marketer = UserFactory.create(is_staff=True, roles=[Role.MARKETING])
    mql = Stage.objects.get(slug="mql")
    client.force_login(marketer)

    assert client.get(reverse("admin:funnel_stage_changelist")).status_code == 403
    response = client.post(
        reverse("admin:funnel_stage_change", args=[mql.pk]), stage_form(mql, sla_hours=1)
    )
    assert response.status_code == 403
    mql.refresh_from_db()
    assert mql.sla_hours != 1


def test_a_manager_without_staff_status_is_sent_to_log_in(client: Client, manager: User) -> None:
    client.force_login(manager)

    response = client.get(reverse("admin:funnel_stage_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_reason_given_on_a_move_cannot_be_deleted_only_deactivated(
    client: Client, staff_manager: User, sales_rep: User, marketer: User
) -> None:
    used = Reason.objects.get(kind=ReasonKind.RECYCLE, slug="no-budget")
    unused = Reason.objects.get(kind=ReasonKind.RECYCLE, slug="bad-data")
    lead = LeadFactory.create(company="Engines", persona=PersonaFactory.create())
    move_lead(lead_id=lead.pk, to_stage_id=Stage.objects.get(slug="mql").pk, actor=marketer)
    claim_lead(lead_id=lead.pk, rep=sales_rep)
    move_lead(
        lead_id=lead.pk,
        to_stage_id=Stage.objects.get(slug="working").pk,
        actor=sales_rep,
        reason_id=used.pk,
    )
    # Deleting needs the delete permission, which managers are not given: the superuser tries.
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)

    page = client.get(reverse("admin:funnel_reason_change", args=[used.pk])).content.decode()
    assert reverse("admin:funnel_reason_delete", args=[used.pk]) not in page
    assert "untick this instead" in page
    assert client.post(reverse("admin:funnel_reason_delete", args=[used.pk])).status_code == 403
    assert Reason.objects.filter(pk=used.pk).exists()
    client.post(reverse("admin:funnel_reason_delete", args=[unused.pk]), {"post": "yes"})
    assert not Reason.objects.filter(pk=unused.pk).exists()

    client.force_login(staff_manager)
    response = client.post(
        reverse("admin:funnel_reason_change", args=[used.pk]),
        {"kind": used.kind, "label": used.label, "slug": used.slug, "position": 0},
    )
    assert response.status_code == 302
    used.refresh_from_db()
    assert not used.active


def test_a_stage_with_leads_cannot_be_deleted(client: Client) -> None:
    LeadFactory.create()
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    new = Stage.objects.get(slug="new")

    assert client.post(reverse("admin:funnel_stage_delete", args=[new.pk])).status_code == 403
    assert Stage.objects.filter(pk=new.pk).exists()


def test_a_manager_opens_the_allowed_moves(client: Client, staff_manager: User) -> None:
    client.force_login(staff_manager)

    response = client.get(reverse("admin:funnel_transition_changelist"))

    assert response.status_code == 200
    assert "MQL" in response.content.decode()


@pytest.mark.parametrize("hours", [20_000_000, 2**31, 0, -1, 8761])
def test_a_time_limit_beyond_a_year_is_refused_with_a_message(
    client: Client, staff_manager: User, hours: int
) -> None:
    mql = Stage.objects.get(slug="mql")
    client.force_login(staff_manager)

    response = client.post(
        reverse("admin:funnel_stage_change", args=[mql.pk]), stage_form(mql, sla_hours=hours)
    )

    assert response.status_code == 200  # the admin shows its form again
    assert response.context["adminform"].form.errors["sla_hours"]
    assert Stage.objects.get(pk=mql.pk).sla_hours == mql.sla_hours
    assert client.get(reverse("lead_list")).status_code == 200
