"""Two-factor logins (allauth's MFA: an authenticator app's codes and recovery codes).

A wrong code at login counts as a failed login for axes, the same as a wrong password, so a
person who knows the password cannot try codes for ever: after AXES_FAILURE_LIMIT failures
for that username from that address, codes are refused too, with the lockout page.

With TWO_FACTOR_REQUIRED_FOR_MANAGERS, a manager without an authenticator app is sent to set
one up before anything else.
"""

from collections.abc import Callable

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.roles import Role, has_role


class ThrottledAuthenticateForm(AuthenticateForm):
    """The code asked for at login, refused while axes has the username locked out."""

    def clean_code(self) -> str:
        request = context.request
        credentials = {"username": self.user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            # AxesMiddleware answers with the lockout page instead of this form.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            raise ValidationError(_("Too many failed log-in attempts"), code="locked_out")
        return super().clean_code()

    def _emit_authentication_failed(self, authenticator: Authenticator) -> None:
        super()._emit_authentication_failed(authenticator)
        user_login_failed.send(
            sender=type(self),
            credentials={"username": self.user.get_username()},
            request=context.request,
        )


def has_authenticator_app(user: object) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# What a manager who must set up two-factor may still open: setting it up (and confirming
# their password first, when allauth asks for it) and logging out.
SETUP_ROUTES = frozenset({"mfa_activate_totp", "account_reauthenticate", "logout"})


class ManagerTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        user = request.user
        if not (settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS and user.is_authenticated):
            return None
        match = request.resolver_match
        if match is None or match.url_name in SETUP_ROUTES:
            return None
        if not has_role(user, Role.MANAGERS) or has_authenticator_app(user):
            return None
        message = _(
            "Managers must set up two-factor authentication before anything else: "
            "add smarketing to your authenticator app."
        )
        if match.route.startswith("api/"):
            return JsonResponse(
                {"code": "two_factor_required", "message": message, "fields": {}}, status=403
            )
        messages.warning(request, message)
        return redirect("mfa_activate_totp")
