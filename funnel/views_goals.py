"""Revenue goals: everyone reads them, managers set, change and remove them."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from funnel.access import SET_GOALS_REFUSAL, can_set_goals
from funnel.forms import GoalForm, goal_period
from funnel.goals import (
    GoalPeriodTaken,
    change_revenue_goal,
    delete_revenue_goal,
    first_free_period,
    set_revenue_goal,
)
from funnel.models import RevenueGoal
from smarketing.errors import DomainError


def _refused(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "message": SET_GOALS_REFUSAL,
        "back_url": reverse("dashboard"),
        "back_label": _("Back to the dashboard"),
    }
    return render(request, "funnel/refused.html", context, status=403)


def _taken(refusal: GoalPeriodTaken) -> str:
    """The refusal of a period another goal holds, with a link to that goal."""
    if refusal.goal_id is None:
        return refusal.message
    return format_html(
        '{} <a href="{}">{}</a>',
        refusal.message,
        reverse("goal_edit", args=[refusal.goal_id]),
        _("Open that goal"),
    )


@require_GET
def goal_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    goals = [
        (goal, goal_period(goal)) for goal in RevenueGoal.objects.order_by("-starts_on", "kind")
    ]
    context = {"goals": goals, "can_set_goals": can_set_goals(request.user)}
    return render(request, "funnel/goals.html", context)


@require_http_methods(["GET", "POST"])
def goal_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not can_set_goals(request.user):
        return _refused(request)
    today = timezone.localdate()
    if request.method == "POST":
        form = GoalForm(request.POST, today=today)
    else:
        form = GoalForm(initial={"period": first_free_period(today=today).key}, today=today)
    return _save_goal(request, form, goal=None)


@require_http_methods(["GET", "POST"])
def goal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not can_set_goals(request.user):
        return _refused(request)
    goal = get_object_or_404(RevenueGoal, pk=pk)
    data = request.POST if request.method == "POST" else None
    form = GoalForm.for_goal(goal, data=data, today=timezone.localdate())
    return _save_goal(request, form, goal=goal)


def _save_goal(
    request: AuthenticatedHttpRequest, form: GoalForm, *, goal: RevenueGoal | None
) -> HttpResponse:
    refusal, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            period = form.chosen_period()
            try:
                if goal is None:
                    set_revenue_goal(actor=request.user, period=period, terms=form.terms())
                else:
                    change_revenue_goal(
                        goal_id=goal.pk, actor=request.user, period=period, terms=form.terms()
                    )
            except GoalPeriodTaken as taken:
                refusal, status = _taken(taken), taken.http_status
            except DomainError as error:
                refusal, status = error.message, error.http_status
            else:
                messages.success(
                    request, _("The goal for %(period)s is saved.") % {"period": period.label}
                )
                return redirect(f"{reverse('dashboard')}?period={period.key}")
        else:
            status = 400
    context = {"form": form, "goal": goal, "refusal": refusal}
    return render(request, "funnel/goal_form.html", context, status=status)


@require_POST
def goal_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not can_set_goals(request.user):
        return _refused(request)
    goal = get_object_or_404(RevenueGoal, pk=pk)
    delete_revenue_goal(goal_id=goal.pk, actor=request.user)
    messages.success(
        request, _("The goal for %(period)s is removed.") % {"period": goal_period(goal).label}
    )
    return redirect("goal_list")
