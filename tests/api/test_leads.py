"""Leads through the API: found with the lead list's own filters, logged, read and edited under
the lead page's rules, their timelines read and written; personas."""

from decimal import Decimal
from typing import Any

import pytest
from django.forms import ModelForm
from django.test import Client
from django.utils import timezone
from rest_framework import serializers

from accounts.models import User
from funnel.models import StageChange
from funnel.selectors import LeadInStage
from leads.forms import LeadForm, NewLeadForm, PersonaForm
from leads.models import Activity, ActivityKind, Lead, Persona
from leads.serializers import (
    LeadSerializer,
    LeadWriteSerializer,
    NewLeadSerializer,
    PersonaSerializer,
)
from tests.api.conftest import ClientFor, claimed, stage
from tests.factories import LeadFactory, PersonaFactory

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"
NEW = {"full_name": "Ada Lovelace", "email": "ada@engines.example", "source": "event"}


def lead_url(lead: Lead, action: str = "") -> str:
    return f"{LEADS}{lead.pk}/{action + '/' if action else ''}"


# The list


def test_the_list_uses_the_lead_lists_filters_search_and_sort(
    client_for: ClientFor, marketer: User
) -> None:
    LeadFactory.create(full_name="Wile Coyote", company="ACME Corp.", stage=stage("working"))
    LeadFactory.create(full_name="Road Runner", company="ACME Corp.")
    LeadFactory.create(full_name="Hank Scorpio", company="Globex", stage=stage("working"))
    api = client_for(marketer)

    found = api.get(LEADS, {"q": "acme", "stage": "working"}).json()
    by_name = api.get(LEADS, {"sort": "name"}).json()

    assert [lead["full_name"] for lead in found["results"]] == ["Wile Coyote"]
    assert found["results"][0]["stage"]["slug"] == "working"
    assert [lead["full_name"] for lead in by_name["results"]] == [
        "Hank Scorpio",
        "Road Runner",
        "Wile Coyote",
    ]


def test_the_list_pages_by_cursor(client_for: ClientFor, marketer: User) -> None:
    for number in range(5):
        LeadFactory.create(full_name=f"Lead {number}", created_at=timezone.now())
    api = client_for(marketer)

    first = api.get(LEADS, {"page_size": "2", "sort": "name"}).json()
    second = api.get(
        LEADS, {"page_size": "2", "sort": "name", "after": first["next_cursor"]}
    ).json()
    by_link = api.get(first["next"]).json()

    assert [lead["full_name"] for lead in first["results"]] == ["Lead 0", "Lead 1"]
    assert [lead["full_name"] for lead in second["results"]] == ["Lead 2", "Lead 3"]
    assert by_link == second


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"stage": "nowhere"}, "stage"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_from": "2030-02-01", "created_to": "2030-01-01"}, "created_to"),
        ({"sort": "shoe size"}, "sort"),
        ({"after": "forged"}, "after"),
        ({"page_size": 1000}, "page_size"),
        ({"q": "x\x00y"}, "q"),
    ],
)
def test_a_filter_the_list_cannot_read_is_a_field_error(
    client_for: ClientFor, marketer: User, query: dict[str, Any], field: str
) -> None:
    response = client_for(marketer).get(LEADS, query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


# Creating


def test_a_marketer_logs_a_lead_with_a_note(client_for: ClientFor, marketer: User) -> None:
    persona = PersonaFactory.create()

    response = client_for(marketer).post(
        LEADS, {**NEW, "persona": persona.pk, "note": "Met at the summit"}, format="json"
    )

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert response["Location"] == lead_url(lead)
    assert response.json()["stage"]["slug"] == "new"
    assert lead.marketing_owner == marketer
    assert lead.persona == persona
    assert Activity.objects.get(lead=lead).body == "Met at the summit"
    assert StageChange.objects.filter(lead=lead).count() == 1


def test_a_second_lead_with_a_known_email_is_a_conflict_naming_the_existing_lead(
    client_for: ClientFor, marketer: User
) -> None:
    existing = LeadFactory.create(email="ada@engines.example", full_name="Ada")

    response = client_for(marketer).post(
        LEADS, {**NEW, "email": "ADA@Engines.example"}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_email"
    assert body["existing_lead"]["id"] == existing.pk
    assert body["existing_lead"]["url"].endswith(lead_url(existing))
    assert Lead.objects.count() == 1


def test_sales_may_not_log_leads_and_nothing_is_created(
    client_for: ClientFor, sales_rep: User
) -> None:
    response = client_for(sales_rep).post(LEADS, NEW, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert not Lead.objects.exists()


def test_bad_fields_are_named_and_nothing_is_created(client_for: ClientFor, marketer: User) -> None:
    response = client_for(marketer).post(
        LEADS,
        {
            "full_name": "",
            "email": "not an email",
            "source": "carrier pigeon",
            "expected_value": "-5",
            "persona": 999999,
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "full_name",
        "email",
        "source",
        "expected_value",
        "persona",
    }
    assert not Lead.objects.exists()


PROTECTED = {
    "stage": None,
    "marketing_owner": None,
    "sales_owner": None,
    "score": 99,
    "created_at": "2001-01-01T00:00:00Z",
    "updated_at": "2001-01-01T00:00:00Z",
    "stage_entered_at": "2001-01-01T00:00:00Z",
    "id": 424242,
    "past_sla": True,
}


def test_creating_ignores_the_fields_people_do_not_type(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    sent = {
        **PROTECTED,
        "stage": stage("won").pk,
        "marketing_owner": sales_rep.pk,
        "sales_owner": sales_rep.pk,
    }

    response = client_for(marketer).post(LEADS, {**NEW, **sent}, format="json")

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert lead.pk != 424242
    assert lead.stage.slug == "new"
    assert lead.marketing_owner == marketer
    assert lead.sales_owner is None
    assert lead.created_at.year == timezone.now().year
    assert StageChange.objects.filter(lead=lead).count() == 1


def test_updating_ignores_the_fields_people_do_not_type(
    client_for: ClientFor, marketer: User, sales_rep: User, manager: User
) -> None:
    lead = LeadFactory.create(marketing_owner=marketer)
    before = dict(Lead.objects.filter(pk=lead.pk).values().get())
    sent = {
        **PROTECTED,
        "stage": stage("won").pk,
        "marketing_owner": sales_rep.pk,
        "sales_owner": sales_rep.pk,
        "company": "Renamed Inc.",
    }

    response = client_for(manager).patch(lead_url(lead), sent, format="json")

    assert response.status_code == 200
    after = dict(Lead.objects.filter(pk=lead.pk).values().get())
    assert after["company"] == "Renamed Inc."
    changed = {field for field in after if after[field] != before[field]}
    assert changed == {"company", "search_text", "updated_at"}
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    "value",
    [["Ada"], {"first": "Ada"}, True, None],
    ids=["a list", "an object", "true", "null"],
)
def test_a_value_the_form_would_misread_as_text_is_refused(
    client_for: ClientFor, marketer: User, value: object
) -> None:
    """The page's form reads any value as its text; the API refuses what JSON cannot mean as
    text, and changes nothing."""
    lead = LeadFactory.create(marketing_owner=marketer, company="Before")
    api = client_for(marketer)

    created = api.post(LEADS, {**NEW, "full_name": value}, format="json")
    changed = api.patch(lead_url(lead), {"company": value, "phone": "123"}, format="json")

    for response in (created, changed):
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    assert list(created.json()["fields"]) == ["full_name"]
    assert list(changed.json()["fields"]) == ["company"]
    lead.refresh_from_db()
    assert (lead.company, lead.phone, Lead.objects.count()) == ("Before", "", 1)


def test_the_api_refuses_a_lead_with_the_pages_own_sentences(
    client: Client, client_for: ClientFor, marketer: User
) -> None:
    """One set of rules: the body goes through the lead page's form, so the API refuses what
    the page refuses, in the same words."""
    bad = {**NEW, "full_name": "x" * 151, "persona": 999999, "expected_value": "-1"}
    client.force_login(marketer)

    api = client_for(marketer).post(LEADS, bad, format="json").json()["fields"]
    page = client.post("/leads/new/", bad).context["form"].errors.get_json_data()

    assert set(api) == {"full_name", "persona", "expected_value"}
    assert api == {field: [error["message"] for error in page[field]] for field in api}
    assert not Lead.objects.exists()


def test_a_change_sends_and_changes_only_its_fields(client_for: ClientFor, marketer: User) -> None:
    persona = PersonaFactory.create()
    lead = LeadFactory.create(marketing_owner=marketer, persona=persona, phone="+1 555")

    response = client_for(marketer).patch(
        lead_url(lead), {"email": "  NEW@example.org ", "persona": None}, format="json"
    )

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.email, lead.persona, lead.phone) == ("NEW@example.org", None, "+1 555")
    details = Activity.objects.get(lead=lead, kind=ActivityKind.DETAILS)
    assert "phone" not in details.text.lower()


@pytest.mark.parametrize(
    ("described", "form"),
    [
        (NewLeadSerializer, NewLeadForm),
        (LeadWriteSerializer, LeadForm),
        (PersonaSerializer, PersonaForm),
    ],
    ids=["new lead", "change", "persona"],
)
def test_the_schema_describes_the_forms_the_api_reads_bodies_with(
    described: type[serializers.Serializer[Any]], form: type[ModelForm[Any]]
) -> None:
    fields = {name: field for name, field in described().fields.items() if not field.read_only}

    assert list(fields) == list(form.base_fields)
    for name, field in form.base_fields.items():
        assert getattr(fields[name], "max_length", None) == getattr(field, "max_length", None)


def test_the_schema_requires_what_the_form_requires_and_does_not_fill_in() -> None:
    """A new lead's body is read on top of the form's first values, as the page shows them."""
    shown = NewLeadForm()
    filled_in = {name for name in shown.fields if shown[name].initial not in ("", None)}
    required = {name for name, field in NewLeadForm.base_fields.items() if field.required}

    described = {name for name, field in NewLeadSerializer().fields.items() if field.required}

    assert described == required - filled_in == {"full_name", "email", "source"}


# Reading and editing


def test_a_lead_reads_as_on_its_page(client_for: ClientFor, sales_rep: User) -> None:
    lead = LeadFactory.create(expected_value=Decimal("1250.50"))

    body = client_for(sales_rep).get(lead_url(lead)).json()

    assert body["id"] == lead.pk
    assert body["expected_value"] == "1250.50"
    assert body["stage"] == {
        "id": lead.stage_id,
        "slug": "new",
        "name": "New",
        "team": "marketing",
        "outcome": "open",
    }
    assert body["past_sla"] is False


def test_an_unknown_lead_is_not_found(client_for: ClientFor, marketer: User) -> None:
    for path in (f"{LEADS}987654/", f"{LEADS}987654/timeline/", f"{LEADS}99999999999999999999/"):
        response = client_for(marketer).get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_editing_follows_the_lead_pages_rule(
    client_for: ClientFor, marketer: User, sales_rep: User, rep2: User
) -> None:
    """Marketers edit leads in marketing stages; in sales stages only the sales owner."""
    mine = claimed(marketer, sales_rep, company="Before")

    by_marketer = client_for(marketer).patch(lead_url(mine), {"company": "M"}, format="json")
    by_other_rep = client_for(rep2).patch(lead_url(mine), {"company": "R2"}, format="json")
    by_owner = client_for(sales_rep).patch(lead_url(mine), {"company": "Owner"}, format="json")

    assert by_marketer.status_code == 403
    assert by_other_rep.status_code == 403
    assert by_owner.status_code == 200
    mine.refresh_from_db()
    assert mine.company == "Owner"


def test_an_edit_to_a_taken_email_is_a_conflict_and_changes_nothing(
    client_for: ClientFor, marketer: User
) -> None:
    LeadFactory.create(email="taken@example.org")
    lead = LeadFactory.create(email="mine@example.org", company="Same")

    response = client_for(marketer).patch(
        lead_url(lead), {"email": "TAKEN@example.org", "company": "Other"}, format="json"
    )

    assert response.status_code == 409
    lead.refresh_from_db()
    assert (lead.email, lead.company) == ("mine@example.org", "Same")


def test_a_refused_edit_is_checked_before_the_fields(
    client_for: ClientFor, sales_rep: User
) -> None:
    lead = LeadFactory.create()

    response = client_for(sales_rep).patch(lead_url(lead), {"email": "bad"}, format="json")

    assert response.status_code == 403


# The timeline


def test_the_timeline_reads_newest_first_and_pages(client_for: ClientFor, marketer: User) -> None:
    lead = LeadFactory.create(marketing_owner=marketer)
    api = client_for(marketer)
    for number in range(35):
        api.post(lead_url(lead, "notes"), {"body": f"note {number}"}, format="json")

    first = api.get(lead_url(lead, "timeline")).json()
    older = api.get(first["next"]).json()

    assert first["results"][0]["text"] == "note 34"
    assert len(first["results"]) == 30
    assert older["results"][-1]["kind"] == "created"
    assert older["next_cursor"] is None
    assert len(older["results"]) == 6


def test_a_note_mentions_a_colleague(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = LeadFactory.create()

    response = client_for(marketer).post(
        lead_url(lead, "notes"), {"body": "@rep have a look"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["mentioned"] == ["rep"]
    assert sales_rep.mentions.count() == 1


def test_a_bad_timeline_cursor_is_a_field_error(client_for: ClientFor, marketer: User) -> None:
    lead = LeadFactory.create()

    response = client_for(marketer).get(lead_url(lead, "timeline"), {"before": "1.x.2"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["before"]


def test_an_empty_note_is_refused(client_for: ClientFor, marketer: User) -> None:
    lead = LeadFactory.create()

    response = client_for(marketer).post(lead_url(lead, "notes"), {"body": "  "}, format="json")

    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_a_note_naming_nobody_is_refused_as_on_the_lead_page(
    client_for: ClientFor, marketer: User
) -> None:
    lead = LeadFactory.create()

    response = client_for(marketer).post(
        lead_url(lead, "notes"), {"body": "@nobody-here have a look"}, format="json"
    )

    assert response.status_code == 400
    assert "@nobody-here" in response.json()["fields"]["body"][0]
    assert not Activity.objects.exists()


def test_a_note_is_a_note_whatever_kind_the_body_names(
    client_for: ClientFor, marketer: User
) -> None:
    lead = LeadFactory.create()

    response = client_for(marketer).post(
        lead_url(lead, "notes"), {"body": "Met at the fair", "kind": "call"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["kind"]
    assert not Activity.objects.exists()


def test_people_outside_the_teams_may_not_write_notes(
    client_for: ClientFor, outsider: User
) -> None:
    lead = LeadFactory.create()

    response = client_for(outsider).post(lead_url(lead, "notes"), {"body": "hi"}, format="json")

    assert response.status_code == 403
    assert not Activity.objects.exists()


# Personas


def test_personas_are_read_by_all_and_written_by_marketing(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    persona = PersonaFactory.create(name="Engineering lead")
    LeadFactory.create(persona=persona)

    listed = client_for(sales_rep).get("/api/v1/personas/").json()
    detail = client_for(sales_rep).get(f"/api/v1/personas/{persona.pk}/").json()
    by_rep = client_for(sales_rep).post("/api/v1/personas/", {"name": "CFO"}, format="json")
    by_marketer = client_for(marketer).post("/api/v1/personas/", {"name": "CFO"}, format="json")
    renamed = client_for(marketer).patch(
        f"/api/v1/personas/{persona.pk}/", {"pains": "Slow releases"}, format="json"
    )
    duplicate = client_for(marketer).post("/api/v1/personas/", {"name": "CFO"}, format="json")

    assert listed == [{**listed[0], "name": "Engineering lead", "lead_count": 1}]
    assert detail["conversion"]["steps"][0]["count"] == 1
    assert by_rep.status_code == 403
    assert by_marketer.status_code == 201
    assert renamed.json()["pains"] == "Slow releases"
    assert duplicate.status_code == 400
    assert Persona.objects.count() == 2


def test_the_written_out_lead_answer_is_drfs_own(marketer: User, sales_rep: User) -> None:
    """LeadSerializer writes its answer out for speed; it must equal DRF's field by field walk
    over the lead with the same declared fields, for every kind of value (nulls, owners, dates,
    money), with the stage clock from the read model."""
    bare = LeadFactory.create(persona=None, marketing_owner=None)
    full = claimed(marketer, sales_rep, expected_value=Decimal("1234.5"))
    Lead.objects.filter(pk=full.pk).update(expected_close_date="2031-02-03")
    for lead in (bare, full):
        lead.refresh_from_db()
        fast = LeadSerializer(LeadInStage(lead=lead, past_sla=True)).data
        walker = LeadSerializer()
        del walker.fields["past_sla"]
        walked = serializers.ModelSerializer.to_representation(walker, lead)
        assert fast == {**walked, "past_sla": True}
