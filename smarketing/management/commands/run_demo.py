"""Everything a newcomer needs to see the product: database ready, demo data, web, worker, beat.

Ctrl-C (or SIGTERM) stops all of it; no process is left behind.
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from leads.demo import DEMO_PASSWORD, DEMO_USERS

STOP_GRACE_SECONDS = 10


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


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
        # Each child leads its own process group so that stopping it stops its workers too,
        # and so that Ctrl-C reaches only this command, which then stops them in order.
        return [
            Child(name, subprocess.Popen(argv, start_new_session=True))
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

    def _wait_for_stop(self, children: list[Child]) -> None:
        stop_requested = False

        def request_stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stop_requested
            stop_requested = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stop_requested:
            exited = [child for child in children if child.process.poll() is not None]
            if exited:
                self.stderr.write(f"{exited[0].name} stopped; stopping the others.")
                return
            time.sleep(0.5)
        self.stdout.write("Stopping web, worker and beat...")


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
