"""Marketing keeps buyer personas as records; a persona's page shows its leads and conversion."""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.models import Persona, Source
from leads.services import create_lead
from tests.e2e.conftest import Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, PersonaFactory
from tests.leads.funnel_steps import walk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def the_funnel_works_its_leads(persona: Persona, maria: User, sam: User) -> None:
    """Ten leads of the persona as the weeks go: four still with Marketing, two MQLs, three
    claimed by Sam (one won, one lost), one recycled back to Marketing after the claim."""
    people = [
        ("Ada Lovelace", ()),
        ("Alan Turing", ()),
        ("Barbara Liskov", ("working",)),
        ("Claude Shannon", ("working",)),
        ("Donald Knuth", ("working", "mql")),
        ("Edsger Dijkstra", ("working", "mql")),
        ("Frances Allen", ("working", "mql", "sql")),
        ("Grace Hopper", ("working", "mql", "sql", "opportunity", "won")),
        ("John Backus", ("working", "mql", "sql", "opportunity", "lost")),
        ("Ken Thompson", ("working", "mql", "sql", "working")),
    ]
    for name, steps in people:
        email = f"{name.split()[0].lower()}@example.com"
        lead = create_lead(
            details={
                "full_name": name,
                "email": email,
                "company": f"{name.split()[1]} & Co",
                "source": Source.WEBSITE,
                "persona": persona,
            },
            actor=maria,
        )
        walk(lead, *steps, actor=sam)


def test_a_marketer_creates_a_persona_and_follows_its_leads_and_conversion(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page = laptop
    PersonaFactory.create(name="Small business founder", description="Wears every hat.")
    page.goto(f"{live_server.url}/")
    log_in(page, maria.username, PASSWORD)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Personas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buyer personas")
    page.get_by_role("link", name="New persona").click()
    page.get_by_role("button", name="Save persona").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    expect(page.get_by_text("This field is required.")).to_be_visible()

    page.get_by_label("Name").fill("Operations lead")
    page.get_by_label("Description").fill(
        "Runs operations at a 50 to 500 person company.\nReports to the COO."
    )
    page.get_by_label("Pains").fill("Spreadsheets everywhere.\nNo one trusts the numbers.")
    page.get_by_label("Goals").fill("One source of truth for the pipeline.")
    page.get_by_label("Channels").fill("LinkedIn\nOps webinars\n<b>Peer referrals</b>")
    page.get_by_label("Objections").fill("Another tool to learn.")
    page.get_by_label("Typical job titles").fill("Head of Operations\nCOO\nRevOps manager")
    page.get_by_role("button", name="Save persona").click()

    persona = Persona.objects.get(name="Operations lead")
    expect(page).to_have_url(f"{live_server.url}/leads/personas/{persona.pk}/")
    expect(page.get_by_role("status")).to_have_text("The persona Operations lead was saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations lead")
    profile = page.locator(".profile")
    expect(profile.locator("dd").nth(2)).to_have_text("LinkedInOps webinars<b>Peer referrals</b>")
    expect(profile.locator("dd").nth(2).locator("br")).to_have_count(2)
    expect(profile.locator("dd b")).to_have_count(0)
    expect(profile).to_contain_text("RevOps manager")
    expect(page.get_by_text("No lead has this persona yet.")).to_be_visible()

    the_funnel_works_its_leads(persona, maria, sam)
    page.reload()

    conversion = page.locator("table.conversion")
    for step, count, rate in [
        ("Entered the funnel", "10", ""),
        ("Reached MQL", "6", "60%"),
        ("Claimed by Sales (SQL)", "4", "66.7%"),
        ("Reached Opportunity", "2", "50%"),
        ("Won", "1", "50%"),
    ]:
        row = conversion.get_by_role("row").filter(has=page.get_by_role("rowheader", name=step))
        expect(row.get_by_role("cell")).to_have_text([count, rate])
    expect(page.locator(".win-rate")).to_contain_text("Win rate: 50%")
    expect(page.locator(".win-rate")).to_contain_text("1 won, 1 lost")
    leads = page.get_by_role("region", name="Latest leads")
    expect(leads.get_by_role("row")).to_have_count(11)
    expect(leads.get_by_role("row").nth(1)).to_contain_text("Ken Thompson")
    expect(leads.get_by_role("row").nth(1)).to_contain_text("Working")
    expect(leads.get_by_role("link", name="All its leads in the lead list")).to_have_attribute(
        "href", f"/leads/?persona={persona.pk}"
    )
    screenshot("persona-page")

    leads.get_by_role("link", name="Grace Hopper").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    page.get_by_role("link", name="Operations lead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations lead")

    page.get_by_role("link", name="← Personas").click()
    table = page.locator("table.persona-table")
    expect(table.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [
            "Operations lead",
            "Runs operations at a 50 to 500 person company. Reports to the COO.",
            "10",
        ]
    )
    expect(table.get_by_role("row").nth(2).get_by_role("cell")).to_have_text(
        ["Small business founder", "Wears every hat.", "0"]
    )
    screenshot("persona-list")


def test_a_marketer_edits_a_persona_and_a_sales_rep_only_reads_it(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page = laptop
    persona = PersonaFactory.create(name="Operations lead", goals="Fewer tools.")
    page.goto(f"{live_server.url}/leads/personas/{persona.pk}/")
    log_in(page, maria.username, PASSWORD)

    page.get_by_role("link", name="Edit persona").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Operations lead")
    page.get_by_label("Goals").fill("Calm month ends.\nOne pipeline.")
    screenshot("persona-edit")
    page.get_by_role("button", name="Save persona").click()

    expect(page.get_by_role("status")).to_have_text("The persona Operations lead was saved.")
    expect(page.locator(".profile dd").nth(1)).to_have_text("Calm month ends.One pipeline.")
    page.get_by_role("button", name="Log out").click()

    log_in(page, sam.username, PASSWORD)
    page.goto(f"{live_server.url}/leads/personas/{persona.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations lead")
    expect(page.get_by_role("link", name="Edit persona")).to_have_count(0)
    response = page.goto(f"{live_server.url}/leads/personas/{persona.pk}/edit/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_text("Only Marketing and managers edit buyer personas.")).to_be_visible()
    persona.refresh_from_db()
    assert persona.goals.splitlines() == ["Calm month ends.", "One pipeline."]
