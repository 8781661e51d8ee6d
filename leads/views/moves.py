"""What a lead's page does in the funnel: a move made from it, which comes back on the page when
refused, and a manager's handover of the lead to other owners."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from funnel.access import REASSIGN_REFUSAL, can_reassign
from funnel.forms import MoveForm, ReassignForm, moved_message, requested_move
from funnel.models import ChangeKind
from funnel.services import move_lead, reassign_lead
from leads.forms import ActivityForm
from leads.timeline import lead_for_page
from leads.views.detail import MOVE_DETAILS, MOVE_REFUSAL, lead_page
from smarketing.errors import DomainError


@require_POST
def lead_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Make one move from the lead page. The service decides; a refusal comes back on the lead
    page with its reason, and with what the person typed."""
    lead = lead_for_page(pk)
    to_stage_id, move = requested_move(request.POST, lead=lead, user=request.user)
    # A move not offered to this person still goes to the service, which says why it is refused.
    form = MoveForm(request.POST, move=move) if move is not None else None
    if form is not None and not form.is_valid():
        return lead_page(request, lead, form=ActivityForm(), move_form=form, status=400)
    details = form.cleaned_data if form is not None else {}
    try:
        moved = move_lead(
            lead_id=lead.pk,
            to_stage_id=to_stage_id,
            actor=request.user,
            reason_id=details.get("reason"),
            note=details.get("note", ""),
            value=details.get("value"),
            close_date=details.get("close_date"),
        )
    except DomainError as refusal:
        # Back on the lead's own address (the page shows the lead as it is now, someone may
        # have moved it meanwhile), with the reason and what was typed.
        request.session[MOVE_REFUSAL] = {
            "lead": lead.pk,
            "to_stage": to_stage_id,
            "message": refusal.message,
            "stage": getattr(refusal, "stage_name", ""),
            "missing": getattr(refusal, "fields", {}),
            "typed": {name: request.POST.get(name, "") for name in MOVE_DETAILS}
            if form is not None and move is not None and move.needs_details
            else None,
        }
        return redirect(f"{reverse('lead_detail', args=[lead.pk])}#moves")
    kind = move.kind if move is not None else ChangeKind.MOVED
    messages.success(request, moved_message(moved, kind))
    return redirect("lead_detail", pk=moved.pk)


@require_http_methods(["GET", "POST"])
def lead_reassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET shows the form (htmx places it on the lead page); POST hands the lead over."""
    lead = lead_for_page(pk)
    if not can_reassign(request.user):
        refused = {
            "message": REASSIGN_REFUSAL,
            "back_url": reverse("lead_detail", args=[lead.pk]),
            "back_label": _("Back to %(name)s") % {"name": lead.full_name},
        }
        return render(request, "funnel/refused.html", refused, status=403)
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
    return render(request, "leads/reassign.html", context, status=status)
