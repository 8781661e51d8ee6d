"""A marketer makes an API token on the settings page, a script uses it, and she revokes it."""

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_marketer_creates_uses_and_revokes_a_token(
    page: Page, live_server: LiveServer, maria: User
) -> None:
    page.goto(f"{live_server.url}/accounts/preferences/")
    log_in(page, "maria", PASSWORD)
    page.goto(f"{live_server.url}/accounts/preferences/")

    tokens = page.locator("#api-tokens")
    tokens.get_by_label("Name").fill("nightly import")
    tokens.get_by_label("Expires after").select_option(label="30 days")
    tokens.get_by_role("button", name="Create token").click()

    secret = tokens.locator(".api-token-secret").inner_text()
    assert re.fullmatch(r"smk_[0-9a-f]{12}_[\w-]+", secret)
    expect(tokens.get_by_text("Copy it now: it is not shown again.")).to_be_visible()
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert script.get("/api/v1/me/").json()["username"] == "maria"

    tokens.get_by_role("button", name="Revoke nightly import").click()

    expect(tokens.get_by_text("No tokens yet.")).to_be_visible()
    assert not ApiToken.objects.exists()
    assert script.get("/api/v1/me/").status_code == 401
