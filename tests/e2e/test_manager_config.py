"""A manager configures the funnel in the admin and hands a lead to another rep."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from accounts.roles import Role
from funnel.models import Stage
from funnel.permissions import grant_funnel_configuration
from funnel.services import claim_lead, move_lead
from leads.models import Lead
from tests.e2e.conftest import LAPTOP, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, LeadFactory, PersonaFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def morgan() -> User:
    # Committed tests empty every table; the migration's grant is put back here.
    grant_funnel_configuration(Group, Permission)
    return UserFactory.create(
        username="morgan",
        first_name="Morgan",
        last_name="Reyes",
        is_staff=True,
        roles=[Role.MANAGERS],
    )


@pytest.fixture
def claimed(maria: User, sam: User) -> Lead:
    lead = LeadFactory.create(
        full_name="Ada Lovelace",
        company="Analytical Engines",
        persona=PersonaFactory.create(name="Ops lead"),
        marketing_owner=maria,
        created_at=timezone.now(),
    )
    move_lead(lead_id=lead.pk, to_stage_id=Stage.objects.get(slug="mql").pk, actor=maria)
    return claim_lead(lead_id=lead.pk, rep=sam)


def test_a_manager_changes_the_mql_time_limit(
    page: Page, live_server: LiveServer, morgan: User, screenshot: Screenshot
) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/")
    log_in(page, morgan.username, PASSWORD)

    page.get_by_role("link", name="Configure the funnel").click()
    page.get_by_role("link", name="Stages").first.click()
    expect(page.get_by_role("link", name="MQL", exact=True)).to_be_visible()
    screenshot("manager-config-stages")
    page.get_by_role("link", name="MQL", exact=True).click()
    page.get_by_label("Time limit (hours)").fill("36")
    page.get_by_label("Phone").check()
    screenshot("manager-config-stage-form")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text(re.compile("was changed successfully"))).to_be_visible()
    mql = Stage.objects.get(slug="mql")
    assert mql.sla_hours == 36
    assert "phone" in mql.required_fields
    page.locator("#result_list").get_by_role("link", name="MQL", exact=True).click()
    page.get_by_role("link", name="History").click()
    expect(page.get_by_text(re.compile("Changed Time limit \\(hours\\)"))).to_be_visible()


def test_a_manager_reassigns_a_leads_sales_owner(
    page: Page,
    live_server: LiveServer,
    morgan: User,
    claimed: Lead,
    riley: User,
    screenshot: Screenshot,
) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}/leads/{claimed.pk}/")
    log_in(page, morgan.username, PASSWORD)

    page.get_by_role("link", name="Reassign owners…").click()
    page.get_by_label("New sales owner").select_option(label="Riley Chen")
    screenshot("manager-reassign-form")
    page.get_by_role("button", name="Reassign").click()

    expect(page.get_by_text("Ada Lovelace has new owners.")).to_be_visible()
    expect(page.get_by_text(re.compile("Sales owner: Sam Whitaker → Riley Chen"))).to_be_visible()
    expect(page.locator(".lead-facts")).to_contain_text("Riley Chen")
    screenshot("manager-reassigned-timeline")
    assert Lead.objects.get(pk=claimed.pk).sales_owner == riley
