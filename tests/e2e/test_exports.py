"""Taking the leads out: a rep downloads the list as filtered, as CSV and XLSX, and opens the
files; a manager downloads everything as one archive."""

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from python_calamine import CalamineWorkbook

from accounts.models import User
from accounts.roles import Role
from funnel.models import Stage
from leads.models import Lead
from tests.e2e.conftest import LAPTOP, PHONE, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, LeadFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def leads(marketer: User) -> None:
    working = Stage.objects.get(slug="working")
    for name in ["Wile Coyote", "Road Runner", "=Evil Formula"]:
        LeadFactory.create(
            full_name=name, company="ACME Corp.", stage=working, marketing_owner=marketer
        )
    LeadFactory.create(full_name="Hank Scorpio", company="ACME Corp.")  # another stage
    LeadFactory.create(full_name="Marge Simpson", company="Globex", stage=working)


def downloaded(page: Page, link: str) -> Path:
    with page.expect_download() as download:
        page.locator(".export-links").get_by_role("link", name=link).click()
    return Path(download.value.path())


def test_a_rep_downloads_the_filtered_list_as_csv_and_xlsx(
    page: Page, live_server: LiveServer, screenshot: Screenshot, sales_rep: User, leads: None
) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/leads/")
    log_in(page, sales_rep.username, PASSWORD)
    page.get_by_label("Stage").select_option(label="Working")
    page.get_by_role("searchbox", name="Search").fill("acme")
    page.get_by_label("Sort by").select_option(label="Name")
    expect(page.locator("#lead-results td.lead-name a")).to_have_count(3)
    screenshot("lead-list-export-laptop")

    csv_file = downloaded(page, "CSV")
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8-sig"))))
    xlsx = CalamineWorkbook.from_path(str(downloaded(page, "Excel")))
    sheet = xlsx.get_sheet_by_index(0).to_python()

    expected = ["'=Evil Formula", "Road Runner", "Wile Coyote"]
    assert [row["Name"] for row in rows] == expected
    assert [row[1] for row in sheet[1:]] == expected
    assert {row["Stage"] for row in rows} == {"Working"}


def test_the_list_offers_its_downloads_on_a_phone_in_spanish(
    page: Page, live_server: LiveServer, screenshot: Screenshot, leads: None
) -> None:
    reader = UserFactory.create(language="es", roles=[Role.SALES])
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/leads/")
    log_in(page, reader.username, PASSWORD)

    links = page.locator(".export-links")
    expect(links).to_contain_text("Descargar:")
    expect(links.get_by_role("link", name="CSV")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("lead-list-export-phone-es")


def test_a_manager_downloads_everything_as_one_archive(
    page: Page, live_server: LiveServer, screenshot: Screenshot, manager: User, leads: None
) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/leads/")
    log_in(page, manager.username, PASSWORD)
    page.get_by_role("link", name="Export all the data").click()
    expect(page.get_by_role("heading", name="Export all the data")).to_be_visible()
    screenshot("export-all-laptop")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the archive").click()
    archive = zipfile.ZipFile(download.value.path())

    manifest = json.loads(archive.read("manifest.json"))
    leads_csv = list(csv.DictReader(io.StringIO(archive.read("leads.csv").decode())))
    assert len(leads_csv) == Lead.objects.count() == 5
    assert {"leads.csv", "stage_changes.csv", "users.json"} <= set(archive.namelist())
    assert manifest["files"][0]["rows"] == 5
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("export-all-phone")
