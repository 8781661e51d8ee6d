"""Two-factor set up the way a person's authenticator app sees it, for tests."""

import time
from dataclasses import dataclass

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)

from accounts.models import User


@dataclass(frozen=True)
class TwoFactor:
    secret: str
    recovery_codes: list[str]


# A code with less time left than this is not typed: the next one is waited for, as a person
# does, so that a busy machine's slow request still reaches the server within the code's step.
FRESH_FOR_SECONDS = 5


def code_now(secret: str) -> str:
    """What an authenticator app shows now for `secret` (RFC 6238, 30-second steps), or the
    next code when this one is about to change."""
    left = 30 - time.time() % 30
    if left < FRESH_FOR_SECONDS:
        time.sleep(left)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def wrong_code(secret: str) -> str:
    return f"{(int(code_now(secret)) + 1) % 1_000_000:06d}"


def turn_on(user: User) -> TwoFactor:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).generate_codes()
    return TwoFactor(secret=secret, recovery_codes=codes)
