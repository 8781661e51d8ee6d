"""A Spanish and an English reader on a laptop and a phone: stage names, amounts with their
currency, numbers grouped alike in tables and charts, and the product's own timeline text in
each reader's language."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from accounts.roles import Role
from dashboard.rollup import refresh_rollups
from digests.services import build_digest
from digests.weeks import last_complete_week
from funnel.goals import GoalTerms, set_revenue_goal
from funnel.periods import PeriodKind, period_containing
from funnel.services import reassign_lead
from leads.models import Lead
from tests.e2e.conftest import LAPTOP, PHONE, Screenshot
from tests.e2e.test_dashboard import this_quarter_so_far
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SPACE = "[\\s\\u00a0]"  # Spanish groups digits, and spaces the currency, with no-break spaces
SAYS: dict[str, dict[str, str | re.Pattern[str]]] = {
    "es": {
        "move": "Pasar a Trabajando",
        "won": re.compile(f"9{SPACE}000{SPACE}€"),
        "goal": re.compile(f"de un objetivo de 300{SPACE}000{SPACE}€|300{SPACE}000{SPACE}€"),
        "reassigned": "Reasignado por",
        "column": "Trabajando",
        "digest": re.compile(f"Ganados: 0 \\(0{SPACE}€\\)"),
    },
    "en": {
        "move": "Move to Working",
        "won": re.compile("€9,000"),
        "goal": re.compile("€300,000"),
        "reassigned": "Reassigned by",
        "column": "Working",
        "digest": re.compile("Won: 0 \\(€0\\)"),
    },
}


def test_each_reader_sees_names_amounts_and_timeline_text_in_their_language(
    page: Page,
    live_server: LiveServer,
    manager: User,
    maria: User,
    sam: User,
    screenshot: Screenshot,
) -> None:
    this_quarter_so_far(maria, sam)
    quarter = period_containing(timezone.localdate(), kind=PeriodKind.QUARTER)
    set_revenue_goal(
        actor=manager, period=quarter, terms=GoalTerms(amount=Decimal(300_000), marketing_share=50)
    )
    marketer = UserFactory.create(username="mo", first_name="Mo", roles=[Role.MARKETING])
    new_lead = Lead.objects.get(full_name="Lead 5")
    reassign_lead(lead_id=new_lead.pk, actor=manager, marketing_owner_id=marketer.pk)
    refresh_rollups()
    week = last_complete_week(timezone.now()).first_day
    build_digest(user=marketer, week=week)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/")
    log_in(page, marketer.username, PASSWORD)

    for language, says in SAYS.items():
        marketer.language = language
        marketer.save()
        for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)

            page.goto(f"{live_server.url}/leads/{new_lead.pk}/")
            expect(page.get_by_role("button", name=says["move"])).to_be_visible()
            expect(page.locator("#timeline")).to_contain_text(says["reassigned"])
            screenshot(f"languages-lead-{language}-{size}")

            page.goto(f"{live_server.url}/funnel/board/")
            expect(page.locator("#column-working")).to_have_text(says["column"])
            screenshot(f"languages-board-{language}-{size}")

            page.goto(f"{live_server.url}/dashboard/")
            expect(page.locator("#kpi-revenue")).to_contain_text(says["won"])
            expect(page.locator("#kpi-revenue")).to_contain_text(says["goal"])
            if size == "laptop":
                fits = _fits(page, "#table-marketers")
                assert fits, f"the per-marketer table is cut ({language})"
            screenshot(f"languages-dashboard-{language}-{size}")

            page.goto(f"{live_server.url}/digests/{week.isoformat()}/")
            expect(page.locator("main")).to_contain_text(says["digest"])
            screenshot(f"languages-digest-{language}-{size}")


def _fits(page: Page, table: str) -> bool:
    """The whole table shows in its card: nothing to scroll sideways to."""
    return bool(
        page.locator(table).evaluate(
            "table => table.scrollWidth <= table.closest('.table-scroll').clientWidth + 1"
        )
    )
