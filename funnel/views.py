"""Moving leads through the funnel by hand: the queue of MQLs waiting for Sales, the claim, and
the moves offered on a lead's page."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.http import AuthenticatedHttpRequest
from funnel.access import can_claim
from funnel.board import board_page_columns
from funnel.forms import MoveForm
from funnel.models import ChangeKind
from funnel.selectors import Move, moves_for, mql_queue_page, unclaimed_mql_queue
from funnel.services import claim_lead, move_lead
from leads.forms import ActivityForm
from leads.models import Lead
from leads.timeline import lead_for_page
from leads.views.detail import lead_page
from smarketing.errors import DomainError, NotAllowed
from smarketing.pagination import InvalidCursor


@require_GET
def mql_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Unclaimed MQLs, longest waiting first. Both teams may look; Sales and managers claim."""
    now, after = timezone.now(), request.GET.get("after") or None
    try:
        page = mql_queue_page(after=after, now=now)
    except InvalidCursor:
        messages.error(
            request, _("That page link no longer works, so the queue starts from the top.")
        )
        return redirect("mql_queue")
    context = {
        "page": page,
        "queue": unclaimed_mql_queue(),
        "after": after,
        "can_claim": can_claim(request.user),
    }
    return render(request, "funnel/mql_queue.html", context)


@require_POST
def lead_claim(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Claim a waiting MQL from the queue: the rep lands on the lead, now theirs. Someone
    quicker sends them back to the queue, told who it was."""
    try:
        lead = claim_lead(lead_id=pk, rep=request.user)
    except Lead.DoesNotExist:
        raise Http404 from None
    except NotAllowed as refusal:
        return render(request, "funnel/refused.html", {"message": refusal.message}, status=403)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("mql_queue")
    messages.success(request, _claimed(lead))
    return redirect("lead_detail", pk=lead.pk)


@require_POST
def lead_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Make one move from the lead page. The service decides; a refusal comes back on the lead
    page with its reason, and with what the person typed."""
    lead = lead_for_page(pk)
    to_stage_id, move = _requested_move(request, lead)
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
        # Someone may have moved the lead meanwhile: show it as it is now.
        return lead_page(
            request,
            lead_for_page(pk),
            form=ActivityForm(),
            move_form=form,
            move_refusal=refusal.message,
            status=refusal.http_status,
        )
    messages.success(request, _moved(moved, move.kind if move is not None else ChangeKind.MOVED))
    return redirect("lead_detail", pk=moved.pk)


def _requested_move(request: AuthenticatedHttpRequest, lead: Lead) -> tuple[int, Move | None]:
    """The stage asked for, and the move to it if this person is offered one."""
    try:
        to_stage_id = int(request.POST.get("to_stage", ""))
    except ValueError:
        raise BadRequest("to_stage must be a stage id") from None
    offered = (move for move in moves_for(lead, request.user) if move.to_stage.pk == to_stage_id)
    return to_stage_id, next(offered, None)


def _claimed(lead: Lead) -> str:
    return _("It's yours: %(name)s is now in %(stage)s.") % {
        "name": lead.full_name,
        "stage": lead.stage.name,
    }


def _moved(lead: Lead, kind: str) -> str:
    names = {"name": lead.full_name, "stage": lead.stage.name}
    if kind == ChangeKind.CLAIMED:
        return _claimed(lead)
    if kind == ChangeKind.RECYCLED:
        return _("%(name)s is back with Marketing, in %(stage)s.") % names
    if kind == ChangeKind.WON:
        return _("%(name)s is won. Well done.") % names
    if kind == ChangeKind.LOST:
        return _("%(name)s is marked as lost.") % names
    return _("%(name)s moved to %(stage)s.") % names


@require_GET
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The funnel as a board for both teams. Without JavaScript it is read-only, with links;
    with it, a card dropped on another column posts to board_move."""
    return render(request, "funnel/board.html", _board(""))


@require_POST
def board_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A card dropped on another column. The board comes back as it now is, with the service's
    reason when it refused the move. A claim, or a move that needs details (a reason, a value
    and close date, an amount), goes to the lead page's move form rather than guess them."""
    lead = get_object_or_404(Lead.objects.select_related("stage"), pk=pk)
    to_stage_id, move = _requested_move(request, lead)
    if move is not None and (move.needs_details or move.kind == ChangeKind.CLAIMED):
        messages.info(request, _details_needed(lead, move.kind, move.to_stage.name))
        return HttpResponseClientRedirect(reverse("lead_detail", args=[lead.pk]) + "#moves")
    try:
        moved = move_lead(lead_id=lead.pk, to_stage_id=to_stage_id, actor=request.user)
    except DomainError as refusal:
        if not request.htmx:
            messages.error(request, refusal.message)
            return redirect("board")
        context = _board(refusal.message)
        return render(request, "funnel/_board.html", context, status=refusal.http_status)
    done = _moved(moved, move.kind if move is not None else ChangeKind.MOVED)
    if not request.htmx:
        messages.success(request, done)
        return redirect("board")
    return render(request, "funnel/_board.html", {**_board(""), "done": done})


def _board(refusal: str) -> dict[str, object]:
    now = timezone.now()
    return {"columns": board_page_columns(now=now), "now": now, "refusal": refusal}


def _details_needed(lead: Lead, kind: str, stage: str) -> str:
    if kind == ChangeKind.CLAIMED:
        return _("Claim %(name)s here, on the lead's page.") % {"name": lead.full_name}
    return _("Moving %(name)s to %(stage)s takes a few details: fill them in below.") % {
        "name": lead.full_name,
        "stage": stage,
    }
