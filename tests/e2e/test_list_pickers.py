"""A marketer narrows the lead list to one campaign and one owner by typing a few letters of
each and picking them, on a laptop in English and on a phone in Spanish."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from accounts.roles import Role
from tests.e2e.conftest import SCREENSHOTS, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, LeadFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def julia() -> User:
    return UserFactory.create(
        username="jlopez", first_name="Julia", last_name="López", roles=[Role.SALES]
    )


@pytest.fixture
def campaigns(marketer: User, julia: User) -> None:
    """Leads of three campaigns that share letters, owned by Maria or Julia, among many
    campaigns and people."""
    for n in range(30):
        UserFactory.create(username=f"person{n:02}", first_name="Persona", roles=[Role.SALES])
        LeadFactory.create(full_name=f"Filler {n:02}", campaign=f"Otoño {n:02}")
    now = timezone.now()
    for name, campaign, owner in [
        ("Ada Vega", "Webinar de primavera", julia),
        ("Bruno Díaz", "Webinar de primavera", marketer),
        ("Carla Ruiz", "Webinar de otoño", julia),
        ("Dario Sanz", "Feria de primavera", julia),
    ]:
        LeadFactory.create(
            full_name=name,
            campaign=campaign,
            marketing_owner=marketer,
            sales_owner=owner if owner != marketer else None,
            created_at=now,
        )


@pytest.mark.usefixtures("campaigns")
@pytest.mark.parametrize(
    ("viewport", "language"),
    [({"width": 1280, "height": 800}, "en"), ({"width": 390, "height": 844}, "es")],
    ids=["laptop-en", "phone-es"],
)
def test_a_marketer_picks_a_campaign_and_an_owner_by_typing_three_letters(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    marketer: User,
    julia: User,
    viewport: ViewportSize,
    language: str,
) -> None:
    marketer.language = language
    marketer.save(update_fields=["language"])
    words = {
        "en": ("Owner", "Campaign", "More filters", "Nobody matches these letters."),
        "es": ("Propietario", "Campaña", "Más filtros", "Nadie coincide con estas letras."),
    }[language]
    owner_label, campaign_label, more_filters, nobody = words
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/leads/")
    log_in(page, marketer.username, PASSWORD)
    names = page.locator("#lead-results td.lead-name a")
    expect(names).to_have_count(34)

    # The campaign: three letters, then the arrow keys and Enter.
    page.get_by_text(more_filters).click()
    campaign = page.get_by_role("combobox", name=campaign_label)
    campaign.click()
    campaign.press_sequentially("web")
    choices = page.get_by_role("listbox").get_by_role("option")
    expect(choices).to_have_text(["Webinar de otoño", "Webinar de primavera"])
    # What the screen shows while choosing.
    page.screenshot(path=SCREENSHOTS / f"lead-list-picker-campaign-{language}.png")
    campaign.press("ArrowDown")
    campaign.press("ArrowDown")
    expect(choices.nth(1)).to_have_attribute("aria-selected", "true")
    campaign.press("Enter")
    expect(campaign).to_have_value("Webinar de primavera")
    expect(names).to_have_text(["Bruno Díaz", "Ada Vega"], timeout=10_000)

    # The owner: three letters, Escape closes the choices, a tap picks one.
    owner = page.get_by_role("combobox", name=owner_label)
    owner.click()
    owner.press_sequentially("xyz")
    expect(page.get_by_text(nobody)).to_be_visible()
    owner.fill("")
    owner.press_sequentially("lóp")
    expect(choices).to_have_text([re.compile(r"^Julia López\s+jlopez$")])
    page.screenshot(path=SCREENSHOTS / f"lead-list-picker-owner-choices-{language}.png")
    owner.press("Escape")
    expect(choices).to_have_count(0)
    owner.press("ArrowDown")
    choices.filter(has_text="Julia López").click()
    expect(owner).to_have_value("Julia López")
    expect(names).to_have_text(["Ada Vega"], timeout=10_000)
    expect(page).to_have_url(re.compile(rf"[?&]owner={julia.pk}(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]campaign=Webinar(\+|%20)de(\+|%20)primavera"))
    screenshot(f"lead-list-picker-owner-{language}")

    # The address is shareable: opened again, the pickers show the names picked.
    page.reload()
    expect(page.get_by_role("combobox", name=owner_label)).to_have_value("Julia López")
    expect(page.get_by_role("combobox", name=campaign_label)).to_have_value("Webinar de primavera")
    expect(names).to_have_text(["Ada Vega"])


@pytest.mark.usefixtures("campaigns")
def test_without_javascript_the_campaign_and_the_owner_are_typed_in_full(
    browser: Browser, live_server: LiveServer, marketer: User
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/leads/")
    log_in(page, marketer.username, PASSWORD)
    names = page.locator("#lead-results td.lead-name a")

    page.get_by_text("More filters").click()
    page.get_by_label("Campaign").fill("webinar de PRIMAVERA")
    page.get_by_label("Owner").fill("jlopez")
    page.get_by_role("button", name="Search").click()

    expect(names).to_have_text(["Ada Vega"])
    expect(page.get_by_label("Owner")).to_have_value("Julia López")

    # A name nobody has is said, and the campaign still applies.
    page.get_by_label("Owner").fill("Nadie")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("Owner: Nobody who may own leads is called")
    expect(names).to_have_text(["Bruno Díaz", "Ada Vega"])
    context.close()
