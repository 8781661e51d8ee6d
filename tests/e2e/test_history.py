"""A manager changes the SQL stage's limits in the admin, then reads the change on the History
of changes page: on a laptop and a phone, in English and in Spanish."""

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from accounts.roles import Role, grant_history_reading
from audit.models import AuditEntry
from funnel.models import Stage
from funnel.permissions import grant_funnel_configuration
from tests.e2e.conftest import LAPTOP, PHONE, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def morgan() -> User:
    # Committed tests empty every table; the migrations' grants are put back here.
    grant_funnel_configuration(Group, Permission)
    grant_history_reading(Group, Permission)
    return UserFactory.create(
        username="morgan",
        first_name="Morgan",
        last_name="Reyes",
        is_staff=True,
        roles=[Role.MANAGERS],
    )


def test_a_manager_changes_a_stage_limit_and_reads_it_in_the_history(
    page: Page, live_server: LiveServer, morgan: User, screenshot: Screenshot
) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/")
    log_in(page, morgan.username, PASSWORD)

    page.get_by_role("link", name="Configure the funnel").click()
    page.get_by_role("link", name="Stages").first.click()
    page.get_by_role("link", name="SQL", exact=True).click()
    page.get_by_label("Time limit (hours)").fill("96")
    page.get_by_label("First touch within (hours)").fill("8")
    screenshot("history-admin-sql-stage")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()

    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="History of changes"
    ).click()
    entry = page.locator(".history-entry").first
    expect(entry).to_contain_text("SQL")
    expect(entry).to_contain_text("by Morgan Reyes")
    limit = entry.locator("dl > div").filter(has_text="First touch within (hours)")
    expect(limit.locator(".history-old")).to_have_text("24")
    expect(limit.locator(".history-new")).to_have_text("8")
    expect(entry.locator("dl > div").filter(has_text="Time limit (hours)")).to_contain_text("96")
    screenshot("history-laptop-en")
    page.set_viewport_size(PHONE)
    screenshot("history-phone-en")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")

    page.get_by_label("Kind of object").select_option(label="Personas")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No change recorded yet.")).to_be_visible()

    User.objects.filter(pk=morgan.pk).update(language="es")
    page.goto(f"{live_server.url}/history/")
    expect(page.get_by_role("heading", name="Historial de cambios")).to_be_visible()
    expect(page.locator(".history-entry").first).to_contain_text("Modificado")
    screenshot("history-phone-es")
    page.set_viewport_size(LAPTOP)
    screenshot("history-laptop-es")

    sql = Stage.objects.get(slug="sql")
    assert (sql.sla_hours, sql.first_touch_hours) == (96, 8)
    assert AuditEntry.objects.get().actor == morgan
