"""Rebuilding the daily rollups (dashboard/models.py) from the funnel's history.

Triggers (dashboard/sql/rollup_marks.py) append the hours whose history changed to
RollupDirtyHour in the same transaction as the change. `refresh_rollups` takes those marks and
recomputes the days they fall on, in the organisation's time zone, in one pass, then sums the
months they fall in into the monthly rollup per attribute. A change committed while a
refresh runs leaves its mark behind for the next refresh, so nothing is missed; Celery beat
runs it every minute.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from funnel.models import ChangeKind, WellKnownStage, outstays_sql
from funnel.periods import local_midnight
from funnel.selectors import TOUCHES
from smarketing.database_sql import literal, literals

# Any fixed number: two refreshes must not rebuild the same days at once.
_ADVISORY_LOCK_KEY = 7_301_946_005
# Beyond this many days to rebuild (a bulk load, a changed time limit), one full pass is cheaper.
_FULL_REBUILD_FROM_DAYS = 20

_TOUCHES = [kind.value for kind in TOUCHES]
# The change kinds and stage the queries below single out, as SQL literals.
_CLAIMED, _MOVED, _WON = (
    literal(kind) for kind in (ChangeKind.CLAIMED, ChangeKind.MOVED, ChangeKind.WON)
)
_TABLED = literals((ChangeKind.CREATED, ChangeKind.WON, ChangeKind.RECYCLED))
_MQL = literal(WellKnownStage.MQL)
# A claim made after the lead had outstayed the limit of the stage it was claimed from.
_CLAIMED_LATE = outstays_sql(
    waited_seconds="m.seconds_in_previous_stage", limit_hours="origin.sla_hours"
)

# The moves in [start, end) (on the local `days` only, unless NULL), each with its local day
# and the local days on which its lead last made the same move and last entered the same stage
# before it: one pass of the windows over the history of the leads that moved, without joining
# the moves back to it. A rebuild computes
# them once into a temporary table named `dated` that the three daily rollups read (the windows
# over the leads' whole history are the costly part); a recomputation for the tests names the
# same query `dated` in a WITH clause.
_DATED = """
    SELECT * FROM (
        SELECT h.id, h.lead_id, h.kind, h.from_stage_id, h.to_stage_id, h.reason_id,
               h.actor_id, h.value, h.seconds_in_previous_stage, h.at,
               (h.at AT TIME ZONE %(tz)s)::date AS day,
               (lag(h.at) OVER (PARTITION BY h.lead_id, h.kind, h.to_stage_id ORDER BY h.at, h.id)
                AT TIME ZONE %(tz)s)::date AS previous_move_day,
               (lag(h.at) OVER (PARTITION BY h.lead_id, h.to_stage_id ORDER BY h.at, h.id)
                AT TIME ZONE %(tz)s)::date AS previous_entry_day
        FROM funnel_stagechange h
        WHERE h.lead_id IN (
            SELECT c.lead_id FROM funnel_stagechange c
            WHERE c.at >= %(start)s AND c.at < %(end)s
              AND (%(days)s::date[] IS NULL OR (c.at AT TIME ZONE %(tz)s)::date = ANY(%(days)s))
        ) AND h.at < %(end)s
    ) AS history
    -- After the windows: the other moves count for the previous days, not as moves.
    WHERE history.at >= %(start)s AND (%(days)s::date[] IS NULL OR history.day = ANY(%(days)s))
"""
_STAGE_FLOW = f"""
    SELECT m.day, m.kind, m.from_stage_id, m.to_stage_id, m.reason_id,
           m.previous_move_day, m.previous_entry_day,
           count(*), coalesce(sum(m.value), 0),
           count(*) FILTER (
               WHERE m.kind = {_CLAIMED} AND NOT {_CLAIMED_LATE}
           ),
           count(*) FILTER (
               WHERE m.kind = {_CLAIMED} AND EXISTS (
                   SELECT 1 FROM leads_activity a
                   WHERE a.lead_id = m.lead_id
                     AND a.kind = ANY(%(touches)s) AND a.created_at >= m.at
                     AND (
                         target.first_touch_hours IS NULL
                         OR a.created_at <= m.at + target.first_touch_hours * interval '1 hour'
                     )
               )
           )
    FROM dated m
    LEFT JOIN funnel_stage origin ON origin.id = m.from_stage_id
    JOIN funnel_stage target ON target.id = m.to_stage_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7
"""  # noqa: S608  (rendered from the project's constants)

_DIMENSION_FLOW = f"""
    SELECT m.day, d.dimension, d.value, m.kind, m.to_stage_id, m.previous_move_day,
           count(*), coalesce(sum(m.value), 0)
    FROM dated m
    JOIN leads_lead l ON l.id = m.lead_id
    JOIN funnel_stage target ON target.id = m.to_stage_id
    CROSS JOIN LATERAL (VALUES
        ('source', l.source),
        ('campaign', l.campaign),
        ('persona', coalesce(l.persona_id::text, '')),
        ('marketing_owner', coalesce(l.marketing_owner_id::text, '')),
        ('actor', coalesce(m.actor_id::text, ''))
    ) AS d (dimension, value)
    -- Only what the tables per attribute and person show: new leads, MQLs, wins and recycles,
    -- and who won the deals.
    WHERE (m.kind IN ({_TABLED}) OR (m.kind = {_MOVED} AND target.slug = {_MQL}))
      AND (d.dimension <> 'actor' OR m.kind = {_WON})
    GROUP BY 1, 2, 3, 4, 5, 6
"""  # noqa: S608  (rendered from the project's constants)

_STAGE_TIME = """
    SELECT m.day, m.from_stage_id, t.seconds, count(*)
    FROM dated m
    CROSS JOIN LATERAL (SELECT CASE
        WHEN m.seconds_in_previous_stage < 7200
            THEN m.seconds_in_previous_stage - m.seconds_in_previous_stage %% 60
        WHEN m.seconds_in_previous_stage < 259200
            THEN m.seconds_in_previous_stage - m.seconds_in_previous_stage %% 3600
        ELSE m.seconds_in_previous_stage - m.seconds_in_previous_stage %% 86400
    END AS seconds) AS t
    WHERE m.from_stage_id IS NOT NULL AND m.seconds_in_previous_stage IS NOT NULL
    GROUP BY 1, 2, 3
"""

# The monthly rollup per attribute sums the daily one: a month or a quarter (which start on a
# month's first day) then reads a few rows per attribute value and month instead of one per
# value and day. Whether a lead made the same move before a period that starts on the first of
# a month depends only on the month of its previous move, so the month is all it keeps of it.
_MONTHLY_FROM_DAYS = """
    SELECT date_trunc('month', day)::date, dimension, value, kind, to_stage_id,
           date_trunc('month', previous_move_day)::date, sum(moves), sum(amount)
    FROM dashboard_dimensionflowday
    WHERE day >= %(first)s AND day < %(end)s
    GROUP BY 1, 2, 3, 4, 5, 6
"""
_MONTHLY = f"""
    SELECT date_trunc('month', d.day)::date, d.dimension, d.value, d.kind, d.to_stage_id,
           date_trunc('month', d.previous_move_day)::date, sum(d.moves), sum(d.amount)
    FROM ({_DIMENSION_FLOW}) AS d (day, dimension, value, kind, to_stage_id, previous_move_day,
                                   moves, amount)
    GROUP BY 1, 2, 3, 4, 5, 6
"""  # noqa: S608  (constant SQL)


@dataclass(frozen=True)
class Rollup:
    table: str
    columns: tuple[str, ...]
    # Its rows for the moves in `dated` (see _DATED).
    select: str


ROLLUPS = (
    Rollup(
        table="dashboard_stageflowday",
        columns=(
            "day",
            "kind",
            "from_stage_id",
            "to_stage_id",
            "reason_id",
            "previous_move_day",
            "previous_entry_day",
            "moves",
            "value",
            "claimed_in_time",
            "touched_in_time",
        ),
        select=_STAGE_FLOW,
    ),
    Rollup(
        table="dashboard_dimensionflowday",
        columns=(
            "day",
            "dimension",
            "value",
            "kind",
            "to_stage_id",
            "previous_move_day",
            "moves",
            "amount",
        ),
        select=_DIMENSION_FLOW,
    ),
    Rollup(
        table="dashboard_stagetimeday",
        columns=("day", "stage_id", "seconds", "exits"),
        select=_STAGE_TIME,
    ),
)
MONTHLY = Rollup(
    table="dashboard_dimensionflowmonth",
    columns=(
        "month",
        "dimension",
        "value",
        "kind",
        "to_stage_id",
        "previous_move_month",
        "moves",
        "amount",
    ),
    select=_MONTHLY,
)


def _params(start: datetime, end: datetime, days: list[date] | None = None) -> dict[str, Any]:
    return {
        "tz": settings.TIME_ZONE,
        "start": start,
        "end": end,
        "days": days,
        "touches": _TOUCHES,
    }


# The bounds of "the whole history".
_BEGINNING = datetime(1, 1, 2, tzinfo=UTC)
_END = datetime(9999, 12, 30, tzinfo=UTC)


def recomputed(rollup: Rollup) -> list[tuple[Any, ...]]:
    """The rollup's rows computed afresh from the whole history (what its table must hold)."""
    with connection.cursor() as cursor:
        cursor.execute(f"WITH dated AS ({_DATED}) {rollup.select}", _params(_BEGINNING, _END))
        return cursor.fetchall()


def _rebuild(days: list[date] | None) -> None:
    """Rebuild the daily rollups of `days` (None: all), in one pass over their moves."""
    if days is None:
        start, end = _BEGINNING, _END
    else:
        start, end = local_midnight(min(days)), local_midnight(max(days) + timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE dated AS {_DATED}", _params(start, end, days))
        cursor.execute("ANALYZE dated")
        for rollup in ROLLUPS:
            if days is None:
                cursor.execute(f"DELETE FROM {rollup.table}")  # noqa: S608  (fixed table names)
            else:
                cursor.execute(
                    f"DELETE FROM {rollup.table} WHERE day = ANY(%s)",  # noqa: S608
                    [days],
                )
            columns = ", ".join(rollup.columns)
            cursor.execute(
                f"INSERT INTO {rollup.table} ({columns}) {rollup.select}",
                _params(start, end, days),
            )
        cursor.execute("DROP TABLE dated")


def _rebuild_months(months: list[date] | None) -> None:
    """Sum the daily rollup per attribute into the monthly one, for `months` (their first
    days; None: all)."""
    columns = ", ".join(MONTHLY.columns)
    with connection.cursor() as cursor:
        if months is None:
            cursor.execute(f"DELETE FROM {MONTHLY.table}")  # noqa: S608  (fixed table name)
            cursor.execute(
                f"INSERT INTO {MONTHLY.table} ({columns}) {_MONTHLY_FROM_DAYS}",
                {"first": date.min, "end": date.max},
            )
            return
        cursor.execute(
            f"DELETE FROM {MONTHLY.table} WHERE month = ANY(%s)",  # noqa: S608
            [months],
        )
        for first in months:
            cursor.execute(
                f"INSERT INTO {MONTHLY.table} ({columns}) {_MONTHLY_FROM_DAYS}",
                {"first": first, "end": _next_month(first)},
            )


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def _days_of(hours: list[datetime]) -> list[date]:
    """The local days that the given UTC hours overlap (two where the zone's offset is not a
    whole number of hours)."""
    zone = timezone.get_default_timezone()
    days = set()
    for hour in hours:
        days.add(hour.astimezone(zone).date())
        days.add((hour + timedelta(hours=1) - timedelta(microseconds=1)).astimezone(zone).date())
    return sorted(days)


def refresh_rollups() -> int:
    """Rebuild the days whose history changed since the last refresh; the number of days (or
    -1 for a full rebuild). Safe to run concurrently and repeatedly."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        cursor.execute("DELETE FROM dashboard_rollupdirtyhour RETURNING hour")
        marks = [hour for (hour,) in cursor.fetchall()]
        if not marks:
            return 0
        if None in marks:
            rebuild_all()
            return -1
        days = _days_of([hour for hour in marks if hour is not None])
        if len(days) > _FULL_REBUILD_FROM_DAYS:
            rebuild_all()
            return -1
        _rebuild(days)
        _rebuild_months(sorted({day.replace(day=1) for day in days}))
        return len(days)


# A full rebuild sorts every move twice for its windows and groups them three times: with the
# default 4 MB each step spilled to disk.
_REBUILD_WORK_MEM = "256MB"


@transaction.atomic
def rebuild_all() -> None:
    """Recompute every rollup from the whole history, and give the planner their new
    statistics: every row was rewritten, and until an analyze (autovacuum's comes minutes
    later, or never where it is off) the planner took the million-row tables for empty and
    joined a period's 2,000 campaigns with each other (1.7 s for the campaign table's CSV)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [_REBUILD_WORK_MEM])
    _rebuild(None)
    _rebuild_months(None)
    with connection.cursor() as cursor:
        tables = ", ".join(rollup.table for rollup in (*ROLLUPS, MONTHLY))
        cursor.execute(f"ANALYZE {tables}")
