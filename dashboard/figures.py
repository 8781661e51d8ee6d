"""The planning maths of the dashboard: pure functions from what dashboard.queries read to the
figures both teams plan with (DOMAIN.md): pacing against the goal and the forecast, the reverse
funnel from the goal back to the leads Marketing must bring, both sides of the agreement, the
funnel per stage, and the tables per reason, source, campaign, persona and person.

Nothing here reads the database: every input is passed in, so the figures are tested with
values built by hand (tests/dashboard/test_figures.py).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard.queries import DimensionTotal, Flow, Names, TimeInStage
from funnel.models import ChangeKind, Outcome, RevenueGoal, Stage, WellKnownStage, in_each_language
from funnel.periods import Period
from funnel.selectors import StageSummary
from funnel.stages import Funnel

# Conversion rates read from fewer outcomes than this are too thin to plan with.
MIN_SAMPLE = 20
TRAILING_DAYS = 180

_CENT = Decimal("0.01")


def trailing_window(*, now: datetime) -> Period:
    """The last 180 days up to and including today, whose rates the reverse funnel plans with."""
    today = now.astimezone(timezone.get_default_timezone()).date()
    return Period(
        kind="trailing",
        first_day=today - timedelta(days=TRAILING_DAYS - 1),
        end_day=today + timedelta(days=1),
    )


@dataclass(frozen=True)
class PacePoint:
    day: date
    won: Decimal | None  # None for days still to come
    expected: Decimal | None


@dataclass(frozen=True)
class GoalProgress:
    goal: RevenueGoal | None
    won: Decimal
    deals: int
    expected_by_now: Decimal | None
    open_weighted: Decimal
    forecast: Decimal
    pace: list[PacePoint]

    @property
    def share_of_goal(self) -> float | None:
        return None if self.goal is None else float(self.won / self.goal.amount)

    @property
    def forecast_share(self) -> float | None:
        return None if self.goal is None else float(self.forecast / self.goal.amount)


def pace(
    *, period: Period, goal: RevenueGoal | None, daily: dict[date, Decimal], now: datetime
) -> list[PacePoint]:
    """Revenue won so far on each day of the period (none for days still to come), against the
    goal spread evenly over the period's days."""
    today = min(timezone.localdate(now), period.last_day)
    days = period.days()
    running = Decimal(0)
    points = []
    for day in days:
        running += daily.get(day, Decimal(0))
        expected = (
            goal.amount * (day - period.first_day + timedelta(days=1)).days / len(days)
            if goal is not None
            else None
        )
        points.append(PacePoint(day=day, won=running if day <= today else None, expected=expected))
    return points


def weighted_pipeline(open_stages: Iterable[StageSummary]) -> Decimal:
    """The open pipeline's expected value, each stage weighted by its win probability."""
    return sum(
        (summary.value * summary.stage.probability / 100 for summary in open_stages), Decimal(0)
    )


def goal_progress(
    *,
    period: Period,
    goal: RevenueGoal | None,
    funnel: Funnel,
    flow_in_period: Flow,
    daily: dict[date, Decimal],
    open_weighted: Decimal,
    now: datetime,
) -> GoalProgress:
    """Revenue won against the goal, where it should be by now if spread evenly, and the
    forecast: won plus the open pipeline weighted by stage probability."""
    won_stage = funnel.won()
    won = flow_in_period.value(kind=ChangeKind.WON)
    return GoalProgress(
        goal=goal,
        won=won,
        deals=flow_in_period.leads(kind=ChangeKind.WON, stage_id=won_stage.pk) if won_stage else 0,
        expected_by_now=(goal.amount * Decimal(period.elapsed(now))).quantize(_CENT)
        if goal is not None
        else None,
        open_weighted=open_weighted.quantize(_CENT),
        forecast=(won + open_weighted).quantize(_CENT),
        pace=pace(period=period, goal=goal, daily=daily, now=now),
    )


@dataclass(frozen=True)
class Rate:
    """A conversion rate of the trailing window, and whether the funnel uses it or the
    manager's planning rate instead."""

    name: str
    converted: int
    sample: int
    planned: Decimal | None  # a fraction, from the goal's planning rate

    @property
    def observed(self) -> Decimal | None:
        if self.sample == 0:
            return None
        return min(Decimal(self.converted) / Decimal(self.sample), Decimal(1))

    @property
    def thin(self) -> bool:
        return self.sample < MIN_SAMPLE

    @property
    def uses_plan(self) -> bool:
        return self.thin and self.planned is not None

    @property
    def used(self) -> Decimal | None:
        """The rate the targets are derived with; None when there is nothing to go on."""
        rate = self.planned if self.uses_plan else self.observed
        return rate if rate else None


@dataclass(frozen=True)
class Target:
    """One step of the reverse funnel: what the goal needs, what was delivered, and where the
    delivery should be today if spread evenly over the period."""

    key: str
    label: str
    needed: int | None
    delivered: int
    expected_by_now: int | None


@dataclass(frozen=True)
class ReverseFunnel:
    goal: RevenueGoal | None
    marketing_revenue: Decimal | None
    average_deal: Decimal | None
    average_deal_sample: int
    average_deal_planned: bool
    rates: list[Rate]
    targets: list[Target]

    def target(self, key: str) -> Target:
        return next(target for target in self.targets if target.key == key)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _planned(percent: Decimal | None) -> Decimal | None:
    return None if percent is None else percent / 100


def reverse_funnel(
    *,
    period: Period,
    goal: RevenueGoal | None,
    funnel: Funnel,
    flow_in_period: Flow,
    trailing: Flow,
    now: datetime,
) -> ReverseFunnel:
    """From the goal back to the leads Marketing must bring (DOMAIN.md): customers, SQLs, MQLs
    and leads needed, from the average won deal and the trailing 180 days' conversion rates,
    against what the period delivered so far."""
    first, mql, sql, won = (
        funnel.first(),
        funnel.by_slug(WellKnownStage.MQL),
        funnel.by_slug(WellKnownStage.SQL),
        funnel.won(),
    )
    created = trailing.leads(kind=ChangeKind.CREATED, stage_id=first.pk)
    mqls = trailing.entries(mql.pk) if mql else 0
    sqls = trailing.entries(sql.pk) if sql else 0
    wins = trailing.leads(kind=ChangeKind.WON, stage_id=won.pk) if won else 0
    plan = [
        goal.planned_lead_to_mql if goal else None,
        goal.planned_mql_to_sql if goal else None,
        goal.planned_sql_to_won if goal else None,
    ]
    rates = [
        Rate(str(_("Lead → MQL")), mqls, created, _planned(plan[0])),
        Rate(str(_("MQL → SQL")), sqls, mqls, _planned(plan[1])),
        Rate(str(_("SQL → won")), wins, sqls, _planned(plan[2])),
    ]
    won_moves = trailing.moves(kind=ChangeKind.WON)
    average: Decimal | None
    if goal is not None and goal.average_deal is not None:
        average, planned_average = goal.average_deal, True
    else:
        average = trailing.value(kind=ChangeKind.WON) / won_moves if won_moves else None
        planned_average = False
    marketing_revenue = goal.amount * goal.marketing_share / 100 if goal is not None else None
    needs = needed(marketing_revenue, average, [rate.used for rate in rates])
    delivered = [
        flow_in_period.leads(kind=ChangeKind.CREATED, stage_id=first.pk),
        flow_in_period.entries(mql.pk) if mql else 0,
        flow_in_period.entries(sql.pk) if sql else 0,
        flow_in_period.leads(kind=ChangeKind.WON, stage_id=won.pk) if won else 0,
    ]
    labels = [
        ("leads", _("Leads")),
        ("mqls", _("MQLs")),
        ("sqls", _("SQLs")),
        ("customers", _("Customers")),
    ]
    elapsed = Decimal(period.elapsed(now))
    targets = [
        Target(
            key=key,
            label=str(label),
            needed=need,
            delivered=done,
            expected_by_now=None if need is None else _ceil(need * elapsed),
        )
        for (key, label), need, done in zip(labels, needs, delivered, strict=True)
    ]
    return ReverseFunnel(
        goal=goal,
        marketing_revenue=marketing_revenue,
        average_deal=average.quantize(_CENT) if average is not None else None,
        average_deal_sample=won_moves,
        average_deal_planned=planned_average,
        rates=rates,
        targets=targets,
    )


def needed(
    revenue: Decimal | None, average: Decimal | None, rates: Sequence[Decimal | None]
) -> list[int | None]:
    """Leads, MQLs, SQLs and customers needed for `revenue` at deals of `average`, with the
    rates lead → MQL, MQL → SQL and SQL → won; each step as far as the rates allow."""
    if revenue is None or not average:
        return [None, None, None, None]
    customers = _ceil(revenue / average)
    steps: list[int | None] = [customers]
    current: int | None = customers
    for rate in reversed(rates):  # SQL → won, MQL → SQL, lead → MQL
        current = None if current is None or rate is None else _ceil(current / rate)
        steps.append(current)
    leads, mqls, sqls, customers_needed = reversed(steps)
    return [leads, mqls, sqls, customers_needed]


@dataclass(frozen=True)
class Agreement:
    """Both sides of the service-level agreement for the period."""

    mqls_delivered: int
    mqls_needed: int | None
    mqls_expected_by_now: int | None
    claims: int
    claimed_in_time: int
    claim_limit_hours: int | None
    touched_in_time: int
    first_touch_limit_hours: int | None
    waiting_past_limit: int

    @property
    def claimed_in_time_share(self) -> float | None:
        return self.claimed_in_time / self.claims if self.claims else None

    @property
    def touched_in_time_share(self) -> float | None:
        return self.touched_in_time / self.claims if self.claims else None


def agreement(
    *, funnel: Funnel, flow_in_period: Flow, reverse: ReverseFunnel, waiting_past_limit: int
) -> Agreement:
    mqls = reverse.target("mqls")
    mql, sql = funnel.by_slug(WellKnownStage.MQL), funnel.by_slug(WellKnownStage.SQL)
    return Agreement(
        mqls_delivered=mqls.delivered,
        mqls_needed=mqls.needed,
        mqls_expected_by_now=mqls.expected_by_now,
        claims=flow_in_period.moves(kind=ChangeKind.CLAIMED),
        claimed_in_time=flow_in_period.claimed_in_time(),
        claim_limit_hours=mql.sla_hours if mql else None,
        touched_in_time=flow_in_period.touched_in_time(),
        first_touch_limit_hours=sql.first_touch_hours if sql else None,
        waiting_past_limit=waiting_past_limit,
    )


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    entered: int
    exits: int
    forward: int
    time: TimeInStage | None

    @property
    def conversion(self) -> float | None:
        """The share of the moves out of the stage that went forward."""
        return self.forward / self.exits if self.exits else None


def stage_rows(
    *, funnel: Funnel, flow_in_period: Flow, times: dict[int, TimeInStage]
) -> list[StageRow]:
    """Per stage, in order: leads that entered it, moves out of it, and those that went
    forward (to a later stage that is not a loss)."""
    positions = {stage.pk: stage for stage in funnel.stages}
    rows = []
    for stage in funnel.stages:
        exits = flow_in_period.exits(stage.pk)
        forward = sum(
            t.moves
            for t in exits
            if positions[t.to_stage_id].position > stage.position
            and positions[t.to_stage_id].outcome != Outcome.LOST
        )
        rows.append(
            StageRow(
                stage=stage,
                entered=flow_in_period.entries(stage.pk),
                exits=sum(t.moves for t in exits),
                forward=forward,
                time=times.get(stage.pk),
            )
        )
    return rows


@dataclass(frozen=True)
class Breakdown:
    """One row of a table per reason, source, campaign, persona or person."""

    key: str
    label: str
    leads: int = 0
    mqls: int = 0
    won: int = 0
    revenue: Decimal = Decimal(0)
    new: int = 0
    # A reason's label in each language, for content stored for readers of any (a digest).
    labels: dict[str, str] | None = None

    @property
    def mql_rate(self) -> float | None:
        return self.mqls / self.new if self.new else None


def reasons_table(*, flow_in_period: Flow, kind: str, names: Names) -> list[Breakdown]:
    """Leads moved with a reason (recycled, lost), per reason, most first."""
    counts: dict[int, int] = defaultdict(int)
    for total in flow_in_period.totals:
        if total.kind == kind and total.reason_id is not None:
            counts[total.reason_id] += total.leads
    rows = [
        Breakdown(
            key=str(reason_id),
            label=names.reasons[reason_id].shown_label,
            leads=leads,
            labels=in_each_language(
                names.reasons[reason_id].label, names.reasons[reason_id].label_es
            ),
        )
        for reason_id, leads in counts.items()
        if leads and reason_id in names.reasons
    ]
    return sorted(rows, key=lambda row: (-row.leads, row.label))


@dataclass
class _Tally:
    new: int = 0
    mqls: int = 0
    won: int = 0
    revenue: Decimal = field(default_factory=Decimal)
    recycled: int = 0


def dimension_table(
    *, totals: list[DimensionTotal], dimension: str, funnel: Funnel, names: Names
) -> list[Breakdown]:
    """Per value of a lead attribute or person: new leads, MQLs, deals and revenue won, and
    leads recycled (as `leads`), in the period; most revenue first."""
    first, mql, won = funnel.first(), funnel.by_slug(WellKnownStage.MQL), funnel.won()
    working = funnel.by_slug(WellKnownStage.WORKING)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for t in totals:
        if t.dimension != dimension:
            continue
        tally = tallies[t.value]
        if t.kind == ChangeKind.CREATED and t.to_stage_id == first.pk:
            tally.new += t.leads
        elif mql and t.kind == ChangeKind.MOVED and t.to_stage_id == mql.pk:
            tally.mqls += t.leads
        elif won and t.kind == ChangeKind.WON and t.to_stage_id == won.pk:
            tally.won += t.leads
            tally.revenue += t.amount
        elif t.kind == ChangeKind.RECYCLED and working and t.to_stage_id == working.pk:
            tally.recycled += t.leads
    table = [
        Breakdown(
            key=value,
            label=names.of(dimension, value),
            leads=tally.recycled,
            new=tally.new,
            mqls=tally.mqls,
            won=tally.won,
            revenue=tally.revenue,
        )
        for value, tally in tallies.items()
    ]
    return sorted(table, key=lambda row: (-row.revenue, -row.won, -row.new, row.label))
