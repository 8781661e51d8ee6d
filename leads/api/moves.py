"""Each move of a lead its own endpoint over the funnel services, and the moves a lead allows.

Who may make a move is decided by the services (funnel.access), exactly as on the pages; these
views only parse the request and say what happened."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from funnel.access import can_reassign
from funnel.forms import MoveForm
from funnel.models import ChangeKind, WellKnownStage
from funnel.selectors import TOUCHES, Move, moves_for, offered_move
from funnel.serializers import AllowedMoveSerializer
from funnel.services import claim_lead, move_destination, move_lead, reassign_lead
from leads.activities import add_activity
from leads.api.leads import lead_answer
from leads.forms import ActivityForm
from leads.models import ActivityKind, Lead
from leads.serializers import (
    AdvanceSerializer,
    LeadSerializer,
    MoveSerializer,
    ReasonedMoveSerializer,
    ReassignSerializer,
    TimelineEntrySerializer,
    TouchSerializer,
    WinSerializer,
)
from leads.timeline import activity_entry, lead_for_page
from smarketing.api import ERRORS, AnsweredBeforeCommit, caller, form_values, page_form
from smarketing.errors import NotAllowed

MOVED = {200: LeadSerializer, 409: ERRORS[409]}


def _parsed(serializer_class: type[serializers.Serializer[Any]], request: Request) -> Any:
    given = serializer_class(data=request.data)
    given.is_valid(raise_exception=True)
    return given.validated_data


def _named_form(move: Move, **renamed: str) -> Callable[[dict[str, Any] | None], MoveForm]:
    """The lead page's form of `move`, for an endpoint that names the move (so the body does
    not say where the lead goes); `renamed` gives the body's name of a form field."""

    def build(data: dict[str, Any] | None) -> MoveForm:
        form = MoveForm(data, move=move)
        del form.fields["to_stage"]
        for field, name in renamed.items():
            form.fields[name] = form.fields.pop(field)
        return form

    return build


def _requested_stage(request: Request) -> int:
    """The stage the body of a move names, read as the move forms read it."""
    field = MoveForm.base_fields["to_stage"]
    sent = form_values(request, {"to_stage": field})
    try:
        to_stage_id: int = field.clean(sent.get("to_stage"))
    except ValidationError as refusal:
        raise exceptions.ValidationError({"to_stage": refusal.messages}) from None
    return to_stage_id


class LeadMoveViewSet(AnsweredBeforeCommit, viewsets.ViewSet):
    """Moves of one lead: /leads/{id}/<move>/.

    A body is read by the lead page's form of the move (funnel.forms.MoveForm), so the API
    refuses what the page refuses; a move the caller is not offered goes to the service without
    details, which says why it is refused (as on the page). The serializers named in the schema
    only describe the bodies."""

    lookup_value_converter = "int"

    def _named_move(
        self,
        request: Request,
        pk: int,
        kind: ChangeKind,
        slug: str | None = None,
        **renamed: str,
    ) -> Response:
        lead = lead_for_page(pk)
        move = offered_move(lead, caller(request), kind=kind, slug=slug)
        if move is None:
            to_stage_id = move_destination(lead, kind=kind, slug=slug)
            details: dict[str, Any] = {}
        else:
            to_stage_id = move.to_stage.pk
            form, _sent = page_form(request, _named_form(move, **renamed))
            back = {name: field for field, name in renamed.items()}
            details = {back.get(name, name): value for name, value in form.cleaned_data.items()}
        return self._move(request, lead, to_stage_id, details)

    def _move(
        self, request: Request, lead: Lead, to_stage_id: int, details: dict[str, Any]
    ) -> Response:
        moved = move_lead(
            lead_id=lead.pk,
            to_stage_id=to_stage_id,
            actor=caller(request),
            reason_id=details.get("reason"),
            note=details.get("note", ""),
            value=details.get("value"),
            close_date=details.get("close_date"),
        )
        return lead_answer(moved.pk)

    @extend_schema(
        summary="Qualify a lead to MQL (its stage's entry criteria must hold)",
        request=None,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        to_stage_id = move_destination(lead, kind=ChangeKind.MOVED, slug=WellKnownStage.MQL)
        return self._move(request, lead, to_stage_id, {})

    @extend_schema(
        summary="Claim a waiting MQL (Sales and managers); exactly one claimant wins",
        request=None,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: int) -> Response:
        claimed = claim_lead(lead_id=pk, rep=caller(request))
        return lead_answer(claimed.pk)

    @extend_schema(
        summary="Log a touch: a call, email or meeting",
        request=TouchSerializer,
        responses={201: TimelineEntrySerializer},
    )
    @action(detail=True, methods=["post"])
    def touch(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        form, _sent = page_form(request, partial(ActivityForm, kinds=TOUCHES))
        activity = add_activity(
            lead=lead,
            kind=ActivityKind(form.cleaned_data["kind"]),
            body=form.cleaned_data["body"],
            author=caller(request),
        )
        body = TimelineEntrySerializer(activity_entry(activity)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Make the lead an opportunity, with its expected value and close date",
        request=AdvanceSerializer,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk: int) -> Response:
        return self._named_move(request, pk, ChangeKind.MOVED, slug=WellKnownStage.OPPORTUNITY)

    @extend_schema(summary="Win the deal, for an amount", request=WinSerializer, responses=MOVED)
    @action(detail=True, methods=["post"])
    def win(self, request: Request, pk: int) -> Response:
        return self._named_move(request, pk, ChangeKind.WON, value="amount")

    @extend_schema(
        summary="Lose the lead, with a reason of kind `lost`",
        request=ReasonedMoveSerializer,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def lose(self, request: Request, pk: int) -> Response:
        return self._named_move(request, pk, ChangeKind.LOST)

    @extend_schema(
        summary="Send the lead back to Marketing, with a reason of kind `recycle` and a note",
        request=ReasonedMoveSerializer,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def recycle(self, request: Request, pk: int) -> Response:
        return self._named_move(request, pk, ChangeKind.RECYCLED)

    @extend_schema(
        summary="Hand the lead to other owners (managers)",
        request=ReassignSerializer,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        if not can_reassign(caller(request)):
            raise NotAllowed(_("Only managers reassign leads."))
        given = _parsed(ReassignSerializer, request)
        reassign_lead(
            lead_id=lead.pk,
            actor=caller(request),
            marketing_owner_id=given.get("marketing_owner"),
            sales_owner_id=given.get("sales_owner"),
        )
        return lead_answer(pk)

    @extend_schema(
        methods=["GET"],
        summary="The moves you may make on this lead now, and what each asks for",
        responses=AllowedMoveSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Make any move the lead's stage allows (as the lead page's move forms)",
        request=MoveSerializer,
        responses=MOVED,
    )
    @action(detail=True, methods=["get", "post"])
    def moves(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        if request.method == "GET":
            allowed = moves_for(lead, caller(request))
            return Response(AllowedMoveSerializer(allowed, many=True).data)
        to_stage_id = _requested_stage(request)
        move = offered_move(lead, caller(request), to_stage_id=to_stage_id)
        details: dict[str, Any] = {}
        if move is not None:
            form, _sent = page_form(request, partial(MoveForm, move=move))
            details = form.cleaned_data
        return self._move(request, lead, to_stage_id, details)
