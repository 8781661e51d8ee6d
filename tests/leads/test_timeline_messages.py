"""What the product writes on a timeline is stored as message keys with parameters and read
in each reader's language; entries written before are converted where they are recognised."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import User
from funnel.models import Stage
from funnel.services import claim_lead, move_lead, reassign_lead
from leads.models import Activity, ActivityKind, Lead
from leads.services import update_lead
from leads.timeline import lead_timeline
from tests.factories import LeadFactory, PersonaFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("leads.migrations.0009_timeline_message_keys")


@pytest.fixture
def sql(maria: User, sam: User) -> Lead:
    lead = LeadFactory.create(
        full_name="Ada Lovelace",
        company="Engines",
        persona=PersonaFactory.create(name="Ops lead"),
        marketing_owner=maria,
    )
    move_lead(lead_id=lead.pk, to_stage_id=Stage.objects.get(slug="mql").pk, actor=maria)
    return claim_lead(lead_id=lead.pk, rep=sam)


def _newest(lead: Lead) -> Activity:
    return Activity.objects.filter(lead=lead).order_by("-id").first()  # type: ignore[return-value]


def test_a_reassignment_reads_in_each_readers_language(
    sql: Lead, manager: User, sam: User, riley: User
) -> None:
    reassign_lead(lead_id=sql.pk, actor=manager, sales_owner_id=riley.pk)

    entry = _newest(sql)
    assert entry.body == ""
    assert [line["key"] for line in entry.message] == ["reassigned", "owner_changed"]
    assert entry.message[1]["params"] == {
        "role": "sales_owner",
        "old": str(sam),
        "new": str(riley),
        "username": "riley",
    }
    with translation.override("en"):
        assert f"Sales owner: {sam} → {riley} (@riley)." in entry.text
    with translation.override("es"):
        assert entry.text.startswith(f"Reasignado por {manager}.")
        assert f"Propietario de ventas: {sam} → {riley} (@riley)." in entry.text


def test_changed_fields_are_named_in_the_readers_language(sql: Lead, manager: User) -> None:
    update_lead(lead=sql, details={"phone": "+34 600 000 000"}, actor=manager)

    entry = _newest(sql)
    assert entry.message == [{"key": "changed", "params": {"fields": ["phone"]}}]
    with translation.override("en"):
        assert entry.text == "Changed phone."
    with translation.override("es"):
        assert entry.text == "Campos modificados: teléfono."


def test_the_api_gives_the_key_its_parameters_and_the_text(sql: Lead, manager: User) -> None:
    update_lead(lead=sql, details={"company": "Difference Engines"}, actor=manager)
    manager.language = "es"
    manager.save()
    client = APIClient()
    client.force_login(manager)  # a session: the pages' language middleware knows the reader

    # The request activates the reader's language in this thread; the override puts it back.
    with translation.override("en"):
        entries = client.get(f"/api/v1/leads/{sql.pk}/timeline/").json()["results"]

    [changed] = [entry for entry in entries if entry["message"]]
    assert changed["message"] == [{"key": "changed", "params": {"fields": ["company"]}}]
    assert changed["text"] == "Campos modificados: empresa."


def test_the_timeline_reads_the_same_number_of_queries_with_message_keys(
    sql: Lead, manager: User, django_assert_num_queries
) -> None:
    for number in range(5):
        update_lead(lead=sql, details={"phone": f"+34 600 000 00{number}"}, actor=manager)
    with django_assert_num_queries(3):
        page = lead_timeline(lead=sql)
    assert sum(1 for entry in page.entries if entry.message) == 5


@pytest.mark.parametrize(
    ("language", "kind", "body", "message", "rest"),
    [
        (
            "en",
            ActivityKind.DETAILS,
            "Reassigned by Morgan Welch.\nSales owner: nobody → Riley Chen (@riley).",
            [
                {"key": "reassigned", "params": {"who": "Morgan Welch"}},
                {
                    "key": "owner_changed",
                    "params": {
                        "role": "sales_owner",
                        "old": None,
                        "new": "Riley Chen",
                        "username": "riley",
                    },
                },
            ],
            "",
        ),
        (
            "es",
            ActivityKind.DETAILS,
            "Campos modificados: teléfono, empresa.",
            [{"key": "changed", "params": {"fields": ["phone", "company"]}}],
            "",
        ),
        (
            "en",
            ActivityKind.CAPTURE,
            "Captured from the website form “Contact us”.\n\nMessage:\nWe need a compiler.",
            [
                {"key": "captured", "params": {"form": "Contact us"}},
                {"key": "visitor_message", "params": {}},
            ],
            "We need a compiler.",
        ),
        (
            "en",
            ActivityKind.NOTE,
            "@maria this lead is back with Marketing: No budget.\nCall in spring.",
            [
                {
                    "key": "back_with_marketing",
                    "params": {"owner": "maria", "reason": {"en": "No budget", "es": "No budget"}},
                }
            ],
            "Call in spring.",
        ),
    ],
)
def test_entries_written_before_become_message_keys(
    sql: Lead, manager: User, language, kind, body, message, rest
) -> None:
    entry = Activity.objects.create(lead=sql, kind=kind, body=body, author=manager)
    person = Activity.objects.create(
        lead=sql, kind=ActivityKind.NOTE, body="Changed my mind.", author=manager
    )

    migration.to_message_keys(apps, None)

    entry.refresh_from_db()
    person.refresh_from_db()
    assert (entry.message, entry.body) == (message, rest)
    assert (person.message, person.body) == ([], "Changed my mind."), "a person's note stays"
    with translation.override(language):
        assert entry.text.replace("\n\n", "\n") == body.replace("\n\n", "\n")
