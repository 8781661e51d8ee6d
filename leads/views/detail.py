"""A lead's page: its details, people and stage, and the one timeline both teams write on."""

import copy
from typing import Any

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import Role, roles_of
from funnel.access import can_claim, can_reassign
from funnel.forms import MoveForm, criteria_refusal, move_forms
from funnel.selectors import first_touch_clock, moves_for, offered_move, waits_for_sales
from leads.access import (
    EDIT_LEAD_REFUSAL,
    can_add_activity,
    can_create_lead,
    can_edit_lead,
    can_merge_lead,
)
from leads.activities import add_activity
from leads.forms import ActivityForm, LeadForm
from leads.merge import merged_into
from leads.models import ActivityKind, Lead
from leads.services import EDITABLE_FIELDS, DuplicateLead, update_lead
from leads.timeline import (
    Cursor,
    activity_entry,
    lead_for_page,
    lead_timeline,
    stage_clock,
)
from smarketing.bounds import object_id
from smarketing.errors import NotAllowed


def cursor_from(request: HttpRequest) -> Cursor | None:
    """The `before` cursor of a "show older" link; a mangled one is a bad request."""
    token = request.GET.get("before")
    if not token:
        return None
    try:
        return Cursor.parse(token)
    except (ValueError, OverflowError):
        raise BadRequest("invalid cursor") from None


# The session key of a refused move, shown once on the lead page it came from.
MOVE_REFUSAL = "lead_move_refusal"
# What a move's form lets a person type, kept for the page that says why the move was refused.
MOVE_DETAILS = ("to_stage", "reason", "note", "value", "close_date")


@require_GET
def lead_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        lead = lead_for_page(pk)
    except Http404:
        # A link to a lead merged since (a bookmark, a mention's email) leads to where it went.
        survivor = merged_into(pk)
        if survivor is None:
            raise
        messages.info(
            request, _("That lead was merged into %(name)s.") % {"name": survivor.full_name}
        )
        return redirect("lead_detail", pk=survivor.pk)
    refused = request.session.get(MOVE_REFUSAL)
    if isinstance(refused, dict) and refused.get("lead") == lead.pk:
        del request.session[MOVE_REFUSAL]
        return _refused_move(request, lead, refused)
    return lead_page(
        request,
        lead,
        form=ActivityForm(),
        before=cursor_from(request),
        open_move=request.GET.get("move", ""),
    )


def _refused_move(
    request: AuthenticatedHttpRequest, lead: Lead, refused: dict[str, Any]
) -> HttpResponse:
    """The lead page after a refused move: its reason (each missing field a link to where it is
    filled in, for those who may edit the lead), and the move's form as it was typed."""
    message: str = refused["message"]
    if refused["missing"]:
        links = (
            {
                name: f"{reverse('lead_edit', args=[lead.pk])}#id_{name}"
                for name in refused["missing"]
                if name in EDITABLE_FIELDS
            }
            if can_edit_lead(request.user, lead)
            else {}
        )
        message = criteria_refusal(refused["stage"], refused["missing"], links)
    move_form = None
    if refused["typed"] is not None:
        offered = offered_move(lead, request.user, to_stage_id=refused["to_stage"])
        move_form = MoveForm(refused["typed"], move=offered) if offered else None
    return lead_page(request, lead, form=ActivityForm(), move_form=move_form, move_refusal=message)


@require_GET
def lead_timeline_older(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The next entries of the timeline, for htmx's "Show older"; without htmx, the lead page
    from that place on."""
    before = cursor_from(request)
    if not request.htmx:
        query = f"?before={before}" if before else ""
        return redirect(f"{reverse('lead_detail', args=[pk])}{query}#timeline")
    lead = lead_for_page(pk)
    context = {"lead": lead, "timeline": lead_timeline(lead=lead, before=before)}
    return render(request, "leads/_timeline.html", context)


@require_POST
def lead_add_activity(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add a note, call, email or meeting on top of the timeline: htmx gets the new entry and a
    fresh form; a plain form post gets the page again."""
    lead = lead_for_page(pk)
    form = ActivityForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            response = render(
                request,
                "leads/detail.html#activity_form",
                {"lead": lead, "form": form},
                status=400,
            )
            return reswap(retarget(response, "#activity-form"), "outerHTML")
        return lead_page(request, lead, form=form, status=400)
    try:
        activity = add_activity(
            lead=lead,
            kind=ActivityKind(form.cleaned_data["kind"]),
            body=form.cleaned_data["body"],
            author=request.user,
        )
    except NotAllowed as refusal:
        return lead_page(request, lead, form=form, refusal=refusal.message, status=403)
    if request.htmx:
        entry = render_to_string(
            "leads/_timeline.html#entry", {"entry": activity_entry(activity)}, request
        )
        fresh_form = render_to_string(
            "leads/detail.html#activity_form",
            {"lead": lead, "form": ActivityForm(), "swap_oob": True},
            request,
        )
        return HttpResponse(entry + fresh_form)
    messages.success(request, _("Added to the timeline."))
    return redirect(f"{reverse('lead_detail', args=[lead.pk])}#timeline")


@require_http_methods(["GET", "POST"])
def lead_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lead = lead_for_page(pk)
    if not can_edit_lead(request.user, lead):
        return _refused(request, lead, str(EDIT_LEAD_REFUSAL))
    # The form writes into its instance while validating; the page header keeps the saved values.
    form = LeadForm(request.POST or None, instance=copy.copy(lead))
    if request.method == "POST" and form.is_valid():
        try:
            update_lead(lead=lead, details=form.cleaned_data, actor=request.user)
        except NotAllowed as refusal:
            return _refused(request, lead, refusal.message)
        except DuplicateLead as duplicate:
            form.add_error("email", _duplicate_error(duplicate))
        else:
            messages.success(
                request, _("The details of %(name)s were saved.") % {"name": lead.full_name}
            )
            return redirect("lead_detail", pk=lead.pk)
    status = 400 if form.errors else 200
    return render(request, "leads/edit.html", {"lead": lead, "form": form}, status=status)


def lead_page(
    request: AuthenticatedHttpRequest,
    lead: Lead,
    *,
    form: ActivityForm,
    before: Cursor | None = None,
    refusal: str = "",
    move_form: MoveForm | None = None,
    move_refusal: str = "",
    open_move: str = "",
    status: int = 200,
) -> HttpResponse:
    """The lead page, composed here alone: the lead, its clocks, the moves the person may make
    and the timeline. `move_form` and `move_refusal` bring back a move that was refused;
    `open_move` (a stage id, from the board) opens the form of the move to that stage."""
    now = timezone.now()
    context = {
        "lead": lead,
        "clock": stage_clock(lead, now=now),
        "first_touch": first_touch_clock(lead, now=now) if lead.sales_owner_id else None,
        "now": now,
        "timeline": lead_timeline(lead=lead, before=before),
        "showing_older": before is not None,
        "form": form,
        "can_edit": can_edit_lead(request.user, lead),
        "can_write": can_add_activity(request.user),
        "refusal": refusal,
        "moves": move_forms(moves_for(lead, request.user), lead=lead, bound=move_form),
        "move_refusal": move_refusal,
        "open_move": object_id(open_move),
        "can_reassign": can_reassign(request.user),
        "can_merge": can_merge_lead(request.user, lead),
        **_after_qualifying(request.user, lead),
    }
    return render(request, "leads/detail.html", context, status=status)


def _after_qualifying(user: User, lead: Lead) -> dict[str, object]:
    """For a marketer looking at an MQL nobody has claimed: it waits for Sales, and what they
    may do meanwhile (a note for Sales, another lead, or take it back to their own stages)."""
    roles = roles_of(user)
    marketer = Role.MARKETING in roles and not roles & {Role.SALES, Role.MANAGERS}
    waiting = waits_for_sales(lead) and not can_claim(user)
    return {
        "takes_back": marketer,
        "waiting_for_sales": waiting,
        "can_create_lead": waiting and can_create_lead(user),
    }


def _refused(request: AuthenticatedHttpRequest, lead: Lead, message: str) -> HttpResponse:
    return render(request, "leads/edit.html", {"lead": lead, "refusal": message}, status=403)


def _duplicate_error(duplicate: DuplicateLead) -> str:
    existing = duplicate.existing
    return format_html(
        '{} <a href="{}">{}</a>',
        duplicate.message,
        reverse("lead_detail", args=[existing.pk]),
        _("Open %(name)s") % {"name": existing.full_name},
    )
