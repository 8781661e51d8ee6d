"""What the product needs before it serves anyone: checked when the web server (WSGI or ASGI), a
Celery worker or beat starts, and by `manage.py check --deploy`.

Tools that never serve (makemigrations, migrate, makemessages, the type checker) load the
settings without these, so a developer can run them in a bare shell."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from smarketing.env import DEV_SECRET_KEY, SettingsError

MINIMUM_SECRET_KEY_LENGTH = 50


def serving_problems() -> list[str]:
    problems = []
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        secret_key = ""
    if not secret_key:
        problems.append("SECRET_KEY is not set. Set the environment variable SECRET_KEY.")
    elif not settings.DEBUG and (
        len(secret_key) < MINIMUM_SECRET_KEY_LENGTH or secret_key == DEV_SECRET_KEY
    ):
        problems.append(
            f"SECRET_KEY must be a random string of at least {MINIMUM_SECRET_KEY_LENGTH} "
            "characters when DEBUG is off."
        )
    if not settings.ALLOWED_HOSTS:
        problems.append(
            "ALLOWED_HOSTS is not set. Set the environment variable ALLOWED_HOSTS to the host "
            "names the site answers to, such as crm.example.com."
        )
    return problems


def ensure_ready_to_serve() -> None:
    """Stop the process, naming what is missing, before it serves anything."""
    problems = serving_problems()
    if problems:
        raise SettingsError(" ".join(problems))


def cannot_start(problem: object) -> str:
    """The one line a process prints when it refuses to start."""
    return f"smarketing cannot start: {problem}"


def settings_or_exit() -> None:
    """Load the settings; a missing or bad value ends the process with one line that names the
    variable, where the web server or Celery would otherwise print a page of traceback."""
    try:
        _ = settings.DEBUG
    except SettingsError as error:
        raise SystemExit(cannot_start(error)) from None


def ready_to_serve_or_exit() -> None:
    """The settings loaded and complete enough to serve, or the process ends with one line."""
    settings_or_exit()
    try:
        ensure_ready_to_serve()
    except SettingsError as error:
        raise SystemExit(cannot_start(error)) from None


# A deployment check: the ordinary checks also run before makemigrations, which needs no key.
@register(deploy=True)
def check_ready_to_serve(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    return [Error(problem, id="smarketing.E001") for problem in serving_problems()]
