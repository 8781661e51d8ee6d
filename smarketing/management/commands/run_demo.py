"""Everything a newcomer needs to see the product: database ready, demo data, web, worker, beat.

A child that exits is started again after a pause that doubles with each exit in a row (up to a
minute), so a worker that dies with the broker comes back without stopping web and beat.
Ctrl-C (or SIGTERM) stops all of it; no process is left behind.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import suppress
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from leads.demo import DEMO_PASSWORD, DEMO_USERS

STOP_GRACE_SECONDS = 10
FIRST_RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 60.0
# A child that ran this long before exiting is thought healthy: its next pause starts over.
HEALTHY_AFTER_SECONDS = 60.0
# How long the welcome waits for the first page to answer, asking every POLL_SECONDS.
SERVE_TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.25


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes]
    started_at: float
    restart_delay: float = FIRST_RESTART_DELAY_SECONDS
    restart_at: float | None = None


def _spawn(argv: list[str]) -> subprocess.Popen[bytes]:
    # Each child leads its own process group so that stopping it stops its workers too,
    # and so that Ctrl-C reaches only this command, which then stops them in order.
    return subprocess.Popen(argv, start_new_session=True)


class Command(BaseCommand):
    help = "Prepare the database and demo data, then run web, Celery worker and beat together."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", verbosity=1)
        call_command("collectstatic", interactive=False, verbosity=0)
        children = self._start_children(host=host, port=port)
        try:
            # The address is printed once a page answers there, not when gunicorn is started:
            # loading Django takes its workers seconds, during which the address refuses.
            answered = _wait_until_serving(host=host, port=port, web=children[0])
            if not answered:
                self.stderr.write(
                    f"The web server did not answer within {SERVE_TIMEOUT_SECONDS:.0f} s; "
                    "its log above says why."
                )
            self._print_welcome(host=host, port=port, seconds=time.monotonic() - started)
            self._wait_for_stop(children)
        finally:
            _stop_all(children)

    def _start_children(self, *, host: str, port: int) -> list[Child]:
        python = sys.executable
        commands = {
            "web": [
                python, "-m", "gunicorn", "smarketing.wsgi", "--bind", f"{host}:{port}",
                "--workers", "2", "--threads", "4", "--access-logfile", "-",
            ],
            "worker": [
                python, "-m", "celery", "-A", "smarketing", "worker",
                "--loglevel", "INFO", "--concurrency", "2",
            ],
            "beat": [python, "-m", "celery", "-A", "smarketing", "beat", "--loglevel", "INFO"],
        }  # fmt: skip
        return [
            Child(name, argv, _spawn(argv), started_at=time.monotonic())
            for name, argv in commands.items()
        ]

    def _print_welcome(self, *, host: str, port: int, seconds: float) -> None:
        shown_host = "localhost" if host == "127.0.0.1" else host
        lines = [
            "",
            f"smarketing is running at http://{shown_host}:{port}/  (ready in {seconds:.1f} s)",
            f"Demo logins (password: {DEMO_PASSWORD}):",
            *(f"  {user.username:<8} {user.full_name:<18} {user.role}" for user in DEMO_USERS),
            "Press Ctrl-C to stop web, worker and beat.",
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        # At once, also when the output is a pipe or a file rather than a terminal.
        self.stdout.flush()

    def _wait_for_stop(self, children: list[Child]) -> None:
        stop_requested = False

        def request_stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stop_requested
            stop_requested = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stop_requested:
            for child in children:
                self._look_after(child)
            time.sleep(0.5)
        self.stdout.write("Stopping web, worker and beat...")

    def _look_after(self, child: Child) -> None:
        """Start an exited child again once its pause is over."""
        now = time.monotonic()
        if child.restart_at is None:
            code = child.process.poll()
            if code is None:
                return
            if now - child.started_at >= HEALTHY_AFTER_SECONDS:
                child.restart_delay = FIRST_RESTART_DELAY_SECONDS
            child.restart_at = now + child.restart_delay
            self.stderr.write(
                f"{child.name} exited with code {code}; starting it again in "
                f"{child.restart_delay:.0f} s."
            )
            return
        if now < child.restart_at:
            return
        # Whatever the exited leader left behind in its group goes first.
        _signal_group(child, signal.SIGKILL)
        child.process = _spawn(child.argv)
        child.started_at, child.restart_at = now, None
        child.restart_delay = min(child.restart_delay * 2, MAX_RESTART_DELAY_SECONDS)
        self.stderr.write(f"{child.name} started again (pid {child.process.pid}).")


def _wait_until_serving(*, host: str, port: int, web: Child) -> bool:
    """Whether the web server answered a request for the health check (any HTTP status: it
    says 503 while the broker is away, and still serves pages) before the timeout or before
    it exited."""
    url = f"http://{_connectable(host)}:{port}/healthz"
    deadline = time.monotonic() + SERVE_TIMEOUT_SECONDS
    while time.monotonic() < deadline and web.process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(POLL_SECONDS)
    return False


def _connectable(host: str) -> str:
    """Where to reach a server bound to `host`: a wildcard address is reached on loopback."""
    if host in {"", "0.0.0.0"}:  # noqa: S104 - compared with, not bound to
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _stop_all(children: list[Child]) -> None:
    # Each leader stops its own workers gracefully (gunicorn's, Celery's pool) on SIGTERM.
    for child in children:
        if child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.process.wait()
    # A leader that exited may leave members of its group behind (a pool process, say).
    for child in children:
        _signal_group(child, signal.SIGKILL)


def _signal_group(child: Child, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(child.process.pid, signum)
