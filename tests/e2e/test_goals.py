"""Setting a revenue goal in the browser: the form starts where a manager means to set one, a
period already taken says which goal holds it, and a marketer who wanders onto the form is sent
back to their own pages."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from funnel.goals import GoalTerms, set_revenue_goal
from funnel.periods import PeriodKind, period_containing
from tests.e2e.conftest import LAPTOP_EN_AND_PHONE_ES, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@LAPTOP_EN_AND_PHONE_ES
def test_the_goal_form_starts_on_the_next_free_quarter_and_names_a_taken_one(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    manager: User,
    viewport: ViewportSize,
    language: str,
) -> None:
    manager.language = language
    manager.save(update_fields=["language"])
    this = period_containing(timezone.localdate(), kind=PeriodKind.QUARTER)
    following = period_containing(this.end_day, kind=PeriodKind.QUARTER)
    holder = set_revenue_goal(actor=manager, period=this, terms=GoalTerms(amount=Decimal(120_000)))
    words = {
        "en": ("Period", "Revenue goal", "Save the goal", "Open that goal"),
        "es": ("Periodo", "Objetivo de ingresos", "Guardar el objetivo", "Abrir ese objetivo"),
    }[language]
    period, amount, save, open_goal = words
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/funnel/goals/new/")
    log_in(page, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/funnel/goals/new/")

    # This quarter has its goal: the form offers the next one.
    expect(page.get_by_label(period)).to_have_value(following.key)
    screenshot(f"goal-form-next-free-{language}")

    page.get_by_label(period).select_option(this.key)
    page.get_by_label(amount).fill("50000")
    page.get_by_role("button", name=save).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(this.key[:4])
    screenshot(f"goal-form-taken-{language}")
    alert.get_by_role("link", name=open_goal).click()
    expect(page).to_have_url(f"{live_server.url}/funnel/goals/{holder.pk}/")
    expect(page.get_by_label(period)).to_have_value(this.key)


def test_a_marketer_on_the_goal_form_is_sent_back_to_their_own_pages(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, maria: User
) -> None:
    page = laptop
    page.goto(f"{live_server.url}/funnel/goals/new/")
    log_in(page, maria.username, PASSWORD)
    page.goto(f"{live_server.url}/funnel/goals/new/")

    expect(page.get_by_role("alert")).to_have_text("Only managers set revenue goals.")
    screenshot("goal-form-not-allowed")
    back = page.locator("main").get_by_role("link", name="Back to the dashboard")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute(
        "href", back.get_attribute("href") or ""
    )
    back.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
