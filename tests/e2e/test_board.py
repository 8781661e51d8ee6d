"""The funnel board in the browser: a marketer drags cards between columns; the service moves
the lead or refuses, and the card lands or goes back with the reason."""

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.models import Lead
from tests.e2e.conftest import LAPTOP, SCREENSHOTS, Screenshot
from tests.e2e.test_lead_page import open_as, timeline
from tests.factories import LeadFactory, PersonaFactory
from tests.funnel.test_board import Funnel

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def column(page: Page, slug: str) -> Locator:
    return page.locator(f'[data-column="{slug}"]')


def card(page: Page, name: str) -> Locator:
    return page.locator(".board-card").filter(has_text=name)


def drag(page: Page, item: Locator, target: Locator) -> None:
    """Drag with real pointer events, as SortableJS (in fallback mode) expects, and wait for the
    server's answer."""
    item.scroll_into_view_if_needed()
    start = item.locator(".board-card-meta").bounding_box()
    assert start is not None
    page.mouse.move(start["x"] + 5, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(start["x"] + 20, start["y"] + 20, steps=5)
    target.scroll_into_view_if_needed()
    end = target.bounding_box()
    assert end is not None
    with page.expect_response(lambda response: "/funnel/board/leads/" in response.url):
        page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 30, steps=15)
        page.mouse.up()


def test_a_marketer_drags_a_new_lead_to_working(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page.set_viewport_size(LAPTOP)
    lead = Funnel(marketer=maria, rep=sam).lead_in("new", full_name="Ada Lovelace", hours_ago=3)
    open_as(page, live_server, maria, "/funnel/board/")
    expect(column(page, "new")).to_contain_text("1 lead · 0 expected")

    drag(page, card(page, "Ada Lovelace"), column(page, "working").locator(".board-cards"))

    expect(page.get_by_role("status")).to_have_text("Ada Lovelace moved to Working.")
    expect(column(page, "working").locator(".board-card")).to_have_count(1)
    expect(column(page, "working")).to_contain_text("Ada Lovelace")
    expect(column(page, "new").locator(".board-card")).to_have_count(0)
    assert Lead.objects.get(pk=lead.pk).stage.slug == "working"

    column(page, "working").get_by_role("link", name="Ada Lovelace").click()
    expect(page.locator(".stage-badge")).to_have_text("Working")
    expect(timeline(page).first).to_contain_text("Working")


def test_a_drop_into_mql_without_company_and_persona_is_refused_and_the_card_returns(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User
) -> None:
    page.set_viewport_size(LAPTOP)
    lead = LeadFactory.create(
        full_name="Grace Hopper", company="", persona=None, marketing_owner=maria
    )
    open_as(page, live_server, maria, "/funnel/board/")

    drag(page, card(page, "Grace Hopper"), column(page, "mql").locator(".board-cards"))

    expect(page.get_by_role("alert")).to_have_text(
        "A lead enters MQL only with: company, persona. Fill them in first."
    )
    expect(column(page, "new")).to_contain_text("Grace Hopper")
    expect(column(page, "mql").locator(".board-card")).to_have_count(0)
    screenshot("board-refused-drop")
    assert Lead.objects.get(pk=lead.pk).stage.slug == "new"


# Where ~60 leads stand, with how long ago they got there (hours).
REALISTIC = {
    "new": [2, 5, 9, 20, 30, 52, 70, 100, 3, 7, 14],
    "working": [30, 80, 200, 400, 800, 12, 60, 150, 300],
    "mql": [1, 4, 10, 26, 40, 8],
    "sql": [6, 20, 50, 90, 30, 2, 15],
    "opportunity": [48, 200, 500, 1200, 100, 24, 700],
    "won": [10, 100, 300, 600],
    "lost": [20, 200, 400],
}


def test_the_board_with_a_realistic_funnel_at_laptop_size(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User, riley: User
) -> None:
    personas = [
        PersonaFactory.create(name=name)
        for name in ("Engineering lead", "Head of marketing", "Operations manager", "CFO")
    ]
    teams = [Funnel(marketer=maria, rep=sam), Funnel(marketer=maria, rep=riley)]
    created = 0
    for slug, hours in REALISTIC.items():
        for index, hours_ago in enumerate(hours):
            teams[index % 2].lead_in(
                slug,
                hours_ago=hours_ago,
                value=f"{(index + 2) * 12400}.00",
                persona=personas[index % len(personas)],
            )
            created += 1
    for _ in range(22):  # enough to fill New past its 20 cards
        teams[0].lead_in("new", hours_ago=1, persona=personas[0])
        created += 1
    page.set_viewport_size(LAPTOP)

    open_as(page, live_server, sam, "/funnel/board/")

    expect(page.locator(".board-column")).to_have_count(len(REALISTIC))
    expect(column(page, "new").locator(".board-card")).to_have_count(20)
    expect(column(page, "new").get_by_role("link", name="and 13 more")).to_be_visible()
    expect(column(page, "new").locator(".board-card.past-sla")).to_have_count(3)
    assert created == Lead.objects.count()
    # What a laptop shows without scrolling: the first five columns.
    page.screenshot(path=SCREENSHOTS / "board-realistic-laptop.png")
    screenshot("board-realistic")
