"""Stories of the shared dashboard: a manager sets the goal, everyone reads the same figures
and charts, downloads them, and a manager drills down to the leads behind a number."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from dashboard.rollup import refresh_rollups
from funnel.models import Stage
from funnel.periods import PeriodKind, period_containing
from funnel.services import claim_lead, move_lead
from leads.models import Source
from leads.services import create_lead
from tests.e2e.conftest import Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, PersonaFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def this_quarter_so_far(maria: User, sam: User) -> None:
    """Six leads this quarter: three qualified, two claimed by Sam, one of them won (9,000)."""
    persona = PersonaFactory.create(name="Engineers")
    stage = {s.slug: s.pk for s in Stage.objects.all()}
    for number in range(6):
        lead = create_lead(
            details={
                "full_name": f"Lead {number}",
                "email": f"lead{number}@example.com",
                "company": "Acme",
                "source": Source.EVENT if number % 2 else Source.WEBSITE,
                "persona": persona,
                "expected_value": Decimal(9_000),
            },
            actor=maria,
        )
        if number < 3:
            move_lead(lead_id=lead.pk, to_stage_id=stage["mql"], actor=maria)
        if number < 2:
            claim_lead(lead_id=lead.pk, rep=sam)
        if number == 0:
            move_lead(
                lead_id=lead.pk,
                to_stage_id=stage["opportunity"],
                actor=sam,
                value=Decimal(9_000),
                close_date=timezone.localdate(),
            )
            move_lead(lead_id=lead.pk, to_stage_id=stage["won"], actor=sam, value=Decimal(9_000))
    refresh_rollups()  # what Celery beat does every minute


def test_a_manager_sets_the_quarters_goal(
    laptop: Page,
    live_server: LiveServer,
    manager: User,
    maria: User,
    sam: User,
    screenshot: Screenshot,
) -> None:
    page = laptop
    this_quarter_so_far(maria, sam)
    quarter = period_containing(timezone.localdate(), kind=PeriodKind.QUARTER)
    page.goto(f"{live_server.url}/dashboard/")
    log_in(page, manager.username, PASSWORD)
    expect(page.get_by_text("No revenue goal for this period.")).to_be_visible()
    page.get_by_role("link", name="Set a goal").click()

    page.get_by_label("Period").select_option(quarter.key)
    page.get_by_label("Revenue goal").fill("0")
    page.get_by_role("button", name="Save the goal").click()
    expect(page.get_by_text("The goal must be an amount above zero.")).to_be_visible()
    screenshot("dashboard-goal-refused")

    page.get_by_label("Revenue goal").fill("90000")
    page.get_by_label("Share from marketing-sourced leads (%)").fill("50")
    page.get_by_label("Planned lead → MQL rate (%)").fill("50")
    page.get_by_label("Planned MQL → SQL rate (%)").fill("50")
    page.get_by_label("Planned SQL → won rate (%)").fill("50")
    page.get_by_role("button", name="Save the goal").click()

    expect(page.get_by_text(f"The goal for {quarter.label} is saved.")).to_be_visible()
    revenue = page.locator("#kpi-revenue")
    expect(revenue).to_contain_text("9,000")
    expect(revenue).to_contain_text("10% of the €90,000 goal")
    # 45,000 from Marketing at 9,000 a deal: 5 customers, 10 SQLs, 20 MQLs, 40 leads.
    needs = page.locator("#table-reverse_funnel")
    expect(needs.get_by_role("row", name=re.compile("^Customers 5 "))).to_be_visible()
    expect(needs.get_by_role("row", name=re.compile("^Leads 40 "))).to_be_visible()
    expect(page.locator("#kpi-mqls")).to_contain_text("of 20 needed")
    screenshot("dashboard-manager")


def test_a_marketer_reads_the_dashboard_with_its_charts_and_downloads_a_table(
    laptop: Page, live_server: LiveServer, maria: User, sam: User, screenshot: Screenshot
) -> None:
    page = laptop
    this_quarter_so_far(maria, sam)
    page.goto(f"{live_server.url}/dashboard/")
    log_in(page, maria.username, PASSWORD)
    expect(page.locator("#kpi-mqls .big-number")).to_have_text("3")
    expect(page.locator("#kpi-sales .big-number")).to_have_text("100%")
    for chart in ("pacing", "stages", "time", "sources"):
        # Chart.js draws on the canvas: it has been given a size and pixels.
        canvas = page.locator(f"#chart-{chart}")
        expect(canvas).to_be_visible()
        # Deferred scripts run after the page is parsed: wait for the chart, do not race it.
        page.wait_for_function(f"() => !!(window.Chart && window.Chart.getChart('chart-{chart}'))")
    by_source = page.locator("#table-by_source")
    expect(by_source.get_by_role("row", name=re.compile("^Event 3 "))).to_be_visible()
    with page.expect_download() as download_info:
        page.locator("a[href*='/by_source.csv']").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert rows[0][0] == "Name"
    assert ["Event", "3", "1", "0.3333", "0", "0.00", "0"] in rows
    screenshot("dashboard-marketer")


def test_a_manager_drills_down_from_a_number_to_its_leads(
    laptop: Page, live_server: LiveServer, manager: User, maria: User, sam: User
) -> None:
    page = laptop
    this_quarter_so_far(maria, sam)
    page.goto(f"{live_server.url}/dashboard/")
    log_in(page, manager.username, PASSWORD)
    page.locator("#kpi-mqls .big-number a").click()
    expect(page.locator(".drill-down")).to_contain_text("3 leads")
    expect(page.locator(".drill-down")).to_contain_text("Leads that entered MQL in")
    expect(page.locator(".lead-table tbody tr")).to_have_count(3)
    page.go_back()
    page.locator("#table-stages").get_by_role("row", name=re.compile("^SQL ")).get_by_role(
        "link"
    ).click()
    expect(page.locator(".drill-down")).to_contain_text("2 leads")
    expect(page.locator(".lead-table tbody tr")).to_have_count(2)
