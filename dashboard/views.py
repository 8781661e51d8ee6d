from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from dashboard.access import (
    sees_goal_progress,
    sees_marketing_work,
    sees_mql_queue,
    sees_sales_work,
)
from dashboard.export import table_csv
from dashboard.figures import MIN_SAMPLE
from dashboard.selectors import current_goal, dashboard
from dashboard.tables import (
    PAGE_ROWS,
    all_tables,
    chart_data,
    goal_headlines,
    headlines,
    number_style,
    one_table,
)
from funnel.access import can_set_goals
from funnel.forms import goal_periods
from funnel.models import PeriodKind, Team
from funnel.periods import Period, parse_period, period_containing
from funnel.selectors import rep_day, stage_summaries, unclaimed_mql_queue
from leads.selectors import recent_leads_owned_by


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each person's starting point: the shared funnel, and what their role needs next."""
    user = request.user
    now = timezone.now()
    context: dict[str, object] = {"funnel": stage_summaries(), "now": now}
    if sees_marketing_work(user):
        context["my_marketing_funnel"] = stage_summaries(marketing_owner=user)
        context["my_recent_leads"] = recent_leads_owned_by(marketer=user)
    if sees_mql_queue(user):
        context["mql_queue"] = unclaimed_mql_queue()
    if sees_sales_work(user):
        context["my_sales_funnel"] = stage_summaries(sales_owner=user, teams=[Team.SALES])
        context["my_day"] = rep_day(rep=user, now=now)
    if sees_goal_progress(user):
        standing = current_goal(now=now)
        context["goal"] = standing
        context["goal_figures"] = goal_headlines(standing.progress)
    return render(request, "dashboard/home.html", context)


def _period(request: AuthenticatedHttpRequest) -> tuple[Period, str]:
    """The period asked for, else this quarter; and a sentence when the ask was not one."""
    key = request.GET.get("period", "")
    chosen = parse_period(key) if key else None
    if chosen is not None and chosen.kind in PeriodKind.values:
        return chosen, ""
    problem = _("“%(key)s” is not a month or a quarter; showing this quarter.") % {"key": key}
    return period_containing(timezone.localdate(), kind=PeriodKind.QUARTER), problem if key else ""


@require_GET
def dashboard_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The figures both teams look at, for a month or a quarter. Everyone sees the same."""
    period, problem = _period(request)
    now = timezone.now()
    figures = dashboard(period=period, now=now, rows=PAGE_ROWS)
    tables = all_tables(figures)
    context = {
        "d": figures,
        "tables": tables,
        "charts": chart_data(tables),
        "number_style": number_style(),
        "h": headlines(figures),
        "min_sample": MIN_SAMPLE,
        "problem": problem,
        "now": now,
        "periods": goal_periods(around=timezone.localdate()),
        "previous": period.previous(),
        "next": period.next(),
        "can_set_goals": can_set_goals(request.user),
    }
    return render(request, "dashboard/dashboard.html", context)


@require_GET
def dashboard_csv(request: AuthenticatedHttpRequest, table: str) -> HttpResponse:
    """One table of the dashboard with every row; it reads only what that table shows."""
    period, _problem = _period(request)
    figures = one_table(table, period=period, now=timezone.now(), links=False)
    if figures is None:
        raise Http404
    response = HttpResponse(table_csv(figures), content_type="text/csv; charset=utf-8")
    filename = f"smarketing-{table}-{period.key}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
