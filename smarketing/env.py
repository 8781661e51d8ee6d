"""Reading settings from the environment, failing loudly with the variable's name."""

import os
from collections.abc import Callable
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured

_TRUE: Final = {"1", "true", "yes", "on"}
_FALSE: Final = {"0", "false", "no", "off", ""}


class SettingsError(ImproperlyConfigured):
    """A setting read from the environment is missing or wrong; the message names it."""


class _Missing:
    pass


REQUIRED: Final = _Missing()

# Only ever used with DEBUG on; readiness refuses it otherwise.
DEV_SECRET_KEY: Final = "dev-only-insecure-key-never-use-in-production-0123456789abcdefghij"  # noqa: S105


def _raw(name: str, default: str | _Missing) -> str:
    value = os.environ.get(name)
    if value is not None:
        return value.strip()
    if isinstance(default, _Missing):
        raise SettingsError(f"{name} is not set. Set the environment variable {name}.")
    return default


def string(name: str, default: str | _Missing = REQUIRED) -> str:
    return _raw(name, default)


def boolean(name: str, default: bool) -> bool:
    value = _raw(name, "true" if default else "false").lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}.")


def integer(name: str, default: int, *, minimum: int = 0) -> int:
    value = _raw(name, str(default))
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {number}.")
    return number


def items(name: str, default: str | _Missing = REQUIRED) -> list[str]:
    """A comma-separated list; empty entries are dropped."""
    return [item.strip() for item in _raw(name, default).split(",") if item.strip()]


def checked(name: str, value: str, is_valid: Callable[[str], bool], expectation: str) -> str:
    if not is_valid(value):
        raise SettingsError(f"{name} {expectation}, not {value!r}.")
    return value


def time_zone(name: str, default: str) -> str:
    value = _raw(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{name} must be an IANA time zone such as Europe/Madrid, not {value!r}."
        ) from None
    return value
