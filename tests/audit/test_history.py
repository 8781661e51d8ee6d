"""Managers read the history of changes, on its page and through the API: newest first, by kind
of object, a page at a time, at a cost that does not grow with the page."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import create_token
from audit.models import AuditEntry
from funnel.configuration import save_configuration
from funnel.goals import GoalTerms, set_revenue_goal
from funnel.models import Stage
from funnel.periods import quarter
from leads.models import Persona
from leads.services import save_persona

pytestmark = pytest.mark.django_db

PAGE = reverse("history")
API = "/api/v1/audit/"


def personas(count: int, actor: User) -> None:
    for number in range(count):
        save_persona(persona=Persona(name=f"Persona {number}", pains="Slow"), actor=actor)


def set_mql_limit(manager: User, hours: int) -> Stage:
    mql = Stage.objects.get(slug="mql")
    mql.sla_hours = hours
    return save_configuration(item=mql, actor=manager)


def test_a_manager_reads_who_changed_what(client: Client, manager: User) -> None:
    set_mql_limit(manager, 36)
    client.force_login(manager)

    response = client.get(PAGE)

    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="{PAGE}" aria-current="page"' in page
    assert "MQL" in page
    assert "by Morgan" in page
    assert "Time limit (hours)" in page
    assert '<span class="history-old">24</span>' in page
    assert '<span class="history-new">36</span>' in page


@pytest.mark.parametrize("who", ["marketer", "sales_rep"])
def test_others_are_refused_and_not_shown_the_link(
    client: Client, request: pytest.FixtureRequest, manager: User, who: str
) -> None:
    set_mql_limit(manager, 36)
    client.force_login(request.getfixturevalue(who))

    response = client.get(PAGE)

    assert response.status_code == 403
    assert "Only managers read the history of changes." in response.content.decode()
    assert "Time limit" not in response.content.decode()
    home = client.get(reverse("home")).content.decode()
    assert f'href="{PAGE}"' not in home


def test_the_page_reads_in_spanish(client: Client, manager: User) -> None:
    set_mql_limit(manager, 36)
    manager.language = "es"
    manager.save()
    client.force_login(manager)

    page = client.get(PAGE, headers={"accept-language": "es"}).content.decode()

    assert "Historial de cambios" in page
    assert "Modificado" in page
    assert "Tipo de objeto" in page


def test_filtering_by_kind_of_object(client: Client, manager: User) -> None:
    set_mql_limit(manager, 36)
    personas(1, manager)
    client.force_login(manager)

    stages = client.get(PAGE, {"kind": "funnel.stage"}).content.decode()
    people = client.get(PAGE, {"kind": "leads.persona"}).content.decode()
    api = APIClient()
    api.force_authenticate(manager)
    answer = api.get(API, {"kind": "leads.persona"}).json()

    assert "Persona 0" not in stages
    assert "MQL" in stages
    assert "Persona 0" in people
    assert ">MQL<" not in people
    assert [row["object"] for row in answer["results"]] == ["Persona 0"]
    assert answer["results"][0]["changes"][0] == {
        "field": "name",
        "name": "Name",
        "before": None,
        "after": "Persona 0",
    }


def test_an_unknown_kind_is_a_400_through_the_api(manager: User) -> None:
    api = APIClient()
    api.force_authenticate(manager)

    response = api.get(API, {"kind": "accounts.password"})

    assert response.status_code == 400
    assert "kind" in response.json()["fields"]


def test_pages_follow_one_another_newest_first(client: Client, manager: User) -> None:
    personas(60, manager)
    client.force_login(manager)
    api = APIClient()
    api.force_authenticate(manager)

    first = api.get(API).json()
    second = api.get(API, {"after": first["next_cursor"]}).json()
    page = client.get(PAGE).content.decode()
    older = client.get(PAGE, {"after": first["next_cursor"]}).content.decode()

    names = [row["object"] for row in first["results"] + second["results"]]
    assert names == [f"Persona {number}" for number in reversed(range(60))]
    assert second["next_cursor"] is None
    assert "Persona 59" in page
    assert "Persona 9<" not in page
    assert "Older changes" in page
    assert "Persona 9<" in older
    assert "Persona 59" not in older


def test_a_cursor_the_list_did_not_write_starts_again(client: Client, manager: User) -> None:
    client.force_login(manager)

    response = client.get(PAGE, {"after": "forged"})

    assert response.status_code == 302
    assert response["Location"] == PAGE


def test_the_api_answers_managers_with_every_field(manager: User) -> None:
    set_revenue_goal(actor=manager, period=quarter(2027, 1), terms=GoalTerms(amount=Decimal(1000)))
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {create_token(user=manager, name='history').secret}"
    )

    rows = client.get(API).json()["results"]

    token, goal = rows  # creating the token is recorded too, after the goal
    assert token["kind"] == "accounts.apitoken"
    assert goal["kind"] == "funnel.revenuegoal"
    assert goal["kind_label"] == "revenue goal"
    assert goal["action"] == "created"
    assert goal["actor"] == manager.pk
    assert goal["actor_name"] == str(manager)
    assert {"field": "amount", "name": "Revenue goal", "before": None, "after": "1000.00"} in (
        goal["changes"]
    )
    assert AuditEntry.objects.count() == 2


@pytest.mark.parametrize("rows", [5, 50])
def test_the_page_and_the_api_cost_the_same_queries_whatever_the_rows(
    client: Client, manager: User, django_assert_num_queries, rows: int
) -> None:
    personas(rows, manager)
    client.force_login(manager)
    api = APIClient()
    api.force_authenticate(manager)

    # The session and its user, the permission check (the user's and their groups'
    # permissions), the page of changes with who made them, the menu's roles and unread
    # mentions, and the idle timeout's save of the session (a savepoint, the update, its release).
    with django_assert_num_queries(10):
        assert client.get(PAGE, {"kind": "leads.persona"}).status_code == 200
    # The permission check and the page.
    with django_assert_num_queries(3):
        assert api.get(API, {"kind": "leads.persona"}).status_code == 200
