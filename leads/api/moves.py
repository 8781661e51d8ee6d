"""Each move of a lead its own endpoint over the funnel services, and the moves a lead allows.

Who may make a move is decided by the services (funnel.access), exactly as on the pages; these
views only parse the request and say what happened."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from funnel.access import can_reassign
from funnel.models import ChangeKind, WellKnownStage
from funnel.selectors import moves_for
from funnel.serializers import AllowedMoveSerializer
from funnel.services import claim_lead, move_destination, move_lead, reassign_lead
from leads.activities import add_activity
from leads.api.leads import lead_answer
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
from smarketing.api import (
    ERRORS,
    caller,
)
from smarketing.errors import NotAllowed

MOVED = {200: LeadSerializer, 409: ERRORS[409]}


def _parsed(serializer_class: type[serializers.Serializer[Any]], request: Request) -> Any:
    given = serializer_class(data=request.data)
    given.is_valid(raise_exception=True)
    return given.validated_data


class LeadMoveViewSet(viewsets.ViewSet):
    """Moves of one lead: /leads/{id}/<move>/."""

    lookup_value_converter = "int"

    def _move(
        self,
        request: Request,
        lead: Lead,
        kind: ChangeKind,
        slug: str | None = None,
        **details: Any,
    ) -> Response:
        moved = move_lead(
            lead_id=lead.pk,
            to_stage_id=move_destination(lead, kind=kind, slug=slug),
            actor=caller(request),
            **details,
        )
        return lead_answer(moved.pk)

    @extend_schema(
        summary="Qualify a lead to MQL (its stage's entry criteria must hold)",
        request=None,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request: Request, pk: int) -> Response:
        return self._move(request, lead_for_page(pk), ChangeKind.MOVED, slug=WellKnownStage.MQL)

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
        given = _parsed(TouchSerializer, request)
        activity = add_activity(
            lead=lead,
            kind=ActivityKind(given["kind"]),
            body=given["body"],
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
        lead = lead_for_page(pk)
        given = _parsed(AdvanceSerializer, request)
        return self._move(
            request,
            lead,
            ChangeKind.MOVED,
            slug=WellKnownStage.OPPORTUNITY,
            value=given["value"],
            close_date=given["close_date"],
        )

    @extend_schema(summary="Win the deal, for an amount", request=WinSerializer, responses=MOVED)
    @action(detail=True, methods=["post"])
    def win(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        given = _parsed(WinSerializer, request)
        return self._move(request, lead, ChangeKind.WON, value=given["amount"])

    @extend_schema(
        summary="Lose the lead, with a reason of kind `lost`",
        request=ReasonedMoveSerializer,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def lose(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        given = _parsed(ReasonedMoveSerializer, request)
        return self._move(
            request, lead, ChangeKind.LOST, reason_id=given["reason"], note=given.get("note", "")
        )

    @extend_schema(
        summary="Send the lead back to Marketing, with a reason of kind `recycle` and a note",
        request=ReasonedMoveSerializer,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def recycle(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        given = _parsed(ReasonedMoveSerializer, request)
        return self._move(
            request,
            lead,
            ChangeKind.RECYCLED,
            reason_id=given["reason"],
            note=given.get("note", ""),
        )

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
        given = _parsed(MoveSerializer, request)
        moved = move_lead(
            lead_id=lead.pk,
            to_stage_id=given["to_stage"],
            actor=caller(request),
            reason_id=given.get("reason"),
            note=given.get("note", ""),
            value=given.get("value"),
            close_date=given.get("close_date"),
        )
        return lead_answer(moved.pk)
