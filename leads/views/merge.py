"""Merging a lead with its duplicate, from the lead's page: pick the other lead (as one types),
see the two side by side, choose which stays and which value of each field it keeps, confirm.
Managers only (leads.access.can_merge_lead), as in the API."""

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from leads.access import MERGE_LEADS_REFUSAL, can_merge_lead
from leads.filters import PickerForm
from leads.forms import MergeForm
from leads.merge import (
    default_sides,
    field_choices,
    later_in_funnel,
    merge_leads,
    merged_into,
    version,
)
from leads.models import Lead
from leads.pickers import leads_matching
from leads.timeline import lead_for_page
from smarketing.bounds import object_id
from smarketing.errors import DomainError

TEMPLATE = "leads/merge.html"


@require_http_methods(["GET", "POST"])
def lead_merge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Without `other`: the search for the duplicate. With it: the two leads side by side and
    the choices; POST merges them."""
    lead = lead_for_page(pk)
    if not can_merge_lead(request.user, lead):
        refused = {
            "message": MERGE_LEADS_REFUSAL,
            "back_url": reverse("lead_detail", args=[lead.pk]),
            "back_label": _("Back to %(name)s") % {"name": lead.full_name},
        }
        return render(request, "funnel/refused.html", refused, status=403)
    other_id = object_id(request.POST.get("other") or request.GET.get("other", ""))
    if other_id is None or other_id == lead.pk:
        return _search(request, lead)
    try:
        other = lead_for_page(other_id)
    except Http404:
        survivor = merged_into(other_id)
        if survivor is None:
            raise
        message = _("That lead was merged into %(name)s already.") % {"name": survivor.full_name}
        return _search(request, lead, refusal=message)
    keep = later_in_funnel(lead, other)
    dropped = other if keep == lead else lead
    form = MergeForm(
        request.POST if request.method == "POST" else None,
        lead=lead,
        other=other,
        keep=keep,
        sides=default_sides(keep, dropped),
        versions={lead.pk: version(lead), other.pk: version(other)},
    )
    refusal, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                survivor = merge_leads(
                    survivor_id=form.survivor_id(),
                    other_id=form.other_id(),
                    actor=request.user,
                    sides=form.sides(),
                    seen=form.seen(),
                )
            except DomainError as error:
                refusal, status = error.message, error.http_status
            else:
                messages.success(
                    request,
                    _("%(one)s and %(other)s are one lead now.")
                    % {"one": lead.full_name, "other": other.full_name},
                )
                return redirect(f"{reverse('lead_detail', args=[survivor.pk])}#timeline")
        else:
            refusal, status = _("Choose the lead that stays and a value for each field."), 400
    pair = (lead, other)
    rows = [
        (
            row,
            form[row.field],
            list(zip(form[row.field].subwidgets, row.values, pair, strict=True)),
        )
        for row in field_choices(lead, other)
    ]
    context = {
        "lead": lead,
        "other": other,
        "form": form,
        "keep": list(zip(form["keep"].subwidgets, pair, strict=True)),
        "rows": rows,
        "same": [row for row in rows if row[0].same],
        "refusal": refusal,
    }
    return render(request, TEMPLATE, context, status=status)


def _search(request: AuthenticatedHttpRequest, lead: Lead, *, refusal: str = "") -> HttpResponse:
    """The search for the duplicate: the picker offers leads as one types; without
    JavaScript, the search lists the leads it finds as links."""
    picker = PickerForm(request.GET)
    term = picker.term() if picker.is_valid() else ""
    context = {
        "lead": lead,
        "term": term,
        "found": leads_matching(term, besides=lead.pk),
        "refusal": refusal,
    }
    return render(request, TEMPLATE, context, status=409 if refusal else 200)


@require_GET
def lead_merge_choices(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    """`?q=` letters: up to 20 other leads they find, for the merge page's picker."""
    form = PickerForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"choices": []}, status=400)
    choices = [
        {"value": choice.value, "label": choice.label, "hint": choice.hint}
        for choice in leads_matching(form.term(), besides=pk)
    ]
    return JsonResponse({"choices": choices})
