"""The new-lead page: who may open it, what bad input gets, and what a known email does."""

import html
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from funnel.models import ChangeKind, StageChange
from leads.models import Activity, ActivityKind, Lead, Source
from tests.factories import LeadFactory, PersonaFactory
from tests.leads.funnel_steps import walk

pytestmark = pytest.mark.django_db

NEW = reverse("lead_create")


def form_data(**overrides: Any) -> dict[str, Any]:
    """Every field of the form, filled as a marketer would."""
    return {
        "full_name": "Ada Lovelace",
        "email": "ada@engines.example",
        "phone": "+44 20 7946 0000",
        "company": "Analytical Engines",
        "job_title": "Head of Operations",
        "country": "United Kingdom",
        "source": Source.EVENT,
        "campaign": "Spring fair",
        "persona": "",
        "expected_value": "12000.50",
        "note": "Met at the fair; wants a demo.",
        **overrides,
    }


def nothing_saved() -> bool:
    return not (Lead.objects.exists() or StageChange.objects.exists() or Activity.objects.exists())


# Who may open the form


@pytest.mark.parametrize("person", ["marketer", "manager"])
def test_marketers_and_managers_get_the_form_and_the_nav_link(
    client: Client, request: pytest.FixtureRequest, person: str
) -> None:
    client.force_login(request.getfixturevalue(person))

    response = client.get(NEW)

    assert response.status_code == 200
    body = response.content.decode()
    assert f'<a href="{NEW}" aria-current="page">New lead</a>' in body
    for name in form_data():
        assert f'name="{name}"' in body


def test_a_sales_rep_is_told_why_they_cannot_log_leads_and_saves_nothing(
    client: Client, sales_rep: User
) -> None:
    client.force_login(sales_rep)

    shown = client.get(NEW)
    posted = client.post(NEW, form_data())

    for response in (shown, posted):
        assert response.status_code == 403
        body = response.content.decode()
        assert "You cannot log new leads" in body
        assert "Only Marketing and managers log new leads." in body
        assert 'name="full_name"' not in body
    assert nothing_saved()
    home = client.get(reverse("home")).content.decode()
    assert NEW not in home
    assert "New lead" not in home


# Saving


def test_a_marketer_logs_a_lead_with_every_field_and_lands_on_its_page(
    client: Client, marketer: User
) -> None:
    persona = PersonaFactory.create(name="Ops lead")
    client.force_login(marketer)

    response = client.post(NEW, form_data(persona=str(persona.pk)))

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lead_detail", args=[lead.pk])
    assert (lead.full_name, lead.email, lead.phone, lead.company) == (
        "Ada Lovelace",
        "ada@engines.example",
        "+44 20 7946 0000",
        "Analytical Engines",
    )
    assert (lead.job_title, lead.country, lead.source, lead.campaign) == (
        "Head of Operations",
        "United Kingdom",
        Source.EVENT,
        "Spring fair",
    )
    assert (lead.persona, lead.expected_value) == (persona, Decimal("12000.50"))
    assert (lead.stage.slug, lead.marketing_owner) == ("new", marketer)
    assert StageChange.objects.get(lead=lead).kind == ChangeKind.CREATED
    note = Activity.objects.get(lead=lead)
    assert (note.kind, note.body, note.author) == (
        ActivityKind.NOTE,
        "Met at the fair; wants a demo.",
        marketer,
    )

    page = client.get(response["Location"])
    assert "Ada Lovelace was logged in the stage New." in page.content.decode()


def test_the_optional_fields_may_stay_empty(client: Client, marketer: User) -> None:
    client.force_login(marketer)
    required = {"full_name": "Grace Hopper", "email": "grace@navy.example"}

    # The form starts with an expected value of 0, which means "not known yet".
    response = client.post(NEW, {**required, "source": Source.REFERRAL, "expected_value": "0"})

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.company, lead.persona, lead.expected_value) == ("", None, Decimal(0))
    assert not Activity.objects.exists()


# Bad input: a message on the field, nothing saved


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "ada-at-engines", "Enter a valid email address."),
        ("email", "a" * 250 + "@x.example", "Ensure this value has at most 254 characters"),
        ("expected_value", "-0.01", "Ensure this value is greater than or equal to 0."),
        ("expected_value", "lots", "Enter a number."),
        ("persona", "999999", "Select a valid choice."),
        ("source", "carrier-pigeon", "Select a valid choice."),
        ("full_name", "x" * 151, "Ensure this value has at most 150 characters (it has 151)."),
        ("full_name", "   ", "This field is required."),
        ("phone", "1" * 41, "Ensure this value has at most 40 characters (it has 41)."),
        ("company", "c" * 151, "Ensure this value has at most 150 characters (it has 151)."),
        ("job_title", "j" * 121, "Ensure this value has at most 120 characters (it has 121)."),
        ("country", "c" * 81, "Ensure this value has at most 80 characters (it has 81)."),
        ("campaign", "c" * 121, "Ensure this value has at most 120 characters (it has 121)."),
        ("note", "n" * 10_001, "Ensure this value has at most 10000 characters (it has 10001)."),
    ],
)
def test_bad_input_gets_a_message_on_its_field_and_saves_nothing(
    client: Client, marketer: User, field: str, value: str, message: str
) -> None:
    client.force_login(marketer)

    response = client.post(NEW, form_data(**{field: value}))

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]
    body = html.unescape(response.content.decode())
    assert "Nothing was saved. Please correct the fields marked below." in body
    assert message in body
    assert nothing_saved()


def test_an_empty_form_names_each_required_field(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    response = client.post(NEW, {})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"full_name", "email", "source", "expected_value"}
    assert response.content.decode().count("This field is required.") == 4
    assert nothing_saved()


def test_what_was_typed_stays_in_the_form_after_an_error(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    response = client.post(NEW, form_data(email="nope"))

    body = response.content.decode()
    assert 'value="Ada Lovelace"' in body
    assert "Met at the fair; wants a demo.</textarea>" in body


# A known email


def test_a_known_email_in_another_case_with_spaces_names_the_existing_lead(
    client: Client, marketer: User
) -> None:
    existing = LeadFactory.create(
        full_name="Ada King", company="Engines Ltd", email="Ada@Engines.Example"
    )
    client.force_login(marketer)

    response = client.post(NEW, form_data(email="  ADA@engines.EXAMPLE "))

    assert response.status_code == 200
    body = response.content.decode()
    assert "A lead with this email already exists:" in body
    link = reverse("lead_detail", args=[existing.pk])
    assert f'<a href="{link}">Ada King, Engines Ltd</a>' in body
    assert ">New</span>" in body
    assert f'name="add_to_existing" value="{existing.pk}"' in body
    assert "Add these details to the existing lead" in body
    # The details travel with the button, so a click adds exactly what was entered.
    assert '<input type="hidden" name="job_title" value="Head of Operations">' in body
    assert '<input type="hidden" name="note" value="Met at the fair; wants a demo.">' in body
    assert Lead.objects.count() == 1
    assert StageChange.objects.count() == 1
    assert not Activity.objects.exists()


def test_adding_the_details_to_the_existing_lead_fills_it_and_records_it(
    client: Client, marketer: User
) -> None:
    existing = LeadFactory.create(
        full_name="Ada King", company="Engines Ltd", email="Ada@Engines.Example", phone=""
    )
    client.force_login(marketer)

    response = client.post(
        NEW, form_data(email="  ADA@engines.EXAMPLE ", add_to_existing=str(existing.pk))
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("lead_detail", args=[existing.pk])
    existing.refresh_from_db()
    assert (existing.full_name, existing.company, existing.email) == (
        "Ada King",
        "Engines Ltd",
        "Ada@Engines.Example",
    )
    assert (existing.phone, existing.job_title, existing.campaign) == (
        "+44 20 7946 0000",
        "Head of Operations",
        "Spring fair",
    )
    record, note = Activity.objects.filter(lead=existing).order_by("id")
    assert record.kind == ActivityKind.DETAILS
    assert "Added: phone: +44 20 7946 0000; job title: Head of Operations" in record.text
    assert "Also given, not applied: name: Ada Lovelace; company: Analytical Engines" in (
        record.text
    )
    assert note.body == "Met at the fair; wants a demo."
    assert Lead.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "What you entered was added to Ada King; its timeline lists it." in page


def test_the_add_button_never_folds_details_into_a_lead_with_another_email(
    client: Client, marketer: User
) -> None:
    """The person changed the email after the duplicate message: a new lead, the other intact."""
    other = LeadFactory.create(email="grace@navy.example", phone="")
    client.force_login(marketer)

    response = client.post(NEW, form_data(add_to_existing=str(other.pk)))

    assert response.status_code == 302
    assert Lead.objects.count() == 2
    other.refresh_from_db()
    assert other.phone == ""
    assert not Activity.objects.filter(lead=other).exists()


def test_a_mangled_add_button_value_is_an_ordinary_save(client: Client, marketer: User) -> None:
    existing = LeadFactory.create(email="ada@engines.example")
    client.force_login(marketer)

    response = client.post(NEW, form_data(add_to_existing="first"))

    assert response.status_code == 200
    assert response.context["duplicate"] == existing
    assert not Activity.objects.exists()


def test_a_known_email_in_a_sales_stage_offers_only_the_link(
    client: Client, marketer: User, sales_rep: User
) -> None:
    existing = LeadFactory.create(email="ada@engines.example", phone="")
    walk(existing, "working", "mql", "sql", actor=sales_rep)
    client.force_login(marketer)

    shown = client.post(NEW, form_data())
    forced = client.post(NEW, form_data(add_to_existing=str(existing.pk)))

    assert (shown.status_code, forced.status_code) == (200, 403)
    link = reverse("lead_detail", args=[existing.pk])
    for response in (shown, forced):
        body = response.content.decode()
        assert "A lead with this email already exists:" in body
        assert f'href="{link}"' in body
        assert "You may not edit this lead in its current stage." in body
        assert "Add these details to the existing lead" not in body
    existing.refresh_from_db()
    assert existing.phone == ""
    assert not Activity.objects.exists()


def test_the_existing_lead_s_name_is_shown_as_text(client: Client, marketer: User) -> None:
    LeadFactory.create(
        email="ada@engines.example",
        full_name='<script>alert("x")</script>',
        company='<a href="javascript:alert(1)">Evil</a>',
    )
    client.force_login(marketer)

    body = client.post(NEW, form_data()).content.decode()

    assert "<script>alert" not in body
    assert '<a href="javascript:' not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
