"""Calm error pages: a sentence saying what happened, never a stack trace."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# How long a client is asked to wait when the database cannot be reached: a restart or a
# fail-over takes about this long.
DATABASE_RETRY_AFTER_SECONDS = 30


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block, wherever the request failed (a middleware
    # loading the session, a view, a template): the exception is still at hand. The database
    # being unreachable (a restart, a fail-over) is not a bug: "come back shortly" is the truth.
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        return _database_unavailable(request)
    # Rendered without the request: whatever failed (the database, say) must not fail this too.
    return HttpResponse(render_to_string("errors/500.html"), status=500)


def _database_unavailable(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/") or request.content_type == "application/json":
        message = _("The service is briefly unavailable. Send the request again in a minute.")
        body = {"code": "unavailable", "message": message, "fields": {}}
        response = JsonResponse(body, status=503)
    else:
        response = HttpResponse(render_to_string("errors/503.html"), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
