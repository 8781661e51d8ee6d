"""A website form's page opened elsewhere than SITE_URL says so, above the snippet to paste."""

import pytest
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from tests.e2e.conftest import LAPTOP_EN_AND_PHONE_ES, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, CaptureFormFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WARNINGS = {"en": "but you opened this page at", "es": "pero has abierto esta página en"}


@LAPTOP_EN_AND_PHONE_ES
def test_the_form_page_warns_when_site_url_is_elsewhere(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    viewport: ViewportSize,
    language: str,
) -> None:
    maria.language = language
    maria.save()
    form = CaptureFormFactory.create(name="Contact us")
    page.set_viewport_size(viewport)
    path = f"/leads/capture-forms/{form.pk}/"
    page.goto(f"{live_server.url}{path}")
    log_in(page, maria.username, PASSWORD)

    with override_settings(SITE_URL="http://localhost:1"):
        page.goto(f"{live_server.url}{path}")
        warning = page.get_by_role("note")
        expect(warning).to_contain_text(WARNINGS[language])
        expect(warning).to_contain_text(live_server.url)
        expect(warning).to_contain_text("http://localhost:1")
        screenshot(f"site-url-warning-{language}")
    with override_settings(SITE_URL=live_server.url):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Contact us")
        expect(page.get_by_role("note")).to_have_count(0)
