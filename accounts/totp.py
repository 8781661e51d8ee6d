"""Authenticator-app codes that work once: allauth's TOTP check, with the codes already used
recorded in PostgreSQL (allauth keeps them in the cache, which is Redis: with Redis down a
login by code would fail, and a cache that forgets would let a code be used twice)."""

import hashlib
from datetime import timedelta

from allauth.core.internal.cryptokit import normalize_user_code
from allauth.mfa import app_settings
from allauth.mfa.totp.internal import auth
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import UsedTwoFactorCode


class OnceOnlyTOTP(auth.TOTP):
    def _mark_code_used(self, code: str) -> bool:
        """True the first time `code` is used while it is valid; False after that."""
        now = timezone.now()
        # A code is accepted in every period of the tolerance window: remember it that long.
        valid_for = app_settings.TOTP_PERIOD * (2 * app_settings.TOTP_TOLERANCE + 1)
        digest = hashlib.sha256(normalize_user_code(code).encode()).hexdigest()
        user_id = self.instance.user_id
        UsedTwoFactorCode.objects.filter(user_id=user_id, expires_at__lte=now).delete()
        try:
            with transaction.atomic():
                UsedTwoFactorCode.objects.create(
                    user_id=user_id, code_hash=digest, expires_at=now + timedelta(seconds=valid_for)
                )
        except IntegrityError:
            return False
        return True


def use_once_only_codes() -> None:
    """Make allauth check authenticator-app codes with OnceOnlyTOTP (its Authenticator.wrap
    looks the class up in this module each time)."""
    auth.TOTP = OnceOnlyTOTP
