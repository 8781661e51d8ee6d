"""Managers set one revenue goal per month or quarter; bad input is refused and saves nothing."""

import re
from decimal import Decimal
from functools import partial

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from funnel.goals import (
    GoalPeriodTaken,
    GoalTerms,
    change_revenue_goal,
    delete_revenue_goal,
    set_revenue_goal,
)
from funnel.models import PeriodKind, RevenueGoal
from funnel.periods import month, period_containing, quarter
from smarketing.errors import Conflict, DomainError, NotAllowed
from tests.factories import UserFactory
from tests.threads import at_once

pytestmark = pytest.mark.django_db

TERMS = GoalTerms(amount=Decimal(250_000), marketing_share=70)


def test_a_manager_sets_a_quarter_and_its_months(manager) -> None:
    set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=TERMS)
    set_revenue_goal(actor=manager, period=month(2027, 2), terms=TERMS)
    goals = RevenueGoal.objects.order_by("kind").values_list("kind", "starts_on", "ends_on")
    assert [(kind, str(start), str(end)) for kind, start, end in goals] == [
        ("month", "2027-02-01", "2027-03-01"),
        ("quarter", "2027-01-01", "2027-04-01"),
    ]


def test_two_goals_for_one_period_are_refused(manager) -> None:
    set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=TERMS)
    with pytest.raises(Conflict, match="already a goal for Q1 2027"):
        set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=TERMS)
    assert RevenueGoal.objects.count() == 1


def test_the_database_refuses_overlapping_periods_of_a_kind(manager) -> None:
    """Even written past the service: the exclusion constraint holds (January to April
    overlaps the first quarter)."""
    set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=TERMS)
    overlapping = RevenueGoal(
        kind="quarter",
        starts_on=month(2027, 2).first_day,
        ends_on=month(2027, 5).first_day,
        amount=1,
    )
    with pytest.raises(IntegrityError, match="goal_periods_do_not_overlap"), transaction.atomic():
        overlapping.save()
    assert RevenueGoal.objects.count() == 1


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        (GoalTerms(amount=Decimal(0)), "above zero"),
        (GoalTerms(amount=Decimal(-5)), "above zero"),
        (GoalTerms(amount=Decimal(10), marketing_share=101), "0 to 100"),
        (GoalTerms(amount=Decimal(10), average_deal=Decimal(0)), "average won deal"),
        (GoalTerms(amount=Decimal(10), planned_mql_to_sql=Decimal(150)), "at most 100"),
        (GoalTerms(amount=Decimal(10), planned_sql_to_won=Decimal(0)), "above 0"),
    ],
)
def test_bad_terms_are_refused(manager, terms: GoalTerms, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=terms)
    assert not RevenueGoal.objects.exists()


def test_only_managers_set_goals(marketer, sales_rep, manager) -> None:
    for person in (marketer, sales_rep):
        with pytest.raises(NotAllowed):
            set_revenue_goal(actor=person, period=quarter(2027, 1), terms=TERMS)
    goal = set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=TERMS)
    with pytest.raises(NotAllowed):
        delete_revenue_goal(goal_id=goal.pk, actor=marketer)
    assert RevenueGoal.objects.count() == 1


def test_a_goal_is_changed_and_removed(manager) -> None:
    goal = set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=TERMS)
    change_revenue_goal(
        goal_id=goal.pk,
        actor=manager,
        period=quarter(2027, 2),
        terms=GoalTerms(amount=Decimal(1), planned_sql_to_won=Decimal("12.5")),
    )
    goal.refresh_from_db()
    assert (str(goal.starts_on), goal.amount, goal.planned_sql_to_won) == (
        "2027-04-01",
        Decimal(1),
        Decimal("12.5"),
    )
    delete_revenue_goal(goal_id=goal.pk, actor=manager)
    assert not RevenueGoal.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_managers_saving_the_same_period_at_once_end_with_one_goal(migrated_data) -> None:
    managers = [UserFactory.create(roles=[Role.MANAGERS]) for _ in range(6)]
    outcomes = at_once(
        [
            partial(set_revenue_goal, actor=person, period=quarter(2027, 3), terms=TERMS)
            for person in managers
        ]
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["GoalPeriodTaken"] * 5 + [
        "RevenueGoal"
    ]
    goal = RevenueGoal.objects.get()
    # Each refusal names the goal that won, for the page to link to it.
    assert all(o.goal_id == goal.pk for o in outcomes if isinstance(o, GoalPeriodTaken))


# The pages


def test_the_form_sets_a_goal_and_opens_its_dashboard(client: Client, manager) -> None:
    client.force_login(manager)
    response = client.post(
        reverse("goal_create"),
        {"period": "2026-Q4", "amount": "300000", "marketing_share": "60"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dashboard')}?period=2026-Q4"
    goal = RevenueGoal.objects.get()
    assert (goal.amount, goal.marketing_share, goal.created_by) == (Decimal(300_000), 60, manager)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "0", "The goal must be an amount above zero."),
        ("amount", "lots", "Enter a number"),
        ("marketing_share", "150", "less than or equal to 100"),
        ("planned_mql_to_sql", "0", "greater than or equal to 0.01"),
        ("period", "2026-13", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(
    client: Client, manager, field: str, value: str, message: str
) -> None:
    client.force_login(manager)
    data = {"period": "2026-Q4", "amount": "300000", "marketing_share": "60", field: value}
    response = client.post(reverse("goal_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RevenueGoal.objects.exists()


def test_the_same_period_twice_is_refused_on_the_page(client: Client, manager) -> None:
    set_revenue_goal(actor=manager, period=quarter(2026, 4), terms=TERMS)
    client.force_login(manager)
    response = client.post(
        reverse("goal_create"), {"period": "2026-Q4", "amount": "1", "marketing_share": "60"}
    )
    assert response.status_code == 409
    assert "There is already a goal for Q4 2026" in response.content.decode()
    assert RevenueGoal.objects.get().amount == TERMS.amount


def test_others_read_goals_but_cannot_set_them(client: Client, marketer, manager) -> None:
    goal = set_revenue_goal(actor=manager, period=quarter(2026, 4), terms=TERMS)
    client.force_login(marketer)
    assert "Q4 2026" in client.get(reverse("goal_list")).content.decode()
    assert client.get(reverse("goal_create")).status_code == 403
    assert client.post(reverse("goal_edit", args=[goal.pk]), {"amount": "1"}).status_code == 403
    assert client.post(reverse("goal_delete", args=[goal.pk])).status_code == 403
    assert RevenueGoal.objects.get().amount == TERMS.amount


def test_a_manager_changes_and_removes_a_goal_on_the_page(client: Client, manager) -> None:
    goal = set_revenue_goal(actor=manager, period=quarter(2026, 4), terms=TERMS)
    client.force_login(manager)
    page = client.get(reverse("goal_edit", args=[goal.pk])).content.decode()
    assert 'value="250000.00"' in page
    client.post(
        reverse("goal_edit", args=[goal.pk]),
        {"period": "2026-Q4", "amount": "260000", "marketing_share": "70"},
    )
    assert RevenueGoal.objects.get().amount == Decimal(260_000)
    client.post(reverse("goal_delete", args=[goal.pk]))
    assert not RevenueGoal.objects.exists()


def selected_period(client: Client) -> str:
    page = client.get(reverse("goal_create")).content.decode()
    found = re.search(r'<option value="([^"]+)" selected>', page)
    assert found is not None, "a period is chosen"
    return found.group(1)


def test_the_form_starts_on_the_current_quarter_or_the_next_free_one(
    client: Client, manager
) -> None:
    client.force_login(manager)
    this = period_containing(timezone.localdate(), kind=PeriodKind.QUARTER)
    following = period_containing(this.end_day, kind=PeriodKind.QUARTER)
    after_that = period_containing(following.end_day, kind=PeriodKind.QUARTER)

    assert selected_period(client) == this.key
    set_revenue_goal(actor=manager, period=this, terms=TERMS)
    set_revenue_goal(actor=manager, period=following, terms=TERMS)
    assert selected_period(client) == after_that.key


def test_a_taken_period_s_refusal_links_to_the_goal_holding_it(client: Client, manager) -> None:
    holder = set_revenue_goal(actor=manager, period=quarter(2026, 4), terms=TERMS)
    client.force_login(manager)
    response = client.post(
        reverse("goal_create"), {"period": "2026-Q4", "amount": "1", "marketing_share": "60"}
    )
    assert response.status_code == 409
    assert (
        "There is already a goal for Q4 2026; change that one instead. "
        f'<a href="{reverse("goal_edit", args=[holder.pk])}">Open that goal</a>'
    ) in response.content.decode()


def test_a_goal_moved_onto_a_taken_period_links_to_the_other_goal(client: Client, manager) -> None:
    holder = set_revenue_goal(actor=manager, period=quarter(2026, 4), terms=TERMS)
    moved = set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=TERMS)
    client.force_login(manager)
    response = client.post(
        reverse("goal_edit", args=[moved.pk]),
        {"period": "2026-Q4", "amount": "1", "marketing_share": "60"},
    )
    assert response.status_code == 409
    assert f'href="{reverse("goal_edit", args=[holder.pk])}">Open that goal</a>' in (
        response.content.decode()
    )


def navigation_links(client: Client) -> set[str]:
    page = client.get(reverse("home")).content.decode()
    header = page[: page.index("<main")]
    return set(re.findall(r'href="([^"#]+)"', header))


def refused_card_links(body: str) -> set[str]:
    card = body[body.index('<section class="card narrow">') :].split("</section>")[0]
    return set(re.findall(r'href="([^"]+)"', card))


def test_a_marketer_s_not_allowed_page_links_only_to_their_own_pages(
    client: Client, marketer, manager
) -> None:
    goal = set_revenue_goal(actor=manager, period=quarter(2026, 4), terms=TERMS)
    client.force_login(marketer)
    mine = navigation_links(client)

    for response in (
        client.get(reverse("goal_create")),
        client.post(reverse("goal_edit", args=[goal.pk]), {"amount": "1"}),
        client.post(reverse("goal_delete", args=[goal.pk])),
    ):
        assert response.status_code == 403
        links = refused_card_links(response.content.decode())
        assert links, "the page offers a way on"
        assert links <= mine, links - mine
