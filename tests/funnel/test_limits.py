"""Past the stage's limit: one definition (funnel.models.outstays), asked of one lead in Python
(the lead page, the board, the queue), of many leads by its instant (Stage.late_since: the lead
list, the dashboard, the digest) and in SQL text (outstays_sql: the dashboard's rollup of claims
made in time), and all of them agree."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Q

from dashboard import rollup
from funnel.models import Stage, outstays, outstays_sql
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


@pytest.mark.parametrize("limit_hours", [None, 0, 1, 24, 48])
@pytest.mark.parametrize(
    "waited_seconds", [None, 0, 1, 3599, 3600, 3601, 86_399, 86_400, 86_401, 172_800, 172_801]
)
def test_the_sql_text_of_the_rule_agrees_with_the_rule(
    waited_seconds: int | None, limit_hours: int | None
) -> None:
    condition = outstays_sql(waited_seconds="%(waited)s::integer", limit_hours="%(limit)s::integer")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {condition}", {"waited": waited_seconds, "limit": limit_hours})
        in_sql = cursor.fetchone()[0]

    if waited_seconds is None:
        # Nothing waited is nothing to judge, unless there is no limit to outstay.
        assert in_sql is (False if limit_hours is None else None)
    else:
        assert in_sql is outstays(waited=timedelta(seconds=waited_seconds), limit_hours=limit_hours)


def test_the_rollup_judges_claims_by_the_rule_and_keeps_no_copy_of_it() -> None:
    late = outstays_sql(
        waited_seconds="m.seconds_in_previous_stage", limit_hours="origin.sla_hours"
    )

    assert f"NOT {late}" in rollup._STAGE_FLOW
    assert "3600" not in rollup._STAGE_FLOW.replace(late, "")


@pytest.mark.parametrize(
    "in_stage",
    [timedelta(hours=47), timedelta(hours=48), timedelta(hours=48, microseconds=1)],
)
def test_a_lead_and_its_stage_agree_with_the_rule(in_stage: timedelta) -> None:
    new = Stage.objects.get(slug="new")

    assert new.is_past_limit(entered_at=NOW - in_stage, now=NOW) == outstays(
        waited=in_stage, limit_hours=new.sla_hours
    )
    late_since = new.late_since(NOW)
    assert late_since is not None
    assert (NOW - in_stage < late_since) == outstays(waited=in_stage, limit_hours=new.sla_hours)
