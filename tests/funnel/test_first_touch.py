"""The first-touch clock is read from the history: the claim row and the first touch after it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from funnel.models import ChangeKind, Stage, StageChange
from funnel.selectors import first_touch_clock
from funnel.services import claim_lead, move_lead
from leads.activities import add_activity
from leads.models import Activity, ActivityKind, Lead
from tests.factories import LeadFactory, PersonaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(marketer, sales_rep) -> Lead:
    """A lead qualified and claimed 30 hours ago (the SQL stage allows 24 for the first touch)."""
    lead = LeadFactory.create(
        company="Analytical Engines", persona=PersonaFactory.create(), marketing_owner=marketer
    )
    move_lead(lead_id=lead.pk, to_stage_id=Stage.objects.get(slug="mql").pk, actor=marketer)
    lead = claim_lead(lead_id=lead.pk, rep=sales_rep)
    claimed_at = timezone.now() - timedelta(hours=30)
    StageChange.objects.filter(lead=lead, kind=ChangeKind.CLAIMED).update(at=claimed_at)
    Lead.objects.filter(pk=lead.pk).update(stage_entered_at=claimed_at, created_at=claimed_at)
    lead.refresh_from_db()
    return lead


def _touch(lead: Lead, author, *, hours_after_claim: float, kind=ActivityKind.CALL) -> None:
    activity = add_activity(lead=lead, kind=kind, body="Called, talked budget.", author=author)
    claim = StageChange.objects.get(lead=lead, kind=ChangeKind.CLAIMED)
    Activity.objects.filter(pk=activity.pk).update(
        created_at=claim.at + timedelta(hours=hours_after_claim)
    )


def test_a_lead_never_claimed_has_no_clock(marketer) -> None:
    assert first_touch_clock(LeadFactory.create(), now=timezone.now()) is None


def test_no_touch_past_the_limit_is_late(claimed: Lead) -> None:
    clock = first_touch_clock(claimed, now=timezone.now())

    assert clock is not None
    assert clock.first_touch_at is None
    assert clock.due_at == clock.claimed_at + timedelta(hours=24)
    assert clock.late is True


def test_the_first_call_by_the_owner_stops_the_clock_in_time(claimed: Lead, sales_rep) -> None:
    _touch(claimed, sales_rep, hours_after_claim=3)
    _touch(claimed, sales_rep, hours_after_claim=28)

    clock = first_touch_clock(claimed, now=timezone.now())

    assert clock is not None
    assert clock.first_touch_at == clock.claimed_at + timedelta(hours=3)
    assert clock.late is False


def test_a_note_is_not_a_touch(claimed: Lead, sales_rep) -> None:
    _touch(claimed, sales_rep, hours_after_claim=1, kind=ActivityKind.NOTE)

    clock = first_touch_clock(claimed, now=timezone.now())

    assert clock is not None
    assert clock.first_touch_at is None
    assert clock.late is True


def test_whoever_touches_the_lead_first_stops_the_clock(claimed: Lead, sales_rep, manager) -> None:
    _touch(claimed, manager, hours_after_claim=2)
    _touch(claimed, sales_rep, hours_after_claim=5)

    clock = first_touch_clock(claimed, now=timezone.now())

    assert clock is not None
    assert clock.first_touch_at == clock.claimed_at + timedelta(hours=2)
    assert clock.late is False


def test_a_late_first_touch_stays_late(claimed: Lead, sales_rep) -> None:
    _touch(claimed, sales_rep, hours_after_claim=26, kind=ActivityKind.MEETING)

    clock = first_touch_clock(claimed, now=timezone.now())

    assert clock is not None
    assert clock.first_touch_at == clock.claimed_at + timedelta(hours=26)
    assert clock.late is True


def test_the_lead_page_shows_the_clock(client, claimed: Lead, sales_rep) -> None:
    client.force_login(sales_rep)

    body = client.get(f"/leads/{claimed.pk}/").content.decode()

    assert "No touch yet, 1" in body
    assert "past the limit" in body
