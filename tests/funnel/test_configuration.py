"""One write path for the funnel's configuration: the admin and the API save through
funnel.configuration, check the same rules and leave the same history of changes."""

from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEntry
from funnel.admin import StageForm
from funnel.configuration import REASON_FIELDS, STAGE_FIELDS
from funnel.models import ENTRY_CRITERIA, Stage, validate_entry_criteria
from funnel.serializers import ReasonSerializer, StageSerializer
from leads.forms import LeadForm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_manager() -> User:
    return UserFactory.create(username="morgan", is_staff=True, roles=[Role.MANAGERS])


def admin_form(stage: Stage, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": stage.name,
        "name_es": stage.name_es,
        "position": stage.position,
        "team": stage.team,
        "outcome": stage.outcome,
        "probability": stage.probability,
        "sla_hours": stage.sla_hours or "",
        "first_touch_hours": stage.first_touch_hours or "",
        "required_fields": list(stage.required_fields),
    }
    return data | changes


def history() -> list[tuple[str, int, str, list[dict[str, Any]], int | None]]:
    return [
        (entry.action, entry.object_id, entry.object_repr, entry.changes, entry.actor_id)
        for entry in AuditEntry.objects.order_by("id")
    ]


def change_in_admin(staff_manager: User, stage: Stage, **changes: Any) -> None:
    client = Client()
    client.force_login(staff_manager)
    response = client.post(
        reverse("admin:funnel_stage_change", args=[stage.pk]), admin_form(stage, **changes)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors


def change_in_api(staff_manager: User, stage: Stage, **changes: Any) -> None:
    client = APIClient()
    client.force_authenticate(staff_manager)
    response = client.patch(f"/api/v1/stages/{stage.pk}/", changes, format="json")
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("change", [change_in_admin, change_in_api], ids=["admin", "api"])
def test_the_admin_and_the_api_leave_the_same_history(staff_manager: User, change: Any) -> None:
    sql = Stage.objects.get(slug="sql")

    change(staff_manager, sql, first_touch_hours=6, required_fields=["company", "phone"])

    assert history() == [
        (
            "changed",
            sql.pk,
            "SQL",
            [
                {"field": "first_touch_hours", "from": sql.first_touch_hours, "to": 6},
                {
                    "field": "required_fields",
                    "from": sql.required_fields,
                    "to": ["company", "phone"],
                },
            ],
            staff_manager.pk,
        )
    ]
    assert Stage.objects.get(slug="sql").first_touch_hours == 6


def test_the_admin_sets_the_first_touch_limit_of_the_sql_stage(
    client: Client, staff_manager: User
) -> None:
    sql = Stage.objects.get(slug="sql")
    client.force_login(staff_manager)

    page = client.get(reverse("admin:funnel_stage_change", args=[sql.pk])).content.decode()
    assert 'name="first_touch_hours"' in page
    change_in_admin(staff_manager, sql, first_touch_hours=12)

    assert Stage.objects.get(slug="sql").first_touch_hours == 12
    changelist = client.get(reverse("admin:funnel_stage_changelist")).content.decode()
    assert 'name="form-3-first_touch_hours"' in changelist


def test_the_api_no_longer_writes_the_admins_history(staff_manager: User) -> None:
    change_in_api(staff_manager, Stage.objects.get(slug="mql"), sla_hours=12)

    assert not LogEntry.objects.exists()
    assert len(history()) == 1


def test_the_editable_fields_are_said_once() -> None:
    assert StageForm.Meta.fields == list(STAGE_FIELDS)
    assert StageSerializer.Meta.fields == ["id", *STAGE_FIELDS]
    assert ReasonSerializer.Meta.fields == ["id", *REASON_FIELDS]


def test_every_entry_criterion_is_a_field_of_the_lead_form() -> None:
    """A criterion people cannot fill in would stop every lead at that stage for good."""
    assert set(ENTRY_CRITERIA) <= set(LeadForm.base_fields)


@pytest.mark.parametrize("name", ["expected_close_date", "password", "stage"])
def test_the_validator_refuses_criteria_no_form_can_fill(name: str) -> None:
    validate_entry_criteria(list(ENTRY_CRITERIA))

    with pytest.raises(ValidationError, match="No form lets anyone fill in"):
        validate_entry_criteria(["company", name])


def test_the_admin_no_longer_offers_the_expected_close_date(
    client: Client, staff_manager: User
) -> None:
    opportunity = Stage.objects.get(slug="opportunity")
    client.force_login(staff_manager)

    page = client.get(reverse("admin:funnel_stage_change", args=[opportunity.pk]))
    response = client.post(
        reverse("admin:funnel_stage_change", args=[opportunity.pk]),
        admin_form(opportunity, required_fields=["expected_close_date"]),
    )

    assert 'value="expected_close_date"' not in page.content.decode()
    assert "required_fields" in response.context["adminform"].form.errors
    assert "expected_close_date" not in Stage.objects.get(slug="opportunity").required_fields
    assert not AuditEntry.objects.exists()


def test_the_api_refuses_criteria_no_form_can_fill(staff_manager: User) -> None:
    client = APIClient()
    client.force_authenticate(staff_manager)
    mql = Stage.objects.get(slug="mql")

    response = client.patch(
        f"/api/v1/stages/{mql.pk}/", {"required_fields": ["expected_close_date"]}, format="json"
    )

    assert response.status_code == 400
    assert "required_fields" in response.json()["fields"]
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("change", [change_in_admin, change_in_api], ids=["admin", "api"])
def test_a_stage_is_named_in_each_language(staff_manager: User, change: Any) -> None:
    working = Stage.objects.get(slug="working")
    assert working.name_es == "Trabajando"  # the default funnel's Spanish name

    change(staff_manager, working, name="Nurturing", name_es="Nutriendo")

    working.refresh_from_db()
    with translation.override("es"):
        assert str(working) == working.shown_name == "Nutriendo"
    with translation.override("en"):
        assert str(working) == "Nurturing"
    working.name_es = ""
    with translation.override("es"):
        assert working.shown_name == "Nurturing"  # no Spanish name: the one there is
    [entry] = AuditEntry.objects.filter(object_id=working.pk)
    assert {"field": "name_es", "from": "Trabajando", "to": "Nutriendo"} in entry.changes
