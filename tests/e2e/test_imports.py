"""Importing leads in the browser (issue 15, stories 1 to 5): a marketer uploads a HubSpot
export, maps its columns and stage values, reads the dry run, confirms and watches the progress
bar to the summary; a manager, on a phone in Spanish, imports a file and undoes it."""

import re
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from accounts.roles import Role
from funnel.models import Stage, StageChange
from leads.models import ImportBatch, ImportMapping, ImportStatus, Lead
from smarketing.celery import app
from tests.e2e.conftest import LAPTOP, PHONE, Screenshot
from tests.e2e.test_lead_page import open_as
from tests.factories import LeadFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HUBSPOT = (
    "Email,First Name,Last Name,Company Name,Lifecycle Stage,"
    "Became a Marketing Qualified Lead Date,Contact owner\n"
)


def _hubspot_export(folder: Path, rows: int) -> Path:
    """A HubSpot contacts export: `rows` leads, some MQLs with their date, one unknown stage,
    one bad email, one email twice."""
    lines = [HUBSPOT]
    for i in range(rows):
        stage, since = ("Marketing Qualified Lead", "2026-02-01") if i % 3 == 0 else ("Lead", "")
        lines.append(f"lead{i}@example.com,Lee,Number {i},Co {i},{stage},{since},maria\n")
    lines.append("prospect@example.com,Pat,Prospect,,Prospect,,maria\n")
    lines.append("not-an-email,Bad,Row,,Lead,,maria\n")
    lines.append("LEAD1@example.com,Lee,Again,,Lead,,maria\n")
    path = folder / "hubspot-contacts.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _import_settings(settings, tmp_path) -> None:
    settings.IMPORT_ROOT = tmp_path / "stored"
    # Small chunks: the progress bar moves in front of the person.
    settings.IMPORT_CHUNK_ROWS = 10


def test_a_marketer_maps_checks_and_imports_a_hubspot_export(
    page: Page, live_server: LiveServer, screenshot: Screenshot, tmp_path: Path, maria: User
) -> None:
    page.set_viewport_size(LAPTOP)
    LeadFactory.create(email="lead2@example.com", company="", marketing_owner=maria)
    rows = 1000
    open_as(page, live_server, maria, "/leads/imports/")

    page.get_by_label("File").set_input_files(_hubspot_export(tmp_path, rows))
    page.get_by_role("button", name="Upload and map columns").click()

    # Story 1: the first rows, the proposed mapping, the stage values to map.
    expect(page.get_by_role("heading", name="Map the columns")).to_be_visible()
    expect(page.locator(".import-preview tbody tr")).to_have_count(5)
    expect(page.get_by_label("Email", exact=True)).to_have_value("email")
    expect(page.get_by_label("Lifecycle Stage")).to_have_value("stage")
    expect(page.get_by_label("Marketing Qualified Lead", exact=True)).to_have_value(
        str(_stage_id("mql"))
    )
    page.get_by_label("Prospect", exact=True).select_option(label="Working")
    expect(page.get_by_label("Fill empty fields only")).to_be_checked()
    page.get_by_label("Save this mapping as").fill("HubSpot contacts")
    screenshot("import-mapping-laptop")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        page.get_by_role("button", name="Check the file (dry run)").click()

        # Story 2: the dry run, with what it would do and why rows are refused.
        report = page.get_by_role("region", name="Dry run: what the import will do")
        expect(report).to_be_visible(timeout=60_000)
        expect(report.locator(".kpi").nth(0)).to_contain_text(f"{rows:,}")
        expect(report.get_by_text("“not-an-email” is not an email address.")).to_be_visible()
        expect(report.get_by_text("repeats an email of an earlier row")).to_be_visible()
        expect(report.get_by_role("link", name="lead2@example.com")).to_be_visible()
        batch = ImportBatch.objects.get()
        assert (batch.new_count, batch.update_count) == (rows, 1)
        assert (batch.repeat_count, batch.error_count) == (1, 1)
        assert not Lead.objects.filter(email="lead0@example.com").exists()
        with page.expect_download() as download:
            report.get_by_role("link", name=re.compile("Download every refused row")).click()
        assert "not-an-email" in Path(download.value.path()).read_text()
        screenshot("import-dry-run-laptop")

        # Story 3: confirmed, it runs in the background with a live progress bar.
        report.get_by_role("button", name=re.compile("^Import:")).click()
        expect(page.locator("#import-progress progress")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("rows/s", timeout=30_000)
        screenshot("import-progress-laptop")
        expect(page.get_by_role("heading", name="Summary")).to_be_visible(timeout=120_000)

    expect(page.get_by_role("region", name="Summary")).to_contain_text(f"Leads created{rows:,}")
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.updated_count) == ("done", rows, 1)
    assert ImportMapping.objects.filter(name="HubSpot contacts").exists()
    assert [m.subject for m in mail.outbox] == ["Your import of hubspot-contacts.csv is done"]
    # Story 4: the history came along.
    mql = Lead.objects.get(email="lead0@example.com")
    assert mql.stage.slug == "mql"
    assert StageChange.objects.filter(lead=mql, to_stage__slug="mql").get().at.month == 2
    assert Lead.objects.get(email="prospect@example.com").stage.slug == "working"
    # The leads of the import, in the list, and the import on a lead's timeline.
    page.get_by_role("link", name="See the leads of this import").click()
    expect(page.locator(".drill-down")).to_contain_text(f"leads of import {batch.pk}")
    page.goto(f"{live_server.url}/leads/{mql.pk}/")
    expect(page.get_by_text("Imported from the file “hubspot-contacts.csv”.")).to_be_visible()


def test_a_manager_imports_and_undoes_on_a_phone_in_spanish(
    page: Page, live_server: LiveServer, screenshot: Screenshot, tmp_path: Path, maria: User
) -> None:
    page.set_viewport_size(PHONE)
    manager = UserFactory.create(username="morgan", first_name="Morgan", roles=[Role.MANAGERS])
    manager.language = "es"
    manager.save(update_fields=["language"])
    open_as(page, live_server, manager, "/leads/imports/")

    page.locator("input[type=file]").set_input_files(_hubspot_export(tmp_path, 20))
    page.locator("form[enctype] button[type=submit]").click()
    expect(page.locator(".import-preview")).to_be_visible()
    page.locator("select[name^=value_stage_]").last.select_option(str(_stage_id("working")))
    screenshot("import-mapping-phone-es")
    _no_sideways_scroll(page)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        page.locator("form[action$='/mapping/'] button.primary").click()
        confirm = page.locator("form[action$='/confirm/'] button")
        expect(confirm).to_be_visible(timeout=60_000)
        screenshot("import-dry-run-phone-es")
        _no_sideways_scroll(page)
        confirm.click()
        undo = page.locator("form[action$='/undo/'] button")
        expect(undo).to_be_visible(timeout=60_000)
    screenshot("import-summary-phone-es")
    assert Lead.objects.filter(import_batch__isnull=False).count() == 21

    # Story 5: undone, and the page says what was removed.
    undo.click()
    expect(page.locator(".import-status")).to_have_text("Deshecha")
    assert ImportBatch.objects.get().status == ImportStatus.UNDONE
    assert not Lead.objects.exists()
    screenshot("import-undone-phone-es")


def _stage_id(slug: str) -> int:
    return Stage.objects.get(slug=slug).pk


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
