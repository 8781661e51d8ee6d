"""A lead's timeline: activities and stage changes merged, newest first, paged by cursor."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from funnel.models import ChangeKind, Reason, Stage, StageChange
from leads.capture import capture_lead
from leads.models import Activity, ActivityKind, Lead, Mention
from leads.timeline import Cursor, lead_timeline, stage_clock
from tests.factories import CaptureFormFactory, LeadFactory

pytestmark = pytest.mark.django_db

# The default funnel's way forward, and the kind of history row each step writes.
PATH = ["new", "working", "mql", "sql", "opportunity", "won"]
STEP_KINDS = {"sql": ChangeKind.CLAIMED, "won": ChangeKind.WON, "lost": ChangeKind.LOST}


def record_move(
    lead: Lead,
    to: str,
    *,
    kind: ChangeKind | None = None,
    actor: User | None = None,
    at: datetime | None = None,
    reason: str = "",
    note: str = "",
) -> StageChange:
    """Move `lead` to the stage `to` by hand, with the history row that says so, as the funnel
    services will once they exist. Claims make `actor` the sales owner."""
    to_stage = Stage.objects.get(slug=to)
    at = at or timezone.now()
    change = StageChange.objects.create(
        lead=lead,
        kind=kind or STEP_KINDS.get(to, ChangeKind.MOVED),
        from_stage=lead.stage,
        to_stage=to_stage,
        actor=actor,
        at=at,
        reason=Reason.objects.get(slug=reason) if reason else None,
        note=note,
        seconds_in_previous_stage=max(0, int((at - lead.stage_entered_at).total_seconds())),
    )
    lead.stage = to_stage
    lead.stage_entered_at = at
    # A lead moved in the past existed then (it enters a stage once created).
    lead.created_at = min(lead.created_at, at)
    if change.kind == ChangeKind.CLAIMED:
        lead.sales_owner = actor
    lead.save(update_fields=["stage", "stage_entered_at", "created_at", "sales_owner"])
    return change


def walk_to(lead: Lead, slug: str, *, actor: User | None = None) -> Lead:
    """Move `lead` along the default path up to `slug`, an hour per step, ending now."""
    steps = PATH[PATH.index(lead.stage.slug) + 1 : PATH.index(slug) + 1]
    start = timezone.now() - timedelta(hours=len(steps))
    for number, step in enumerate(steps, start=1):
        record_move(lead, step, actor=actor, at=start + timedelta(hours=number))
    return lead


def note(lead: Lead, body: str, *, author: User | None, at: datetime) -> Activity:
    return Activity.objects.create(
        lead=lead, kind=ActivityKind.NOTE, body=body, author=author, created_at=at
    )


@pytest.fixture
def lead(maria: User) -> Lead:
    return LeadFactory.create(marketing_owner=maria, created_at=timezone.now() - timedelta(days=10))


def test_the_timeline_merges_activities_and_moves_newest_first(
    lead: Lead, maria: User, sam: User
) -> None:
    start = lead.created_at
    note(lead, "First call booked.", author=maria, at=start + timedelta(hours=1))
    record_move(lead, "working", actor=maria, at=start + timedelta(hours=2))
    record_move(lead, "mql", actor=maria, at=start + timedelta(hours=3))
    note(lead, "@sam they are ready.", author=maria, at=start + timedelta(hours=4))
    record_move(lead, "sql", actor=sam, at=start + timedelta(hours=5))

    page = lead_timeline(lead=lead)

    assert [entry.what for entry in page.entries] == [
        "Sam Whitaker claimed it (MQL → SQL)",
        "Maria Lindqvist wrote a note",
        "Maria Lindqvist moved it from Working to MQL",
        "Maria Lindqvist moved it from New to Working",
        "Maria Lindqvist wrote a note",
        "Maria Lindqvist added it to the funnel in New",
    ]
    assert [entry.text for entry in page.entries if entry.source == "activity"] == [
        "@sam they are ready.",
        "First call booked.",
    ]
    assert page.entries[0].who == sam
    assert page.entries[0].from_stage is not None
    assert page.entries[0].from_stage.slug == "mql"
    assert page.older is None


def test_recycles_and_losses_read_as_sentences_with_their_reason_and_note(
    lead: Lead, maria: User, sam: User
) -> None:
    walk_to(lead, "sql", actor=sam)
    recycled = record_move(
        lead,
        "working",
        kind=ChangeKind.RECYCLED,
        actor=sam,
        reason="no-budget",
        note="Budget frozen until Q3.",
    )
    walk_to(lead, "sql", actor=sam)
    lost = record_move(lead, "lost", actor=None, reason="price", at=timezone.now())

    entries = {entry.id: entry for entry in lead_timeline(lead=lead).entries}

    assert entries[recycled.pk].what == "Sam Whitaker recycled it to Marketing: No budget"
    assert entries[recycled.pk].text == "Budget frozen until Q3."
    reason = entries[recycled.pk].reason
    assert reason is not None
    assert reason.slug == "no-budget"
    assert entries[lost.pk].what == "Someone marked it lost: Price too high"
    assert entries[lost.pk].kind_label == "Lost"


def test_a_mentioned_colleague_is_known_to_the_entry(lead: Lead, maria: User, sam: User) -> None:
    activity = note(lead, "@sam please call", author=maria, at=timezone.now())
    Mention.objects.create(activity=activity, user=sam)

    newest = lead_timeline(lead=lead).entries[0]

    assert newest.mentioned == {"sam"}


def test_show_older_walks_the_whole_history_once_in_order(lead: Lead, maria: User) -> None:
    """Many entries share an instant (a move and a note written together): the cursor's order
    (time, source, id) still names one place, so no entry is skipped or shown twice."""
    base = lead.created_at
    for hour in range(1, 36):
        at = base + timedelta(hours=hour)
        note(lead, f"note {hour}a", author=maria, at=at)
        note(lead, f"note {hour}b", author=maria, at=at)
        record_move(lead, "working" if hour % 2 else "new", actor=maria, at=at)
    everything = [
        *(("activity", pk, at) for pk, at in Activity.objects.values_list("pk", "created_at")),
        *(("change", pk, at) for pk, at in StageChange.objects.values_list("pk", "at")),
    ]
    expected = sorted(everything, key=lambda e: (e[2], e[0] == "change", e[1]), reverse=True)

    seen: list[tuple[str, int]] = []
    before = None
    pages = 0
    while True:
        page = lead_timeline(lead=lead, before=before, limit=30)
        pages += 1
        seen.extend((entry.source, entry.id) for entry in page.entries)
        if page.older is None:
            break
        before = Cursor.parse(str(page.older))

    assert pages == 4  # 106 entries, 30 a page
    assert seen == [(source, pk) for source, pk, _ in expected]


@pytest.mark.parametrize("entries", [5, 50])
def test_a_page_of_the_timeline_takes_three_queries_however_long_it_is(
    lead: Lead, maria: User, sam: User, django_assert_num_queries, entries: int
) -> None:
    for number in range(entries):
        at = lead.created_at + timedelta(minutes=number + 1)
        if number % 2:
            record_move(lead, "working" if number % 4 == 1 else "new", actor=maria, at=at)
        else:
            activity = note(lead, f"@sam note {number}", author=maria, at=at)
            Mention.objects.create(activity=activity, user=sam)

    # activities with their authors; their mentions; stage changes with actors, stages, reasons
    with django_assert_num_queries(3):
        page = lead_timeline(lead=lead)
        texts = [(entry.what, entry.text, entry.mentioned) for entry in page.entries]

    assert len(texts) == min(entries + 1, 30)


def test_a_cursor_survives_its_round_trip_to_the_microsecond() -> None:
    when = timezone.now().replace(microsecond=123456)
    cursor = Cursor(when=when, source="change", id=42)

    assert Cursor.parse(str(cursor)) == cursor


@pytest.mark.parametrize(
    "token", ["", "abc", "1.x.2", "1.a", "1.a.b", "1.a.2.3", "99999999999999999999.a.1"]
)
def test_a_mangled_cursor_is_refused(token: str) -> None:
    with pytest.raises((ValueError, OverflowError)):
        Cursor.parse(token)


def test_the_stage_clock_says_when_a_lead_is_past_its_stage_s_time_limit(lead: Lead) -> None:
    new = Stage.objects.get(slug="new")
    assert new.sla_hours == 48
    lead.stage_entered_at = timezone.now() - timedelta(hours=47)
    assert not stage_clock(lead).past_sla
    lead.stage_entered_at = timezone.now() - timedelta(hours=49)
    assert stage_clock(lead).past_sla
    lead.stage = Stage.objects.get(slug="won")
    lead.stage_entered_at = timezone.now() - timedelta(days=400)
    assert not stage_clock(lead).past_sla


def test_a_lead_a_website_form_brought_names_nobody_as_having_added_it(maria: User) -> None:
    form = CaptureFormFactory.create()
    capture = capture_lead(
        form=form, details={"full_name": "Ada Lovelace", "email": "ada@engines.example"}
    )

    page = lead_timeline(lead=capture.lead)

    whats = [entry.what for entry in page.entries]
    assert whats == ["A website form captured it", "It entered the funnel in New"]
    assert not any("Someone" in what for what in whats)
