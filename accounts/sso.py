"""Who may come in through single sign-on (OpenID Connect, configured by OIDC_ISSUER_URL).

Nobody signs up: administrators add people and give them their roles. The first time someone
signs in at the identity provider, their identity there is linked to the one active account
whose email is the address the provider vouches for (its `email_verified` claim); from then
on the link, not the address, finds them. An unverified address, an unknown one, or one that
several accounts share is refused with a page that says so, and links nothing; so is a sign-in
cancelled or refused at the provider.
"""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

SILENT_MESSAGES = {"account/messages/logged_in.txt", "account/messages/logged_out.txt"}


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The sentence the login page has always said.
        "username_password_mismatch": gettext_lazy(
            "Please enter a correct username and password. Note that both fields may be "
            "case-sensitive."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        # Signing in or out is not news: the page that follows shows who is signed in.
        if message_template in SILENT_MESSAGES:
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def respond_user_inactive(self, request: HttpRequest, user: object) -> HttpResponse:
        return _refusal(request, _("This account is deactivated. Ask an administrator."))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.is_existing:
            return
        verified = [address.email for address in sociallogin.email_addresses if address.verified]
        if not verified:
            raise ImmediateHttpResponse(
                _refusal(
                    request,
                    _(
                        "Your identity provider did not confirm your email address, so it "
                        "cannot be matched to an account here. Ask an administrator."
                    ),
                )
            )
        matches = list(
            User.objects.filter(
                Q.create([("email__iexact", email) for email in verified], connector=Q.OR),
                is_active=True,
            )[:2]
        )
        if len(matches) != 1:
            raise ImmediateHttpResponse(
                _refusal(
                    request,
                    _(
                        "No account here has the address %(email)s, or more than one has it. "
                        "Ask an administrator to add you or to correct the address."
                    )
                    % {"email": verified[0]},
                )
            )
        sociallogin.connect(request, matches[0])

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: object,
        error: str | None = None,
        exception: Exception | None = None,
        extra_context: dict[str, object] | None = None,
    ) -> None:
        # Cancelled at the provider, refused, or its answer did not check out: one page says so.
        raise ImmediateHttpResponse(
            _refusal(
                request,
                _(
                    "Signing in at your identity provider did not finish. Try again, or log "
                    "in with your username and password."
                ),
            )
        )


def _refusal(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "accounts/sso_refused.html", {"message": message}, status=403)
