"""Accessibility of the main pages, checked by axe-core (npm, node_modules/axe-core: never
served by the product), on a laptop and a phone, in English and Spanish; and the small things a
keyboard or a first visit needs: the skip link, the icon, copy buttons, the API docs under CSP."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.models import Lead
from tests.e2e.conftest import LAPTOP, PHONE, Screenshot
from tests.e2e.main_pages import MainPage, log_in_as, main_pages
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, CaptureFormFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# What keeps people out: axe's "serious" and "critical" findings fail the test.
BLOCKING = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    where: v.nodes.slice(0, 3).map((node) => node.target.join(" ")),
  }));
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    # Evaluated by the test driver, so the page's own CSP (no inline script) does not apply.
    page.evaluate(AXE.read_text())
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]


def test_axe_core_is_installed_from_npm_with_an_exact_version() -> None:
    package = json.loads((Path(settings.BASE_DIR) / "package.json").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", package["devDependencies"]["axe-core"])
    assert AXE.exists(), "run `make install` (npm install) to get axe-core"


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_main_pages_have_no_serious_accessibility_violations(
    page: Page, live_server: LiveServer, screenshot: Screenshot, demo: Lead, language: str
) -> None:
    marketer_form = CaptureFormFactory.create(owner=User.objects.get(username="maria"))
    pages = [
        *main_pages(demo),
        # Beyond the nine everyone uses: a manager's and a marketer's own pages.
        MainPage(
            "website-form", reverse("capture_form_detail", args=[marketer_form.pk]), "main h1"
        ),
        MainPage("new-lead", reverse("lead_create"), "main h1"),
        MainPage("personas", reverse("persona_list"), "main h1"),
        MainPage("history", reverse("history"), "main h1"),
    ]
    log_in_as(page, live_server, "morgan", language)
    found: dict[str, list[dict[str, Any]]] = {}
    for size_name, size in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for main_page in pages:
            page.goto(f"{live_server.url}{main_page.path}")
            expect(page.locator(main_page.primary).first).to_be_visible()
            if violations := axe_violations(page):
                found[f"{size_name} {main_page.name}"] = violations
            if size_name == "laptop":
                screenshot(f"laptop-{language}-{main_page.name}")
    assert not found, json.dumps(found, indent=1)


def test_the_team_badges_are_readable_and_axe_checks_them(
    page: Page, live_server: LiveServer, demo: Lead
) -> None:
    """White on the marketing purple was 4.23:1; WCAG AA asks 4.5:1 for text this size."""
    page.set_viewport_size(LAPTOP)
    log_in_as(page, live_server, "maria", "en")
    expect(page.locator(".badge.marketing")).to_be_visible()
    page.goto(f"{live_server.url}{reverse('lead_detail', args=[demo.pk])}")
    expect(page.locator(".stage-badge")).to_be_visible()
    for url in (reverse("home"), reverse("lead_detail", args=[demo.pk])):
        page.goto(f"{live_server.url}{url}")
        page.evaluate(AXE.read_text())
        contrast = page.evaluate(
            "async () => (await axe.run(document, {runOnly: ['color-contrast']})).violations"
        )
        assert contrast == [], contrast


def test_the_skip_link_is_the_first_tab_stop_and_jumps_to_the_content(
    page: Page, live_server: LiveServer, sales_rep: User
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, sales_rep.username, PASSWORD)
    expect(page.locator("main h1")).to_be_visible()

    skip = page.get_by_role("link", name="Skip to content")
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab goes into the page, not back into the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_a_first_visit_loads_every_file_without_a_404_and_finds_the_icon(
    page: Page, live_server: LiveServer
) -> None:
    failed: list[str] = []

    def note(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    page.on("response", note)
    page.goto(f"{live_server.url}/accounts/login/")
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_count(1)
    href = icon.get_attribute("href")
    assert href is not None
    answer = page.request.get(f"{live_server.url}{href}")
    assert answer.ok
    assert answer.headers["content-type"] == "image/svg+xml"
    # Tools that ask for /favicon.ico without reading the page are sent to the same file.
    legacy = page.request.get(f"{live_server.url}/favicon.ico")
    assert legacy.ok
    assert legacy.url.endswith(".svg")
    assert legacy.body() == answer.body()
    assert failed == []


def test_the_api_docs_render_within_the_sites_content_security_policy(
    page: Page, live_server: LiveServer, sales_rep: User
) -> None:
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, sales_rep.username, PASSWORD)
    expect(page.locator("main h1")).to_be_visible()

    response = page.goto(f"{live_server.url}{reverse('api:docs')}")
    assert response is not None
    policy = response.headers["content-security-policy"]
    # The site's own policy, not a looser one for this page.
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # The schema is generated on request: on a busy machine that takes longer than a page.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    # The moved inline style is applied: Swagger UI's own sheet leaves the body margin at 8px.
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    assert blocked == []


def copy_works(page: Page, button_name: str, source: str) -> str:
    """Click the copy button; return what reached the clipboard after checking it is `source`'s."""
    button = page.get_by_role("button", name=button_name).first
    button.click()
    expect(button.locator("xpath=following-sibling::*[@role='status']")).to_have_text("Copied.")
    copied = str(page.evaluate("navigator.clipboard.readText()"))
    expected = page.locator(source).evaluate("el => el.value ?? el.textContent")
    assert copied == expected
    return copied


def test_a_new_api_token_fits_its_card_on_a_phone_and_copies_with_a_click(
    page: Page,
    context: BrowserContext,
    live_server: LiveServer,
    screenshot: Screenshot,
    sales_rep: User,
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, sales_rep.username, PASSWORD)
    page.goto(f"{live_server.url}{reverse('preferences')}")
    page.get_by_label("Name").fill("nightly import")
    page.get_by_role("button", name="Create token").click()

    secret = page.locator("#api-token-secret")
    expect(secret).to_contain_text("smk_")
    card = page.locator("#api-tokens").bounding_box()
    box = secret.bounding_box()
    assert card is not None
    assert box is not None
    assert box["x"] + box["width"] <= card["x"] + card["width"], (box, card)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    screenshot("phone-en-new-api-token")
    # The token list's Revoke button was red on red.
    assert axe_violations(page) == []
    assert copy_works(page, "Copy the token", "#api-token-secret").startswith("smk_")


def test_without_the_clipboard_api_the_copy_button_selects_the_text(
    page: Page, live_server: LiveServer, marketer: User
) -> None:
    """Over plain HTTP on another machine browsers give pages no clipboard: the text is selected
    and the button says how to copy it."""
    capture_form = CaptureFormFactory.create(owner=marketer)
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}{reverse('capture_form_detail', args=[capture_form.pk])}")
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")

    page.get_by_role("button", name="Copy").first.click()
    expect(page.get_by_role("status").filter(has_text="press Ctrl+C")).to_be_visible()
    selected = page.evaluate(
        "(() => { const el = document.activeElement;"
        " return el.value.substring(el.selectionStart, el.selectionEnd); })()"
    )
    assert selected == page.locator("#snippet-html").input_value()
    assert "<form" in selected


def test_the_website_form_snippets_copy_with_a_click(
    page: Page, context: BrowserContext, live_server: LiveServer, marketer: User
) -> None:
    capture_form = CaptureFormFactory.create(owner=marketer)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}{reverse('capture_form_detail', args=[capture_form.pk])}")
    page.get_by_role("button", name="Copy").nth(1).click()
    expect(page.locator("#snippet-fetch ~ .copy-row .copy-status")).to_have_text("Copied.")
    assert (
        page.evaluate("navigator.clipboard.readText()")
        == page.locator("#snippet-fetch").input_value()
    )
