"""The figures both teams look at, for any period: what the dashboard page, its CSV files and the
API show (`dashboard`), and what the weekly digest reads (`dashboard` for the goal's month or
quarter, `review` for the week against the week before). Neither computes a figure of its own.

Each function here runs dashboard.queries and hands their results to dashboard.figures; the
number of queries is fixed, whatever the number of leads or moves.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from django.utils import timezone

from dashboard.figures import (
    Agreement,
    Breakdown,
    GoalProgress,
    PacePoint,
    ReverseFunnel,
    StageRow,
    agreement,
    dimension_table,
    goal_progress,
    pace,
    reasons_table,
    reverse_funnel,
    stage_rows,
    trailing_window,
    weighted_pipeline,
)
from dashboard.queries import (
    DimensionTotal,
    Flow,
    Names,
    dimension_totals,
    flow,
    goal_for,
    load_names,
    mqls_waiting_past_limit,
    open_pipeline,
    time_in_stage,
    won_by_day,
)
from funnel.models import ChangeKind, PeriodKind
from funnel.periods import Period, period_containing
from funnel.stages import Funnel, load_funnel


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows for a period."""

    period: Period
    trailing: Period
    funnel: Funnel
    progress: GoalProgress
    reverse: ReverseFunnel
    agreement: Agreement
    stages: list[StageRow]
    recycled_by_reason: list[Breakdown]
    lost_by_reason: list[Breakdown]
    by_source: list[Breakdown]
    by_campaign: list[Breakdown]
    by_persona: list[Breakdown]
    reps: list[Breakdown]
    marketers: list[Breakdown]
    # Who and what the tables name: reasons, personas, and the people of the period.
    names: Names
    # How many rows each table per attribute or person has in all (its rollup dimension: more
    # than the table holds when the dashboard was asked for the first few).
    values: dict[str, int]


def dashboard(
    *, period: Period, now: datetime, funnel: Funnel | None = None, rows: int | None = None
) -> Dashboard:
    """Every figure of the dashboard for `period`; with `rows`, only the first so many rows of
    each table per campaign, persona, source or person (most revenue first). A fixed number of
    queries (twelve, eleven given the funnel's stages), whatever the number of leads or
    moves."""
    funnel = funnel or load_funnel()
    goal = goal_for(period)
    in_period = flow(period)
    trailing_period = trailing_window(now=now)
    reverse = reverse_funnel(
        period=period,
        goal=goal,
        funnel=funnel,
        flow_in_period=in_period,
        trailing=flow(trailing_period),
        now=now,
    )
    per_dimension = dimension_totals(period, funnel=funnel, limit=rows)
    totals = per_dimension.totals
    names = load_names(totals)
    table = partial(_breakdowns, totals=totals, funnel=funnel, names=names)

    return Dashboard(
        period=period,
        trailing=trailing_period,
        funnel=funnel,
        progress=goal_progress(
            period=period,
            goal=goal,
            funnel=funnel,
            flow_in_period=in_period,
            daily=won_by_day(period),
            open_weighted=weighted_pipeline(open_pipeline()),
            now=now,
        ),
        reverse=reverse,
        agreement=agreement(
            funnel=funnel,
            flow_in_period=in_period,
            reverse=reverse,
            waiting_past_limit=mqls_waiting_past_limit(funnel=funnel, now=now),
        ),
        stages=stage_rows(funnel=funnel, flow_in_period=in_period, times=time_in_stage(period)),
        recycled_by_reason=reasons_table(
            flow_in_period=in_period, kind=ChangeKind.RECYCLED, names=names
        ),
        lost_by_reason=reasons_table(flow_in_period=in_period, kind=ChangeKind.LOST, names=names),
        by_source=table(dimension="source"),
        by_campaign=table(dimension="campaign"),
        by_persona=table(dimension="persona"),
        reps=table(dimension="actor"),
        marketers=table(dimension="marketing_owner"),
        names=names,
        values=per_dimension.values,
    )


def _breakdowns(
    *, totals: list[DimensionTotal], dimension: str, funnel: Funnel, names: Names
) -> list[Breakdown]:
    """The rows of the table per `dimension`: of people, only the reps who won deals and the
    marketers whose leads came, qualified or won."""
    rows = dimension_table(totals=totals, dimension=dimension, funnel=funnel, names=names)
    if dimension == "actor":
        return [row for row in rows if row.won]
    if dimension == "marketing_owner":
        return [row for row in rows if row.new or row.mqls or row.won]
    return rows


# The figures of one table of the dashboard, alone, for its CSV file: each reads only what its
# table shows.


def pacing_figures(*, period: Period, now: datetime) -> list[PacePoint]:
    """Revenue won day by day against the goal's pace. Two queries."""
    return pace(period=period, goal=goal_for(period), daily=won_by_day(period), now=now)


def reverse_figures(*, period: Period, now: datetime, funnel: Funnel) -> ReverseFunnel:
    """What the goal needs and the conversion rates it is derived with. Three queries."""
    return reverse_funnel(
        period=period,
        goal=goal_for(period),
        funnel=funnel,
        flow_in_period=flow(period),
        trailing=flow(trailing_window(now=now)),
        now=now,
    )


def stage_figures(*, period: Period, funnel: Funnel) -> list[StageRow]:
    """The funnel per stage in the period, with the time spent in each. Two queries."""
    return stage_rows(funnel=funnel, flow_in_period=flow(period), times=time_in_stage(period))


def reason_figures(*, period: Period, kind: str, funnel: Funnel) -> list[Breakdown]:
    """Leads recycled or lost in the period, per reason. Two queries."""
    return reasons_table(
        flow_in_period=flow(period), kind=kind, names=load_names([], personas=False)
    )


def breakdown_figures(*, period: Period, dimension: str, funnel: Funnel) -> list[Breakdown]:
    """Every row of the table per source, campaign, persona or person (`dimension`). One query,
    and one more for the personas' or the people's names."""
    totals = dimension_totals(period, funnel=funnel, dimensions=[dimension]).totals
    names = load_names(totals, reasons=False, personas=dimension == "persona")
    return _breakdowns(totals=totals, dimension=dimension, funnel=funnel, names=names)


@dataclass(frozen=True)
class GoalStanding:
    """How the revenue goal of today's month or quarter stands, as the dashboard shows it."""

    period: Period
    progress: GoalProgress


def current_goal(*, now: datetime) -> GoalStanding:
    """The goal today counts towards (goal_period) and its progress: won, the even pace, the
    forecast. The dashboard's figures, without the rest of the dashboard: a fixed number of
    queries, whatever the number of leads."""
    period = goal_period(timezone.localdate(now))
    funnel = load_funnel()
    return GoalStanding(
        period=period,
        progress=goal_progress(
            period=period,
            goal=goal_for(period),
            funnel=funnel,
            flow_in_period=flow(period),
            daily=won_by_day(period),
            open_weighted=weighted_pipeline(open_pipeline()),
            now=now,
        ),
    )


def goal_period(day: date) -> Period:
    """The month or quarter whose goal `day` counts towards: the month when a goal was set for
    it, else the quarter. One query."""
    month = period_containing(day, kind=PeriodKind.MONTH)
    if goal_for(month) is not None:
        return month
    return period_containing(day, kind=PeriodKind.QUARTER)


@dataclass(frozen=True)
class Review:
    """A short period's moves against the period before it, as the weekly digest shows them:
    the funnel per stage side by side, why leads came back or were lost, and which sources and
    personas turned into MQLs and revenue."""

    this: Flow
    before: Flow
    # Each stage's row in the period and in the period before.
    stages: list[tuple[StageRow, StageRow]]
    recycled_by_reason: list[Breakdown]
    lost_by_reason: list[Breakdown]
    by_source: list[Breakdown]
    by_persona: list[Breakdown]


def review(period: Period, *, funnel: Funnel, names: Names) -> Review:
    """`period` against the one before. `names` are those a dashboard of a period holding this
    one has read (the reasons, sources and personas do not depend on the period). Three
    queries."""
    this, before = flow(period), flow(period.previous())
    totals = dimension_totals(period, funnel=funnel, dimensions=["source", "persona"]).totals
    table = partial(dimension_table, totals=totals, funnel=funnel, names=names)

    return Review(
        this=this,
        before=before,
        stages=list(
            zip(
                stage_rows(funnel=funnel, flow_in_period=this, times={}),
                stage_rows(funnel=funnel, flow_in_period=before, times={}),
                strict=True,
            )
        ),
        recycled_by_reason=reasons_table(
            flow_in_period=this, kind=ChangeKind.RECYCLED, names=names
        ),
        lost_by_reason=reasons_table(flow_in_period=this, kind=ChangeKind.LOST, names=names),
        by_source=table(dimension="source"),
        by_persona=table(dimension="persona"),
    )
