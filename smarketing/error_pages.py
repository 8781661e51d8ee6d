"""Calm error pages: a sentence saying what happened, never a stack trace."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: whatever failed (the database, say) must not fail this too.
    return HttpResponse(render_to_string("errors/500.html"), status=500)
