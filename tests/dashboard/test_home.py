from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from dashboard.rollup import refresh_rollups
from funnel.models import PeriodKind, RevenueGoal
from funnel.periods import period_containing
from funnel.selectors import rep_day
from funnel.services import move_lead
from tests.digests.steps import Funnel, stage
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_marketer_home_shows_their_leads_and_the_shared_funnel(client: Client, marketer) -> None:
    LeadFactory(full_name="Ada Lovelace", marketing_owner=marketer)
    LeadFactory(full_name="Someone Else")
    client.force_login(marketer)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Leads you own in Marketing" in body
    assert "Ada Lovelace" in body
    assert "Someone Else" not in body
    assert "The shared funnel" in body
    assert "MQLs waiting for Sales" not in body


def test_sales_home_shows_the_mql_queue(client: Client, sales_rep) -> None:
    client.force_login(sales_rep)

    body = client.get(reverse("home")).content.decode()

    assert "MQLs waiting for Sales" in body
    assert f'href="{reverse("lead_list")}?stage=mql&amp;sort=in_stage"' in body
    assert "Your sales pipeline" in body
    assert "Leads you own in Marketing" not in body


@pytest.mark.parametrize("leads", [5, 50])
def test_home_query_count_does_not_grow_with_leads(
    client: Client, marketer, django_assert_num_queries, leads: int
) -> None:
    LeadFactory.create_batch(leads, marketing_owner=marketer)
    client.force_login(marketer)

    # session, user, roles, unread mentions; shared funnel, own funnel, own newest leads;
    # the idle-timeout session save (savepoint, update, release)
    with django_assert_num_queries(10):
        response = client.get(reverse("home"))
    assert response.status_code == 200


def test_a_rep_s_pipeline_shows_only_the_sales_stages(client: Client, sales_rep) -> None:
    client.force_login(sales_rep)

    response = client.get(reverse("home"))

    pipeline = [summary.stage.slug for summary in response.context["my_sales_funnel"]]
    assert pipeline == ["sql", "opportunity", "won", "lost"]


def test_the_mql_queue_opens_the_waiting_leads_in_the_list(client: Client, sales_rep) -> None:
    client.force_login(sales_rep)

    body = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("lead_list")}?stage=mql&amp;sort=in_stage"' in body


def _day_of(sales_rep, marketer):
    """A rep with a lead of each kind their day lists, and the leads of another rep."""
    funnel = Funnel(marketer=marketer, rep=sales_rep)
    funnel.sql("Ada Lovelace")
    touched = funnel.sql("Grace Hopper")
    funnel.touch(touched)
    funnel.sql("Alan Turing", rep=UserFactory.create(roles=[Role.SALES]))
    later = funnel.sql("Katherine Johnson")
    move_lead(
        lead_id=later.pk,
        to_stage_id=stage("opportunity").pk,
        actor=sales_rep,
        value=Decimal("18500"),
        close_date=timezone.localdate() + timedelta(days=60),
    )
    sooner = funnel.sql("Hedy Lamarr")
    move_lead(
        lead_id=sooner.pk,
        to_stage_id=stage("opportunity").pk,
        actor=sales_rep,
        value=Decimal("9000"),
        close_date=timezone.localdate() + timedelta(days=5),
    )


def _names(rows) -> list[str]:
    return [row.lead.full_name for row in rows]


def test_a_reps_day_lists_their_untouched_sqls_late_leads_and_opportunities(
    sales_rep, marketer
) -> None:
    _day_of(sales_rep, marketer)
    now = timezone.now()

    today = rep_day(rep=sales_rep, now=now)
    # Four days on, nothing moved: the first touch and the SQL's 72 hours ran out.
    later = rep_day(rep=sales_rep, now=now + timedelta(days=4))
    # Past the sooner close date, that opportunity is overdue.
    after_close = rep_day(rep=sales_rep, now=now + timedelta(days=7))

    assert _names(today.untouched) == ["Ada Lovelace"]
    assert not today.untouched[0].past_sla
    assert today.late == []
    assert _names(today.opportunities) == ["Hedy Lamarr", "Katherine Johnson"]
    assert not any(row.past_sla for row in today.opportunities)
    assert later.untouched[0].past_sla
    assert _names(later.late) == ["Ada Lovelace", "Grace Hopper"]
    assert [row.past_sla for row in after_close.opportunities] == [True, False]


def test_a_reps_home_shows_their_day(client: Client, sales_rep, marketer) -> None:
    _day_of(sales_rep, marketer)
    client.force_login(sales_rep)

    body = " ".join(client.get(reverse("home")).content.decode().split())

    assert "SQLs waiting for your first touch" in body
    assert "Ada Lovelace" in body
    assert "first touch due in" in body
    assert "None of your leads is past its stage's time limit." in body
    assert body.index("Hedy Lamarr") < body.index("Katherine Johnson")
    assert "Alan Turing" not in body
    assert "Revenue goal" not in body


@pytest.mark.parametrize("leads", [2, 20])
def test_a_reps_home_costs_the_same_whatever_their_leads(
    client: Client, sales_rep, marketer, django_assert_num_queries, leads: int
) -> None:
    funnel = Funnel(marketer=marketer, rep=sales_rep)
    for number in range(leads):
        funnel.sql(f"Lead {number}")
        funnel.opportunity(f"Deal {number}")
    LeadFactory.create_batch(leads, stage=stage("mql"))
    client.force_login(sales_rep)

    # session, user, roles; the queue, the shared funnel, their pipeline; their day (stages,
    # untouched, late, opportunities); the menu's count of unread mentions; the idle-timeout
    # session save (savepoint, update, release)
    with django_assert_num_queries(14):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["mql_queue"].count == leads
    assert response.context["my_sales_funnel"][0].count == leads


def test_a_managers_home_shows_how_the_goal_stands(
    client: Client, manager, marketer, sales_rep, django_assert_num_queries
) -> None:
    quarter = period_containing(timezone.localdate(), kind=PeriodKind.QUARTER)
    RevenueGoal.objects.create(
        kind=PeriodKind.QUARTER,
        starts_on=quarter.first_day,
        ends_on=quarter.end_day,
        amount=Decimal("200000"),
        marketing_share=60,
    )
    Funnel(marketer=marketer, rep=sales_rep).won("Katherine Johnson", value="50000")
    refresh_rollups()
    client.force_login(manager)

    # session, user, roles; the queue, the shared funnel; the goal (month goal, stages, quarter
    # goal, the period's flow, wins by day, open pipeline); the menu's count of unread mentions;
    # the session save (savepoint, update, release)
    with django_assert_num_queries(15):
        page = client.get(reverse("home"))
    body = " ".join(page.content.decode().split())

    assert f"Revenue goal: {quarter.label}" in body
    assert "<strong>25%</strong> of the €200,000 goal" in body
    assert "due by today at an even pace" in body
    assert f'href="{reverse("dashboard")}?period={quarter.key}"' in body
    assert "Your day" not in body


def test_a_managers_home_without_a_goal_offers_to_set_one(client: Client, manager) -> None:
    client.force_login(manager)

    body = client.get(reverse("home")).content.decode()

    assert "No revenue goal for this period." in body
    assert f'href="{reverse("goal_create")}"' in body
