"""A rep reads their mentions: reading changes nothing; opening one or "Mark all as read" marks
them read, and the menu's count follows."""

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.activities import add_activity
from leads.models import ActivityKind, Mention
from tests.e2e.conftest import LAPTOP_EN_AND_PHONE_ES, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, complete_lead

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"unread": "unread", "all": "Mark all as read", "done": "2 mentions marked as read."},
    "es": {
        "unread": "sin leer",
        "all": "Marcar todas como leídas",
        "done": "2 menciones marcadas como leídas.",
    },
}


@LAPTOP_EN_AND_PHONE_ES
def test_a_rep_reads_mentions_and_marks_them_read(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    sam: User,
    viewport: ViewportSize,
    language: str,
) -> None:
    words = WORDS[language]
    sam.language = language
    sam.save()
    for name in ("Ada Lovelace", "Grace Hopper", "Edsger Dijkstra"):
        lead = complete_lead(full_name=name, email=f"{name.split()[0].lower()}@example.com")
        add_activity(
            lead=lead, kind=ActivityKind.NOTE, body=f"@sam {name} asked for a call", author=maria
        )
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/leads/mentions/")
    log_in(page, sam.username, PASSWORD)
    menu_count = page.locator(".mainnav .nav-count")

    expect(menu_count).to_have_text(f"3 {words['unread']}")
    expect(page.locator(".mention-list > li.unseen")).to_have_count(3)
    screenshot(f"mentions-unread-{language}")
    page.reload()
    expect(page.locator(".mention-list > li.unseen")).to_have_count(3)
    assert not Mention.objects.filter(seen_at__isnull=False).exists()

    page.locator(".mention-list > li").first.get_by_role("button", name="Edsger Dijkstra").click()

    expect(page).to_have_url(re.compile(r"/leads/\d+/#entry-activity-\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Edsger Dijkstra")
    expect(menu_count).to_have_text(f"2 {words['unread']}")
    page.go_back()
    page.reload()
    expect(page.locator(".mention-list > li.unseen")).to_have_count(2)

    page.get_by_role("button", name=words["all"]).click()

    expect(page.get_by_role("status")).to_have_text(words["done"])
    expect(page.locator(".mention-list > li.unseen")).to_have_count(0)
    expect(menu_count).to_have_count(0)
    expect(page.get_by_role("button", name=words["all"])).to_have_count(0)
    assert not Mention.objects.filter(seen_at__isnull=True).exists()
    screenshot(f"mentions-read-{language}")
