"""Every service that changes what people configure writes its history row in the same
transaction: who, which object, each field from what to what; a refused change writes none."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.roles import Role
from accounts.tokens import TokenRefused, create_token, revoke_token
from audit.models import Action, AuditEntry
from funnel.configuration import delete_configuration, save_configuration
from funnel.goals import GoalTerms, change_revenue_goal, delete_revenue_goal, set_revenue_goal
from funnel.models import Reason, ReasonKind, Stage
from funnel.periods import quarter
from leads.capture import save_capture_form
from leads.models import CaptureForm, Persona
from leads.services import save_persona
from smarketing.errors import Conflict, NotAllowed
from tests.factories import CaptureFormFactory, LeadFactory, PersonaFactory, UserFactory

pytestmark = pytest.mark.django_db


def changes(entry: AuditEntry) -> dict[str, tuple[object, object]]:
    return {line["field"]: (line["from"], line["to"]) for line in entry.changes}


def only_entry() -> AuditEntry:
    [entry] = AuditEntry.objects.all()
    return entry


def test_a_stage_change_records_each_changed_field(manager: User) -> None:
    mql = Stage.objects.get(slug="mql")
    mql.sla_hours, mql.required_fields = 36, ["company", "persona", "phone"]

    save_configuration(item=mql, actor=manager)

    entry = only_entry()
    assert (entry.actor, entry.object_id, entry.object_repr) == (manager, mql.pk, "MQL")
    assert entry.content_type.model_class() is Stage
    assert entry.action == Action.CHANGED
    assert changes(entry) == {
        "sla_hours": (24, 36),
        "required_fields": (["company", "persona"], ["company", "persona", "phone"]),
    }


def test_saving_a_stage_unchanged_records_nothing(manager: User) -> None:
    save_configuration(item=Stage.objects.get(slug="mql"), actor=manager)

    assert not AuditEntry.objects.exists()


def test_a_refused_configuration_change_writes_nothing(marketer: User) -> None:
    mql = Stage.objects.get(slug="mql")
    mql.sla_hours = 1

    with pytest.raises(NotAllowed, match="Only managers change the funnel"):
        save_configuration(item=mql, actor=marketer)

    assert Stage.objects.get(slug="mql").sla_hours == 24
    assert not AuditEntry.objects.exists()


def test_a_new_reason_records_what_it_was_created_with(manager: User) -> None:
    reason = Reason(kind=ReasonKind.LOST, slug="gone", label="Gone quiet")

    save_configuration(item=reason, actor=manager)

    entry = only_entry()
    assert entry.action == Action.CREATED
    assert changes(entry) == {
        "kind": (None, "lost"),
        "label": (None, "Gone quiet"),
        "slug": (None, "gone"),
        "position": (None, 0),
        "active": (None, True),
    }


def test_deleting_a_stage_in_use_is_refused_and_an_unused_one_is_recorded() -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    LeadFactory.create()
    spare = save_configuration(
        item=Stage(slug="spare", name="Spare", position=90, team="marketing", probability=1),
        actor=admin,
    )
    AuditEntry.objects.all().delete()

    with pytest.raises(Conflict, match="cannot be deleted"):
        delete_configuration(item=Stage.objects.get(slug="new"), actor=admin)
    assert not AuditEntry.objects.exists()

    delete_configuration(item=spare, actor=admin)
    entry = only_entry()
    assert (entry.action, entry.object_repr) == (Action.DELETED, "Spare")
    assert changes(entry)["slug"] == ("spare", None)
    assert not Stage.objects.filter(slug="spare").exists()


def test_goals_record_their_setting_changing_and_deleting(manager: User) -> None:
    terms = GoalTerms(amount=Decimal(250_000), marketing_share=70)
    goal = set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=terms)
    created = only_entry()
    assert created.action == Action.CREATED
    assert changes(created)["amount"] == (None, "250000.00")

    change_revenue_goal(
        goal_id=goal.pk,
        actor=manager,
        period=quarter(2027, 1),
        terms=GoalTerms(amount=Decimal("300000.00"), marketing_share=70),
    )
    changed = AuditEntry.objects.latest("id")
    assert changes(changed) == {"amount": ("250000.00", "300000.00")}

    delete_revenue_goal(goal_id=goal.pk, actor=manager)
    deleted = AuditEntry.objects.latest("id")
    assert deleted.action == Action.DELETED
    assert AuditEntry.objects.count() == 3


def test_a_refused_goal_writes_nothing(manager: User, marketer: User) -> None:
    terms = GoalTerms(amount=Decimal(1000))
    set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=terms)
    AuditEntry.objects.all().delete()

    with pytest.raises(Conflict):
        set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=terms)
    with pytest.raises(NotAllowed):
        set_revenue_goal(actor=marketer, period=quarter(2027, 2), terms=terms)

    assert not AuditEntry.objects.exists()


def test_a_persona_change_is_recorded(marketer: User, sales_rep: User) -> None:
    persona = PersonaFactory.create(name="Ops lead", pains="Slow")
    persona.pains = "Spreadsheets"

    save_persona(persona=persona, actor=marketer)

    assert changes(only_entry()) == {"pains": ("Slow", "Spreadsheets")}
    persona.pains = "Nothing"
    with pytest.raises(NotAllowed):
        save_persona(persona=persona, actor=sales_rep)
    assert AuditEntry.objects.count() == 1
    assert Persona.objects.get(pk=persona.pk).pains == "Spreadsheets"


def test_a_website_form_change_names_the_owner_and_never_the_key(
    manager: User, marketer: User
) -> None:
    form = CaptureFormFactory.create(name="Pricing page")
    form.owner, form.enabled = marketer, False

    save_capture_form(form=form, actor=manager)

    entry = only_entry()
    assert changes(entry) == {"owner": (None, str(marketer)), "enabled": (True, False)}
    assert form.public_key not in json.dumps(entry.changes)
    assert CaptureForm.objects.get(pk=form.pk).owner == marketer


def test_tokens_are_recorded_without_their_secret(marketer: User) -> None:
    new = create_token(user=marketer, name="Zapier", lifetime_days=30)
    revoke_token(user=marketer, token_id=new.token.pk)

    created, revoked = AuditEntry.objects.order_by("id")
    assert (created.action, revoked.action) == (Action.CREATED, Action.DELETED)
    assert created.actor == revoked.actor == marketer
    assert changes(created)["name"] == (None, "Zapier")
    assert changes(created)["user"] == (None, str(marketer))
    secret = new.secret.rsplit("_", 1)[1]
    for entry in (created, revoked):
        written = json.dumps([entry.object_repr, entry.changes])
        assert secret not in written
        assert new.token.secret_hash not in written
    assert not ApiToken.objects.exists()


def test_a_refused_token_and_a_revoke_of_nothing_write_nothing(marketer: User) -> None:
    with pytest.raises(TokenRefused):
        create_token(user=marketer, name="  ")

    assert revoke_token(user=marketer, token_id=12345) is False
    assert not AuditEntry.objects.exists()


def test_the_admin_records_a_change_of_roles(client: Client) -> None:
    admin = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    person = UserFactory.create(username="paula", first_name="Paula", roles=[Role.MARKETING])
    managers = Group.objects.get(name=Role.MANAGERS.value)
    client.force_login(admin)

    response = client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        {
            "username": "paula",
            "first_name": "Paula",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "groups": [managers.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "language": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = only_entry()
    assert (entry.actor, entry.object_repr) == (admin, "Paula")
    assert changes(entry) == {
        "groups": (["Marketing"], ["Managers"]),
        "is_staff": (False, True),
    }
    assert set(person.groups.values_list("name", flat=True)) == {"Managers"}
    assert "password" not in json.dumps(entry.changes)
