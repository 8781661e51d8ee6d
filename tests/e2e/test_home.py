"""The home page in the browser: a rep starts the day with their own lists, a manager with
how the revenue goal stands; on a laptop, a phone, and in Spanish."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from accounts.roles import Role
from dashboard.rollup import refresh_rollups
from funnel.models import PeriodKind, RevenueGoal
from funnel.periods import period_containing
from funnel.services import move_lead
from tests.digests.steps import Funnel, stage
from tests.e2e.conftest import LAPTOP, PHONE, Screenshot
from tests.e2e.test_lead_page import open_as
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits(page: Page) -> bool:
    return not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_a_rep_starts_the_day_with_their_lists(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page.set_viewport_size(LAPTOP)
    funnel = Funnel(marketer=maria, rep=sam)
    funnel.sql("Ada Lovelace", company="Analytical Engines")
    touched = funnel.sql("Grace Hopper", company="Compilers & Co")
    funnel.touch(touched)
    deal = funnel.sql("Katherine Johnson", company="NASA Langley")
    move_lead(
        lead_id=deal.pk,
        to_stage_id=stage("opportunity").pk,
        actor=sam,
        value=Decimal("18500"),
        close_date=timezone.localdate() + timedelta(days=12),
    )

    open_as(page, live_server, sam, "/")

    day = page.get_by_role("region", name="Your day")
    untouched = day.get_by_role("list", name="SQLs waiting for your first touch")
    expect(untouched.get_by_role("listitem")).to_have_count(1)
    expect(untouched).to_contain_text("Ada Lovelace")
    expect(untouched).to_contain_text("first touch due in")
    expect(day).to_contain_text("None of your leads is past its stage's time limit.")
    deals = day.get_by_role("list", name="Your opportunities by expected close date")
    expect(deals).to_contain_text("Katherine Johnson")
    deals.get_by_role("link", name="Katherine Johnson").click()
    expect(page).to_have_url(f"{live_server.url}/leads/{deal.pk}/")
    page.go_back()
    screenshot("home-rep-laptop-en")
    page.set_viewport_size(PHONE)
    screenshot("home-rep-phone-en")
    User.objects.filter(pk=sam.pk).update(language="es")
    page.reload()
    expect(page.get_by_role("region", name="Tu día")).to_contain_text("Ada Lovelace")
    screenshot("home-rep-phone-es")
    page.set_viewport_size(LAPTOP)
    screenshot("home-rep-laptop-es")


def test_a_manager_sees_how_the_goal_stands(
    page: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, sam: User
) -> None:
    page.set_viewport_size(LAPTOP)
    morgan = UserFactory.create(
        username="morgan", first_name="Morgan", last_name="Reyes", roles=[Role.MANAGERS]
    )
    quarter = period_containing(timezone.localdate(), kind=PeriodKind.QUARTER)
    RevenueGoal.objects.create(
        kind=PeriodKind.QUARTER,
        starts_on=quarter.first_day,
        ends_on=quarter.end_day,
        amount=Decimal("200000"),
        marketing_share=60,
    )
    Funnel(marketer=maria, rep=sam).won("Katherine Johnson", value="50000")
    refresh_rollups()

    open_as(page, live_server, morgan, "/")

    goal = page.get_by_role("region", name=f"Revenue goal: {quarter.label}")
    expect(goal).to_contain_text("25% of the €200,000 goal")
    expect(goal).to_contain_text("due by today at an even pace")
    screenshot("home-manager-laptop-en")
    page.set_viewport_size(PHONE)
    screenshot("home-manager-phone-en")
    assert _fits(page)
    User.objects.filter(pk=morgan.pk).update(language="es")
    page.reload()
    expect(page.locator(".home-goal")).to_contain_text("Objetivo de ingresos")
    screenshot("home-manager-phone-es")
    page.set_viewport_size(LAPTOP)
    screenshot("home-manager-laptop-es")
    goal = page.locator(".home-goal")
    goal.get_by_role("link", name="Abrir el panel").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/?period={quarter.key}")
