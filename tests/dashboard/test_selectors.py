"""Every figure of the dashboard, on a funnel built by hand (tests/dashboard/scenario.py).

The expected numbers are worked out from the story, not read back from the code."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dashboard.rollup import refresh_rollups
from dashboard.selectors import Dashboard, dashboard
from funnel.goals import GoalTerms, change_revenue_goal
from funnel.periods import month, quarter
from leads.models import Persona
from tests.dashboard.scenario import NOW, Clock, Story, at, build_story, claim, log, move

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(clock: Clock, maria, sam, riley, manager) -> Story:
    built = build_story(clock, maria=maria, sam=sam, riley=riley, manager=manager)
    refresh_rollups()
    return built


@pytest.fixture
def q4(story: Story) -> Dashboard:
    return dashboard(period=quarter(2026, 4), now=NOW)


def test_revenue_against_the_goal(q4: Dashboard) -> None:
    progress = q4.progress
    assert progress.won == Decimal(12_000)
    assert progress.deals == 1
    # Half the quarter has passed: half the goal is due.
    assert progress.expected_by_now == Decimal("50000.00")
    # Open leads: Cy in Working (1,000 x 3%) and Dee in New (2,000 x 1%).
    assert progress.open_weighted == Decimal("50.00")
    assert progress.forecast == Decimal("12050.00")
    assert progress.share_of_goal == pytest.approx(0.12)


def test_pacing_is_cumulative_by_day_and_stops_today(q4: Dashboard) -> None:
    pace = {point.day.isoformat(): point for point in q4.progress.pace}
    assert len(pace) == 92
    assert pace["2026-10-19"].won == 0
    assert pace["2026-10-20"].won == Decimal(12_000)
    assert pace["2026-11-15"].won == Decimal(12_000)
    assert pace["2026-11-16"].won == Decimal(12_000)
    assert pace["2026-11-17"].won is None  # still to come
    assert pace["2026-12-31"].expected == Decimal(100_000)
    assert pace["2026-10-01"].expected == Decimal(100_000) / 92


def test_reverse_funnel_uses_planning_rates_while_history_is_thin(q4: Dashboard) -> None:
    reverse = q4.reverse
    # 80% of 100,000 from Marketing at the goal's average deal of 10,000: 8 customers; then
    # the planning rates (every observed rate rests on fewer than 20 leads).
    assert reverse.marketing_revenue == Decimal(80_000)
    assert reverse.average_deal == Decimal(10_000)
    assert [(t.key, t.needed) for t in reverse.targets] == [
        ("leads", 128),
        ("mqls", 64),
        ("sqls", 32),
        ("customers", 8),
    ]
    assert [(t.key, t.expected_by_now) for t in reverse.targets] == [
        ("leads", 64),
        ("mqls", 32),
        ("sqls", 16),
        ("customers", 4),
    ]
    # Delivered in Q4: Ada, Bob and Dee logged (Cy in September); Ada and Bob qualified and
    # claimed (Bob twice: counted once); Ada won.
    assert [(t.key, t.delivered) for t in reverse.targets] == [
        ("leads", 3),
        ("mqls", 2),
        ("sqls", 2),
        ("customers", 1),
    ]
    # The last 180 days: 4 leads, 2 MQLs, 2 SQLs, 1 won.
    assert [(r.converted, r.sample, r.thin, r.uses_plan) for r in reverse.rates] == [
        (2, 4, True, True),
        (2, 2, True, True),
        (1, 2, True, True),
    ]
    assert [r.used for r in reverse.rates] == [Decimal("0.5"), Decimal("0.5"), Decimal("0.25")]


def test_reverse_funnel_without_a_goal_derives_nothing(story: Story) -> None:
    story.goal.delete()
    reverse = dashboard(period=quarter(2026, 4), now=NOW).reverse
    assert [t.needed for t in reverse.targets] == [None, None, None, None]
    assert [t.delivered for t in reverse.targets] == [3, 2, 2, 1]


def test_average_deal_comes_from_history_without_an_override(story: Story, manager) -> None:
    change_revenue_goal(
        goal_id=story.goal.pk,
        actor=manager,
        period=quarter(2026, 4),
        terms=GoalTerms(amount=Decimal(100_000), marketing_share=80),
    )
    reverse = dashboard(period=quarter(2026, 4), now=NOW).reverse
    assert reverse.average_deal == Decimal(12_000)
    assert reverse.average_deal_sample == 1
    assert not reverse.average_deal_planned
    # ceil(80,000 / 12,000) = 7 customers; no planning rates, so the thin observed rates:
    # ceil(7 / 0.5) = 14 SQLs, ceil(14 / 1) = 14 MQLs, ceil(14 / 0.5) = 28 leads.
    assert [t.needed for t in reverse.targets] == [28, 14, 14, 7]


def test_enough_history_uses_the_funnels_own_rate(clock: Clock, maria, manager) -> None:
    for number in range(20):
        log(clock, at(10, 1, 9, number), maria, email=f"lead{number}@example.com")
    refresh_rollups()
    reverse = dashboard(period=quarter(2026, 4), now=NOW).reverse
    lead_to_mql = reverse.rates[0]
    assert (lead_to_mql.converted, lead_to_mql.sample) == (0, 20)
    assert not lead_to_mql.thin
    # No lead qualified: a rate of zero cannot plan anything, and nothing divides by it.
    assert lead_to_mql.used is None
    assert reverse.targets[0].needed is None


def test_both_sides_of_the_agreement(q4: Dashboard) -> None:
    agreement = q4.agreement
    assert (agreement.mqls_delivered, agreement.mqls_needed, agreement.mqls_expected_by_now) == (
        2,
        64,
        32,
    )
    # Three claims: Ada by Sam after 3 h, Bob by Riley after 48 h, Bob by Sam after 2 h.
    assert agreement.claims == 3
    assert agreement.claimed_in_time == 2
    assert agreement.claim_limit_hours == 24
    # Touched within 24 h of the claim: only Ada (Bob's call came 46 h after Sam's claim).
    assert agreement.touched_in_time == 1
    assert agreement.claimed_in_time_share == pytest.approx(2 / 3)
    assert agreement.touched_in_time_share == pytest.approx(1 / 3)
    assert agreement.waiting_past_limit == 0


def test_mqls_waiting_past_the_limit_now(clock: Clock, story: Story, maria) -> None:
    fresh = log(clock, at(11, 14), maria, email="eve@example.com", persona=story.engineers)
    move(clock, at(11, 14, 10), fresh, "mql", maria)  # 38 hours before NOW: past 24
    later = log(clock, at(11, 15, 12), maria, email="fay@example.com", persona=story.engineers)
    move(clock, at(11, 15, 13), later, "mql", maria)  # 11 hours: within
    refresh_rollups()
    assert dashboard(period=quarter(2026, 4), now=NOW).agreement.waiting_past_limit == 1


def test_the_funnel_per_stage(q4: Dashboard) -> None:
    rows = {row.stage.slug: row for row in q4.stages}
    assert [(slug, r.entered, r.exits, r.forward) for slug, r in rows.items()] == [
        ("new", 3, 3, 3),  # Ada, Bob, Dee in; Ada, Bob and Cy (1 October) out
        ("working", 3, 3, 3),  # Ada, Bob (twice, once counted), Cy
        ("mql", 2, 3, 3),
        ("sql", 2, 3, 2),  # Riley recycled Bob: back, not forward
        ("opportunity", 2, 2, 1),  # Ada won, Bob lost
        ("won", 1, 0, 0),
        ("lost", 1, 0, 0),
    ]
    assert rows["sql"].conversion == pytest.approx(2 / 3)
    assert rows["won"].conversion is None
    # Time in New: Ada 1 h, Bob 1 h, Cy 90 minutes (minutes below two hours).
    new_time = rows["new"].time
    assert new_time is not None
    assert (new_time.median_seconds, new_time.p90_seconds) == (3600, 5400)
    # Time in MQL: Ada 3 h, Bob 48 h then 2 h (hours below three days).
    mql_time = rows["mql"].time
    assert mql_time is not None
    assert (mql_time.median_seconds, mql_time.p90_seconds) == (3 * 3600, 48 * 3600)
    assert rows["won"].time is None


def test_recycled_and_lost_by_reason(q4: Dashboard) -> None:
    assert [(row.label, row.leads) for row in q4.recycled_by_reason] == [("No budget", 1)]
    assert [(row.label, row.leads) for row in q4.lost_by_reason] == [("Price too high", 1)]
    assert sum(row.leads for row in q4.recycled_by_reason) == 1


def test_by_source_campaign_and_persona(q4: Dashboard) -> None:
    by_source = {row.key: row for row in q4.by_source}
    assert (by_source["event"].new, by_source["event"].mqls, by_source["event"].won) == (1, 1, 1)
    assert by_source["event"].revenue == Decimal(12_000)
    assert by_source["event"].mql_rate == 1
    website = by_source["website"]
    assert (website.new, website.mqls, website.won, website.leads) == (2, 1, 0, 1)
    assert website.mql_rate == 0.5
    by_persona = {row.label: row for row in q4.by_persona}
    assert (by_persona["Engineers"].won, by_persona["Engineers"].revenue) == (1, Decimal(12_000))
    assert (by_persona["Founders"].mqls, by_persona["Founders"].leads) == (1, 1)
    assert by_persona["No persona"].new == 1  # Dee
    by_campaign = {row.label: row for row in q4.by_campaign}
    assert by_campaign["Spring"].revenue == Decimal(12_000)
    assert by_campaign["No campaign"].new == 2


def test_leaderboards(q4: Dashboard, maria) -> None:
    assert [(row.label, row.won, row.revenue) for row in q4.reps] == [
        ("Sam Whitaker", 1, Decimal(12_000))
    ]
    [marketer] = q4.marketers
    assert marketer.label == "Maria Lindqvist"
    assert (marketer.new, marketer.mqls, marketer.won, marketer.revenue) == (
        3,
        2,
        1,
        Decimal(12_000),
    )


def test_a_month_counts_only_its_own_days(story: Story) -> None:
    november = dashboard(period=month(2026, 11), now=NOW)
    assert november.progress.won == 0
    assert november.progress.goal is None
    assert [t.delivered for t in november.reverse.targets] == [1, 0, 0, 0]  # Dee


def test_periods_follow_the_organisations_time_zone(
    clock: Clock, settings, maria, sam, manager
) -> None:
    """A deal won at 23:30 in New York on 31 December counts in Q4 there (it is 1 January in
    UTC)."""
    settings.TIME_ZONE = "America/New_York"
    engineers = Persona.objects.create(name="Engineers")
    lead = log(clock, at(12, 1), maria, email="late@example.com", persona=engineers)
    move(clock, at(12, 1, 10), lead, "mql", maria)
    claim(clock, at(12, 1, 11), lead, sam)
    move(
        clock,
        at(12, 2),
        lead,
        "opportunity",
        sam,
        value=Decimal(7_000),
        close_date=date(2026, 12, 31),
    )
    won_at = datetime(2027, 1, 1, 4, 30, tzinfo=UTC)  # 23:30 on 31 December in New York
    move(clock, won_at, lead, "won", sam, value=Decimal(7_000))
    refresh_rollups()
    assert dashboard(period=quarter(2026, 4), now=won_at).progress.won == Decimal(7_000)
    assert dashboard(period=quarter(2027, 1), now=won_at).progress.won == 0
