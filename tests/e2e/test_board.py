"""The funnel board in the browser: a marketer drags cards between columns; the service moves
the lead or refuses, and the card lands or goes back with the reason."""

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.models import Lead
from tests.e2e.conftest import LAPTOP, LAPTOP_EN_AND_PHONE_ES, SCREENSHOTS, Screenshot
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
    expect(column(page, "new")).to_contain_text("1 lead · €0 expected")

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


def test_a_rep_claims_an_mql_by_dropping_it_on_sql(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page.set_viewport_size(LAPTOP)
    lead = Funnel(marketer=maria, rep=sam).lead_in("mql", full_name="Ada Lovelace")
    open_as(page, live_server, sam, "/funnel/board/")

    drag(page, card(page, "Ada Lovelace"), column(page, "sql").locator(".board-cards"))

    expect(page.get_by_role("status")).to_have_text("It's yours: Ada Lovelace is now in SQL.")
    expect(column(page, "sql").locator(".board-card")).to_contain_text("Ada Lovelace")
    claimed = Lead.objects.get(pk=lead.pk)
    assert (claimed.stage.slug, claimed.sales_owner) == ("sql", sam)


def test_a_drop_on_opportunity_opens_that_move_s_form_on_the_lead_page(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page.set_viewport_size(LAPTOP)
    lead = Funnel(marketer=maria, rep=sam).lead_in("sql", full_name="Ada Lovelace")
    open_as(page, live_server, sam, "/funnel/board/")

    with page.expect_navigation():
        drag(page, card(page, "Ada Lovelace"), column(page, "opportunity").locator(".board-cards"))

    expect(page.get_by_text("takes a few details: fill them in below.")).to_be_visible()
    expect(page.get_by_label("Expected value")).to_be_visible()
    expect(page.get_by_label("Expected close date")).to_be_in_viewport()
    # Only that move's form is open: the recycle and lost forms, which ask for a reason, are not.
    expect(page.locator("details.move[open]")).to_have_count(1)
    for reason in page.get_by_label("Reason").all():
        expect(reason).to_be_hidden()
    screenshot("board-drop-opens-the-opportunity-form")
    assert Lead.objects.get(pk=lead.pk).stage.slug == "sql"


def test_a_card_dropped_on_a_long_column_stays_in_view(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    funnel = Funnel(marketer=maria, rep=sam)
    for hours in range(24):  # more than a column shows, all longer in Working than the newcomer
        funnel.lead_in("working", hours_ago=200 + hours)
    funnel.lead_in("new", full_name="Ada Lovelace")
    page.set_viewport_size(LAPTOP)
    open_as(page, live_server, maria, "/funnel/board/")

    drag(page, card(page, "Ada Lovelace"), column(page, "working").locator(".board-cards"))

    moved = column(page, "working").locator(".board-card-moved")
    expect(moved).to_contain_text("Ada Lovelace")
    expect(moved).to_be_in_viewport()
    expect(column(page, "working").get_by_role("link", name="and 4 more")).to_be_visible()
    screenshot("board-card-landed")


@LAPTOP_EN_AND_PHONE_ES
def test_a_card_moves_from_the_keyboard_and_the_move_is_read_out(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    sam: User,
    viewport: ViewportSize,
    language: str,
) -> None:
    maria.language = language
    maria.save(update_fields=["language"])
    lead = Funnel(marketer=maria, rep=sam).lead_in("new", full_name="Ada Lovelace")
    page.set_viewport_size(viewport)
    open_as(page, live_server, maria, "/funnel/board/")
    words = {
        "en": ("Move to… (Ada Lovelace)", "Working", "Ada Lovelace moved to Working."),
        "es": ("Mover a… (Ada Lovelace)", "Trabajando", "Ada Lovelace pasó a Trabajando."),
    }[language]

    menu = page.get_by_label(words[0])
    menu.focus()
    page.keyboard.press("Enter")
    screenshot(f"board-move-menu-{language}")
    page.keyboard.press("Tab")
    # The columns are named in the reader's language.
    expect(page.locator(":focus")).to_have_text(words[1])
    with page.expect_response(lambda response: "/funnel/board/leads/" in response.url):
        page.keyboard.press("Enter")

    expect(page.locator("#board-announce")).to_have_text(words[2])
    expect(page.locator("#board-announce")).to_have_attribute("aria-live", "polite")
    expect(column(page, "working")).to_contain_text("Ada Lovelace")
    # The keyboard is back on the card, now on its new column.
    expect(page.locator(":focus")).to_have_accessible_name(words[0])
    expect(column(page, "working").locator(":focus")).to_have_count(1)
    screenshot(f"board-moved-from-the-keyboard-{language}")
    assert Lead.objects.get(pk=lead.pk).stage.slug == "working"
