"""Claiming from the queue, through the views: the claim made by the service, each refusal
shown with its reason and leaving the lead as it was. The moves made on a lead's page are in
tests/leads/test_move_views.py."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from funnel.models import ChangeKind, Stage, StageChange
from funnel.services import claim_lead
from leads.models import Lead
from tests.funnel.test_queue import qualified

pytestmark = pytest.mark.django_db


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def state(lead: Lead) -> dict[str, Any]:
    lead.refresh_from_db()
    return {
        "stage": lead.stage.slug,
        "sales_owner": lead.sales_owner_id,
        "entered": lead.stage_entered_at,
        "value": lead.expected_value,
        "close": lead.expected_close_date,
        "changes": StageChange.objects.filter(lead=lead).count(),
    }


@pytest.fixture
def mql(marketer: User) -> Lead:
    return qualified(marketer, hours_ago=3, full_name="Ada Lovelace")


# The claim from the queue


def test_a_rep_claims_a_waiting_mql_and_lands_on_it(
    client: Client, mql: Lead, sales_rep: User
) -> None:
    client.force_login(sales_rep)

    response = client.post(reverse("lead_claim", args=[mql.pk]), follow=True)

    assert response.redirect_chain == [(reverse("lead_detail", args=[mql.pk]), 302)]
    assert "It&#x27;s yours: Ada Lovelace is now in SQL." in response.content.decode()
    after = state(mql)
    assert (after["stage"], after["sales_owner"]) == ("sql", sales_rep.pk)
    last = StageChange.objects.filter(lead=mql).order_by("-at", "-id").first()
    assert last is not None
    assert (last.kind, last.actor) == (ChangeKind.CLAIMED, sales_rep)


def test_a_rep_too_late_is_told_who_claimed_it_and_nothing_else_happens(
    client: Client, mql: Lead, sam: User, riley: User
) -> None:
    claim_lead(lead_id=mql.pk, rep=sam)
    before = state(mql)
    client.force_login(riley)

    response = client.post(reverse("lead_claim", args=[mql.pk]), follow=True)

    assert response.redirect_chain == [(reverse("mql_queue"), 302)]
    assert "Sam Whitaker claimed this lead a moment earlier." in response.content.decode()
    assert state(mql) == before


def test_a_marketer_may_not_claim(client: Client, mql: Lead, marketer: User) -> None:
    before = state(mql)
    client.force_login(marketer)

    response = client.post(reverse("lead_claim", args=[mql.pk]))

    assert response.status_code == 403
    assert "Only Sales and managers claim leads." in response.content.decode()
    assert state(mql) == before


def test_claiming_an_unknown_lead_is_not_found(client: Client, sales_rep: User) -> None:
    client.force_login(sales_rep)
    assert client.post(reverse("lead_claim", args=[987654])).status_code == 404


@pytest.mark.parametrize("name", ["lead_claim", "lead_move"])
def test_moves_are_posts_only(client: Client, mql: Lead, sales_rep: User, name: str) -> None:
    client.force_login(sales_rep)
    assert client.get(reverse(name, args=[mql.pk])).status_code == 405
    assert state(mql)["stage"] == "mql"


@pytest.mark.parametrize("name", ["lead_claim", "lead_move"])
def test_moves_need_the_csrf_token(mql: Lead, sales_rep: User, name: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_rep)
    before = state(mql)

    response = client.post(reverse(name, args=[mql.pk]), {"to_stage": stage("sql").pk})

    assert response.status_code == 403
    assert state(mql) == before
