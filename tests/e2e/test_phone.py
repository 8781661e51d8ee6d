"""The main pages on a phone (390x844), in English and Spanish: nothing scrolls sideways, the
navigation folds into a menu, and each page's main action is on the screen."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from leads.models import Lead
from tests.e2e.conftest import LAPTOP, PHONE, Screenshot
from tests.e2e.main_pages import horizontal_overflow, log_in_as, main_pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def expect_on_screen(page: Page, selector: str, *, first_screen: bool = False) -> None:
    element = page.locator(selector).first
    expect(element).to_be_visible()
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    assert box is not None
    width = page.evaluate("window.innerWidth")
    assert box["x"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= width, (selector, box, width)
    if first_screen:
        page.evaluate("window.scrollTo(0, 0)")
        box = element.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= PHONE["height"], (selector, box)


def expect_inside(page: Page, selector: str, container: str) -> None:
    box = page.locator(selector).first.bounding_box()
    outer = page.locator(container).first.bounding_box()
    assert box is not None
    assert outer is not None
    assert box["x"] + box["width"] <= outer["x"] + outer["width"], (selector, box, outer)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_main_pages_fit_a_phone_and_keep_their_main_action_on_screen(
    page: Page, live_server: LiveServer, screenshot: Screenshot, demo: Lead, language: str
) -> None:
    page.set_viewport_size(PHONE)
    log_in_as(page, live_server, "sam", language)

    for main_page in main_pages(demo):
        page.goto(f"{live_server.url}{main_page.path}")
        assert horizontal_overflow(page) == 0, f"{main_page.name} scrolls sideways"
        # The queue's Claim was off screen to the right; now the first one is in the first screen.
        expect_on_screen(page, main_page.primary, first_screen=main_page.name == "mql-queue")
        if main_page.name == "leads":
            # "Clear all" stuck out of the filter card.
            expect_inside(page, ".filters-actions a", ".lead-filters")
        screenshot(f"phone-{language}-{main_page.name}")

    # A manager's home shows the team's goal rather than the rep's day.
    page.context.clear_cookies()
    log_in_as(page, live_server, "morgan", language)
    assert horizontal_overflow(page) == 0, "the manager's home scrolls sideways"
    expect_on_screen(page, "main h1", first_screen=True)
    screenshot(f"phone-{language}-home-manager")


def test_on_a_phone_the_navigation_is_a_menu_that_opens_and_closes(
    page: Page, live_server: LiveServer, screenshot: Screenshot, demo: Lead
) -> None:
    page.set_viewport_size(PHONE)
    log_in_as(page, live_server, "morgan", "en")
    menu = page.get_by_role("button", name="Menu")
    leads_link = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Leads", exact=True
    )

    # The closed menu leaves the first screen to the page: the heading sits right under the bar.
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(leads_link).to_be_hidden()
    header = page.locator("header.topbar").bounding_box()
    assert header is not None
    assert header["height"] < 80, header

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(leads_link).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert horizontal_overflow(page) == 0
    screenshot("phone-en-menu-open")

    page.keyboard.press("Escape")
    expect(leads_link).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    leads_link.click()
    expect(page.locator("main h1")).to_have_text("Leads")

    # On a laptop the navigation is a row, with no menu button.
    page.set_viewport_size(LAPTOP)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Board", exact=True)
    ).to_be_visible()


def test_on_a_phone_the_timeline_wraps_stage_changes_by_words(
    page: Page, live_server: LiveServer, screenshot: Screenshot, demo: Lead
) -> None:
    page.set_viewport_size(PHONE)
    log_in_as(page, live_server, "morgan", "es")
    page.goto(f"{live_server.url}{reverse('lead_detail', args=[demo.pk])}")

    changes = page.locator("#timeline .entry-change .entry-what")
    expect(changes.first).to_be_visible()
    timeline = page.locator("#timeline").bounding_box()
    assert timeline is not None
    for index in range(changes.count()):
        box = changes.nth(index).bounding_box()
        # It had the width of a letter between the kind and the time: one letter a line.
        assert box is not None
        assert box["width"] > timeline["width"] * 0.6, box
    screenshot("phone-es-lead-timeline")
