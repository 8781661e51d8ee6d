"""Each figure of a digest, against a small funnel built by hand through the services."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.db.models import Q

from accounts.roles import Role
from dashboard.rollup import refresh_rollups
from digests.selectors import (
    agenda,
    closed_deals,
    digest_recipients,
    handed_over,
    stuck_leads,
    team_sections,
    untouched_sqls,
)
from funnel.models import PeriodKind, RevenueGoal, Team
from funnel.periods import period_containing
from leads.models import ActivityKind
from tests.digests.steps import Funnel, this_week
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Stages and reasons are kept in each language, as a digest stores them for its reader.
MQL = {"en": "MQL", "es": "MQL"}
SQL = {"en": "SQL", "es": "SQL"}
NO_BUDGET = {"en": "No budget", "es": "Sin presupuesto"}


@pytest.fixture
def funnel(marketer, sales_rep) -> Funnel:
    return Funnel(marketer=marketer, rep=sales_rep)


def test_the_queue_counts_unclaimed_mqls_and_those_past_the_claim_limit(funnel) -> None:
    funnel.mql("Ada Lovelace")
    funnel.mql("Grace Hopper")
    funnel.sql("Claimed Already")

    # Through the team's sections: the late count is the dashboard agreement's.
    soon = team_sections(this_week(hours_later=2))["queue"]
    later = team_sections(this_week(hours_later=25))["queue"]  # the MQL stage allows 24 hours

    assert (soon["count"], soon["late"], soon["limit_hours"]) == (2, 0, 24)
    assert soon["oldest_hours"] == 2
    assert (later["count"], later["late"], later["oldest_hours"]) == (2, 2, 25)
    assert [row["name"] for row in later["leads"]] == ["Ada Lovelace", "Grace Hopper"]
    assert later["leads"][0]["late_hours"] == 1


def test_a_reps_sqls_without_a_first_touch(funnel, sales_rep, marketer) -> None:
    other_rep = UserFactory.create(roles=[Role.SALES])
    funnel.sql("Called Back")
    called = funnel.sql("Called Once")
    funnel.touch(called, by=sales_rep)
    noted = funnel.sql("Only A Note")
    funnel.touch(noted, by=sales_rep, kind=ActivityKind.NOTE)
    by_marketer = funnel.sql("Marketer Called")
    funnel.touch(by_marketer, by=marketer)
    funnel.sql("Someone Elses", rep=other_rep)

    early = untouched_sqls(this_week(hours_later=1), rep=sales_rep)
    late = untouched_sqls(this_week(hours_later=30), rep=sales_rep)

    # A call counts whoever made it: the first-touch clock of funnel.selectors.
    names = ["Called Back", "Only A Note"]
    assert (early["count"], early["overdue"]) == (2, 0)
    assert [row["name"] for row in early["leads"]] == names
    assert (late["count"], late["overdue"]) == (2, 2)
    assert late["leads"][0]["late_hours"] == 6
    assert untouched_sqls(this_week(), rep=other_rep)["count"] == 1
    assert untouched_sqls(this_week())["count"] == 3


def test_leads_past_their_stages_time_limit_by_owner(funnel, sales_rep, marketer) -> None:
    funnel.new_lead("Fresh Lead")
    funnel.sql("Slow Sql")
    funnel.opportunity("Open Deal")
    funnel.mql("Waiting Mql")

    in_three_days = this_week(hours_later=73)  # New allows 48 h, MQL 24, SQL 72, Opp 45 days
    rep = stuck_leads(in_three_days, teams=[Team.SALES], owner=Q(sales_owner=sales_rep))
    mine = stuck_leads(in_three_days, teams=[Team.MARKETING], owner=Q(marketing_owner=marketer))
    everyone = stuck_leads(in_three_days)

    assert (rep["count"], rep["by_stage"]) == (1, [{"stage": SQL, "count": 1}])
    assert [row["name"] for row in rep["leads"]] == ["Slow Sql"]
    assert rep["leads"][0]["late_hours"] == 1
    assert (mine["count"], [row["name"] for row in mine["leads"]]) == (1, ["Fresh Lead"])
    assert mine["leads"][0]["late_hours"] == 25
    assert everyone["count"] == 3
    assert everyone["by_stage"] == [
        {"stage": {"en": "New", "es": "Nuevo"}, "count": 1},
        {"stage": MQL, "count": 1},
        {"stage": SQL, "count": 1},
    ]
    assert stuck_leads(this_week(hours_later=1))["count"] == 0


def test_a_reps_deals_won_and_lost_in_the_week_with_reasons(funnel, sales_rep) -> None:
    other = Funnel(marketer=funnel.marketer, rep=UserFactory.create(roles=[Role.SALES]))
    funnel.won("Big Win", value="12500.50")
    funnel.won("Small Win", value="500")
    funnel.lost("Too Pricey", why="price")
    funnel.lost("Also Pricey", why="price")
    funnel.lost("Went Elsewhere", why="competitor")
    other.won("Not Yours", value="99999")

    week = this_week()
    closed = closed_deals(week, rep=sales_rep)
    week_before = replace(week, period=week.period.previous())
    last_week = closed_deals(week_before, rep=sales_rep)

    assert (closed["won"], closed["won_value"], closed["lost"]) == (2, "13000.50", 3)
    assert closed["lost_reasons"] == [
        {"reason": {"en": "Price too high", "es": "Precio demasiado alto"}, "count": 2},
        {"reason": {"en": "Chose a competitor", "es": "Eligió a un competidor"}, "count": 1},
    ]
    assert (last_week["won"], last_week["won_value"], last_week["lost"]) == (0, "0.00", 0)


def test_what_sales_did_with_a_marketers_leads(funnel, marketer) -> None:
    other = Funnel(marketer=UserFactory.create(roles=[Role.MARKETING]), rep=funnel.rep)
    funnel.mql("Just Qualified")
    funnel.sql("Claimed")
    funnel.recycled("Sent Back", why="no-budget")
    funnel.recycled("Sent Back Too", why="no-budget")
    funnel.recycled("Wrong One", why="wrong-persona")
    funnel.won("Won One", value="3000")
    other.sql("Other Marketers")

    figures = handed_over(this_week(), marketer=marketer)

    assert figures["qualified"] == 6
    assert figures["claimed"] == 5
    assert figures["recycled"] == 3
    assert (figures["won"], figures["won_value"]) == (1, "3000.00")
    assert figures["recycle_reasons"] == [
        {"reason": NO_BUDGET, "count": 2},
        {"reason": {"en": "Wrong persona", "es": "No encaja con la buyer persona"}, "count": 1},
    ]


def test_recipients_are_active_people_in_a_team(marketer, sales_rep, manager) -> None:
    UserFactory.create(username="nobody")
    UserFactory.create(username="left", is_active=False, roles=[Role.SALES])
    both = UserFactory.create(username="both", roles=[Role.SALES, Role.MARKETING])

    assert set(digest_recipients()) == {marketer, sales_rep, manager, both}


def test_the_meeting_agenda_reads_the_dashboards_figures_for_the_week(funnel, manager) -> None:
    quarter = period_containing(this_week().period.last_day, kind=PeriodKind.QUARTER)
    RevenueGoal.objects.create(
        kind=PeriodKind.QUARTER,
        starts_on=quarter.first_day,
        ends_on=quarter.end_day,
        amount=Decimal("100000"),
        marketing_share=60,
    )
    funnel.mql("Just Qualified")
    funnel.won("Big Win", value="12500")
    funnel.recycled("Sent Back", why="no-budget")
    funnel.lost("Too Pricey", why="price")
    refresh_rollups()

    figures = agenda(this_week())

    assert figures["week"]["mqls"] == 4
    assert figures["week"]["mqls_before"] == 0
    assert figures["week"]["claims"] == 3
    assert figures["week"]["won_value"] == "12500.00"
    assert figures["goal"]["amount"] == "100000.00"
    assert figures["goal"]["won"] == "12500.00"
    assert figures["goal"]["deals"] == 1
    assert figures["agreement"]["mqls_delivered"] == 4
    assert figures["recycle_reasons"] == [
        {"label": NO_BUDGET, "leads": 1, "new": 0, "mqls": 0, "won": 0, "revenue": "0"}
    ]
    assert [row["label"] for row in figures["lost_reasons"]] == [
        {"en": "Price too high", "es": "Precio demasiado alto"}
    ]
    assert {"stage": MQL, "entered": 4, "entered_before": 0} in figures["stages"]
    [source] = figures["sources"]
    assert (source["label"], source["mqls"], source["won"], source["revenue"]) == (
        "Website",
        4,
        1,
        "12500.00",
    )
