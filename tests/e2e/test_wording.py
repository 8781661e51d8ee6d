"""What the pages say, read as a person reads them: one unit per sentence in the queue, the
closed columns of the board say won or lost, a website form's lead has nobody to name, in
English and in Spanish."""

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from leads.capture import capture_lead
from tests.e2e.conftest import LAPTOP_EN_AND_PHONE_ES, Screenshot
from tests.e2e.test_lead_page import open_as
from tests.factories import CaptureFormFactory
from tests.funnel.test_board import Funnel
from tests.funnel.test_queue import qualified

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


WORDS = {
    "en": {
        "queue": "waiting 3 days — 2 days past the 24-hour claim limit",
        "won": "1 lead · €9,000 won",
        "lost": "1 lead · €0 lost",
        "entered": "It entered the funnel in New",
    },
    "es": {
        "queue": "2 días",
        "won": "ganados",
        "lost": "perdidos",
        "entered": "Entró en el embudo en Nuevo",
    },
}


@LAPTOP_EN_AND_PHONE_ES
def test_the_queue_the_board_and_the_timeline_read_right(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    sam: User,
    viewport: ViewportSize,
    language: str,
) -> None:
    sam.language = language
    sam.save(update_fields=["language"])
    words = WORDS[language]
    qualified(maria, hours_ago=82.5, full_name="Ada Lovelace", company="Engines Ltd")
    funnel = Funnel(marketer=maria, rep=sam)
    funnel.lead_in("won", value="9000.00", full_name="Grace Hopper")
    funnel.lead_in("lost", full_name="Alan Turing")
    captured = capture_lead(
        form=CaptureFormFactory.create(),
        details={"full_name": "Hedy Lamarr", "email": "hedy@example.com"},
    ).lead
    page.set_viewport_size(viewport)

    open_as(page, live_server, sam, "/funnel/mqls/")
    row = page.locator("table.mql-queue tbody tr").first
    expect(row).to_contain_text(words["queue"])
    expect(row).not_to_contain_text("hours past" if language == "en" else "horas más allá")
    screenshot(f"wording-queue-{language}")

    page.goto(f"{live_server.url}/funnel/board/")
    expect(page.locator('[data-column="won"] .board-column-sums')).to_contain_text(words["won"])
    expect(page.locator('[data-column="lost"] .board-column-sums')).to_contain_text(words["lost"])
    screenshot(f"wording-board-{language}")

    page.goto(f"{live_server.url}/leads/{captured.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text(words["entered"])
    expect(timeline).not_to_contain_text("Someone")
    expect(timeline).not_to_contain_text("Alguien")
    screenshot(f"wording-captured-lead-{language}")
