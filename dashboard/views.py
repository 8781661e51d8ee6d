from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import Role, roles_of
from funnel.models import Team
from funnel.selectors import stage_summaries, unclaimed_mql_queue
from leads.selectors import recent_leads_owned_by


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each person's starting point: the shared funnel, and what their role needs next."""
    user = request.user
    roles = roles_of(user)
    context: dict[str, object] = {"funnel": stage_summaries()}
    if Role.MARKETING in roles:
        context["my_marketing_funnel"] = stage_summaries(
            leads_filter=Q(leads__marketing_owner=user)
        )
        context["my_recent_leads"] = recent_leads_owned_by(marketer=user)
    if Role.SALES in roles or Role.MANAGERS in roles:
        context["mql_queue"] = unclaimed_mql_queue()
    if Role.SALES in roles:
        context["my_sales_funnel"] = stage_summaries(
            leads_filter=Q(leads__sales_owner=user), teams=[Team.SALES]
        )
    return render(request, "dashboard/home.html", context)
