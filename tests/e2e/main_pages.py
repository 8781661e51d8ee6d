"""The pages a team uses every day, for the phone-size and accessibility passes over all of them."""

from dataclasses import dataclass

from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.demo import DEMO_PASSWORD
from leads.models import Lead
from tests.e2e.test_login import log_in


@dataclass(frozen=True)
class MainPage:
    name: str
    path: str
    # What a person comes to the page to do (or, where reading is the point, its heading).
    primary: str


def main_pages(lead: Lead) -> list[MainPage]:
    return [
        MainPage("home", reverse("home"), "main h1"),
        MainPage("leads", reverse("lead_list"), ".filters-actions button[type=submit]"),
        MainPage("mql-queue", reverse("mql_queue"), ".claim-cell button"),
        MainPage("board", reverse("board"), ".board-card-name"),
        MainPage("lead", reverse("lead_detail", args=[lead.pk]), ".lead-header a.button"),
        MainPage("dashboard", reverse("dashboard"), "#period"),
        MainPage("digests", reverse("digest_list"), "main h1"),
        MainPage("mentions", reverse("mentions"), "main h1"),
        MainPage("settings", reverse("preferences"), "main form button[type=submit]"),
    ]


def log_in_as(page: Page, live_server: LiveServer, username: str, language: str) -> User:
    """Log in as one of the demo's people, who reads the product in `language`."""
    user = User.objects.get(username=username)
    user.language = language
    user.save(update_fields=["language"])
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, username, DEMO_PASSWORD)
    expect(page.locator("main h1")).to_be_visible()
    return user


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))
