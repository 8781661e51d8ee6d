"""A lead's page as both teams use it: details, stage, one timeline, notes and @mentions."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Dialog, Locator, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from funnel.demo import RECYCLE_NOTES
from funnel.models import ChangeKind
from leads.models import Activity, ActivityKind, Lead
from tests.e2e.conftest import LAPTOP_EN_AND_PHONE_ES, SCREENSHOTS, Screenshot
from tests.e2e.test_login import log_in
from tests.factories import PASSWORD, LeadFactory, complete_lead
from tests.leads.test_timeline import record_move, walk_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOSTILE_NOTES = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
]


@pytest.fixture
def lead(maria: User) -> Lead:
    three_days_ago = timezone.now() - timedelta(days=3, hours=1)
    return complete_lead(marketing_owner=maria, created_at=three_days_ago)


def open_as(page: Page, live_server: LiveServer, user: User, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    log_in(page, user.username, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}{path}")


def timeline(page: Page) -> Locator:
    return page.locator("#timeline-entries > li")


def add_note(page: Page, text: str) -> None:
    page.get_by_label("Text").fill(text)
    with page.expect_response(lambda response: "/activities/" in response.url) as added:
        page.get_by_role("button", name="Add to timeline").click()
    # htmx answers with the new entry (200); a plain form post would be redirected (302).
    assert added.value.status == 200


def test_a_marketer_adds_a_note_and_the_mentioned_rep_finds_it(
    laptop: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    sam: User,
    lead: Lead,
) -> None:
    page = laptop
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    lead_path = f"/leads/{lead.pk}/"
    open_as(page, live_server, maria, lead_path)

    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.get_by_text("Head of Engineering at Analytical Engines")).to_be_visible()
    expect(page.locator(".stage-badge")).to_have_text("New")
    expect(page.get_by_text("in stage for 3 days")).to_be_visible()
    expect(page.get_by_text("Past this stage's limit of 48 hours")).to_be_visible()
    expect(page.get_by_role("link", name="ada@engines.example")).to_have_attribute(
        "href", "mailto:ada@engines.example"
    )
    expect(page.locator(".persona")).to_have_text("Engineering lead")
    expect(page.get_by_role("link", name="Edit details")).to_be_visible()

    add_note(page, "@sam please call them today,\nthey are ready for a demo.")

    newest = timeline(page).first
    expect(newest).to_contain_text("Maria Lindqvist wrote a note")
    expect(newest.locator(".at-mention")).to_have_text("@sam")
    expect(newest).to_contain_text("they are ready for a demo.")
    expect(page.get_by_label("Text")).to_have_value("")
    expect(page).to_have_url(f"{live_server.url}{lead_path}")

    for hostile in HOSTILE_NOTES:
        add_note(page, hostile)
        expect(timeline(page).first.locator(".entry-text")).to_have_text(hostile)
    page.reload()
    expect(timeline(page).first.locator(".entry-text")).to_have_text(HOSTILE_NOTES[-1])
    expect(page.locator("#timeline script")).to_have_count(0)
    expect(page.locator('a[href^="javascript"]')).to_have_count(0)
    assert dialogs == []
    screenshot("lead-page-notes")

    page.get_by_role("button", name="Log out").click()
    log_in(page, sam.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Mentions").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mentions")
    mention = page.locator(".mention-list > li").first
    expect(mention).to_have_class(re.compile(r"\bunseen\b"))
    expect(mention).to_contain_text("New")
    expect(mention).to_contain_text("Maria Lindqvist mentioned you on Ada Lovelace")
    expect(mention).to_contain_text("@sam please call them today")
    screenshot("mentions")
    # Opening it is what marks it read (a POST, then the note).
    mention.get_by_role("button", name="Ada Lovelace").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page).to_have_url(re.compile(rf"{re.escape(lead_path)}#entry-activity-\d+$"))
    # A rep reads and writes on a lead in a marketing stage, but does not edit it.
    expect(page.get_by_role("link", name="Edit details")).to_have_count(0)
    page.get_by_role("link", name="Mentions").click()
    expect(page.locator(".mention-list > li.unseen")).to_have_count(0)
    assert dialogs == []


def test_only_the_owning_rep_may_edit_a_lead_in_sql(
    laptop: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    sam: User,
    riley: User,
    lead: Lead,
) -> None:
    page = laptop
    walk_to(lead, "sql", actor=sam)
    lead_path = f"/leads/{lead.pk}/"
    open_as(page, live_server, riley, lead_path)

    expect(page.locator(".stage-badge")).to_have_text("SQL")
    expect(page.get_by_text("Sam Whitaker claimed it (MQL → SQL)")).to_be_visible()
    expect(page.get_by_role("link", name="Edit details")).to_have_count(0)
    expect(page.get_by_label("Text")).to_be_visible()  # but anyone can add a note

    page.goto(f"{live_server.url}{lead_path}edit/")
    expect(page.get_by_role("heading", name="You cannot edit this lead")).to_be_visible()
    screenshot("lead-edit-refused")

    page.get_by_role("button", name="Log out").click()
    open_as(page, live_server, sam, lead_path)
    page.get_by_role("link", name="Edit details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Ada Lovelace")


def test_bad_details_are_marked_and_good_ones_saved(
    laptop: Page, live_server: LiveServer, screenshot: Screenshot, maria: User, lead: Lead
) -> None:
    page = laptop
    open_as(page, live_server, maria, f"/leads/{lead.pk}/")
    page.get_by_role("link", name="Edit details").click()

    page.get_by_label("Email").fill("not an email")
    page.get_by_label("Expected value").fill("-5")
    page.get_by_role("button", name="Save details").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(page.get_by_text("Ensure this value is greater than or equal to 0.")).to_be_visible()
    screenshot("lead-edit-errors")

    page.get_by_label("Email").fill("ada@difference.example")
    page.get_by_label("Expected value").fill("20000")
    page.get_by_role("button", name="Save details").click()

    expect(page.get_by_role("status")).to_have_text("The details of Ada Lovelace were saved.")
    expect(page.get_by_role("link", name="ada@difference.example")).to_be_visible()
    expect(timeline(page).first).to_contain_text("Changed email, expected value.")


def build_long_history(lead: Lead, *, maria: User, sam: User) -> None:
    """About forty entries over two months, as the demo data has them: nurturing, a hand-off,
    a recycle with a reason, a second hand-off, an opportunity that is lost."""
    start = timezone.now() - timedelta(days=60)
    lead.created_at = lead.stage_entered_at = start
    lead.save()
    lead.stage_changes.update(at=start)
    touches = [
        (ActivityKind.EMAIL, maria, "Sent the welcome sequence and the pricing guide."),
        (ActivityKind.NOTE, maria, "Downloaded the ROI calculator twice this week."),
        (ActivityKind.CALL, maria, "Short discovery call: 40 engineers, on spreadsheets today."),
        (ActivityKind.MEETING, sam, "Intro meeting with Ada and her ops lead."),
        (ActivityKind.EMAIL, sam, "Followed up with the security questionnaire."),
        (ActivityKind.NOTE, sam, "@maria they asked for a case study from manufacturing."),
    ]
    day = 0.0

    def at() -> datetime:
        return start + timedelta(days=day)

    def touch(count: int) -> None:
        nonlocal day
        for number in range(count):
            day += 0.7
            kind, author, body = touches[number % len(touches)]
            Activity.objects.create(lead=lead, kind=kind, body=body, author=author, created_at=at())

    def move(
        slug: str, actor: User, kind: ChangeKind | None = None, reason: str = "", note: str = ""
    ) -> None:
        nonlocal day
        day += 0.5
        record_move(lead, slug, kind=kind, actor=actor, at=at(), reason=reason, note=note)

    touch(4)
    move("working", maria)
    touch(5)
    move("mql", maria)
    move("sql", sam)
    touch(6)
    move(
        "working",
        sam,
        kind=ChangeKind.RECYCLED,
        reason="no-budget",
        note=RECYCLE_NOTES["no-budget"][0],
    )
    touch(6)
    move("mql", maria)
    move("sql", sam)
    touch(5)
    move("opportunity", sam)
    touch(4)
    move("lost", sam, reason="price", note="Went with a cheaper tool; revisit at renewal.")


def test_a_long_timeline_reads_newest_first_and_shows_older_entries(
    laptop: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    sam: User,
    lead: Lead,
) -> None:
    page = laptop
    build_long_history(lead, maria=maria, sam=sam)
    total = lead.activities.count() + lead.stage_changes.count()
    assert total > 35
    open_as(page, live_server, maria, f"/leads/{lead.pk}/")

    expect(page.locator(".stage-badge")).to_have_text("Lost")
    entries = page.locator("#timeline-entries > li.entry")
    expect(entries).to_have_count(30)
    expect(entries.first).to_contain_text("Sam Whitaker marked it lost: Price too high")
    expect(page.get_by_text("Sam Whitaker recycled it to Marketing: No budget")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "lead-page-long-timeline-top.png")
    screenshot("lead-page-long-timeline")

    page.get_by_role("link", name="Show older entries").click()

    expect(entries).to_have_count(total)
    expect(entries.last).to_contain_text("Maria Lindqvist added it to the funnel in New")
    expect(page.get_by_role("link", name="Show older entries")).to_have_count(0)


@LAPTOP_EN_AND_PHONE_ES
def test_at_sign_offers_colleagues_and_a_name_nobody_has_is_refused(
    page: Page,
    live_server: LiveServer,
    screenshot: Screenshot,
    maria: User,
    sam: User,
    viewport: ViewportSize,
    language: str,
) -> None:
    maria.language = language
    maria.save(update_fields=["language"])
    lead = LeadFactory.create(full_name="Ada Lovelace", marketing_owner=maria)
    page.set_viewport_size(viewport)
    open_as(page, live_server, maria, f"/leads/{lead.pk}/")
    text, add, unknown = {
        "en": ("Text", "Add to timeline", "Nobody here has the username @ghost"),
        "es": ("Texto", "Añadir al historial", "Nadie aquí tiene el nombre de usuario @ghost"),
    }[language]
    note = page.get_by_label(text, exact=True)

    note.press_sequentially("Please call her, @whi")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_text(["Sam Whitaker @sam"])
    expect(note).to_have_attribute("aria-expanded", "true")
    screenshot(f"lead-mention-autocomplete-{language}")
    page.keyboard.press("Enter")
    expect(note).to_have_value("Please call her, @sam ")
    expect(page.get_by_role("listbox")).to_be_hidden()

    note.fill("@ghost please call her")
    page.get_by_role("button", name=add).click()
    expect(page.get_by_text(unknown)).to_be_visible()
    screenshot(f"lead-mention-unknown-{language}")
    assert not Activity.objects.filter(lead=lead).exists()
