"""Personal API tokens: created (the secret shown once), listed, revoked, and checked.

A token reads `smk_<prefix>_<secret>`. The prefix is stored as it is, to find the row; the secret
only as its SHA-256 digest. SHA-256 rather than a slow password hash: the secret is 256 random
bits, which no dictionary guesses, and every API request checks one.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ApiToken, User
from audit.services import record_change, snapshot
from smarketing.errors import DomainError

SCHEME = "smk"
# How long a new token lasts, in days: the choices the settings page and the API offer.
LIFETIMES = {
    7: gettext_lazy("7 days"),
    30: gettext_lazy("30 days"),
    90: gettext_lazy("90 days"),
    365: gettext_lazy("1 year"),
}
DEFAULT_LIFETIME = 90
MAX_TOKENS_PER_USER = 20
# last_used_at is written at most this often per token: one UPDATE per minute, not per request.
LAST_USED_PRECISION = timedelta(minutes=1)
# What the history of changes keeps of a token: never its prefix, secret or digest.
TOKEN_FIELDS = ("name", "user", "expires_at")


class TokenRefused(DomainError):
    code = "token_refused"


@dataclass(frozen=True)
class NewToken:
    """A token just created: `secret` is the full token, which exists nowhere else."""

    token: ApiToken
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first, expired ones included (they say so)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


@transaction.atomic
def create_token(*, user: User, name: str, lifetime_days: int = DEFAULT_LIFETIME) -> NewToken:
    """A new token for `user`, valid for `lifetime_days`. Raises TokenRefused for a name the
    user already gave a token, an unknown lifetime, or too many tokens."""
    name = name.strip()
    if not name:
        raise TokenRefused(_("Give the token a name that says where it is used."))
    if lifetime_days not in LIFETIMES:
        raise TokenRefused(_("Pick how long the token lasts from the list."))
    if tokens_of(user).count() >= MAX_TOKENS_PER_USER:
        raise TokenRefused(
            _("You have %(count)d tokens already: revoke one you no longer use first.")
            % {"count": MAX_TOKENS_PER_USER}
        )
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user,
                name=name,
                prefix=prefix,
                secret_hash=_digest(secret),
                expires_at=timezone.now() + timedelta(days=lifetime_days),
            )
    except IntegrityError:
        raise TokenRefused(
            _("You already have a token named %(name)s: pick another name.") % {"name": name}
        ) from None
    record_change(actor=user, obj=token, before=None, after=snapshot(token, TOKEN_FIELDS))
    return NewToken(token=token, secret=f"{SCHEME}_{prefix}_{secret}")


@transaction.atomic
def revoke_token(*, user: User, token_id: int) -> bool:
    """Delete one of the user's own tokens; False when they have no token with that id."""
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        return False
    record_change(actor=user, obj=token, before=snapshot(token, TOKEN_FIELDS), after=None)
    token.delete()
    return True


def user_for_token(presented: str, *, now: datetime) -> tuple[User, ApiToken] | None:
    """The active user a presented token belongs to, if it is one of ours, unexpired.

    One query (the token with its user), and at most one UPDATE of `last_used_at` a minute."""
    scheme, _, rest = presented.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != SCHEME or not prefix or not secret:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
        return None
    if token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
