"""A manager hands a lead to other owners, from a small form reached from the lead page."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from funnel.access import can_reassign
from funnel.forms import ReassignForm
from funnel.services import reassign_lead
from leads.timeline import lead_for_page
from smarketing.errors import DomainError


@require_http_methods(["GET", "POST"])
def lead_reassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET shows the form (htmx places it on the lead page); POST hands the lead over."""
    lead = lead_for_page(pk)
    if not can_reassign(request.user):
        message = _("Only managers reassign leads.")
        return render(request, "funnel/refused.html", {"message": message}, status=403)
    form = ReassignForm(request.POST if request.method == "POST" else None, lead=lead)
    refusal, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            marketer, rep = (
                form.cleaned_data.get("marketing_owner"),
                form.cleaned_data.get("sales_owner"),
            )
            try:
                reassign_lead(
                    lead_id=lead.pk,
                    actor=request.user,
                    marketing_owner_id=marketer.pk if marketer else None,
                    sales_owner_id=rep.pk if rep else None,
                )
            except DomainError as error:
                refusal, status = error.message, error.http_status
            else:
                messages.success(request, _("%(name)s has new owners.") % {"name": lead.full_name})
                return redirect("lead_detail", pk=lead.pk)
        else:
            status = 400
    context = {"lead": lead, "form": form, "refusal": refusal}
    return render(request, "funnel/reassign.html", context, status=status)
