"""Past the stage's limit: one definition (Stage.late_since), asked of one lead in Python (the
lead page, the board, the queue) and of many in SQL (the lead list, the dashboard, the digest),
and the two agree to the microsecond."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Q

from funnel.models import Stage
from funnel.selectors import past_limit
from leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2031, 5, 6, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("in_stage", "past"),
    [
        (timedelta(hours=47, minutes=59), False),
        (timedelta(hours=48), False),
        (timedelta(hours=48, microseconds=1), True),
        (timedelta(days=9), True),
    ],
)
def test_one_lead_and_the_list_agree_on_who_is_past_the_limit(
    in_stage: timedelta, past: bool
) -> None:
    new = Stage.objects.get(slug="new")
    assert new.sla_hours == 48
    lead = LeadFactory.create(stage_entered_at=NOW - in_stage)

    one = new.is_past_limit(entered_at=lead.stage_entered_at, now=NOW)
    listed = Lead.objects.filter(past_limit([new], now=NOW), pk=lead.pk).exists()

    assert one == listed == past


def test_a_stage_without_a_limit_has_nobody_past_it() -> None:
    won = Stage.objects.get(slug="won")
    assert won.sla_hours is None

    assert won.late_since(NOW) is None
    assert not won.is_past_limit(entered_at=NOW - timedelta(days=3650), now=NOW)
    assert past_limit([won], now=NOW) == Q()
