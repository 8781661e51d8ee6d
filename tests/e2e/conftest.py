"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server."""

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize

from accounts.models import User
from funnel.demo import ensure_demo_goals
from leads.demo import seed_demo
from leads.models import Lead
from tests.funnel.test_board import Funnel

CHROMIUM = Path("/usr/bin/chromium")
# The window the stories are told in, and their screenshots taken at.
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# A story told twice: on a laptop in English, on a phone in Spanish.
LAPTOP_EN_AND_PHONE_ES = pytest.mark.parametrize(
    ("viewport", "language"), [(LAPTOP, "en"), (PHONE, "es")], ids=["laptop-en", "phone-es"]
)
# The `screenshot` fixture's type, for the tests' signatures.
Screenshot = Callable[[str], Path]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# test-results/ is git-ignored. pytest-playwright empties it whenever any test session starts
# (also another person's run in the same checkout), so E2E_SCREENSHOT_DIR may point elsewhere.
SCREENSHOTS = Path(
    os.environ.get("E2E_SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "test-results" / "screenshots"
)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip browser tests on a machine without Chromium, unless they are required (CI).

    A hook rather than a fixture: it runs before the session-scoped browser fixture tries to
    launch the missing executable and buries the reason in a Playwright traceback.
    """
    if item.get_closest_marker("e2e") is None or CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing; install it with `apt-get install -y chromium`."
    if os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"REQUIRE_E2E=1 but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Playwright cannot download its own browsers here.
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _migrated_data(migrated_data: None) -> None:
    """Every browser test commits (the live server answers from its own thread)."""


@pytest.fixture
def laptop(page: Page) -> Page:
    page.set_viewport_size(LAPTOP)
    return page


@pytest.fixture
def screenshot(page: Page) -> Screenshot:
    """Save the whole page as <name>.png in SCREENSHOTS, for a person to look at."""

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


# Enough demo leads for the board's columns, the lists and the dashboard to look lived in.
DEMO_LEADS = 60


@pytest.fixture
def demo() -> Lead:
    """The demo's team, goals and leads, and what the main pages need whatever the demo's shape:
    an MQL waiting for a rep and an opportunity with a history; returns the opportunity."""
    seed_demo(lead_count=DEMO_LEADS)
    ensure_demo_goals(now=timezone.now())
    funnel = Funnel(
        marketer=User.objects.get(username="maria"), rep=User.objects.get(username="sam")
    )
    funnel.lead_in("mql", hours_ago=3, full_name="Ada Lovelace", company="Analytical Engines")
    return funnel.lead_in(
        "opportunity",
        hours_ago=30,
        value="12500.00",
        full_name="Grace Hopper",
        company="Navy Computing",
    )
