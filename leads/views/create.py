"""Logging a new lead in the browser, and folding a second capture of a known email into it."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from leads.access import CREATE_LEAD_REFUSAL, EDIT_LEAD_REFUSAL, can_create_lead, can_edit_lead
from leads.forms import NewLeadForm
from leads.models import Lead
from leads.services import DuplicateLead, add_details_to_lead, create_lead, find_lead_by_email
from smarketing.errors import NotAllowed

TEMPLATE = "leads/create.html"


@require_http_methods(["GET", "POST"])
def lead_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The new-lead form. A known email is not saved twice: the page names the existing lead
    and offers to add what was entered to it (the `add_to_existing` button)."""
    if not can_create_lead(request.user):
        refusal = str(CREATE_LEAD_REFUSAL)
        return render(request, TEMPLATE, {"refusal": refusal}, status=403)
    form = NewLeadForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": form})
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    details = form.cleaned_data
    existing = _lead_to_add_to(request, email=details["email"])
    if existing is not None:
        return _add_to_existing(request, form, existing, details)
    try:
        lead = create_lead(details=details, note=details["note"], actor=request.user)
    except DuplicateLead as duplicate:
        return _duplicate_page(request, form, duplicate.existing)
    messages.success(
        request,
        _("%(name)s was logged in the stage %(stage)s.")
        % {"name": lead.full_name, "stage": lead.stage.shown_name},
    )
    return redirect("lead_detail", pk=lead.pk)


def _add_to_existing(
    request: AuthenticatedHttpRequest, form: NewLeadForm, existing: Lead, details: dict[str, Any]
) -> HttpResponse:
    try:
        lead = add_details_to_lead(
            lead=existing, details=details, note=details["note"], actor=request.user
        )
    except NotAllowed as refusal:
        return _duplicate_page(request, form, existing, refusal=refusal.message, status=403)
    messages.success(
        request,
        _("What you entered was added to %(name)s; its timeline lists it.")
        % {"name": lead.full_name},
    )
    return redirect("lead_detail", pk=lead.pk)


def _lead_to_add_to(request: AuthenticatedHttpRequest, *, email: str) -> Lead | None:
    """The lead the person chose to add the details to, if the email still names that lead.

    Had they changed the email since, the form is saved as a new lead again, so the choice
    can never fold details into a lead with another address.
    """
    chosen = request.POST.get("add_to_existing", "")
    if not chosen.isdigit():
        return None
    lead = find_lead_by_email(email)
    return lead if lead is not None and lead.pk == int(chosen) else None


def _duplicate_page(
    request: AuthenticatedHttpRequest,
    form: NewLeadForm,
    existing: Lead,
    *,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    """The form again, naming the lead that has this email; the button that adds the details to
    it only for those who may edit it (the same sentence as the service's refusal otherwise)."""
    if not refusal and not can_edit_lead(request.user, existing):
        refusal = str(EDIT_LEAD_REFUSAL)
    context = {"form": form, "duplicate": existing, "refusal": refusal}
    return render(request, TEMPLATE, context, status=status)
