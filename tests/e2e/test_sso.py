"""Single sign-on in the browser: the login page's button, the provider's page, and back in."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from tests.accounts.oidc import BUTTON_LABEL, identity, oidc_provider, signing_in_through
from tests.e2e.conftest import Screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sso() -> Iterator[str]:
    with oidc_provider() as issuer, signing_in_through(issuer):
        yield issuer


def test_logging_in_through_the_identity_provider(
    page: Page, live_server: LiveServer, screenshot: Screenshot, sso: str, sales_rep: User
) -> None:
    identity(sso, "idp-sam", email=sales_rep.email, email_verified=True)
    page.goto(f"{live_server.url}/leads/")
    screenshot("login-with-sso")

    page.get_by_role("button", name=f"Log in with {BUTTON_LABEL}").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_label("Subject").fill("idp-sam")
    page.get_by_role("button", name="Authorize", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/leads/")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(
        sales_rep.get_full_name()
    )


def test_someone_the_product_does_not_know_is_told_so(
    page: Page, live_server: LiveServer, screenshot: Screenshot, sso: str
) -> None:
    identity(sso, "idp-stranger", email="stranger@example.com", email_verified=True)
    page.goto(f"{live_server.url}/accounts/login/")

    page.get_by_role("button", name=f"Log in with {BUTTON_LABEL}").click()
    page.get_by_label("Subject").fill("idp-stranger")
    page.get_by_role("button", name="Authorize", exact=True).click()

    expect(page.get_by_role("heading", name="You are not logged in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("No account here has the address")
    screenshot("login-with-sso-refused")
    page.get_by_role("link", name="Back to the log-in page").click()
    expect(page.get_by_role("heading", name="Log in to smarketing")).to_be_visible()
