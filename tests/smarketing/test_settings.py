"""Settings come from the environment; a bad or missing value stops start-up, naming it."""

import os
import runpy
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from smarketing.env import SettingsError

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "smarketing" / "settings.py"
PRODUCTION = {
    "SECRET_KEY": "a-production-secret-key-of-more-than-fifty-characters-0123456789",
    "ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": os.environ["DATABASE_URL"],
    "DEBUG": "false",
    "HTTPS": "true",
}


def _load_settings(monkeypatch: pytest.MonkeyPatch, **overrides: str | None) -> dict:
    for name in ("DEBUG", "HTTPS", "REDIS_URL", "TIME_ZONE", "DEFAULT_LANGUAGE", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**PRODUCTION, **overrides}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_gettext_s_own_language_variable_does_not_disturb_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = _load_settings(monkeypatch, LANGUAGE="en_US:en", DEFAULT_LANGUAGE="es")

    assert settings["LANGUAGE_CODE"] == "es"


def test_production_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _load_settings(monkeypatch, DEBUG=None, HTTPS=None)

    assert settings["DEBUG"] is False
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert "default-src" in settings["SECURE_CSP"]
    assert settings["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings["DATABASES"]["default"]["CONN_MAX_AGE"] == 60


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://root@localhost/crm"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_CONN_MAX_AGE": "forever"}, "DATABASE_CONN_MAX_AGE"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"TIME_ZONE": "Mars/Olympus_Mons"}, "TIME_ZONE"),
        ({"DEFAULT_LANGUAGE": "xx"}, "DEFAULT_LANGUAGE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT"),
        ({"CSRF_TRUSTED_ORIGINS": "crm.example.com"}, "CSRF_TRUSTED_ORIGINS"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT"),
        ({"SESSION_IDLE_MINUTES": "1"}, "SESSION_IDLE_MINUTES"),
    ],
)
def test_a_bad_or_missing_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, overrides: dict[str, str | None], named: str
) -> None:
    with pytest.raises(SettingsError, match=named):
        _load_settings(monkeypatch, **overrides)


DJANGO_SETUP = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'smarketing.settings'); "
    "django.setup(); "
)


def _run(*command: str, without: tuple[str, ...] = (), **overrides: str) -> CompletedProcess[str]:
    env = {**os.environ, **PRODUCTION, **overrides}
    for name in without:
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("without", "overrides", "message"),
    [
        (("SECRET_KEY",), {}, "SECRET_KEY is not set"),
        ((), {"SECRET_KEY": "short"}, "SECRET_KEY must be a random string of at least 50"),
        (("ALLOWED_HOSTS",), {}, "ALLOWED_HOSTS is not set"),
    ],
)
def test_start_up_stops_with_a_message_not_a_stack_trace(
    without: tuple[str, ...], overrides: dict[str, str], message: str
) -> None:
    result = _run("manage.py", "check", "--deploy", without=without, **overrides)

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "entry_point",
    [
        "import smarketing.wsgi",
        "import smarketing.asgi",
        "from celery import signals; import smarketing.celery; signals.worker_init.send(None)",
        "from celery import signals; import smarketing.celery; signals.beat_init.send(None)",
    ],
)
def test_web_server_and_workers_refuse_to_start_without_a_secret_key(entry_point: str) -> None:
    result = _run("-c", DJANGO_SETUP + entry_point, without=("SECRET_KEY",))

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_tools_that_never_serve_run_in_a_bare_shell() -> None:
    """makemigrations, makemessages and the type checker need no secret key or host names."""
    result = _run(
        "manage.py",
        "makemigrations",
        "--check",
        "--dry-run",
        without=("SECRET_KEY", "ALLOWED_HOSTS"),
    )

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_deployment_checks_pass_with_production_settings() -> None:
    env = {**os.environ, **PRODUCTION, "EMAIL_HOST": "smtp.example.com"}
    del env["DJANGO_ALLOW_ASYNC_UNSAFE"]  # set for the browser tests only

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
