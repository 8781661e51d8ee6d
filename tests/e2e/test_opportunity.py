"""A rep's opportunity: its expected close date on the lead page, changed with the details, and
the win's amount starting from the opportunity's value."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from funnel.models import Stage
from funnel.services import claim_lead, move_lead
from leads.models import Lead
from tests.e2e.conftest import PHONE, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, complete_lead

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deal(maria: User, sam: User) -> Lead:
    lead = complete_lead(marketing_owner=maria)
    move_lead(lead_id=lead.pk, to_stage_id=Stage.objects.get(slug="mql").pk, actor=maria)
    claim_lead(lead_id=lead.pk, rep=sam)
    return move_lead(
        lead_id=lead.pk,
        to_stage_id=Stage.objects.get(slug="opportunity").pk,
        actor=sam,
        value=Decimal("12500.00"),
        close_date=date(2031, 3, 14),
    )


def close_date_shown(page: Page, label: str = "Expected close date") -> str:
    fact = page.locator(".fact").filter(has=page.locator("dt", has_text=label))
    return fact.locator("dd").inner_text()


def test_a_rep_moves_the_close_date_and_wins_for_the_deal_s_value(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, sam: User, deal: Lead
) -> None:
    page = laptop
    page.goto(f"{live_server.url}/leads/{deal.pk}/")
    log_in(page, sam.username, PASSWORD)

    assert close_date_shown(page) == "March 14, 2031"
    page.get_by_role("link", name="Edit details").click()
    expect(page.get_by_label("Expected close date")).to_have_value("2031-03-14")
    page.get_by_label("Expected close date").fill("2031-05-02")
    screenshot("opportunity-edit-close-date")
    page.get_by_role("button", name="Save details").click()

    expect(page.get_by_role("status")).to_contain_text("were saved")
    assert close_date_shown(page) == "May 2, 2031"
    page.get_by_text("Mark as won…").click()
    amount = page.get_by_label("Amount won")
    expect(amount).to_have_value("12500.00")
    screenshot("opportunity-win-prefilled")
    page.locator("details.move-won").get_by_role("button", name="Mark as won").click()

    expect(page.locator(".stage-badge")).to_have_text("Won")
    deal.refresh_from_db()
    assert (deal.stage.slug, deal.expected_value) == ("won", Decimal("12500.00"))
    assert deal.expected_close_date == date(2031, 5, 2)


def test_the_close_date_on_a_phone_in_spanish(
    page: Page, live_server: LiveServer, screenshot: Screenshot, sam: User, deal: Lead
) -> None:
    sam.language = "es"
    sam.save()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/leads/{deal.pk}/")
    log_in(page, sam.username, PASSWORD)

    assert close_date_shown(page, "Fecha de cierre prevista") == "14 de marzo de 2031"
    page.locator("details.move-won summary").click()
    expect(page.locator("details.move-won input[name=value]")).to_have_value("12500.00")
    screenshot("opportunity-phone-es")
