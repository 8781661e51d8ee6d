"""A sales rep's token cannot change another rep's lead: not by naming it in the URL, not by
naming it in the body of a request about their own lead, not in bulk."""

from typing import Any

import pytest

from accounts.models import User
from funnel.models import Reason, ReasonKind, Stage, StageChange
from leads.models import Lead
from tests.api.conftest import ClientFor, claimed

pytestmark = pytest.mark.django_db


def snapshot(lead: Lead) -> dict[str, Any]:
    row = Lead.objects.filter(pk=lead.pk).values().get()
    return {**row, "history": StageChange.objects.filter(lead=lead).count()}


@pytest.fixture
def leads(marketer: User, sales_rep: User, rep2: User) -> tuple[Lead, Lead]:
    """Rep A's lead and rep B's lead, both in SQL."""
    return claimed(marketer, sales_rep, company="A's"), claimed(marketer, rep2, company="B's")


def test_the_url_cannot_reach_another_reps_lead(
    client_for: ClientFor, rep2: User, leads: tuple[Lead, Lead]
) -> None:
    theirs, _ = leads
    before = snapshot(theirs)
    api = client_for(rep2)
    lost = Reason.objects.filter(kind=ReasonKind.LOST)[0]
    recycle = Reason.objects.filter(kind=ReasonKind.RECYCLE)[0]
    attempts = [
        api.patch(f"/api/v1/leads/{theirs.pk}/", {"company": "Mine now"}, format="json"),
        api.post(
            f"/api/v1/leads/{theirs.pk}/advance/",
            {"value": "1", "close_date": "2031-01-01"},
            format="json",
        ),
        api.post(f"/api/v1/leads/{theirs.pk}/lose/", {"reason": lost.pk}, format="json"),
        api.post(f"/api/v1/leads/{theirs.pk}/recycle/", {"reason": recycle.pk}, format="json"),
        api.post(f"/api/v1/leads/{theirs.pk}/reassign/", {"sales_owner": rep2.pk}, format="json"),
        api.post(
            f"/api/v1/leads/{theirs.pk}/moves/",
            {"to_stage": Stage.objects.get(slug="lost").pk, "reason": lost.pk},
            format="json",
        ),
        api.post(f"/api/v1/leads/{theirs.pk}/claim/"),
    ]

    assert [attempt.status_code for attempt in attempts] == [403, 403, 403, 403, 403, 403, 409]
    assert snapshot(theirs) == before


def test_a_body_naming_another_lead_changes_only_the_lead_in_the_url(
    client_for: ClientFor, rep2: User, leads: tuple[Lead, Lead]
) -> None:
    theirs, mine = leads
    before = snapshot(theirs)
    api = client_for(rep2)
    sneaky = {"id": theirs.pk, "pk": theirs.pk, "lead": theirs.pk, "lead_id": theirs.pk}

    edited = api.patch(f"/api/v1/leads/{mine.pk}/", {**sneaky, "company": "Edited"}, format="json")
    moved = api.post(
        f"/api/v1/leads/{mine.pk}/advance/",
        {**sneaky, "value": "10", "close_date": "2031-01-01"},
        format="json",
    )

    assert edited.status_code == 200
    assert edited.json()["id"] == mine.pk
    assert moved.status_code == 200
    mine.refresh_from_db()
    assert (mine.company, mine.stage.slug) == ("Edited", "opportunity")
    assert snapshot(theirs) == before


def test_there_is_no_bulk_change(
    client_for: ClientFor, rep2: User, leads: tuple[Lead, Lead]
) -> None:
    theirs, mine = leads
    before = snapshot(theirs)
    api = client_for(rep2)
    both = [{"id": theirs.pk, "company": "Bulk"}, {"id": mine.pk, "company": "Bulk"}]

    answers = [
        api.patch("/api/v1/leads/", both, format="json"),
        api.put("/api/v1/leads/", both, format="json"),
        api.post("/api/v1/leads/", both, format="json"),
        api.patch(f"/api/v1/leads/{mine.pk}/", both, format="json"),
        api.put(f"/api/v1/leads/{theirs.pk}/", {"company": "Bulk"}, format="json"),
    ]

    assert [answer.status_code for answer in answers] == [405, 405, 403, 400, 405]
    assert snapshot(theirs) == before
    assert Lead.objects.filter(company="Bulk").count() == 0
