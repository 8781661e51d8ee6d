"""The product served on this machine for the load measurements (bench_capture, loadtest):
gunicorn as the container runs it (docker/gunicorn_conf.py), a Celery worker with beat, and
stopping them. Each runs in a session of its own, so that stopping it stops its children."""

import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from contextlib import suppress

from django.conf import settings
from django.core.management.base import CommandError

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def served_environment(*, port: int, workers: int) -> dict[str, str]:
    """The environment of the server and the worker: this one's database and Redis, plain HTTP
    on 127.0.0.1, and one secret key for both."""
    return os.environ | {
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
    }


def start_gunicorn(
    *, environment: dict[str, str], port: int, threads: int
) -> subprocess.Popen[bytes]:
    conf = settings.BASE_DIR / "docker" / "gunicorn_conf.py"
    argv = [
        sys.executable, "-m", "gunicorn", "smarketing.wsgi", "-c", str(conf),
        "--bind", f"127.0.0.1:{port}", "--threads", str(threads),
        "--access-logfile", "/dev/null",
    ]  # fmt: skip
    return subprocess.Popen(argv, env=environment, start_new_session=True)


def start_worker(*, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    """A Celery worker with beat in it, as a small installation runs them."""
    argv = [
        sys.executable, "-m", "celery", "-A", "smarketing", "worker", "--beat",
        "--loglevel", "WARNING", "--concurrency", "1",
    ]  # fmt: skip
    return subprocess.Popen(argv, env=environment, start_new_session=True)


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError("gunicorn stopped while starting; its log is above.")
        with suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise CommandError(f"gunicorn did not answer /healthz within {START_TIMEOUT:.0f} s.")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process's session (gunicorn and Celery stop their own children), then
    SIGKILL if it has not stopped in STOP_TIMEOUT seconds."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
