"""A manager merges two leads of one person (issue 15, story 7): from the newer lead's page,
picks the old record by typing a few letters, keeps the old email, merges, and reads the merge on
the timeline; a website capture of the other email then lands on the lead that stayed. On a
laptop in English and on a phone in Spanish."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.models import Lead
from tests.e2e.conftest import LAPTOP_EN_AND_PHONE_ES, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, CaptureFormFactory, LeadFactory
from tests.leads.funnel_steps import walk

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "merge": "Merge with another lead…",
        "other": "The other lead",
        "compare": "Compare the two",
        "email": "Email",
        "submit": "Merge the two leads",
        "merged": "Merged with Ana García <ana@old.example> by Morgan",
    },
    "es": {
        "merge": "Fusionar con otro lead…",
        "other": "El otro lead",
        "compare": "Comparar los dos",
        "email": "Email",
        "submit": "Fusionar los dos leads",
        "merged": "Fusionado con Ana García <ana@old.example> por Morgan",
    },
}


@LAPTOP_EN_AND_PHONE_ES
def test_a_manager_merges_two_leads_of_one_person(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    manager: User,
    marketer: User,
    viewport: ViewportSize,
    language: str,
) -> None:
    words = WORDS[language]
    manager.language = language
    manager.save(update_fields=["language"])
    created = timezone.now() - timedelta(days=40)
    old = LeadFactory.create(
        full_name="Ana García",
        email="ana@old.example",
        phone="+34 600 111 222",
        company="",
        marketing_owner=marketer,
        created_at=created,
        stage_entered_at=created,
    )
    walk(old, "working", "lost")
    old.activities.create(kind="note", body="Met her at the Madrid fair")
    new = LeadFactory.create(
        full_name="Ana García López",
        email="ana.garcia@newjob.example",
        phone="",
        company="Globex Iberia",
        job_title="Head of Operations",
        marketing_owner=marketer,
    )
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/leads/{new.pk}/")
    log_in(page, manager.username, PASSWORD)

    page.get_by_role("link", name=words["merge"]).click()
    page.wait_for_url(f"**/leads/{new.pk}/merge/")
    # The picker's script runs once the page is loaded; letters typed before it are not offered.
    page.wait_for_load_state()
    picker = page.get_by_role("combobox", name=words["other"])
    picker.press_sequentially("ana@old")
    option = page.get_by_role("option", name="Ana García")
    expect(option).to_be_visible()
    screenshot(f"merge-search-{language}")
    option.click()
    page.get_by_role("button", name=words["compare"]).click()

    email = page.get_by_role("group", name=words["email"])
    expect(email.get_by_label("ana.garcia@newjob.example")).to_be_checked()
    email.get_by_text("ana@old.example").first.click()
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    screenshot(f"merge-compare-{language}")
    page.get_by_role("button", name=words["submit"]).click()

    expect(page.locator("#timeline")).to_contain_text(words["merged"])
    screenshot(f"merge-done-{language}")
    survivor = Lead.objects.get()
    assert survivor.pk == new.pk
    assert (survivor.email, survivor.phone, survivor.company) == (
        "ana@old.example",
        "+34 600 111 222",
        "Globex Iberia",
    )
    assert survivor.activities.filter(body="Met her at the Madrid fair").exists()

    # A visitor fills in the website's form with the address the lead had before the merge.
    form = CaptureFormFactory.create()
    answer = page.request.post(
        f"{live_server.url}/capture/{form.public_key}",
        form={"email": "Ana.Garcia@NewJob.example", "full_name": "Ana"},
        headers={"Origin": "https://www.example.com"},
    )
    assert answer.ok, answer.text()
    assert Lead.objects.count() == 1
    assert form.captures.get().lead_id == new.pk
