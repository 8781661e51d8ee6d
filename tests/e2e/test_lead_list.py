"""Finding leads in the list, as a sales rep does it: search, filter, sort, page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from funnel.models import Stage
from leads.models import Source
from tests.e2e.conftest import LAPTOP, LAPTOP_EN_AND_PHONE_ES, SCREENSHOTS, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, LeadFactory, PersonaFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FILLERS = 56


@pytest.fixture
def leads(marketer: User, sales_rep: User) -> None:
    """A working day's list: two MQLs (one waiting past its 24 hours), a deal, and many new
    leads from the website."""
    now = timezone.now()
    mql = Stage.objects.get(slug="mql")
    founder = PersonaFactory.create(name="Founder")
    LeadFactory.create(
        full_name="Wile Coyote",
        email="wile@acme.example",
        company="ACME Corp.",
        persona=founder,
        source=Source.EVENT,
        campaign="Desert expo",
        stage=mql,
        stage_entered_at=now - timedelta(hours=30),
        created_at=now - timedelta(days=4),
        marketing_owner=marketer,
        expected_value=Decimal("18000"),
    )
    LeadFactory.create(
        full_name="Road Runner",
        email="beep@speedy.example",
        company="Speedy Couriers",
        stage=mql,
        stage_entered_at=now - timedelta(hours=2),
        created_at=now - timedelta(days=3),
        marketing_owner=marketer,
    )
    LeadFactory.create(
        full_name="Hank Scorpio",
        email="hank@globex.example",
        company="Globex",
        persona=founder,
        source=Source.REFERRAL,
        stage=Stage.objects.get(slug="opportunity"),
        stage_entered_at=now - timedelta(days=6),
        created_at=now - timedelta(days=20),
        marketing_owner=marketer,
        sales_owner=sales_rep,
        expected_value=Decimal("125000"),
    )
    for n in range(FILLERS):
        LeadFactory.create(
            full_name=f"Visitor {n:02}",
            email=f"visitor{n}@example.net",
            company="Initech",
            created_at=now - timedelta(minutes=n),
            marketing_owner=marketer,
        )


def test_a_sales_rep_finds_leads_by_search_filters_sort_and_pages(
    page: Page, live_server: LiveServer, screenshot: Screenshot, sales_rep: User, leads: None
) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/")
    log_in(page, sales_rep.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()

    expect(page.get_by_role("heading", name="Leads", level=1)).to_be_visible()
    names = page.locator("#lead-results td.lead-name a")
    expect(names).to_have_count(50)
    screenshot("lead-list")
    # What a laptop shows without scrolling.
    page.screenshot(path=SCREENSHOTS / "lead-list-laptop.png")

    # Search: a lowercase word finds the company written in capitals.
    page.get_by_role("searchbox", name="Search").fill("acme")
    expect(names).to_have_count(1)
    expect(page.locator("#lead-results")).to_contain_text("ACME Corp.")
    expect(names.first).to_have_text("Wile Coyote")
    expect(page).to_have_url(re.compile(r"[?&]q=acme"))
    screenshot("lead-list-search")

    # Filters: the stage, then only the leads waiting past their stage's time limit.
    page.get_by_role("searchbox", name="Search").fill("")
    page.get_by_label("Stage").select_option(label="MQL")
    expect(names).to_have_text(["Road Runner", "Wile Coyote"])
    page.get_by_label("Needs attention only").check()
    expect(names).to_have_text(["Wile Coyote"])
    expect(page.locator("#lead-results .sla-late")).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "lead-list-needs-attention.png")

    # The address is shareable: opening it again shows the same list.
    page.reload()
    expect(page.get_by_label("Stage")).to_have_value("mql")
    expect(page.get_by_label("Needs attention only")).to_be_checked()
    expect(names).to_have_text(["Wile Coyote"])

    # Sort: both MQLs by name, then every lead by expected value.
    page.get_by_label("Needs attention only").uncheck()
    page.get_by_label("Sort by").select_option(label="Name")
    expect(names).to_have_text(["Road Runner", "Wile Coyote"])
    page.get_by_label("Stage").select_option(label="Any stage")
    page.get_by_label("Sort by").select_option(label="Expected value")
    expect(names.nth(0)).to_have_text("Hank Scorpio")
    expect(names.nth(1)).to_have_text("Wile Coyote")

    # Pages: the next 50 come in below the first, without leaving the page.
    page.get_by_role("link", name="Clear all").click()
    expect(names).to_have_count(50)
    page.get_by_role("link", name="Next 50 leads").click()
    expect(names).to_have_count(FILLERS + 3)
    expect(names.last).to_have_text("Hank Scorpio")
    expect(page.get_by_role("link", name="Next 50 leads")).to_have_count(0)
    assert len(set(names.all_inner_texts())) == FILLERS + 3
    screenshot("lead-list-all-pages")


def test_a_link_with_filters_the_list_cannot_read_says_so_and_still_lists(
    page: Page, live_server: LiveServer, sales_rep: User, leads: None
) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, sales_rep.username, PASSWORD)

    page.goto(f"{live_server.url}/leads/?stage=nosuch&created_from=yesterday&source=event")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Some of your filters could not be used and were left out")
    expect(alert).to_contain_text("Stage: Select a valid choice.")
    expect(alert).to_contain_text("Created from: Enter a valid date.")
    # The filter that could be read still applies, and the folded filters are shown open; the
    # controls show only what applies.
    expect(page.locator("#lead-results td.lead-name a")).to_have_text(["Wile Coyote"])
    expect(page.get_by_label("Source")).to_have_value("event")
    expect(page.get_by_label("Stage")).to_have_value("")
    expect(page.get_by_label("Created from")).to_have_value("")
    page.screenshot(path=SCREENSHOTS / "lead-list-bad-filters.png")


@LAPTOP_EN_AND_PHONE_ES
def test_the_list_counts_keeps_its_place_and_finds_phones_and_owners(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    sales_rep: User,
    leads: None,
    viewport: ViewportSize,
    language: str,
) -> None:
    # A name like no lead's: a random one may be a near miss of "Lola Flores".
    sales_rep.first_name, sales_rep.last_name = "Quentin", "Zabrowski"
    sales_rep.language = language
    sales_rep.save(update_fields=["first_name", "last_name", "language"])
    LeadFactory.create(
        full_name="Lola Flores",
        phone="+34 612 34 56 78",
        created_at=timezone.now() - timedelta(days=40),
    )
    words = {
        "en": ("60 leads", "1 lead", "Next 50 leads", "Marketing owner", "Sales owner", "Search"),
        "es": (
            "60 leads",
            "1 lead",
            "Siguientes 50 leads",
            "Propietario de marketing",
            "Propietario de ventas",
            "Buscar",
        ),
    }[language]
    all_leads, one_lead, next_50, marketing, sales, search = words
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/leads/")
    log_in(page, sales_rep.username, PASSWORD)
    results = page.locator("#lead-results")
    names = results.locator("td.lead-name a")

    expect(results.locator(".results-count")).to_have_text(all_leads)
    legend = results.locator(".owner-legend")
    expect(legend.locator(".owner.marketing")).to_have_text(marketing)
    expect(legend.locator(".owner.sales")).to_have_text(sales)
    screenshot(f"lead-list-count-and-legend-{language}")

    # The next rows give the page its own address: Back from a lead, and the address opened
    # again, come back to that place.
    page.get_by_role("link", name=next_50).click()
    expect(names).to_have_count(60)
    expect(page).to_have_url(re.compile(r"[?&]after="))
    shared = page.url
    names.last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lola Flores")
    page.go_back()
    expect(page).to_have_url(shared)
    expect(names.last).to_have_text("Lola Flores")
    page.goto(shared)
    expect(names).to_have_count(10)
    expect(names.last).to_have_text("Lola Flores")
    expect(results.locator(".results-count")).to_have_text(all_leads)

    # A phone number as a person types it, and a colleague's name.
    page.goto(f"{live_server.url}/leads/")
    box = page.get_by_role("searchbox", name=search)
    box.fill("612 345 678")
    expect(names).to_have_text(["Lola Flores"])
    expect(results.locator(".results-count")).to_have_text(one_lead)
    box.fill(str(sales_rep))
    expect(names).to_have_text(["Hank Scorpio"])
    screenshot(f"lead-list-owner-search-{language}")
