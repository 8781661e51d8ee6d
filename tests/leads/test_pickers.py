"""The lead list's campaign and owner pickers: the choices they offer as one types (page and
API alike), the owner typed without a picker, and a list page that does not grow with the
number of campaigns and people."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from leads.filters import PickerForm
from leads.models import Lead
from leads.pickers import _SPELLINGS, PICKER_LIMIT, campaign_spellings
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("lead_list")
CAMPAIGNS = reverse("campaign_choices")
OWNERS = reverse("owner_choices")
ROW_NAME = re.compile(r'<td class="lead-name"><a href="[^"]+">([^<]+)</a>')


def names_in(response: Any) -> list[str]:
    return ROW_NAME.findall(response.content.decode())


def labels(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [choice["label"] for choice in response.json()["choices"]]


@pytest.fixture
def signed_in(client: Client, marketer: User) -> Client:
    client.force_login(marketer)
    return client


# What the pickers offer


def test_campaigns_in_use_that_hold_the_letters_any_case_alphabetically(
    signed_in: Client,
) -> None:
    for campaign in ["Spring fair", "Webinar: spring", "Autumn fair", "SPRINGBOARD", ""]:
        LeadFactory.create(campaign=campaign)
    LeadFactory.create(campaign="Spring fair")  # a campaign is offered once

    assert labels(signed_in.get(CAMPAIGNS, {"q": "spr"})) == [
        "SPRINGBOARD",
        "Spring fair",
        "Webinar: spring",
    ]
    assert labels(signed_in.get(CAMPAIGNS, {"q": "fair"})) == ["Autumn fair", "Spring fair"]
    assert labels(signed_in.get(CAMPAIGNS, {"q": "winter"})) == []
    # No letters yet: the first campaigns, not an empty one.
    assert labels(signed_in.get(CAMPAIGNS)) == [
        "Autumn fair",
        "SPRINGBOARD",
        "Spring fair",
        "Webinar: spring",
    ]


def test_percent_and_underscore_are_letters_like_any_other(signed_in: Client) -> None:
    LeadFactory.create(campaign="100% off")
    LeadFactory.create(campaign="1000 off")
    LeadFactory.create(campaign="a_b")
    LeadFactory.create(campaign="axb")

    assert labels(signed_in.get(CAMPAIGNS, {"q": "0%"})) == ["100% off"]
    assert labels(signed_in.get(CAMPAIGNS, {"q": "a_"})) == ["a_b"]


def test_at_most_twenty_choices(signed_in: Client) -> None:
    for n in range(PICKER_LIMIT + 5):
        LeadFactory.create(campaign=f"Campaign {n:02}")
        UserFactory.create(username=f"person{n:02}", first_name="Ana", roles=[Role.SALES])

    assert len(labels(signed_in.get(CAMPAIGNS, {"q": "camp"}))) == PICKER_LIMIT
    assert labels(signed_in.get(CAMPAIGNS, {"q": "camp"}))[-1] == "Campaign 19"
    assert len(labels(signed_in.get(OWNERS, {"q": "ana"}))) == PICKER_LIMIT


def test_owners_by_name_username_or_email_by_name(signed_in: Client, marketer: User) -> None:
    UserFactory.create(
        username="jlopez",
        first_name="Julia",
        last_name="López",
        email="julia@example.com",
        roles=[Role.SALES],
    )
    UserFactory.create(username="zed", first_name="Ana", last_name="Julian", roles=[Role.MANAGERS])
    UserFactory.create(username="julio", first_name="Julio", roles=[])  # owns no leads

    found = signed_in.get(OWNERS, {"q": "JUL"}).json()["choices"]

    julia = User.objects.get(username="jlopez")
    assert found[1] == {"value": str(julia.pk), "label": "Julia López", "hint": "jlopez"}
    assert [choice["hint"] for choice in found] == ["zed", "jlopez"]  # Ana Julian, Julia López
    assert labels(signed_in.get(OWNERS, {"q": "julia@exa"})) == ["Julia López"]
    assert labels(signed_in.get(OWNERS, {"q": "lia lóp"})) == ["Julia López"]
    assert labels(signed_in.get(OWNERS, {"q": "Maria"})) == [marketer.get_full_name()]


def test_the_api_offers_the_same_choices_in_the_same_order(
    signed_in: Client, marketer: User
) -> None:
    for campaign in ["Spring fair", "Webinar: spring", "SPRINGBOARD"]:
        LeadFactory.create(campaign=campaign)
    for n in range(3):
        UserFactory.create(username=f"ana{n}", first_name="Ana", last_name=f"{3 - n}")
    api = APIClient()
    api.force_authenticate(marketer)

    campaigns = api.get("/api/v1/campaigns/", {"q": "spr"})
    owners = api.get("/api/v1/owners/", {"q": "ana"})

    assert campaigns.status_code == owners.status_code == 200
    assert [c["name"] for c in campaigns.json()] == labels(signed_in.get(CAMPAIGNS, {"q": "spr"}))
    page_owners = signed_in.get(OWNERS, {"q": "ana"}).json()["choices"]
    assert owners.json() == [
        {"id": int(choice["value"]), "name": choice["label"], "username": choice["hint"]}
        for choice in page_owners
    ]


# Who may ask, and what they may send


@pytest.mark.parametrize("path", [CAMPAIGNS, OWNERS])
def test_only_people_signed_in_get_choices(client: Client, path: str) -> None:
    LeadFactory.create(campaign="Spring fair")

    response = client.get(path, {"q": "spr"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("path", ["/api/v1/campaigns/", "/api/v1/owners/"])
def test_the_api_asks_for_a_token(path: str) -> None:
    assert APIClient().get(path, {"q": "spr"}).status_code == 401


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("path", [CAMPAIGNS, OWNERS])
def test_everyone_who_sees_the_list_gets_choices(client: Client, role: Role, path: str) -> None:
    client.force_login(UserFactory.create(roles=[role]))

    assert client.get(LIST).status_code == 200
    assert client.get(path, {"q": ""}).status_code == 200


HOSTILE = {
    "a NUL byte": "q=spr%00",
    "a longer term than any name": "q=" + "a" * 200,
    "a lone surrogate": "q=%ED%A0%80",
    "a half UTF-8 character": "q=%C3",
    "two terms": "q=a&q=b",
}


@pytest.mark.parametrize("query", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("path", [CAMPAIGNS, OWNERS])
def test_hostile_terms_get_nothing_and_never_an_error(
    signed_in: Client, path: str, query: str
) -> None:
    LeadFactory.create(campaign="Spring fair")

    response = signed_in.get(f"{path}?{query}")

    assert response.status_code in (200, 400)
    assert response.json()["choices"] == [] or query == HOSTILE["two terms"]


@pytest.mark.parametrize("query", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("path", ["/api/v1/campaigns/", "/api/v1/owners/"])
def test_hostile_terms_are_a_clear_400_in_the_api(marketer: User, path: str, query: str) -> None:
    api = APIClient()
    api.force_authenticate(marketer)

    response = api.get(f"{path}?{query}")

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "q" in response.json()["fields"]


def test_half_a_character_is_not_text() -> None:
    # A client that builds its address from a JSON string may hold half a character.
    form = PickerForm({"q": "spr\ud800"})

    assert not form.is_valid()
    assert "q" in form.errors


# The list page's owner picker without JavaScript


@pytest.fixture
def owned(marketer: User, sales_rep: User) -> None:
    User.objects.filter(pk=marketer.pk).update(last_name="Lindqvist")
    User.objects.filter(pk=sales_rep.pk).update(last_name="Whitaker", email="rep@example.com")
    UserFactory.create(username="jlopez", first_name="Julia", last_name="López", roles=[])
    LeadFactory.create(full_name="Lead of Maria", marketing_owner=marketer)
    LeadFactory.create(full_name="Lead of Sam", sales_owner=sales_rep)


@pytest.mark.usefixtures("owned")
@pytest.mark.parametrize(
    "typed", ["rep", "REP", "Sam Whitaker", " sam whitaker ", "Rep@Example.com"]
)
def test_an_owner_typed_by_name_username_or_email(
    signed_in: Client, sales_rep: User, typed: str
) -> None:
    response = signed_in.get(LIST, {"owner_name": typed, "owner": ""})

    assert names_in(response) == ["Lead of Sam"]
    body = response.content.decode()
    assert 'name="owner_name" id="id_owner_name" value="Sam Whitaker"' in body
    assert f'name="owner" id="id_owner" value="{sales_rep.pk}"' in body


@pytest.mark.usefixtures("owned")
def test_an_owner_link_shows_the_owner_s_name_in_the_picker(
    signed_in: Client, sales_rep: User
) -> None:
    response = signed_in.get(LIST, {"owner": sales_rep.pk})

    assert names_in(response) == ["Lead of Sam"]
    assert 'value="Sam Whitaker"' in response.content.decode()


@pytest.mark.usefixtures("owned")
def test_the_text_typed_over_a_picked_owner_wins(
    signed_in: Client, marketer: User, sales_rep: User
) -> None:
    # Without JavaScript the hidden id of the last owner stays in the form.
    assert names_in(
        signed_in.get(LIST, {"owner": str(sales_rep.pk), "owner_name": "marketer"})
    ) == ["Lead of Maria"]
    # Emptied: no owner filter at all.
    assert set(names_in(signed_in.get(LIST, {"owner": str(sales_rep.pk), "owner_name": ""}))) == {
        "Lead of Maria",
        "Lead of Sam",
    }
    # The name the picker wrote beside the id it picked keeps that id.
    assert names_in(
        signed_in.get(LIST, {"owner": str(sales_rep.pk), "owner_name": "Sam Whitaker"})
    ) == ["Lead of Sam"]


@pytest.mark.usefixtures("owned")
def test_nobody_by_that_name_is_named_and_left_out(signed_in: Client, sales_rep: User) -> None:
    response = signed_in.get(
        LIST, {"owner_name": "Nadie", "owner": str(sales_rep.pk), "q": "lead", "sort": "name"}
    )

    body = response.content.decode()
    assert "Owner: Nobody who may own leads is called that." in body
    # The owner is left out, the rest applies.
    assert names_in(response) == ["Lead of Maria", "Lead of Sam"]
    assert 'name="owner_name" id="id_owner_name" value=""' in body


@pytest.mark.usefixtures("owned")
def test_two_people_with_the_typed_name_ask_for_the_username(signed_in: Client) -> None:
    UserFactory.create(username="sam2", first_name="Sam", last_name="Whitaker", roles=[Role.SALES])

    response = signed_in.get(LIST, {"owner_name": "sam whitaker"})

    assert "More than one person is called that" in response.content.decode()
    assert len(names_in(response)) == 2
    assert names_in(signed_in.get(LIST, {"owner_name": "rep"})) == ["Lead of Sam"]


def test_the_api_takes_an_owner_s_name_too(marketer: User, sales_rep: User) -> None:
    LeadFactory.create(full_name="Lead of Sam", sales_owner=sales_rep)
    LeadFactory.create(full_name="Lead of Maria", marketing_owner=marketer)
    api = APIClient()
    api.force_authenticate(marketer)

    found = api.get("/api/v1/leads/", {"owner_name": "rep"})
    nobody = api.get("/api/v1/leads/", {"owner_name": "nadie"})

    assert [lead["full_name"] for lead in found.json()["results"]] == ["Lead of Sam"]
    assert nobody.status_code == 400
    assert "owner_name" in nobody.json()["fields"]


# The page does not grow with the campaigns and the people


def _one_lead_page(client: Client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"campaign": "Campaign 000", "sort": "name"})
    assert names_in(response) == ["The one lead"]
    return response.content.decode(), len(queries)


def _add(campaigns: range, people: range) -> None:
    for n in campaigns:
        LeadFactory.create(full_name=f"Lead {n}", campaign=f"Campaign {n:03}")
    for n in people:
        UserFactory.create(username=f"person{n:03}", first_name="Person", roles=[Role.SALES])


def test_the_list_page_weighs_the_same_whatever_the_campaigns_and_people(
    client: Client, marketer: User
) -> None:
    LeadFactory.create(full_name="The one lead", campaign="Campaign 000")
    _add(campaigns=range(1, 3), people=range(2))  # with Maria: 3 campaigns, 3 people
    client.force_login(marketer)
    client.get(LIST)  # the first page after logging in also stamps the session (a write)
    small, small_queries = _one_lead_page(client)

    _add(campaigns=range(3, 300), people=range(2, 59))
    big, big_queries = _one_lead_page(client)

    assert len(big) == len(small)
    # As the plain list (test_list), and the campaign's spellings in use.
    assert big_queries == small_queries == 9
    assert "Campaign 299" not in big
    assert "person058" not in big


def test_the_campaign_filter_reads_the_campaigns_in_use_once_for_the_page_and_its_count(
    client: Client, marketer: User, django_assert_num_queries: Any
) -> None:
    LeadFactory.create_batch(60, campaign="Spring Fair")
    LeadFactory.create(campaign="spring fair")
    LeadFactory.create(campaign="Autumn fair")
    client.force_login(marketer)
    client.get(LIST)

    # session, user, roles and unread mentions for the menu; stages, personas, owners; the
    # campaign's spellings in use; the page of leads; the count (more than a page match)
    with django_assert_num_queries(10):
        response = client.get(LIST, {"campaign": "SPRING FAIR"})

    assert len(names_in(response)) == 50
    assert response.context["count"] == 61


def test_a_campaign_s_spellings_are_found_in_its_index_whatever_the_letter_case() -> None:
    for campaign in ["Spring Fair", "spring fair", "SPRING FAIR", "Spring fair 2", "Autumn"]:
        LeadFactory.create_batch(2, campaign=campaign)

    assert campaign_spellings("sPrInG fAiR") == ["SPRING FAIR", "Spring Fair", "spring fair"]
    assert campaign_spellings("Winter") == []
    with connection.cursor() as cursor:
        # A handful of rows would be read sequentially; ask whether the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        table = connection.ops.quote_name(Lead._meta.db_table)
        plan_of = f"EXPLAIN (ANALYZE, COSTS OFF) {_SPELLINGS.format(table=table)}"
        cursor.execute(plan_of, {"name": "spring fair"})
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert plan.count("using lead_campaign_any_case") == 2, plan
