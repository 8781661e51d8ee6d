"""Revenue goals, over funnel.goals."""

from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from funnel.access import can_set_goals
from funnel.forms import GoalForm
from funnel.goals import change_revenue_goal, delete_revenue_goal, set_revenue_goal
from funnel.models import RevenueGoal
from funnel.serializers import (
    RevenueGoalSerializer,
)
from smarketing.api import (
    ERRORS,
    AnsweredBeforeCommit,
    caller,
    form_body,
    page_form,
)
from smarketing.errors import NotAllowed


def _goal_form(request: Request, goal: RevenueGoal | None) -> GoalForm:
    """The goal page's form over the JSON body: the same periods, amounts and rates. The body
    holds all the goal's terms, a new goal's as a changed one's."""
    today = timezone.localdate()
    if goal is None:
        form, _sent = page_form(request, partial(GoalForm, today=today), whole=True)
    else:
        form, _sent = page_form(
            request, lambda data: GoalForm.for_goal(goal, data=data, today=today), whole=True
        )
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
class RevenueGoalViewSet(AnsweredBeforeCommit, viewsets.GenericViewSet[RevenueGoal]):
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
