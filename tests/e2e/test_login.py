"""Logging in and out, as people do it in a browser."""

import re
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from funnel.models import Stage
from tests.e2e.conftest import Screenshot
from tests.factories import PASSWORD, LeadFactory

# The live server answers from its own thread and connection: the data must be committed.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WRONG_PASSWORD_ERROR = "Please enter a correct username and password."


def log_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def expect_login_page(page: Page, live_server: LiveServer) -> None:
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/accounts/login/")))
    expect(page.get_by_role("heading", name="Log in to smarketing")).to_be_visible()


def has_session_cookie(page: Page) -> bool:
    return any(cookie["name"] == "sessionid" for cookie in page.context.cookies())


@pytest.fixture
def some_leads(marketer: User, sales_rep: User) -> None:
    """A funnel with something in it, so that the home pages look like a working day."""
    LeadFactory(full_name="Ada Lovelace", company="Analytical Engines", marketing_owner=marketer)
    LeadFactory(full_name="Grace Hopper", company="Compilers Inc", marketing_owner=marketer)
    LeadFactory(full_name="Alan Turing", stage=Stage.objects.get(slug="mql"))
    LeadFactory(
        full_name="Katherine Johnson",
        stage=Stage.objects.get(slug="opportunity"),
        sales_owner=sales_rep,
        expected_value=Decimal("12500"),
    )


@pytest.mark.parametrize(
    ("person", "sees", "does_not_see"),
    [
        (
            "marketer",
            ["Leads you own in Marketing", "Your newest leads"],
            ["MQLs waiting for Sales"],
        ),
        (
            "sales_rep",
            ["MQLs waiting for Sales", "Your sales pipeline"],
            ["Leads you own in Marketing"],
        ),
        (
            "manager",
            ["MQLs waiting for Sales"],
            ["Leads you own in Marketing", "Your sales pipeline"],
        ),
    ],
)
def test_each_role_logs_in_and_sees_their_own_home(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    request: pytest.FixtureRequest,
    some_leads: None,
    person: str,
    sees: list[str],
    does_not_see: list[str],
) -> None:
    user: User = request.getfixturevalue(person)

    page.goto(f"{live_server.url}/")
    expect_login_page(page, live_server)
    log_in(page, user.username, PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {user.first_name}")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(user.get_full_name())
    for heading in [*sees, "The shared funnel"]:
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    for heading in does_not_see:
        expect(page.get_by_role("heading", name=heading)).to_have_count(0)
    screenshot(f"home-{person.replace('_', '-')}")


def test_wrong_password_shows_an_error_and_starts_no_session(
    page: Page, live_server: LiveServer, screenshot: Screenshot, marketer: User
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot("login")
    log_in(page, marketer.username, "not my password")

    expect_login_page(page, live_server)
    expect(page.get_by_role("alert")).to_contain_text(WRONG_PASSWORD_ERROR)
    expect(page.get_by_label("Username")).to_have_value(marketer.username)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    screenshot("login-error")
    assert not has_session_cookie(page)
    assert not Session.objects.exists()

    page.goto(f"{live_server.url}/")
    expect_login_page(page, live_server)


def test_after_five_failures_even_the_right_password_is_refused(
    page: Page, live_server: LiveServer, screenshot: Screenshot, marketer: User
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(4):
        log_in(page, marketer.username, "guessing")
        expect(page.get_by_role("alert")).to_contain_text(WRONG_PASSWORD_ERROR)

    # The fifth failure reaches the limit: axes answers with its lockout page at once.
    with page.expect_response(lambda response: response.request.method == "POST") as fifth:
        log_in(page, marketer.username, "guessing")
    assert fifth.value.status == 429
    expect(page.get_by_role("heading", name="Too many failed log-in attempts")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Try again in 15 minutes")
    screenshot("lockout")

    page.get_by_role("link", name="Back to the log-in page").click()
    with page.expect_response(lambda response: response.request.method == "POST") as right:
        log_in(page, marketer.username, PASSWORD)
    assert right.value.status == 429
    expect(page.get_by_role("heading", name="Too many failed log-in attempts")).to_be_visible()
    assert not has_session_cookie(page)

    page.goto(f"{live_server.url}/")
    expect_login_page(page, live_server)


def test_logging_out_ends_the_session(page: Page, live_server: LiveServer, sales_rep: User) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, sales_rep.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {sales_rep.first_name}")

    page.get_by_role("button", name="Log out").click()

    expect_login_page(page, live_server)
    assert not Session.objects.exists()
    page.goto(f"{live_server.url}/")
    expect_login_page(page, live_server)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")


def test_preferences_are_saved(
    page: Page, live_server: LiveServer, screenshot: Screenshot, marketer: User
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, marketer.username, PASSWORD)
    page.get_by_role("link", name="Preferences").click()
    expect(page.get_by_role("heading", name="Preferences")).to_be_visible()
    screenshot("preferences")

    page.get_by_label("Language").select_option("en")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Your preferences were saved.")
    screenshot("preferences-saved")
    marketer.refresh_from_db()
    assert marketer.language == "en"


def test_changing_the_password_keeps_this_session_and_the_new_password_works(
    page: Page, live_server: LiveServer, screenshot: Screenshot, manager: User
) -> None:
    new_password = "a brand new passphrase for spring"
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, manager.username, PASSWORD)
    page.get_by_role("link", name="Password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    screenshot("password-change")

    page.get_by_label("Old password").fill("not the old one")
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password confirmation").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your old password was entered incorrectly.")).to_be_visible()
    screenshot("password-change-error")

    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password confirmation").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Your password was changed")).to_be_visible()
    screenshot("password-change-done")

    page.get_by_role("link", name="Back to your home page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {manager.first_name}")
    page.get_by_role("button", name="Log out").click()
    log_in(page, manager.username, new_password)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {manager.first_name}")
