"""Moving leads through the funnel by hand: the queue of MQLs waiting for Sales, the claim from
it, and the board. The moves made from a lead's page are leads.views.moves."""

from django.contrib import messages
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
from funnel.forms import claimed_message, moved_message, requested_move
from funnel.models import ChangeKind
from funnel.selectors import mql_queue_page, unclaimed_mql_queue
from funnel.services import claim_lead, move_lead
from leads.models import Lead
from smarketing.bounds import object_id
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
        context = {
            "message": refusal.message,
            "back_url": reverse("lead_detail", args=[pk]),
            "back_label": _("Back to the lead"),
        }
        return render(request, "funnel/refused.html", context, status=403)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("mql_queue")
    messages.success(request, claimed_message(lead))
    return redirect("lead_detail", pk=lead.pk)


@require_GET
def board(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The funnel as a board for both teams. A card dropped on another column, or sent there
    with its "Move to" menu (which works without JavaScript too), posts to board_move;
    `moved` keeps a lead just moved on its column."""
    return render(
        request, "funnel/board.html", _board("", moved=object_id(request.GET.get("moved")))
    )


@require_POST
def board_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A card dropped on another column, or moved with its keyboard menu. The board comes back
    as it now is, the card in view on its new column, with the service's reason when it
    refused the move. An MQL dropped on the claim's stage is claimed, as from the queue. A move
    that needs details (a reason, a value and close date, an amount) opens the lead page's
    form of that move rather than guess them."""
    lead = get_object_or_404(Lead.objects.select_related("stage"), pk=pk)
    to_stage_id, move = requested_move(request.POST, lead=lead, user=request.user)
    if move is not None and move.needs_details:
        messages.info(request, _details_needed(lead, move.to_stage.shown_name))
        url = f"{reverse('lead_detail', args=[lead.pk])}?move={to_stage_id}#move-{to_stage_id}"
        if not request.htmx:
            return redirect(url)
        return HttpResponseClientRedirect(url)
    try:
        if move is not None and move.kind == ChangeKind.CLAIMED:
            moved = claim_lead(lead_id=lead.pk, rep=request.user)
        else:
            moved = move_lead(lead_id=lead.pk, to_stage_id=to_stage_id, actor=request.user)
    except DomainError as refusal:
        if not request.htmx:
            messages.error(request, refusal.message)
            return redirect("board")
        context = _board(refusal.message)
        return render(request, "funnel/_board.html", context, status=refusal.http_status)
    done = moved_message(moved, move.kind if move is not None else ChangeKind.MOVED)
    if not request.htmx:
        messages.success(request, done)
        return redirect(f"{reverse('board')}?moved={moved.pk}#card-{moved.pk}")
    return render(request, "funnel/_board.html", {**_board("", moved=moved.pk), "done": done})


def _board(refusal: str, *, moved: int | None = None) -> dict[str, object]:
    now = timezone.now()
    columns = board_page_columns(now=now, also=moved)
    return {"columns": columns, "now": now, "refusal": refusal, "moved": moved}


def _details_needed(lead: Lead, stage: str) -> str:
    return _("Moving %(name)s to %(stage)s takes a few details: fill them in below.") % {
        "name": lead.full_name,
        "stage": stage,
    }
