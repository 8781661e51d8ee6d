"""Where people read what colleagues wrote to them with @username.

Reading the page changes nothing: a mention becomes seen when its reader opens it (a POST
that then goes to the note) or marks them all as read."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from leads.models import Mention
from leads.services import mark_mention_seen, mark_mentions_seen
from leads.timeline import mentions_of
from leads.views.detail import cursor_from
from smarketing.bounds import object_id


@require_GET
def mentions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's mentions, newest first; the unseen ones are highlighted."""
    before = cursor_from(request)
    page = mentions_of(user=request.user, before=before)
    template = "leads/mentions.html#items" if request.htmx else "leads/mentions.html"
    me = frozenset({request.user.username.lower()})
    context = {"page": page, "me": me, "showing_older": before is not None}
    return render(request, template, context)


@require_POST
def mentions_mark_seen(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Mark all as read": up to the newest mention the page showed, when it says which."""
    marked = mark_mentions_seen(user=request.user, up_to=object_id(request.POST.get("up_to")))
    if marked:
        messages.success(
            request,
            ngettext(
                "%(count)d mention marked as read.", "%(count)d mentions marked as read.", marked
            )
            % {"count": marked},
        )
    return redirect("mentions")


@require_POST
def mention_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one mention seen and go to the note it is in."""
    try:
        mention = mark_mention_seen(user=request.user, mention_id=pk)
    except Mention.DoesNotExist:
        raise Http404("no such mention of the signed-in person") from None
    lead_url = reverse("lead_detail", args=[mention.activity.lead_id])
    return redirect(f"{lead_url}#entry-activity-{mention.activity_id}")
