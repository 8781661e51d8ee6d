"""Revenue goals, the dashboard's figures and one's own digests through the API: the same
services, selectors and rules as their pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from digests.services import build_digest
from funnel.forms import GoalForm
from funnel.models import PeriodKind, RevenueGoal
from funnel.periods import period_containing
from tests.api.conftest import ClientFor

pytestmark = pytest.mark.django_db

GOALS = "/api/v1/goals/"


def this_quarter() -> str:
    return period_containing(timezone.localdate(), kind=PeriodKind.QUARTER).key


def test_managers_set_change_and_remove_goals(client_for: ClientFor, manager: User) -> None:
    api = client_for(manager)

    created = api.post(
        GOALS,
        {"period": this_quarter(), "amount": "300000.00", "marketing_share": 100},
        format="json",
    )
    goal_id = created.json()["id"]
    changed = api.put(
        f"{GOALS}{goal_id}/",
        {"period": this_quarter(), "amount": "350000.00", "marketing_share": 60},
        format="json",
    )
    listed = api.get(GOALS).json()
    removed = api.delete(f"{GOALS}{goal_id}/")

    assert created.status_code == 201
    assert created.json()["period"] == this_quarter()
    assert changed.status_code == 200
    assert (changed.json()["amount"], changed.json()["marketing_share"]) == ("350000.00", 60)
    assert [goal["id"] for goal in listed] == [goal_id]
    assert removed.status_code == 204
    assert not RevenueGoal.objects.exists()


def test_a_second_goal_for_a_period_is_a_conflict(client_for: ClientFor, manager: User) -> None:
    api = client_for(manager)
    api.post(
        GOALS, {"period": this_quarter(), "amount": "1000", "marketing_share": 50}, format="json"
    )

    again = api.post(
        GOALS, {"period": this_quarter(), "amount": "2000", "marketing_share": 50}, format="json"
    )

    assert again.status_code == 409
    assert RevenueGoal.objects.get().amount == 1000


def test_only_managers_set_goals_and_bad_terms_are_field_errors(
    client_for: ClientFor, manager: User, marketer: User
) -> None:
    by_marketer = client_for(marketer).post(
        GOALS, {"period": this_quarter(), "amount": "1000"}, format="json"
    )
    bad = client_for(manager).post(
        GOALS, {"period": "someday", "amount": "-1", "marketing_share": 101}, format="json"
    )
    not_an_object = client_for(manager).post(GOALS, ["x"], format="json")

    assert by_marketer.status_code == 403
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"period", "amount", "marketing_share"}
    assert not_an_object.status_code == 400
    assert not RevenueGoal.objects.exists()


def test_the_dashboard_gives_the_pages_figures(client_for: ClientFor, sales_rep: User) -> None:
    api = client_for(sales_rep)

    default = api.get("/api/v1/dashboard/")
    month = api.get("/api/v1/dashboard/", {"period": "2026-03"})
    bad = api.get("/api/v1/dashboard/", {"period": "2026-13"})

    assert default.status_code == 200
    assert default.json()["period"]["key"] == this_quarter()
    assert "stages" in default.json()["tables"]
    assert set(default.json()["headlines"]["won"]) == {"raw", "text", "url"}
    assert month.json()["period"]["first_day"] == "2026-03-01"
    assert bad.status_code == 400


def test_people_read_their_own_digests_only(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    build_digest(user=marketer, week=monday)
    build_digest(user=sales_rep, week=monday)

    mine = client_for(marketer).get("/api/v1/digests/").json()
    one = client_for(marketer).get(f"/api/v1/digests/{monday.isoformat()}/")
    theirs_as_mine = client_for(marketer).get("/api/v1/digests/2001-01-01/")
    not_a_week = client_for(marketer).get("/api/v1/digests/someday/")

    assert [digest["week"] for digest in mine["results"]] == [monday.isoformat()]
    assert one.status_code == 200
    assert one.json()["role"] == "marketing"
    assert theirs_as_mine.status_code == 404
    assert not_a_week.status_code == 404


def test_a_goal_reads_back_as_it_is_sent_and_a_change_sends_every_term(
    client_for: ClientFor, manager: User
) -> None:
    api = client_for(manager)
    created = api.post(
        GOALS,
        {"period": this_quarter(), "amount": "1000.00", "marketing_share": 50},
        format="json",
    ).json()
    path = f"{GOALS}{created['id']}/"
    terms = {name: created[name] for name in GoalForm.base_fields}

    # What the API answered, sent back: the terms left empty come back as nulls.
    as_read = api.put(path, terms, format="json")
    partial = api.put(path, {"amount": "2000.00"}, format="json")

    assert created["average_deal"] is None
    assert as_read.status_code == 200, as_read.content
    assert partial.status_code == 400
    assert set(partial.json()["fields"]) == {"period", "marketing_share"}
    assert RevenueGoal.objects.get().amount == 1000
