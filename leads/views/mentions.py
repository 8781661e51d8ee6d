"""Where people read what colleagues wrote to them with @username."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from leads.services import mark_mentions_seen
from leads.timeline import mentions_of
from leads.views.detail import cursor_from


@require_GET
def mentions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's mentions, newest first. Opening the page marks them seen; the
    ones that were new stay highlighted on this visit."""
    page = mentions_of(user=request.user, before=cursor_from(request))
    mark_mentions_seen(user=request.user)
    template = "leads/mentions.html#items" if request.htmx else "leads/mentions.html"
    me = frozenset({request.user.username.lower()})
    return render(request, template, {"page": page, "me": me})
