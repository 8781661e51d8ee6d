"""Moving leads through the funnel in the browser, as the people who do it: a marketer
qualifies, reps claim from the queue, the sales owner works, wins or recycles a lead."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from funnel.models import ChangeKind, Stage, StageChange
from funnel.services import claim_lead, move_lead
from leads.models import Lead
from tests.e2e.conftest import LAPTOP, PHONE, SCREENSHOTS, Screenshot
from tests.e2e.test_lead_page import open_as, timeline
from tests.factories import LeadFactory, PersonaFactory
from tests.funnel.test_queue import qualified

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fresh(lead: Lead) -> Lead:
    return Lead.objects.select_related("stage", "sales_owner").get(pk=lead.pk)


def test_a_marketer_qualifies_a_lead_once_its_entry_criteria_hold(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, maria: User
) -> None:
    page = laptop
    PersonaFactory.create(name="Engineering lead")
    lead = LeadFactory.create(
        full_name="Ada Lovelace",
        email="ada@engines.example",
        company="",
        persona=None,
        marketing_owner=maria,
        created_at=timezone.now() - timedelta(hours=5),
    )
    open_as(page, live_server, maria, f"/leads/{lead.pk}/")

    page.get_by_role("button", name="Qualify as MQL").click()

    expect(page.get_by_role("alert")).to_have_text(
        "A lead enters MQL only with: company, persona. Fill them in first."
    )
    expect(page.locator(".stage-badge")).to_have_text("New")
    # The browser is back on the lead's address, not the move's.
    expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/#moves")
    screenshot("funnel-refused-move")
    assert fresh(lead).stage.slug == "new"
    assert StageChange.objects.filter(lead=lead).count() == 1

    # Each missing field is a link to it on the edit form.
    page.get_by_role("alert").get_by_role("link", name="persona").click()
    expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/edit/#id_persona")
    expect(page.get_by_label("Persona")).to_be_in_viewport()
    page.get_by_label("Company").fill("Analytical Engines")
    page.get_by_label("Persona").select_option(label="Engineering lead")
    page.get_by_role("button", name="Save details").click()
    page.get_by_role("button", name="Qualify as MQL").click()

    expect(page.get_by_role("status")).to_have_text("Ada Lovelace moved to MQL.")
    expect(page.locator(".stage-badge")).to_have_text("MQL")
    # What the marketer may do now that it waits for Sales.
    moves = page.locator("#moves")
    expect(moves).to_contain_text("It waits for Sales to claim it, within 24 hours")
    for link in ("Add a note for Sales", "Complete its details", "Log another lead"):
        expect(moves.get_by_role("link", name=link)).to_be_visible()
    expect(moves.get_by_text("Take back to Working…")).to_be_visible()
    screenshot("funnel-after-qualifying")
    expect(timeline(page).first).to_contain_text("Maria Lindqvist moved it from New to MQL")
    assert fresh(lead).stage.slug == "mql"


def test_reps_claim_from_the_queue_and_the_slower_one_is_told_who_was_quicker(
    laptop: Page,
    browser: Browser,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    sam: User,
    riley: User,
) -> None:
    page = laptop
    qualified(maria, hours_ago=3.5, full_name="Grace Hopper", company="Compilers Inc")
    oldest = qualified(maria, hours_ago=30.5, full_name="Ada Lovelace", company="Engines Ltd")
    qualified(maria, hours_ago=12.5, full_name="Alan Turing", company="Bletchley Labs")
    open_as(page, live_server, sam, "/")

    page.get_by_role("link", name="MQLs waiting").click()

    rows = page.locator("table.mql-queue tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Ada Lovelace")
    expect(rows.nth(0)).to_contain_text("waiting 30 hours — 6 hours past the 24-hour claim limit")
    expect(rows.nth(0)).to_have_class("past-sla")
    expect(rows.nth(1)).to_contain_text("Alan Turing")
    expect(rows.nth(1)).to_contain_text("waiting 12 hours — 11 hours left of the 24-hour")
    expect(rows.nth(2)).to_contain_text("Grace Hopper")
    screenshot("funnel-mql-queue")

    # Riley opened the queue at the same time, and is slower to click.
    riley_context = browser.new_context(viewport=LAPTOP)
    riley_page = riley_context.new_page()
    open_as(riley_page, live_server, riley, "/funnel/mqls/")

    page.get_by_role("button", name="Claim Ada Lovelace").click()

    expect(page).to_have_url(f"{live_server.url}/leads/{oldest.pk}/")
    expect(page.get_by_role("status")).to_have_text("It's yours: Ada Lovelace is now in SQL.")
    expect(page.locator(".stage-badge")).to_have_text("SQL")
    expect(page.locator(".fact", has_text="Sales")).to_contain_text("Sam Whitaker")

    riley_page.get_by_role("button", name="Claim Ada Lovelace").click()

    expect(riley_page).to_have_url(f"{live_server.url}/funnel/mqls/")
    expect(riley_page.get_by_role("status")).to_have_text(
        "Sam Whitaker claimed this lead a moment earlier."
    )
    expect(riley_page.locator("table.mql-queue tbody tr")).to_have_count(2)
    riley_page.screenshot(path=SCREENSHOTS / "funnel-claim-too-late.png", full_page=True)
    riley_context.close()
    lead = fresh(oldest)
    assert (lead.stage.slug, lead.sales_owner) == ("sql", sam)
    assert StageChange.objects.filter(lead=lead, kind=ChangeKind.CLAIMED).count() == 1


def test_the_sales_owner_works_the_lead_to_a_win(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page = laptop
    lead = qualified(maria, hours_ago=2, full_name="Ada Lovelace", company="Engines Ltd")
    claim_lead(lead_id=lead.pk, rep=sam)
    open_as(page, live_server, sam, f"/leads/{lead.pk}/")

    page.get_by_text("Call", exact=True).click()
    page.get_by_label("Text").fill("Discovery call: they want a pilot for 20 seats.")
    page.get_by_role("button", name="Add to timeline").click()
    expect(timeline(page).first).to_contain_text("they want a pilot")

    page.get_by_text("Move to Opportunity…").click()
    opportunity = page.locator("details.move-moved")
    opportunity.get_by_label("Expected value").fill("0")
    opportunity.get_by_label("Expected close date").fill("2031-06-30")
    opportunity.get_by_role("button", name="Move to Opportunity").click()

    expect(page.locator("details.move-moved .field-error")).to_have_text(
        "Enter an amount above zero."
    )
    expect(page.locator(".stage-badge")).to_have_text("SQL")
    screenshot("funnel-move-field-error")
    page.locator("details.move-moved").get_by_label("Expected value").fill("12500")
    page.locator("details.move-moved").get_by_role("button", name="Move to Opportunity").click()

    expect(page.get_by_role("status")).to_have_text("Ada Lovelace moved to Opportunity.")
    expect(page.locator(".stage-badge")).to_have_text("Opportunity")
    expect(page.locator(".fact", has_text="Expected value")).to_contain_text("12,500.00")
    screenshot("funnel-move-panel-opportunity")

    page.get_by_text("Mark as won…").click()
    won = page.locator("details.move-won")
    won.get_by_label("Amount won").fill("11800")
    won.get_by_role("button", name="Mark as won").click()

    expect(page.get_by_role("status")).to_have_text("Ada Lovelace is won. Well done.")
    expect(page.locator(".stage-badge")).to_have_text("Won")
    expect(page.locator("#moves")).to_have_count(0)
    lead = fresh(lead)
    assert (lead.stage.slug, lead.expected_value) == ("won", 11800)
    assert str(lead.expected_close_date) == "2031-06-30"


def test_the_sales_owner_recycles_a_lead_and_its_marketer_hears_about_it(
    laptop: Page, browser: Browser, live_server: LiveServer, maria: User, sam: User
) -> None:
    page = laptop
    lead = qualified(maria, hours_ago=2, full_name="Grace Hopper", company="Compilers Inc")
    claim_lead(lead_id=lead.pk, rep=sam)
    open_as(page, live_server, sam, f"/leads/{lead.pk}/")

    page.get_by_text("Recycle to Marketing…").click()
    recycle = page.locator("details.move-recycled")
    recycle.get_by_label("Reason").select_option(label="Not ready to buy")
    recycle.get_by_label("Note").fill("Budget opens in Q3; keep them warm.")
    recycle.get_by_role("button", name="Recycle to Marketing").click()

    expect(page.get_by_role("status")).to_have_text(
        "Grace Hopper is back with Marketing, in Working."
    )
    expect(page.locator(".stage-badge")).to_have_text("Working")
    expect(page.locator(".fact", has_text="Sales")).to_contain_text("Not claimed yet")
    assert fresh(lead).stage.slug == "working"

    maria_context = browser.new_context(viewport=LAPTOP)
    maria_page = maria_context.new_page()
    open_as(maria_page, live_server, maria, "/leads/mentions/")
    mention = maria_page.locator(".mention").first
    expect(mention).to_contain_text("Sam Whitaker mentioned you on")
    expect(mention).to_contain_text("Grace Hopper")
    expect(mention).to_contain_text("Not ready to buy")
    expect(mention).to_contain_text("Budget opens in Q3; keep them warm.")
    maria_context.close()
    assert Stage.objects.get(slug="working") == fresh(lead).stage


@pytest.mark.parametrize(
    ("viewport", "language", "names"),
    [
        (
            LAPTOP,
            "en",
            ["Recycle to Marketing…", "Mark as won…", "Mark as lost…"],
        ),
        (
            PHONE,
            "es",
            ["Devolver a Marketing…", "Marcar como ganado…", "Marcar como perdido…"],
        ),
    ],
    ids=["laptop-en", "phone-es"],
)
def test_each_move_of_an_opportunity_is_named_by_its_kind(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    sam: User,
    viewport: dict,
    language: str,
    names: list[str],
) -> None:
    lead = qualified(maria, hours_ago=2, full_name="Ada Lovelace", company="Engines Ltd")
    claim_lead(lead_id=lead.pk, rep=sam)
    opportunity = Stage.objects.get(slug="opportunity")
    move_lead(
        lead_id=lead.pk,
        to_stage_id=opportunity.pk,
        actor=sam,
        value=Decimal(12500),
        close_date=timezone.localdate() + timedelta(days=30),
    )
    sam.language = language
    sam.save()
    page.set_viewport_size(viewport)  # type: ignore[arg-type]
    open_as(page, live_server, sam, f"/leads/{lead.pk}/")

    expect(page.locator("#moves summary")).to_have_text(names)
    screenshot(f"funnel-opportunity-moves-{language}")
