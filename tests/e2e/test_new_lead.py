"""A marketer logs a new lead in the browser, and a known email is folded into its lead."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from accounts.roles import Role
from funnel.models import ChangeKind, StageChange
from leads.models import Activity, ActivityKind, Lead, Source
from tests.e2e.conftest import Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, LeadFactory, PersonaFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_new_lead_form(page: Page, live_server: LiveServer, user: User) -> None:
    page.goto(f"{live_server.url}/")
    log_in(page, user.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New lead").click()
    expect(page).to_have_url(f"{live_server.url}/leads/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New lead")


def field_error(page: Page, label: str) -> str:
    """The messages under the field labelled `label`."""
    field = page.locator(".field").filter(has=page.get_by_label(label, exact=True))
    return " ".join(field.locator(".field-error").all_inner_texts())


def test_a_marketer_logs_a_new_lead_and_sees_it_on_its_page_at_once(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, maria: User
) -> None:
    page = laptop
    PersonaFactory.create(name="Operations lead")
    PersonaFactory.create(name="Founder")
    open_new_lead_form(page, live_server, maria)
    screenshot("new-lead-form")

    page.get_by_role("button", name="Save lead").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    for label in ("Name", "Email", "Source"):
        assert field_error(page, label) == "This field is required."
    screenshot("new-lead-errors-empty")

    page.get_by_label("Name", exact=True).fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada-at-engines.example")
    page.get_by_label("Phone").fill("+44 20 7946 0000")
    page.get_by_label("Company").fill("Analytical Engines")
    page.get_by_label("Job title").fill("Head of Operations")
    page.get_by_label("Country").fill("United Kingdom")
    page.get_by_label("Source").select_option(label="Event")
    page.get_by_label("Campaign").fill("Spring fair")
    page.get_by_label("Persona").select_option(label="Operations lead")
    page.get_by_label("Expected value").fill("-250")
    page.get_by_label("Note").fill("Met her at the fair.\nShe wants a demo for 12 people.")
    page.get_by_role("button", name="Save lead").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    assert field_error(page, "Email") == "Enter a valid email address."
    assert field_error(page, "Expected value") == (
        "Ensure this value is greater than or equal to 0."
    )
    assert field_error(page, "Name") == ""
    # What was typed is still there, to be corrected rather than typed again.
    expect(page.get_by_label("Company")).to_have_value("Analytical Engines")
    expect(page.get_by_label("Persona")).to_have_value(
        str(PersonaFactory.create(name="Operations lead").pk)
    )
    expect(page.get_by_label("Note")).to_have_value(
        "Met her at the fair.\nShe wants a demo for 12 people."
    )
    screenshot("new-lead-errors-values")
    assert not Lead.objects.exists()

    page.get_by_label("Email").fill("Ada@Engines.example")
    page.get_by_label("Expected value").fill("12000")
    page.get_by_role("button", name="Save lead").click()

    lead = Lead.objects.get()
    expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/")
    expect(page.get_by_role("status")).to_have_text("Ada Lovelace was logged in the stage New.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.get_by_text("Head of Operations at Analytical Engines")).to_be_visible()
    expect(page.locator(".stage-badge")).to_have_text("New")
    facts = page.get_by_role("complementary", name="About this lead")
    expect(facts).to_contain_text("Maria Lindqvist")
    expect(facts.get_by_role("link", name="Operations lead")).to_be_visible()
    for shown in ("Ada@Engines.example", "+44 20 7946 0000", "United Kingdom", "Event"):
        expect(facts).to_contain_text(shown)
    expect(facts).to_contain_text("Spring fair")
    expect(facts).to_contain_text("12,000.00")
    expect(page.locator("#timeline")).to_contain_text("She wants a demo for 12 people.")
    screenshot("new-lead-saved")

    assert (lead.marketing_owner, lead.stage.slug, lead.source) == (maria, "new", Source.EVENT)
    assert lead.expected_value == Decimal(12000)
    assert StageChange.objects.get(lead=lead).kind == ChangeKind.CREATED


def test_a_known_email_is_not_saved_twice_and_its_new_details_are_added_to_the_lead(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, maria: User
) -> None:
    page = laptop
    existing = LeadFactory.create(
        full_name="Grace Hopper",
        email="Grace@Navy.example",
        company="US Navy",
        phone="",
        job_title="",
        marketing_owner=maria,
    )
    open_new_lead_form(page, live_server, maria)

    page.get_by_label("Name", exact=True).fill("Grace B. Hopper")
    page.get_by_label("Email").fill("  GRACE@navy.EXAMPLE  ")
    page.get_by_label("Phone").fill("+1 202 555 0143")
    page.get_by_label("Company").fill("Remington Rand")
    page.get_by_label("Job title").fill("Rear Admiral")
    page.get_by_label("Source").select_option(label="Referral")
    page.get_by_label("Note").fill("Referred by @maria's old colleague.")
    page.get_by_role("button", name="Save lead").click()

    notice = page.get_by_role("alert")
    expect(notice).to_contain_text("A lead with this email already exists:")
    link = notice.get_by_role("link", name="Grace Hopper, US Navy")
    expect(link).to_have_attribute("href", f"/leads/{existing.pk}/")
    expect(notice.locator(".stage-badge")).to_have_text("New")
    expect(page.get_by_label("Job title")).to_have_value("Rear Admiral")
    # No form to save again under the notice: the lead, the details, or another lead.
    expect(page.get_by_role("button", name="Save lead")).to_be_hidden()
    expect(page.get_by_label("Job title")).to_be_hidden()
    expect(notice.get_by_role("link", name="Open Grace Hopper")).to_be_visible()
    expect(notice.get_by_role("link", name="Log another lead")).to_be_visible()
    screenshot("new-lead-duplicate")
    assert Lead.objects.count() == 1

    page.get_by_role("button", name="Add these details to the existing lead").click()

    expect(page).to_have_url(f"{live_server.url}/leads/{existing.pk}/")
    expect(page.get_by_role("status")).to_have_text(
        "What you entered was added to Grace Hopper; its timeline lists it."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    expect(page.get_by_text("Rear Admiral at US Navy")).to_be_visible()
    expect(page.get_by_role("link", name="+1 202 555 0143")).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Added: phone: +1 202 555 0143; job title: Rear Admiral.")
    expect(timeline).to_contain_text(
        "Also given, not applied: name: Grace B. Hopper; company: Remington Rand; source: Referral."
    )
    expect(timeline).to_contain_text("Referred by @maria's old colleague.")
    screenshot("new-lead-details-added")

    assert Lead.objects.count() == 1
    existing.refresh_from_db()
    assert (existing.email, existing.company, existing.phone) == (
        "Grace@Navy.example",
        "US Navy",
        "+1 202 555 0143",
    )
    kinds = list(Activity.objects.filter(lead=existing).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([ActivityKind.DETAILS, ActivityKind.NOTE])


def test_a_sales_rep_has_no_new_lead_link_and_is_told_why_at_the_address(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot
) -> None:
    page = laptop
    rep = UserFactory.create(username="sam", first_name="Sam", roles=[Role.SALES])
    page.goto(f"{live_server.url}/")
    log_in(page, rep.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sam")
    expect(page.get_by_role("link", name="New lead")).to_have_count(0)

    response = page.goto(f"{live_server.url}/leads/new/")

    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot log new leads")
    expect(page.get_by_text("Only Marketing and managers log new leads.")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)
    screenshot("new-lead-refused")
    expect(page).to_have_url(re.compile(r"/leads/new/$"))


def test_under_the_duplicate_notice_the_entry_can_be_changed_and_saved_as_another_lead(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, maria: User
) -> None:
    page = laptop
    LeadFactory.create(full_name="Grace Hopper", email="grace@navy.example", marketing_owner=maria)
    open_new_lead_form(page, live_server, maria)
    page.get_by_label("Name", exact=True).fill("Grace Brewster")
    page.get_by_label("Email").fill("grace@navy.example")
    page.get_by_label("Source").select_option(label="Referral")
    page.get_by_role("button", name="Save lead").click()
    expect(page.get_by_role("alert")).to_contain_text("A lead with this email already exists:")

    page.get_by_text("Change what you entered (another email address)").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Grace Brewster")
    page.get_by_label("Email").fill("brewster@navy.example")
    screenshot("new-lead-duplicate-changed")
    page.get_by_role("button", name="Save lead").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Brewster")
    assert Lead.objects.filter(email="brewster@navy.example").exists()
    assert Lead.objects.count() == 2
