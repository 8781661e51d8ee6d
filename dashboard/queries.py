"""What the dashboard reads: sums over the daily rollups for a period, in SQL, and the few records
the figures need beside them (the period's goal, the open pipeline, the people and reasons the
tables name; the stages are funnel.stages.load_funnel). Each function is one query (load_names
three) whatever the number of leads or moves.

Counts of leads are distinct leads: a lead that makes the same move twice in a period counts
once, under the first time (its reason, its actor). Money is the sum of the moves' amounts.

The values returned are plain data, so that dashboard.figures computes from them without a
database, and its tests build them by hand.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from funnel.models import ChangeKind, Outcome, Reason, RevenueGoal, Stage, WellKnownStage
from funnel.periods import Period
from funnel.selectors import StageSummary, past_limit, stage_summaries
from funnel.stages import Funnel
from leads.models import Lead, Persona, Source

# The dimensions of the rollup whose values are people's ids.
PEOPLE = frozenset({"marketing_owner", "actor"})


@dataclass(frozen=True)
class MoveTotal:
    """The moves of one kind from one stage to another (for one reason) in a period."""

    kind: str
    from_stage_id: int | None
    to_stage_id: int
    reason_id: int | None
    moves: int
    # Distinct leads whose first move of this kind into this stage in the period this was.
    leads: int
    # Distinct leads whose first entry into the stage in the period this was.
    entries: int
    value: Decimal
    claimed_in_time: int
    touched_in_time: int


@dataclass(frozen=True)
class Flow:
    """Every move in a period, totalled per kind, stages and reason."""

    period: Period
    totals: list[MoveTotal]

    def leads(self, *, kind: str, stage_id: int, reason_id: int | None = None) -> int:
        return sum(
            t.leads
            for t in self.totals
            if t.kind == kind
            and t.to_stage_id == stage_id
            and (reason_id is None or t.reason_id == reason_id)
        )

    def entries(self, stage_id: int) -> int:
        return sum(t.entries for t in self.totals if t.to_stage_id == stage_id)

    def moves(self, *, kind: str) -> int:
        return sum(t.moves for t in self.totals if t.kind == kind)

    def value(self, *, kind: str) -> Decimal:
        return sum((t.value for t in self.totals if t.kind == kind), Decimal(0))

    def claimed_in_time(self) -> int:
        return sum(t.claimed_in_time for t in self.totals)

    def touched_in_time(self) -> int:
        return sum(t.touched_in_time for t in self.totals)

    def exits(self, stage_id: int) -> list[MoveTotal]:
        return [t for t in self.totals if t.from_stage_id == stage_id]


_FLOW_SQL = """
    SELECT kind, from_stage_id, to_stage_id, reason_id,
           sum(moves),
           sum(moves) FILTER (WHERE previous_move_day IS NULL OR previous_move_day < %(first)s),
           sum(moves) FILTER (WHERE previous_entry_day IS NULL OR previous_entry_day < %(first)s),
           sum(value), sum(claimed_in_time), sum(touched_in_time)
    FROM dashboard_stageflowday
    WHERE day >= %(first)s AND day < %(end)s
    GROUP BY kind, from_stage_id, to_stage_id, reason_id
"""


def flow(period: Period) -> Flow:
    """The period's moves. One query over the period's days of the rollup."""
    with connection.cursor() as cursor:
        cursor.execute(_FLOW_SQL, {"first": period.first_day, "end": period.end_day})
        totals = [
            MoveTotal(
                kind=kind,
                from_stage_id=from_stage,
                to_stage_id=to_stage,
                reason_id=reason,
                moves=moves,
                leads=leads or 0,
                entries=entries or 0,
                value=value,
                claimed_in_time=claimed,
                touched_in_time=touched,
            )
            for (
                kind,
                from_stage,
                to_stage,
                reason,
                moves,
                leads,
                entries,
                value,
                claimed,
                touched,
            ) in cursor.fetchall()
        ]
    return Flow(period=period, totals=totals)


@dataclass(frozen=True)
class DimensionTotal:
    dimension: str
    value: str
    kind: str
    to_stage_id: int
    leads: int
    amount: Decimal


# The period's totals per value, kind and stage; a month or a quarter reads the monthly rollup
# (a few rows per value and month), other periods their days.
_DIMENSION_SQL = """
    SELECT dimension, value, kind, to_stage_id,
           sum(moves) FILTER (WHERE previous_move_day IS NULL OR previous_move_day < %(first)s),
           sum(amount)
    FROM dashboard_dimensionflowday
    WHERE dimension = ANY(%(dimensions)s) AND day >= %(first)s AND day < %(end)s
    GROUP BY dimension, value, kind, to_stage_id
"""
_DIMENSION_BY_MONTH_SQL = """
    SELECT dimension, value, kind, to_stage_id,
           sum(moves) FILTER (
               WHERE previous_move_month IS NULL OR previous_move_month < %(first)s
           ),
           sum(amount)
    FROM dashboard_dimensionflowmonth
    WHERE dimension = ANY(%(dimensions)s) AND month >= %(first)s AND month < %(end)s
    GROUP BY dimension, value, kind, to_stage_id
"""
# Of those, the values each table shows (dashboard.figures.dimension_table: of people, the reps
# who won deals and the marketers whose leads came, qualified or won), ranked as it sorts them
# (most revenue, then deals, then new leads; by value where it sorts by name), with how many
# there are; the first `limit` of each dimension, or all.
_RANKED_SQL = """
    WITH totals (dimension, value, kind, to_stage_id, leads, amount) AS ({totals}),
    per_value AS (
        SELECT dimension, value,
               coalesce(sum(amount) FILTER (WHERE {won}), 0) AS revenue,
               coalesce(sum(leads) FILTER (WHERE {won}), 0) AS won,
               coalesce(sum(leads) FILTER (WHERE {new}), 0) AS new,
               coalesce(sum(leads) FILTER (WHERE {mql}), 0) AS mqls
        FROM totals
        GROUP BY dimension, value
    ), ranked AS (
        SELECT dimension, value,
               count(*) OVER (PARTITION BY dimension) AS values_shown,
               row_number() OVER (
                   PARTITION BY dimension ORDER BY revenue DESC, won DESC, new DESC, value
               ) AS rank
        FROM per_value
        WHERE (dimension <> 'actor' OR won > 0)
          AND (dimension <> 'marketing_owner' OR new > 0 OR mqls > 0 OR won > 0)
    )
    SELECT t.dimension, t.value, t.kind, t.to_stage_id, t.leads, t.amount, r.values_shown
    FROM totals t JOIN ranked r USING (dimension, value)
    WHERE %(limit)s::integer IS NULL OR r.rank <= %(limit)s::integer
"""


def _is(kind: str, stage_param: str) -> str:
    return f"kind = '{kind}' AND to_stage_id = %({stage_param})s"


_RANKED = {
    daily: _RANKED_SQL.format(
        totals=daily,
        won=_is(ChangeKind.WON, "won_stage"),
        new=_is(ChangeKind.CREATED, "first_stage"),
        mql=_is(ChangeKind.MOVED, "mql_stage"),
    )
    for daily in (_DIMENSION_SQL, _DIMENSION_BY_MONTH_SQL)
}

DIMENSIONS = ("source", "campaign", "persona", "marketing_owner", "actor")


@dataclass(frozen=True)
class DimensionTotals:
    """The period's totals per value of the dimensions read, and how many values each
    dimension's table has in all (more than `totals` name when they were cut)."""

    totals: list[DimensionTotal]
    values: dict[str, int]


def dimension_totals(
    period: Period,
    *,
    funnel: Funnel,
    dimensions: Iterable[str] = DIMENSIONS,
    limit: int | None = None,
) -> DimensionTotals:
    """The period's moves per source, campaign, persona, marketing owner and actor (or only
    the `dimensions` given), for the values their tables show: with `limit`, only the first so
    many of each, ranked in SQL. One query: over the monthly rollup when the period is whole
    months, else over the period's days."""
    whole_months = period.first_day.day == 1 and period.end_day.day == 1
    stage_ids = {
        "first_stage": funnel.first().pk,
        "mql_stage": _pk(funnel.by_slug(WellKnownStage.MQL)),
        "won_stage": _pk(funnel.won()),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _RANKED[_DIMENSION_BY_MONTH_SQL if whole_months else _DIMENSION_SQL],
            {
                "first": period.first_day,
                "end": period.end_day,
                "dimensions": list(dimensions),
                "limit": limit,
                **stage_ids,
            },
        )
        rows = cursor.fetchall()
    return DimensionTotals(
        totals=[
            DimensionTotal(
                dimension=dimension,
                value=value,
                kind=kind,
                to_stage_id=to_stage,
                leads=leads or 0,
                amount=amount,
            )
            for dimension, value, kind, to_stage, leads, amount, _values in rows
        ],
        values={row[0]: row[6] for row in rows},
    )


def _pk(stage: Stage | None) -> int | None:
    return stage.pk if stage is not None else None


@dataclass(frozen=True)
class TimeInStage:
    stage_id: int
    exits: int
    median_seconds: int
    p90_seconds: int


_TIME_SQL = """
    WITH histogram AS (
        SELECT stage_id, seconds, sum(exits) AS exits
        FROM dashboard_stagetimeday
        WHERE day >= %(first)s AND day < %(end)s
        GROUP BY stage_id, seconds
    ), running AS (
        SELECT stage_id, seconds,
               sum(exits) OVER (PARTITION BY stage_id ORDER BY seconds) AS up_to,
               sum(exits) OVER (PARTITION BY stage_id) AS total
        FROM histogram
    )
    SELECT stage_id, max(total),
           min(seconds) FILTER (WHERE up_to >= 0.5 * total),
           min(seconds) FILTER (WHERE up_to >= 0.9 * total)
    FROM running
    GROUP BY stage_id
"""


def time_in_stage(period: Period) -> dict[int, TimeInStage]:
    """Per stage, for the moves out of it in the period: how many, and the median and 90th
    percentile of the time spent in it (percentile_disc, at the precision the page shows:
    minutes below two hours, hours below three days, days beyond). One query."""
    with connection.cursor() as cursor:
        cursor.execute(_TIME_SQL, {"first": period.first_day, "end": period.end_day})
        return {
            stage: TimeInStage(
                stage_id=stage, exits=int(exits), median_seconds=median, p90_seconds=p90
            )
            for stage, exits, median, p90 in cursor.fetchall()
        }


_WON_BY_DAY_SQL = """
    SELECT day, sum(value) FROM dashboard_stageflowday
    WHERE day >= %(first)s AND day < %(end)s AND kind = %(won)s
    GROUP BY day ORDER BY day
"""


def won_by_day(period: Period) -> dict[date, Decimal]:
    """Revenue won on each day of the period that had a win. One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            _WON_BY_DAY_SQL,
            {"first": period.first_day, "end": period.end_day, "won": ChangeKind.WON.value},
        )
        return dict(cursor.fetchall())


def goal_for(period: Period) -> RevenueGoal | None:
    """The goal set for exactly this month or quarter."""
    return RevenueGoal.objects.filter(kind=period.kind, starts_on=period.first_day).first()


def open_pipeline() -> list[StageSummary]:
    """The open stages with the expected value of the leads in them, now. One query."""
    return [summary for summary in stage_summaries() if summary.stage.outcome == Outcome.OPEN]


def mqls_waiting_past_limit(*, funnel: Funnel, now: datetime) -> int:
    """Unclaimed MQLs that have waited longer than the claim limit, now. One query, answered
    from the (stage, stage_entered_at) index alone: an MQL never has a sales owner (every way
    into MQL comes from Marketing, which clears it, and only leads in Sales stages are given
    one), so the stage says "unclaimed" by itself."""
    mql = funnel.by_slug(WellKnownStage.MQL)
    waiting_too_long = past_limit([mql] if mql is not None else [], now=now)
    return Lead.objects.filter(waiting_too_long).count() if waiting_too_long else 0


@dataclass(frozen=True)
class Names:
    """Who and what the period's tables name: reasons, personas, and people."""

    reasons: dict[int, Reason]
    personas: dict[int, Persona]
    people: dict[int, User]

    def of(self, dimension: str, value: str) -> str:
        if dimension == "source":
            return str(dict(Source.choices).get(value, value))
        if dimension == "campaign":
            return value or str(_("No campaign"))
        if not value:
            return str(_("Nobody") if dimension in PEOPLE else _("No persona"))
        if dimension == "persona":
            persona = self.personas.get(int(value))
            return persona.name if persona else value
        person = self.people.get(int(value))
        return (person.get_full_name() or person.username) if person else value


def load_names(
    totals: Iterable[DimensionTotal], *, reasons: bool = True, personas: bool = True
) -> Names:
    """Reasons, personas and the people the period's tables name. Three queries: one less
    without the reasons or the personas, and none for people when the totals name nobody."""
    people = {int(t.value) for t in totals if t.dimension in PEOPLE and t.value}
    return Names(
        reasons={reason.pk: reason for reason in Reason.objects.all()} if reasons else {},
        personas={persona.pk: persona for persona in Persona.objects.all()} if personas else {},
        people={user.pk: user for user in User.objects.filter(pk__in=people)},
    )
