"""A form sent back with its errors (400) shows them in place, with htmx as without it; the
settings page says that a new password revokes the API tokens."""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.models import Activity, Lead
from tests.e2e.conftest import LAPTOP_EN_AND_PHONE_ES, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, complete_lead

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead(maria: User) -> Lead:
    return complete_lead(marketing_owner=maria)


def test_an_empty_note_is_refused_in_place(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, lead: Lead
) -> None:
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    log_in(page, "maria", PASSWORD)

    with page.expect_response(lambda response: "/activities/" in response.url) as refused:
        page.get_by_role("button", name="Add to timeline").click()

    assert refused.value.status == 400
    expect(page.get_by_text("Write something before adding it.")).to_be_visible()
    assert not Activity.objects.exists()
    screenshot("refused-note")


@LAPTOP_EN_AND_PHONE_ES
def test_a_token_without_a_name_is_refused_in_place(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    viewport: dict,
    language: str,
) -> None:
    maria.language = language
    maria.save()
    page.set_viewport_size(viewport)  # type: ignore[arg-type]
    page.goto(f"{live_server.url}/accounts/preferences/")
    log_in(page, "maria", PASSWORD)
    page.goto(f"{live_server.url}/accounts/preferences/")
    tokens = page.locator("#api-tokens")

    with page.expect_response(lambda response: "/tokens/" in response.url) as refused:
        tokens.locator("button[type=submit]").last.click()

    assert refused.value.status == 400
    expect(tokens.locator(".field-error")).to_be_visible()
    revokes = {
        "en": "Changing your password revokes all your tokens.",
        "es": "Cambiar tu contraseña revoca todos tus tokens.",
    }
    expect(tokens.get_by_text(revokes[language])).to_be_visible()
    screenshot(f"refused-token-{language}")
