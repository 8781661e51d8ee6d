"""The load test's mix, arrivals and requests, played through Django's test client (the command
itself serves them through gunicorn, outside the suite)."""

import random

import pytest
from django.core.management.base import CommandError
from django.test import Client

from accounts.models import ApiToken, User
from funnel.models import WellKnownStage
from leads.models import Lead
from smarketing.management.commands.loadtest import MIX, _arrivals, _cast, _clean_up, _rates
from tests.factories import LeadFactory
from tests.funnel.test_board import Funnel

SHARES = {
    "lists, searches and lead pages": ({"list", "list filtered", "search", "lead page"}, 60),
    "board, home and queue": ({"board", "home", "queue"}, 20),
    "dashboard": ({"dashboard"}, 10),
    "writes": ({"new lead", "note", "claim", "move"}, 10),
}


@pytest.mark.parametrize("group", SHARES)
def test_the_mix_is_a_teams_day(group: str) -> None:
    kinds, share = SHARES[group]

    assert sum(weight for kind, weight, _ in MIX if kind in kinds) == share
    assert sum(weight for _, weight, _ in MIX) == 100


def test_arrivals_come_at_the_rate_asked() -> None:
    due = list(_arrivals(50, 100, random.Random(7)))

    assert 4_750 < len(due) < 5_250
    assert due == sorted(due)
    assert due[0] > 0
    assert due[-1] < 100


@pytest.mark.parametrize("text", ["", "ten", "10,-5", "0"])
def test_rates_that_are_not_positive_numbers_are_refused(text: str) -> None:
    with pytest.raises(CommandError):
        _rates(text)


@pytest.mark.django_db
def test_every_kind_of_request_succeeds_as_the_person_it_is_sent_as(
    marketer: User, sales_rep: User, manager: User
) -> None:
    funnel = Funnel(marketer=marketer, rep=sales_rep)
    funnel.lead_in(WellKnownStage.MQL, full_name="Ada Lovelace")
    funnel.lead_in(WellKnownStage.NEW, full_name="Grace Hopper")
    LeadFactory.create(full_name="Hedy Lamarr", company="Lamarr Labs")
    cast = _cast(people=5, run="test", rng=random.Random(1))
    rng = random.Random(1)
    client = Client()

    for kind, _weight, make in MIX:
        request = make(cast, rng)
        assert request is not None, kind
        response = client.generic(
            request.method,
            request.path,
            data=request.body or b"",
            content_type="application/json",
            headers=request.headers,
        )
        assert 200 <= response.status_code < 300, (kind, response.status_code)
    _clean_up(cast)

    assert not ApiToken.objects.exists()
    assert not Lead.objects.filter(email__endswith="@loadtest.invalid").exists()
