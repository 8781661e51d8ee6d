"""Each move of a lead through its own endpoint, decided by the funnel services exactly as on
the lead page: who may, what each needs, and a 409 when the lead moved on meanwhile."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from rest_framework import serializers

from accounts.models import User
from funnel.forms import MoveForm
from funnel.models import ChangeKind, Reason, ReasonKind, StageChange
from funnel.selectors import TOUCHES, moves_for
from leads.forms import ActivityForm
from leads.models import Activity, ActivityKind, Lead
from leads.serializers import (
    AdvanceSerializer,
    MoveSerializer,
    NoteSerializer,
    ReasonedMoveSerializer,
    TouchSerializer,
    WinSerializer,
)
from tests.api.conftest import ClientFor, claimed, complete, opportunity, qualified, stage
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def url(lead: Lead, move: str) -> str:
    return f"/api/v1/leads/{lead.pk}/{move}/"


def reason(kind: ReasonKind) -> Reason:
    return Reason.objects.filter(kind=kind, active=True).order_by("position")[0]


def history(lead: Lead) -> list[str]:
    return list(
        StageChange.objects.filter(lead=lead).order_by("at", "id").values_list("kind", flat=True)
    )


def test_a_marketer_qualifies_a_complete_lead(client_for: ClientFor, marketer: User) -> None:
    lead = complete(marketer)

    response = client_for(marketer).post(url(lead, "qualify"))

    assert response.status_code == 200
    assert response.json()["stage"]["slug"] == "mql"
    assert history(lead) == [ChangeKind.CREATED, ChangeKind.MOVED]


def test_qualifying_without_the_entry_criteria_says_what_is_missing(
    client_for: ClientFor, marketer: User
) -> None:
    lead = LeadFactory.create(marketing_owner=marketer, company="")

    response = client_for(marketer).post(url(lead, "qualify"))

    assert response.status_code == 400
    assert response.json()["code"] == "entry_criteria_not_met"
    assert "company" in response.json()["message"]
    lead.refresh_from_db()
    assert lead.stage.slug == "new"


def test_a_rep_claims_and_a_second_claim_is_a_conflict_naming_the_winner(
    client_for: ClientFor, marketer: User, sales_rep: User, rep2: User
) -> None:
    lead = qualified(marketer)

    won = client_for(sales_rep).post(url(lead, "claim"))
    late = client_for(rep2).post(url(lead, "claim"))

    assert won.status_code == 200
    assert won.json()["sales_owner"]["username"] == sales_rep.username
    assert late.status_code == 409
    assert late.json()["code"] == "already_claimed"
    assert sales_rep.first_name in late.json()["message"]
    lead.refresh_from_db()
    assert lead.sales_owner == sales_rep
    assert history(lead).count(ChangeKind.CLAIMED) == 1


def test_marketers_do_not_claim(client_for: ClientFor, marketer: User) -> None:
    lead = qualified(marketer)

    response = client_for(marketer).post(url(lead, "claim"))

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.sales_owner is None


def test_the_owner_logs_touches(client_for: ClientFor, marketer: User, sales_rep: User) -> None:
    lead = claimed(marketer, sales_rep)

    call = client_for(sales_rep).post(
        url(lead, "touch"), {"kind": "call", "body": "Left a message"}, format="json"
    )
    note = client_for(sales_rep).post(
        url(lead, "touch"), {"kind": "note", "body": "x"}, format="json"
    )

    assert call.status_code == 201
    assert call.json()["kind"] == "call"
    assert note.status_code == 400
    assert list(Activity.objects.filter(lead=lead).values_list("kind", flat=True)) == [
        ActivityKind.CALL
    ]


def test_the_owner_advances_wins_and_the_amount_is_kept(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = claimed(marketer, sales_rep)
    api = client_for(sales_rep)

    advanced = api.post(
        url(lead, "advance"), {"value": "5000.00", "close_date": "2031-03-01"}, format="json"
    )
    won = api.post(url(lead, "win"), {"amount": "4800.00"}, format="json")

    assert advanced.status_code == 200
    assert advanced.json()["expected_close_date"] == "2031-03-01"
    assert won.status_code == 200
    assert won.json()["stage"]["slug"] == "won"
    lead.refresh_from_db()
    assert lead.expected_value == Decimal("4800.00")
    assert StageChange.objects.filter(lead=lead, kind=ChangeKind.WON).get().value == Decimal(
        "4800.00"
    )


@pytest.mark.parametrize(
    "details",
    [
        {"value": "0", "close_date": "2031-03-01"},
        {"value": "5000"},
        {"value": "12345678901.00", "close_date": "2031-03-01"},
        {"value": "1.001", "close_date": "2031-03-01"},
        {"value": "NaN", "close_date": "2031-03-01"},
        {"value": "10", "close_date": "99999-01-01"},
    ],
)
def test_bad_deal_details_are_field_errors_and_change_nothing(
    client_for: ClientFor, marketer: User, sales_rep: User, details: dict[str, str]
) -> None:
    lead = claimed(marketer, sales_rep)

    response = client_for(sales_rep).post(url(lead, "advance"), details, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]
    lead.refresh_from_db()
    assert lead.stage.slug == "sql"


def test_the_owner_loses_with_a_reason(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = opportunity(marketer, sales_rep)
    recycle_reason = reason(ReasonKind.RECYCLE)

    wrong_kind = client_for(sales_rep).post(
        url(lead, "lose"), {"reason": recycle_reason.pk}, format="json"
    )
    lost = client_for(sales_rep).post(
        url(lead, "lose"),
        {"reason": reason(ReasonKind.LOST).pk, "note": "Went with Initech"},
        format="json",
    )

    # Refused by the lead page's form of the move, as a field error on the reason.
    assert wrong_kind.status_code == 400
    assert list(wrong_kind.json()["fields"]) == ["reason"]
    assert lost.status_code == 200
    change = StageChange.objects.filter(lead=lead).latest("at")
    assert (change.kind, change.note) == (ChangeKind.LOST, "Went with Initech")


def test_the_owner_recycles_to_marketing_who_is_told(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = claimed(marketer, sales_rep)

    response = client_for(sales_rep).post(
        url(lead, "recycle"),
        {"reason": reason(ReasonKind.RECYCLE).pk, "note": "Call in Q3"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["stage"]["slug"] == "working"
    assert body["sales_owner"] is None
    assert marketer.mentions.count() == 1


def test_a_move_the_stage_does_not_allow_is_a_conflict(
    client_for: ClientFor, marketer: User, manager: User
) -> None:
    lead = complete(marketer)

    for move, body in [("win", {"amount": "10"}), ("lose", {"reason": reason(ReasonKind.LOST).pk})]:
        response = client_for(manager).post(url(lead, move), body, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "move_not_allowed"
    lead.refresh_from_db()
    assert lead.stage.slug == "new"


def test_another_rep_may_not_move_a_reps_lead(
    client_for: ClientFor, marketer: User, sales_rep: User, rep2: User
) -> None:
    lead = claimed(marketer, sales_rep)

    response = client_for(rep2).post(
        url(lead, "advance"), {"value": "10", "close_date": "2031-01-01"}, format="json"
    )

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.stage.slug == "sql"


def test_managers_reassign_and_others_may_not(
    client_for: ClientFor,
    marketer: User,
    marketer2: User,
    sales_rep: User,
    rep2: User,
    manager: User,
) -> None:
    lead = claimed(marketer, sales_rep)
    body = {"sales_owner": rep2.pk, "marketing_owner": marketer2.pk}

    by_rep = client_for(sales_rep).post(url(lead, "reassign"), body, format="json")
    to_a_marketer = client_for(manager).post(
        url(lead, "reassign"), {"sales_owner": marketer2.pk}, format="json"
    )
    by_manager = client_for(manager).post(url(lead, "reassign"), body, format="json")

    assert by_rep.status_code == 403
    assert to_a_marketer.status_code == 400
    assert to_a_marketer.json()["code"] == "owner_not_in_team"
    assert by_manager.status_code == 200
    lead.refresh_from_db()
    assert (lead.marketing_owner, lead.sales_owner) == (marketer2, rep2)


def test_the_allowed_moves_are_the_lead_pages(
    client_for: ClientFor, marketer: User, sales_rep: User, rep2: User
) -> None:
    lead = claimed(marketer, sales_rep)

    owner = client_for(sales_rep).get(url(lead, "moves")).json()
    other = client_for(rep2).get(url(lead, "moves")).json()

    assert {(move["kind"], move["to_stage"]["slug"]) for move in owner} == {
        ("moved", "opportunity"),
        ("recycled", "working"),
        ("lost", "lost"),
    }
    recycle = next(move for move in owner if move["kind"] == "recycled")
    assert {r["kind"] for r in recycle["reasons"]} == {"recycle"}
    assert other == []


def test_the_generic_move_makes_any_allowed_move(client_for: ClientFor, marketer: User) -> None:
    lead = LeadFactory.create(marketing_owner=marketer)

    to_working = client_for(marketer).post(
        url(lead, "moves"), {"to_stage": stage("working").pk}, format="json"
    )
    to_won = client_for(marketer).post(
        url(lead, "moves"), {"to_stage": stage("won").pk}, format="json"
    )

    assert to_working.status_code == 200
    assert to_working.json()["stage"]["slug"] == "working"
    assert to_won.status_code == 409
    assert history(lead) == [ChangeKind.CREATED, ChangeKind.MOVED]


def test_moves_of_an_unknown_lead_are_not_found(client_for: ClientFor, manager: User) -> None:
    for move in ("qualify", "claim", "moves", "win"):
        assert (
            client_for(manager).post(f"/api/v1/leads/987654/{move}/", {}, format="json").status_code
            == 404
        )


def _required(fields: Mapping[str, Any]) -> dict[str, bool]:
    return {name: field.required for name, field in fields.items()}


@pytest.mark.parametrize(
    ("at", "kind", "described", "renamed"),
    [
        ("sql", ChangeKind.MOVED, AdvanceSerializer, {}),
        ("opportunity", ChangeKind.WON, WinSerializer, {"value": "amount"}),
        ("opportunity", ChangeKind.LOST, ReasonedMoveSerializer, {}),
        ("sql", ChangeKind.RECYCLED, ReasonedMoveSerializer, {}),
    ],
)
def test_the_schema_describes_the_lead_pages_form_of_each_move(
    marketer: User,
    sales_rep: User,
    at: str,
    kind: ChangeKind,
    described: type[serializers.Serializer[Any]],
    renamed: dict[str, str],
) -> None:
    lead = opportunity(marketer, sales_rep) if at == "opportunity" else claimed(marketer, sales_rep)
    move = next(move for move in moves_for(lead, sales_rep) if move.kind == kind)
    form = MoveForm(move=move)
    # The endpoint names the move, so its body does not say where the lead goes.
    read = {renamed.get(name, name): field for name, field in form.fields.items()}
    del read["to_stage"]

    assert _required(described().fields) == _required(read)


def test_the_schema_of_any_move_describes_every_field_of_the_move_forms() -> None:
    described = _required(MoveSerializer().fields)

    assert set(described) == set(MoveForm.base_fields)
    assert {name for name, required in described.items() if required} == {"to_stage"}


def test_a_move_reads_its_body_as_the_lead_page_does(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = claimed(marketer, sales_rep)
    api = client_for(sales_rep)

    as_number = api.post(
        url(lead, "advance"), {"value": 5000, "close_date": "2031-03-01"}, format="json"
    )
    generic = api.post(
        url(lead, "moves"),
        {"to_stage": stage("opportunity").pk, "value": "5000.00", "close_date": "2031-01-03"},
        format="json",
    )
    no_stage = api.post(url(lead, "moves"), {"to_stage": "the next one"}, format="json")

    # The schema says an amount is a string: a JSON number could lose its cents.
    assert as_number.status_code == 400
    assert list(as_number.json()["fields"]) == ["value"]
    assert generic.status_code == 200, generic.content
    assert generic.json()["expected_close_date"] == "2031-01-03"
    assert no_stage.status_code == 400
    assert list(no_stage.json()["fields"]) == ["to_stage"]


def test_a_move_not_offered_is_refused_by_the_rule_before_its_body_is_read(
    client_for: ClientFor, marketer: User, sales_rep: User, rep2: User
) -> None:
    lead = claimed(marketer, sales_rep)

    answer = client_for(rep2).post(url(lead, "advance"), {"value": "-1"}, format="json")

    assert answer.status_code == 403
    lead.refresh_from_db()
    assert lead.stage.slug == "sql"


def test_a_touch_that_names_no_kind_is_a_field_error(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = claimed(marketer, sales_rep)

    response = client_for(sales_rep).post(url(lead, "touch"), {"body": "Called"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["kind"]
    assert not Activity.objects.filter(lead=lead).exists()


@pytest.mark.parametrize(
    ("kinds", "described", "read_kind"),
    [([ActivityKind.NOTE], NoteSerializer, False), (TOUCHES, TouchSerializer, True)],
)
def test_the_schema_describes_the_lead_pages_timeline_form(
    kinds: list[ActivityKind], described: type[serializers.Serializer[Any]], read_kind: bool
) -> None:
    read = dict(ActivityForm(kinds=kinds).fields)
    if not read_kind:  # the notes endpoint adds notes: the body needs no kind
        del read["kind"]

    assert _required(described().fields) == _required(read)
