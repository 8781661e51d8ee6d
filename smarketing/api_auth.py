"""Who is calling the API, and how often: personal tokens and the per-person rate limit.

Kept apart from smarketing.api because DRF imports these classes while it is itself being
imported (they are its default settings): this module must not import rest_framework.views."""

import logging
from typing import TYPE_CHECKING, Any

import redis
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken, User
from accounts.tokens import user_for_token

if TYPE_CHECKING:
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

BEARER = "Bearer"


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer smk_...` with a personal token from the settings page."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != BEARER.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>.")
            )
        try:
            presented = header[1].decode()
        except UnicodeDecodeError:
            presented = ""
        found = user_for_token(presented, now=timezone.now())
        if found is None:
            raise exceptions.AuthenticationFailed(
                _("This token is unknown, expired or revoked: create a new one in your settings.")
            )
        return found

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403 to a request without
        # credentials.
        return f'{BEARER} realm="api"'


class ApiRateThrottle(SimpleRateThrottle):
    """Requests per person and minute (per token when one is used), counted in the cache;
    not counted while Redis is unreachable.

    The rate is read from the settings at each request, not once at import, so that it can be
    configured (and changed in tests)."""

    scope = "api"

    def allow_request(self, request: Request, view: "APIView") -> bool:
        # A broker outage must not take the API down with it: without Redis the request goes
        # through uncounted, as the website's limits do (smarketing/ratelimit.py).
        try:
            return super().allow_request(request, view)
        except redis.RedisError:
            logger.warning("API rate limit not counted: Redis is unreachable", exc_info=True)
            return True

    def get_rate(self) -> str | None:
        rate: Any = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return rate

    def get_cache_key(self, request: Request, view: "APIView") -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
