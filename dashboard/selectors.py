"""The figures both teams look at, for any period, summed in SQL from the daily rollups.

The dashboard and the weekly digest read these; neither computes a figure of its own. Counts of
leads are distinct leads: a lead that makes the same move twice in a period counts once, under
the first time (its reason, its actor). Money is the sum of the moves' amounts.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from funnel.models import ChangeKind, Outcome, Reason, RevenueGoal, Stage
from funnel.periods import Period
from funnel.selectors import past_limit, stage_summaries
from leads.models import Lead, Persona, Source

# Conversion rates read from fewer outcomes than this are too thin to plan with.
MIN_SAMPLE = 20
TRAILING_DAYS = 180

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


_DIMENSION_SQL = """
    SELECT dimension, value, kind, to_stage_id,
           sum(moves) FILTER (WHERE previous_move_day IS NULL OR previous_move_day < %(first)s),
           sum(amount)
    FROM dashboard_dimensionflowday
    WHERE day >= %(first)s AND day < %(end)s
    GROUP BY dimension, value, kind, to_stage_id
"""


def dimension_totals(period: Period) -> list[DimensionTotal]:
    """The period's moves per source, campaign, persona, marketing owner and actor. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_DIMENSION_SQL, {"first": period.first_day, "end": period.end_day})
        return [
            DimensionTotal(
                dimension=dimension,
                value=value,
                kind=kind,
                to_stage_id=to_stage,
                leads=leads or 0,
                amount=amount,
            )
            for dimension, value, kind, to_stage, leads, amount in cursor.fetchall()
        ]


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
    with connection.cursor() as cursor:
        cursor.execute(
            _WON_BY_DAY_SQL,
            {"first": period.first_day, "end": period.end_day, "won": ChangeKind.WON.value},
        )
        return dict(cursor.fetchall())


# ---------------------------------------------------------------------------------------------
# The figures, built from the queries above.


@dataclass(frozen=True)
class Funnel:
    """The stages, by slug, that the reverse funnel and the agreement speak of."""

    stages: list[Stage]

    def by_slug(self, slug: str) -> Stage | None:
        return next((stage for stage in self.stages if stage.slug == slug), None)

    def first(self) -> Stage:
        return self.stages[0]

    def won(self) -> Stage | None:
        return next((s for s in self.stages if s.outcome == Outcome.WON), None)


def load_funnel() -> Funnel:
    return Funnel(stages=list(Stage.objects.order_by("position")))


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


def goal_for(period: Period) -> RevenueGoal | None:
    """The goal set for exactly this month or quarter."""
    return RevenueGoal.objects.filter(kind=period.kind, starts_on=period.first_day).first()


def goal_progress(
    *,
    period: Period,
    goal: RevenueGoal | None,
    funnel: Funnel,
    flow_in_period: Flow,
    now: datetime,
) -> GoalProgress:
    """Revenue won against the goal, where it should be by now if spread evenly, and the
    forecast: won plus open pipeline weighted by stage probability. Two queries (the daily
    wins and the open pipeline per stage)."""
    won_stage = funnel.won()
    daily = won_by_day(period)
    today = min(timezone.localdate(now), period.last_day)
    running = Decimal(0)
    pace = []
    for day in period.days():
        running += daily.get(day, Decimal(0))
        expected = (
            goal.amount * (day - period.first_day + timedelta(days=1)).days / len(period.days())
            if goal is not None
            else None
        )
        pace.append(PacePoint(day=day, won=running if day <= today else None, expected=expected))
    open_weighted = sum(
        (
            summary.value * summary.stage.probability / 100
            for summary in stage_summaries()
            if summary.stage.outcome == Outcome.OPEN
        ),
        Decimal(0),
    )
    won = flow_in_period.value(kind=ChangeKind.WON)
    return GoalProgress(
        goal=goal,
        won=won,
        deals=flow_in_period.leads(kind=ChangeKind.WON, stage_id=won_stage.pk) if won_stage else 0,
        expected_by_now=(goal.amount * Decimal(period.elapsed(now))).quantize(Decimal("0.01"))
        if goal is not None
        else None,
        open_weighted=open_weighted.quantize(Decimal("0.01")),
        forecast=(won + open_weighted).quantize(Decimal("0.01")),
        pace=pace,
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
    against what the period delivered so far. No query of its own."""
    first, mql, sql, won = (
        funnel.first(),
        funnel.by_slug("mql"),
        funnel.by_slug("sql"),
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
    needed = _needed(marketing_revenue, average, [rate.used for rate in rates])
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
        for (key, label), need, done in zip(labels, needed, delivered, strict=True)
    ]
    return ReverseFunnel(
        goal=goal,
        marketing_revenue=marketing_revenue,
        average_deal=average.quantize(Decimal("0.01")) if average is not None else None,
        average_deal_sample=won_moves,
        average_deal_planned=planned_average,
        rates=rates,
        targets=targets,
    )


def _needed(
    revenue: Decimal | None, average: Decimal | None, rates: list[Decimal | None]
) -> list[int | None]:
    """Leads, MQLs, SQLs and customers needed, each step as far as the rates allow."""
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


def mqls_waiting_past_limit(*, funnel: Funnel, now: datetime) -> int:
    """Unclaimed MQLs that have waited longer than the claim limit, now. One query, answered
    from the (stage, stage_entered_at) index alone: an MQL never has a sales owner (every way
    into MQL comes from Marketing, which clears it, and only leads in Sales stages are given
    one), so the stage says "unclaimed" by itself."""
    mql = funnel.by_slug("mql")
    waiting_too_long = past_limit([mql] if mql is not None else [], now=now)
    return Lead.objects.filter(waiting_too_long).count() if waiting_too_long else 0


def agreement(
    *, funnel: Funnel, flow_in_period: Flow, reverse: ReverseFunnel, waiting_past_limit: int
) -> Agreement:
    mqls = reverse.target("mqls")
    mql, sql = funnel.by_slug("mql"), funnel.by_slug("sql")
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

    @property
    def mql_rate(self) -> float | None:
        return self.mqls / self.new if self.new else None


@dataclass(frozen=True)
class Names:
    reasons: dict[int, Reason]
    personas: dict[int, Persona]
    people: dict[int, User]

    def of(self, dimension: str, value: str) -> str:
        if dimension == "source":
            return str(dict(Source.choices).get(value, value))
        if dimension == "campaign":
            return value or str(_("No campaign"))
        if not value:
            return str(
                _("Nobody") if dimension in {"marketing_owner", "actor"} else _("No persona")
            )
        if dimension == "persona":
            persona = self.personas.get(int(value))
            return persona.name if persona else value
        person = self.people.get(int(value))
        return (person.get_full_name() or person.username) if person else value


def load_names(totals: Iterable[DimensionTotal]) -> Names:
    """Reasons, personas and the people the period's tables name. Three queries."""
    people = {
        int(t.value) for t in totals if t.dimension in {"marketing_owner", "actor"} and t.value
    }
    return Names(
        reasons={reason.pk: reason for reason in Reason.objects.all()},
        personas={persona.pk: persona for persona in Persona.objects.all()},
        people={user.pk: user for user in User.objects.filter(pk__in=people)},
    )


def reasons_table(*, flow_in_period: Flow, kind: str, names: Names) -> list[Breakdown]:
    """Leads moved with a reason (recycled, lost), per reason, most first."""
    counts: dict[int, int] = defaultdict(int)
    for total in flow_in_period.totals:
        if total.kind == kind and total.reason_id is not None:
            counts[total.reason_id] += total.leads
    rows = [
        Breakdown(key=str(reason_id), label=names.reasons[reason_id].label, leads=leads)
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
    first, mql, won = funnel.first(), funnel.by_slug("mql"), funnel.won()
    working = funnel.by_slug("working")
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


def trailing_window(*, now: datetime) -> Period:
    """The last 180 days up to and including today, whose rates the reverse funnel plans with."""
    today = now.astimezone(Period("", date.min, date.min).start.tzinfo).date()
    return Period(
        kind="trailing",
        first_day=today - timedelta(days=TRAILING_DAYS - 1),
        end_day=today + timedelta(days=1),
    )


def dashboard(*, period: Period, now: datetime, funnel: Funnel | None = None) -> Dashboard:
    """Every figure of the dashboard for `period`. A fixed number of queries (twelve, eleven
    given the funnel's stages), whatever the number of leads or moves."""
    funnel = funnel or load_funnel()
    goal = goal_for(period)
    in_period = flow(period)
    trailing_period = trailing_window(now=now)
    trailing = flow(trailing_period)
    reverse = reverse_funnel(
        period=period,
        goal=goal,
        funnel=funnel,
        flow_in_period=in_period,
        trailing=trailing,
        now=now,
    )
    totals = dimension_totals(period)
    names = load_names(totals)

    def table(dimension: str) -> list[Breakdown]:
        return dimension_table(totals=totals, dimension=dimension, funnel=funnel, names=names)

    return Dashboard(
        period=period,
        trailing=trailing_period,
        funnel=funnel,
        progress=goal_progress(
            period=period, goal=goal, funnel=funnel, flow_in_period=in_period, now=now
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
        by_source=table("source"),
        by_campaign=table("campaign"),
        by_persona=table("persona"),
        reps=[row for row in table("actor") if row.won],
        marketers=[row for row in table("marketing_owner") if row.new or row.mqls or row.won],
        names=names,
    )
