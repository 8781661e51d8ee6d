from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind LoginRequiredMiddleware (its user is always a signed-in User) and
    HtmxMiddleware (`htmx` says whether htmx sent it)."""

    user: User
    htmx: HtmxDetails
