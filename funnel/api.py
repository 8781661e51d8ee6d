"""The API's funnel: each move of a lead its own endpoint over the funnel services, the moves a
lead allows, and the stages and reasons managers configure.

Who may make a move is decided by the services (funnel.access), exactly as on the pages; these
views only parse the request and say what happened."""

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from funnel.access import can_reassign, can_set_goals
from funnel.board import BoardCard, board_columns
from funnel.forms import GoalForm
from funnel.goals import change_revenue_goal, delete_revenue_goal, set_revenue_goal
from funnel.models import ChangeKind, Reason, RevenueGoal, Stage, Transition
from funnel.selectors import moves_for, mql_queue_page
from funnel.serializers import (
    AdvanceSerializer,
    AllowedMoveSerializer,
    MoveSerializer,
    ReasonedMoveSerializer,
    ReasonSerializer,
    ReassignSerializer,
    RevenueGoalSerializer,
    StageRefSerializer,
    StageSerializer,
    TouchSerializer,
    WinSerializer,
)
from funnel.services import MoveNotAllowed, claim_lead, move_lead, reassign_lead
from leads.api import lead_body, with_clock
from leads.models import ActivityKind, Lead
from leads.serializers import LeadSerializer, TimelineEntrySerializer
from leads.services import add_activity
from leads.timeline import activity_entry, lead_for_page
from smarketing.api import (
    ERRORS,
    caller,
    form_body,
    form_data,
    form_errors,
    optional_parameter,
    page_response,
    page_serializer,
)
from smarketing.errors import NotAllowed

MOVED = {200: LeadSerializer, 409: ERRORS[409]}


def _destination(lead: Lead, *, kind: ChangeKind, slug: str | None = None) -> int:
    """The stage a named move (win, lose, recycle, ...) takes this lead to from its stage; a
    stage with no such move is a conflict, since the lead may have moved meanwhile."""
    moves = Transition.objects.filter(from_stage_id=lead.stage_id, kind=kind)
    if slug is not None:
        moves = moves.filter(to_stage__slug=slug)
    to_stage_id = moves.values_list("to_stage_id", flat=True).first()
    if to_stage_id is None:
        raise MoveNotAllowed(
            _("A lead in %(stage)s cannot make this move.") % {"stage": lead.stage.name}
        )
    return to_stage_id


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
            to_stage_id=_destination(lead, kind=kind, slug=slug),
            actor=caller(request),
            **details,
        )
        return Response(lead_body(lead_for_page(moved.pk)))

    @extend_schema(
        summary="Qualify a lead to MQL (its stage's entry criteria must hold)",
        request=None,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request: Request, pk: int) -> Response:
        return self._move(request, lead_for_page(pk), ChangeKind.MOVED, slug="mql")

    @extend_schema(
        summary="Claim a waiting MQL (Sales and managers); exactly one claimant wins",
        request=None,
        responses=MOVED,
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: int) -> Response:
        claimed = claim_lead(lead_id=pk, rep=caller(request))
        return Response(lead_body(lead_for_page(claimed.pk)))

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
            slug="opportunity",
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
        return Response(lead_body(lead_for_page(pk)))

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
        return Response(lead_body(lead_for_page(moved.pk)))


class WaitingMqlSerializer(serializers.Serializer[Any]):
    """An unclaimed MQL, how long it has waited, and against which claim limit."""

    lead = LeadSerializer()
    waited_seconds = serializers.IntegerField()
    limit_hours = serializers.IntegerField(allow_null=True)
    past_sla = serializers.BooleanField()


class QueueView(APIView):
    """MQLs waiting for Sales, longest waiting first: the "MQLs waiting" page."""

    @extend_schema(
        summary="Unclaimed MQLs, longest waiting first",
        parameters=[optional_parameter("after", str, "The `next_cursor` of the page before.")],
        responses=page_serializer("QueuePage", WaitingMqlSerializer),
    )
    def get(self, request: Request) -> Response:
        after = request.query_params.get("after") or None
        page = mql_queue_page(after=after, now=timezone.now())
        rows = [
            {
                "lead": with_clock(row.lead),
                "waited_seconds": int(row.waited.total_seconds()),
                "limit_hours": row.limit_hours,
                "past_sla": row.past_sla,
            }
            for row in page.rows
        ]
        data = WaitingMqlSerializer(rows, many=True).data
        return page_response(data, next_cursor=page.next_cursor, request=request)


class BoardCardSerializer(serializers.Serializer[Any]):
    lead = LeadSerializer()
    in_stage_seconds = serializers.IntegerField()
    past_sla = serializers.BooleanField()


class BoardColumnSerializer(serializers.Serializer[Any]):
    stage = StageRefSerializer()
    count = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    cards = BoardCardSerializer(many=True, help_text="The leads that have waited longest.")


def _card(card: BoardCard) -> dict[str, Any]:
    card.lead.past_sla = card.past_sla  # type: ignore[attr-defined]
    in_stage = int(card.in_stage.total_seconds())
    return {"lead": card.lead, "in_stage_seconds": in_stage, "past_sla": card.past_sla}


class BoardView(APIView):
    """The funnel as a board: each stage's count and value, and its longest-waiting leads."""

    @extend_schema(summary="The funnel board", responses=BoardColumnSerializer(many=True))
    def get(self, request: Request) -> Response:
        columns = [
            {
                "stage": column.stage,
                "count": column.count,
                "value": column.value,
                "cards": [_card(card) for card in column.cards],
            }
            for column in board_columns(now=timezone.now())
        ]
        return Response(BoardColumnSerializer(columns, many=True).data)


class ConfigurationPermission(permissions.DjangoModelPermissions):
    """Everyone reads the funnel's configuration; writing it takes the admin's permissions
    (add, change), which the Managers group holds (funnel.permissions)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": [],
        "HEAD": [],
        "OPTIONS": [],
    }


class ConfigurationViewSet[M: Model](
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[M],
):
    """Stages and reasons. Each change is written to the admin's history, as the admin does."""

    permission_classes = [ConfigurationPermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_converter = "int"
    pagination_class = None

    @transaction.atomic
    def perform_create(self, serializer: serializers.BaseSerializer[M]) -> None:
        saved = serializer.save()
        self._log(saved, ADDITION, [{"added": {}}])

    @transaction.atomic
    def perform_update(self, serializer: serializers.BaseSerializer[M]) -> None:
        saved = serializer.save()
        changed = sorted(serializer.validated_data)
        self._log(saved, CHANGE, [{"changed": {"fields": changed}}] if changed else [])

    def _log(self, saved: M, flag: int, message: list[dict[str, Any]]) -> None:
        LogEntry.objects.log_actions(
            user_id=caller(self.request).pk,
            queryset=[saved],
            action_flag=flag,
            change_message=message,
            single_object=True,
        )


@extend_schema_view(
    list=extend_schema(summary="The funnel's stages, in order"),
    retrieve=extend_schema(summary="A stage"),
    create=extend_schema(summary="Add a stage (managers)"),
    partial_update=extend_schema(summary="Change a stage (managers)"),
)
class StageViewSet(ConfigurationViewSet[Stage]):
    queryset = Stage.objects.order_by("position")
    serializer_class = StageSerializer


@extend_schema_view(
    list=extend_schema(summary="Recycle and lost reasons"),
    retrieve=extend_schema(summary="A reason"),
    create=extend_schema(summary="Add a reason (managers)"),
    partial_update=extend_schema(summary="Change a reason (managers); untick active to retire"),
)
class ReasonViewSet(ConfigurationViewSet[Reason]):
    queryset = Reason.objects.order_by("kind", "position", "label")
    serializer_class = ReasonSerializer


def _goal_form(request: Request, goal: RevenueGoal | None) -> GoalForm:
    """The goal page's form over the JSON body: the same periods, amounts and rates."""
    today = timezone.localdate()
    if goal is None:
        form = GoalForm(form_data(request), today=today)
    else:
        form = GoalForm.for_goal(goal, data=form_data(request), today=today)
    if not form.is_valid():
        raise form_errors(form)
    return form


@extend_schema_view(
    list=extend_schema(summary="Revenue goals, newest period first"),
    retrieve=extend_schema(summary="A revenue goal"),
    create=extend_schema(
        summary="Set the goal of a month or quarter (managers)",
        request={"application/json": form_body(GoalForm)},
        responses={201: RevenueGoalSerializer, 409: ERRORS[409]},
    ),
    update=extend_schema(
        summary="Change a goal: send all its terms (managers)",
        request={"application/json": form_body(GoalForm)},
        responses={200: RevenueGoalSerializer, 409: ERRORS[409]},
    ),
    destroy=extend_schema(summary="Remove a goal (managers)"),
)
class RevenueGoalViewSet(viewsets.GenericViewSet[RevenueGoal]):
    """Thin views over funnel.goals, with the goal page's form for the body."""

    queryset = RevenueGoal.objects.order_by("-starts_on", "kind")
    serializer_class = RevenueGoalSerializer
    lookup_value_converter = "int"
    pagination_class = None

    def list(self, request: Request) -> Response:
        return Response(RevenueGoalSerializer(self.get_queryset(), many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(RevenueGoalSerializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        self._managers_only(request)
        form = _goal_form(request, None)
        goal = set_revenue_goal(
            actor=caller(request), period=form.chosen_period(), terms=form.terms()
        )
        return Response(RevenueGoalSerializer(goal).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: int) -> Response:
        goal = self.get_object()
        self._managers_only(request)
        form = _goal_form(request, goal)
        changed = change_revenue_goal(
            goal_id=goal.pk, actor=caller(request), period=form.chosen_period(), terms=form.terms()
        )
        return Response(RevenueGoalSerializer(changed).data)

    def destroy(self, request: Request, pk: int) -> Response:
        goal = self.get_object()
        delete_revenue_goal(goal_id=goal.pk, actor=caller(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _managers_only(self, request: Request) -> None:
        # Before the body is read, as on the goal pages: a refusal says nothing of the input.
        if not can_set_goals(caller(request)):
            raise NotAllowed(_("Only managers set revenue goals."))
