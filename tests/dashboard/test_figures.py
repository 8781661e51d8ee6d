"""The dashboard's planning maths, without a database: every input is built by hand, the way
dashboard.queries would have read it, and the expected figures are worked out from DOMAIN.md.

No test here may touch the database (pytest-django refuses it without the django_db mark), so
the whole file runs in well under a second."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.figures import (
    MIN_SAMPLE,
    TRAILING_DAYS,
    Rate,
    agreement,
    dimension_table,
    goal_progress,
    needed,
    pace,
    reasons_table,
    reverse_funnel,
    stage_rows,
    trailing_window,
    weighted_pipeline,
)
from dashboard.queries import DimensionTotal, Flow, MoveTotal, Names
from funnel.defaults import DEFAULT_STAGES
from funnel.models import ChangeKind, PeriodKind, Reason, RevenueGoal, Stage
from funnel.periods import Period, quarter
from funnel.selectors import StageSummary
from funnel.stages import Funnel
from leads.models import Persona

Q4 = quarter(2026, 4)
# Noon on 15 November 2026: 45.5 of the quarter's 92 days have passed.
MID_Q4 = datetime(2026, 11, 15, 12, tzinfo=UTC)

FUNNEL = Funnel(
    stages=[
        Stage(pk=position, position=position, **fields)
        for position, fields in enumerate(DEFAULT_STAGES, start=1)
    ]
)
NEW, WORKING, MQL, SQL, OPPORTUNITY, WON, LOST = (stage.pk for stage in FUNNEL.stages)
NO_BUDGET, PRICE = 11, 12
NAMES = Names(
    reasons={
        NO_BUDGET: Reason(pk=NO_BUDGET, label="No budget"),
        PRICE: Reason(pk=PRICE, label="Price too high"),
    },
    personas={7: Persona(pk=7, name="Engineers")},
    people={},
)


def move(
    kind: str,
    to: int,
    *,
    origin: int | None = None,
    moves: int = 1,
    leads: int | None = None,
    entries: int | None = None,
    value: str = "0",
    reason: int | None = None,
    claimed_in_time: int = 0,
    touched_in_time: int = 0,
) -> MoveTotal:
    return MoveTotal(
        kind=kind,
        from_stage_id=origin,
        to_stage_id=to,
        reason_id=reason,
        moves=moves,
        leads=moves if leads is None else leads,
        entries=moves if entries is None else entries,
        value=Decimal(value),
        claimed_in_time=claimed_in_time,
        touched_in_time=touched_in_time,
    )


def goal(**terms: object) -> RevenueGoal:
    fields: dict[str, object] = {
        "kind": PeriodKind.QUARTER,
        "starts_on": Q4.first_day,
        "ends_on": Q4.end_day,
        "amount": Decimal(100_000),
        "marketing_share": 80,
    }
    return RevenueGoal(**(fields | terms))


# A quarter: 40 leads logged, 12 qualified, 8 claimed (6 in time, 3 touched in time), one sent
# back for want of budget, 3 won for 30,000 and one lost on price.
IN_Q4 = Flow(
    period=Q4,
    totals=[
        move(ChangeKind.CREATED, NEW, moves=40),
        move(ChangeKind.MOVED, WORKING, origin=NEW, moves=30),
        move(ChangeKind.MOVED, MQL, origin=WORKING, moves=12),
        move(ChangeKind.CLAIMED, SQL, origin=MQL, moves=8, claimed_in_time=6, touched_in_time=3),
        move(ChangeKind.RECYCLED, WORKING, origin=SQL, reason=NO_BUDGET, entries=0),
        move(ChangeKind.MOVED, OPPORTUNITY, origin=SQL, moves=5),
        move(ChangeKind.WON, WON, origin=OPPORTUNITY, moves=3, value="30000"),
        move(ChangeKind.LOST, LOST, origin=OPPORTUNITY, reason=PRICE),
    ],
)


def test_the_reverse_funnel_of_domain_md() -> None:
    # 80% of 100,000 at deals of 10,000: 8 customers; SQL → won 25%, MQL → SQL 50%,
    # lead → MQL 50%.
    rates = [Decimal("0.5"), Decimal("0.5"), Decimal("0.25")]
    assert needed(Decimal(80_000), Decimal(10_000), rates) == [128, 64, 32, 8]


def test_each_step_rounds_up() -> None:
    # 2 customers (10,001 > 10,000); 2 / 0.3 → 7 SQLs; 7 / 0.3 → 24 MQLs; 24 / 0.3 → 80 leads.
    assert needed(Decimal(10_001), Decimal(10_000), [Decimal("0.3")] * 3) == [80, 24, 7, 2]


def test_a_missing_rate_stops_the_steps_above_it() -> None:
    rates = [Decimal("0.5"), None, Decimal("0.25")]
    assert needed(Decimal(80_000), Decimal(10_000), rates) == [None, None, 32, 8]


@pytest.mark.parametrize(("revenue", "average"), [(None, Decimal(10)), (Decimal(10), None)])
def test_without_revenue_or_a_deal_size_nothing_is_needed(revenue, average) -> None:
    assert needed(revenue, average, [Decimal(1)] * 3) == [None, None, None, None]


revenues = st.decimals(min_value=1, max_value=10**9, places=2)
averages = st.decimals(min_value=1, max_value=10**7, places=2)
fractions = st.decimals(min_value=Decimal("0.01"), max_value=1, places=2)


@given(revenues, averages, st.lists(st.none() | fractions, min_size=3, max_size=3))
def test_every_step_is_the_least_that_reaches_the_next(revenue, average, rates) -> None:
    steps = needed(revenue, average, rates)
    customers = steps[3]
    assert customers is not None
    assert customers * average >= revenue > (customers - 1) * average
    for step, (rate, following) in enumerate(zip(rates, steps[1:], strict=True)):
        this = steps[step]
        if rate is None or following is None:
            assert this is None
            continue
        assert this is not None
        assert this * rate >= following > (this - 1) * rate
        assert this >= following


def test_a_thin_rate_gives_way_to_the_managers_plan() -> None:
    thin = Rate("MQL → SQL", converted=3, sample=MIN_SAMPLE - 1, planned=Decimal("0.4"))
    assert thin.thin
    assert thin.uses_plan
    assert thin.used == Decimal("0.4")
    assert thin.observed == Decimal(3) / Decimal(19)


def test_a_thin_rate_without_a_plan_is_used_as_seen() -> None:
    thin = Rate("MQL → SQL", converted=3, sample=6, planned=None)
    assert (thin.thin, thin.uses_plan, thin.used) == (True, False, Decimal("0.5"))


def test_enough_history_outweighs_the_plan() -> None:
    seen = Rate("MQL → SQL", converted=5, sample=MIN_SAMPLE, planned=Decimal("0.9"))
    assert (seen.thin, seen.uses_plan, seen.used) == (False, False, Decimal("0.25"))


def test_nothing_to_go_on_is_no_rate() -> None:
    assert Rate("Lead → MQL", converted=0, sample=0, planned=None).used is None
    # Nothing converted: a rate of zero would divide by zero, so there is none.
    assert Rate("Lead → MQL", converted=0, sample=40, planned=None).used is None


@given(st.integers(0, 500), st.integers(0, 500), st.none() | fractions)
def test_a_rate_is_a_share_taken_from_history_or_plan(converted, sample, planned) -> None:
    rate = Rate("x", converted=converted, sample=sample, planned=planned)
    assert rate.thin == (sample < MIN_SAMPLE)
    if rate.observed is not None:
        assert 0 <= rate.observed <= 1
    assert rate.used in {None, rate.planned if rate.uses_plan else rate.observed}


def test_pace_adds_up_the_wins_day_by_day_and_stops_today() -> None:
    daily = {date(2026, 10, 20): Decimal(12_000), date(2026, 11, 2): Decimal(3_000)}
    points = {p.day: p for p in pace(period=Q4, goal=goal(), daily=daily, now=MID_Q4)}

    assert len(points) == 92
    assert points[date(2026, 10, 19)].won == 0
    assert points[date(2026, 10, 20)].won == Decimal(12_000)
    assert points[date(2026, 11, 15)].won == Decimal(15_000)
    assert points[date(2026, 11, 16)].won is None
    assert points[date(2026, 10, 1)].expected == Decimal(100_000) / 92
    assert points[date(2026, 12, 31)].expected == Decimal(100_000)


def test_pace_without_a_goal_expects_nothing() -> None:
    points = pace(period=Q4, goal=None, daily={}, now=MID_Q4)
    assert {point.expected for point in points} == {None}


@given(
    st.dictionaries(
        st.dates(min_value=Q4.first_day, max_value=Q4.last_day),
        st.decimals(min_value=0, max_value=10**6, places=2),
    ),
    # Hypothesis takes naive bounds and gives the moments in the time zone it is handed.
    st.datetimes(
        min_value=datetime(2026, 9, 1),  # noqa: DTZ001
        max_value=datetime(2027, 2, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_pace_never_falls_and_ends_on_the_goal(daily, now) -> None:
    points = pace(period=Q4, goal=goal(), daily=daily, now=now)
    won = [point.won for point in points if point.won is not None]
    assert won == sorted(won)
    assert all(point.won is None for point in points[len(won) :])
    assert points[-1].expected == Decimal(100_000)
    if won and len(won) == len(points):
        assert won[-1] == sum(daily.values(), Decimal(0))


def test_the_forecast_is_won_plus_the_weighted_open_pipeline() -> None:
    new, working = FUNNEL.stages[0], FUNNEL.stages[1]
    # 2,000 in New at 1% and 1,000 in Working at 3%.
    open_weighted = weighted_pipeline(
        [
            StageSummary(stage=new, count=2, value=Decimal(2_000)),
            StageSummary(stage=working, count=1, value=Decimal(1_000)),
        ]
    )
    progress = goal_progress(
        period=Q4,
        goal=goal(),
        funnel=FUNNEL,
        flow_in_period=IN_Q4,
        daily={},
        open_weighted=open_weighted,
        now=MID_Q4,
    )

    assert (progress.won, progress.deals) == (Decimal(30_000), 3)
    assert progress.open_weighted == Decimal("50.00")
    assert progress.forecast == Decimal("30050.00")
    assert progress.expected_by_now == Decimal("49456.52")  # 45.5 / 92 of the goal
    assert progress.share_of_goal == pytest.approx(0.3)
    assert progress.forecast_share == pytest.approx(0.3005)


def test_without_a_goal_progress_has_no_share() -> None:
    progress = goal_progress(
        period=Q4,
        goal=None,
        funnel=FUNNEL,
        flow_in_period=IN_Q4,
        daily={},
        open_weighted=Decimal(0),
        now=MID_Q4,
    )
    assert (progress.expected_by_now, progress.share_of_goal, progress.forecast_share) == (
        None,
        None,
        None,
    )


def test_the_reverse_funnel_plans_with_thin_history_and_counts_the_deliveries() -> None:
    planned = goal(
        average_deal=Decimal(10_000),
        planned_lead_to_mql=Decimal(50),
        planned_mql_to_sql=Decimal(50),
        planned_sql_to_won=Decimal(25),
    )
    reverse = reverse_funnel(
        period=Q4, goal=planned, funnel=FUNNEL, flow_in_period=IN_Q4, trailing=IN_Q4, now=MID_Q4
    )

    assert reverse.marketing_revenue == Decimal(80_000)
    assert (reverse.average_deal, reverse.average_deal_planned) == (Decimal(10_000), True)
    # 40 leads → 12 MQLs → 8 SQLs → 3 won: the last two rest on fewer than 20 leads.
    assert [(r.converted, r.sample, r.uses_plan) for r in reverse.rates] == [
        (12, 40, False),
        (8, 12, True),
        (3, 8, True),
    ]
    # 8 customers; 32 SQLs; 64 MQLs; lead → MQL as seen, 30%: 214 leads.
    assert [(t.key, t.needed, t.delivered) for t in reverse.targets] == [
        ("leads", 214, 40),
        ("mqls", 64, 12),
        ("sqls", 32, 8),
        ("customers", 8, 3),
    ]
    assert reverse.target("mqls").expected_by_now == 32  # ceil(64 x 45.5 / 92)


def test_the_average_deal_comes_from_history_without_an_override() -> None:
    reverse = reverse_funnel(
        period=Q4, goal=goal(), funnel=FUNNEL, flow_in_period=IN_Q4, trailing=IN_Q4, now=MID_Q4
    )
    assert (reverse.average_deal, reverse.average_deal_sample) == (Decimal(10_000), 3)
    assert not reverse.average_deal_planned


def test_both_sides_of_the_agreement() -> None:
    reverse = reverse_funnel(
        period=Q4, goal=goal(), funnel=FUNNEL, flow_in_period=IN_Q4, trailing=IN_Q4, now=MID_Q4
    )
    promise = agreement(funnel=FUNNEL, flow_in_period=IN_Q4, reverse=reverse, waiting_past_limit=2)

    assert (promise.mqls_delivered, promise.claims) == (12, 8)
    assert (promise.claim_limit_hours, promise.first_touch_limit_hours) == (24, 24)
    assert promise.claimed_in_time_share == pytest.approx(6 / 8)
    assert promise.touched_in_time_share == pytest.approx(3 / 8)
    assert promise.waiting_past_limit == 2


def test_an_agreement_without_claims_has_no_shares() -> None:
    quiet = Flow(period=Q4, totals=[])
    reverse = reverse_funnel(
        period=Q4, goal=None, funnel=FUNNEL, flow_in_period=quiet, trailing=quiet, now=MID_Q4
    )
    promise = agreement(funnel=FUNNEL, flow_in_period=quiet, reverse=reverse, waiting_past_limit=0)
    assert (promise.claimed_in_time_share, promise.touched_in_time_share) == (None, None)


def test_a_stage_counts_forward_moves_but_not_returns_or_losses() -> None:
    rows = {
        row.stage.slug: row for row in stage_rows(funnel=FUNNEL, flow_in_period=IN_Q4, times={})
    }

    assert (rows["sql"].exits, rows["sql"].forward) == (6, 5)  # one recycled
    assert (rows["opportunity"].exits, rows["opportunity"].forward) == (4, 3)  # one lost
    assert rows["opportunity"].conversion == pytest.approx(3 / 4)
    assert rows["won"].conversion is None
    assert rows["working"].entered == 30  # the recycled lead had entered Working before


def test_reasons_most_first() -> None:
    recycled = reasons_table(flow_in_period=IN_Q4, kind=ChangeKind.RECYCLED, names=NAMES)
    lost = reasons_table(flow_in_period=IN_Q4, kind=ChangeKind.LOST, names=NAMES)
    assert [(row.label, row.leads) for row in recycled] == [("No budget", 1)]
    assert [(row.label, row.leads) for row in lost] == [("Price too high", 1)]


def test_a_table_per_source_most_revenue_first() -> None:
    def total(value: str, kind: str, to: int, leads: int, amount: str = "0") -> DimensionTotal:
        return DimensionTotal("source", value, kind, to, leads, Decimal(amount))

    totals = [
        total("website", ChangeKind.CREATED, NEW, 30),
        total("website", ChangeKind.MOVED, MQL, 6),
        total("website", ChangeKind.RECYCLED, WORKING, 1),
        total("event", ChangeKind.CREATED, NEW, 10),
        total("event", ChangeKind.MOVED, MQL, 6),
        total("event", ChangeKind.WON, WON, 3, "30000"),
        DimensionTotal("persona", "7", ChangeKind.CREATED, NEW, 40, Decimal(0)),
    ]

    table = dimension_table(totals=totals, dimension="source", funnel=FUNNEL, names=NAMES)

    assert [(r.label, r.new, r.mqls, r.won, r.revenue, r.leads) for r in table] == [
        ("Event", 10, 6, 3, Decimal(30_000), 0),
        ("Website", 30, 6, 0, Decimal(0), 1),
    ]
    assert table[1].mql_rate == pytest.approx(0.2)
    [persona] = dimension_table(totals=totals, dimension="persona", funnel=FUNNEL, names=NAMES)
    assert (persona.label, persona.new) == ("Engineers", 40)


@pytest.mark.parametrize(
    ("dimension", "value", "label"),
    [
        ("campaign", "", "No campaign"),
        ("persona", "", "No persona"),
        ("actor", "", "Nobody"),
        ("persona", "999", "999"),  # deleted since
        ("source", "paid_search", "Paid search"),
    ],
)
def test_what_a_row_is_called(dimension: str, value: str, label: str) -> None:
    assert NAMES.of(dimension, value) == label


def test_the_trailing_window_ends_today_in_the_organisations_time_zone(settings) -> None:
    settings.TIME_ZONE = "America/New_York"
    # 02:00 UTC on 1 December is still 30 November in New York.
    window = trailing_window(now=datetime(2026, 12, 1, 2, tzinfo=UTC))
    assert window.last_day == date(2026, 11, 30)
    assert len(window.days()) == TRAILING_DAYS


def test_a_period_is_planned_over_its_own_days() -> None:
    month = Period(kind=PeriodKind.MONTH, first_day=date(2026, 2, 1), end_day=date(2026, 3, 1))
    points = pace(period=month, goal=goal(amount=Decimal(28_000)), daily={}, now=MID_Q4)
    assert [point.expected for point in points[:2]] == [Decimal(1_000), Decimal(2_000)]
