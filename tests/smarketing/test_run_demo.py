"""`make run`'s command really serves the product and stops everything it started."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
from django.conf import settings

from leads.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 120
WELCOME_TIMEOUT_SECONDS = 400


def _free_port() -> int:
    """A free port below the kernel's ephemeral range. The command binds it only after migrating
    and seeding, seconds later; a port the kernel hands out (as to the live servers of browser
    tests running beside this one) could be taken by then."""
    lowest_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in range(lowest_ephemeral - 1, 1024, -1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port below the ephemeral range")


@pytest.fixture
def scratch_database_url() -> Iterator[str]:
    """A database of its own on the test server, so the command migrates and seeds from zero."""
    params = settings.DATABASES["default"]
    name = f"run_demo_{os.getpid()}"
    admin = psycopg.connect(
        host=params["HOST"],
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    host = urllib.parse.quote(str(params["HOST"]), safe="")
    yield f"postgres://{params['USER']}:{params['PASSWORD']}@{host}:{params['PORT'] or 5432}/{name}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


class Output:
    """The command's output, read line by line as it comes, with the moment the welcome came."""

    def __init__(self, command: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.welcomed = threading.Event()
        self._reader = threading.Thread(target=self._read, args=(command,), daemon=True)
        self._reader.start()

    def _read(self, command: subprocess.Popen[str]) -> None:
        assert command.stdout is not None
        for line in command.stdout:
            self.lines.append(line)
            if "smarketing is running at" in line:
                self.welcomed.set()

    def text(self) -> str:
        self._reader.join(timeout=60)
        return "".join(self.lines)


def _wait_for_login_page(base_url: str, command: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if command.poll() is not None:
            pytest.fail("run_demo exited before serving")
        try:
            with urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=2) as response:
                return str(response.read().decode())
        except OSError:
            time.sleep(0.5)
    pytest.fail("run_demo did not serve the login page in time")


def _log_in(base_url: str, username: str, password: str) -> str:
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = browser.open(f"{base_url}/accounts/login/").read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the login page has no CSRF token"
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/accounts/login/", data=form, headers={"Referer": f"{base_url}/"}
    )
    return str(browser.open(request).read().decode())


def _children_named(command: subprocess.Popen[str], name: str) -> list[psutil.Process]:
    """The command's direct children running `celery ... <name>` (a killed child not yet
    reaped has no command line any more, and is not one)."""
    return [child for child in psutil.Process(command.pid).children() if _runs(child, name)]


def _runs(child: psutil.Process, name: str) -> bool:
    try:
        command_line = child.cmdline()
    except (psutil.ZombieProcess, psutil.NoSuchProcess):
        return False
    return "celery" in command_line and name in command_line


def _kill_child(command: subprocess.Popen[str], name: str) -> int:
    [child] = _children_named(command, name)
    os.killpg(child.pid, signal.SIGKILL)
    return child.pid


def _wait_for_child(
    command: subprocess.Popen[str], name: str, *, other_than: int
) -> psutil.Process:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        fresh = [child for child in _children_named(command, name) if child.pid != other_than]
        if fresh:
            return fresh[0]
        time.sleep(0.5)
    pytest.fail(f"run_demo did not start its {name} again")


@pytest.mark.timeout(900)
def test_run_demo_serves_the_demo_and_stops_every_process(
    scratch_database_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    # Its own broker (files under its own DATA_DIR): its worker must not take the tasks of the
    # workers that other tests start on the suite's broker.
    env = {
        **os.environ,
        "DATABASE_URL": scratch_database_url,
        "HTTPS": "false",
        "DATA_DIR": str(tmp_path),
    }
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "SITE_URL"):
        env.pop(name, None)
    command = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(command)
    try:
        # The welcome is printed once the web server answers: the page is there at once.
        # Migrating, seeding and building the digests come first, slow on a busy machine.
        assert output.welcomed.wait(WELCOME_TIMEOUT_SECONDS), "".join(output.lines)
        with urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=10) as response:
            login_page = response.read().decode()
        started = psutil.Process(command.pid).children(recursive=True)
        # No SITE_URL was given: web, worker and beat link to where web serves.
        site_urls = {process.environ().get("SITE_URL") for process in started}
        home = _log_in(base_url, "maria", DEMO_PASSWORD)
        killed = _kill_child(command, "worker")
        restarted = _wait_for_child(command, "worker", other_than=killed)
        still_served = _wait_for_login_page(base_url, command)
        started += psutil.Process(command.pid).children(recursive=True)
    finally:
        command.send_signal(signal.SIGINT)
        command.wait(timeout=60)
    printed = output.text()

    assert "Log in to smarketing" in login_page
    assert site_urls == {f"http://localhost:{port}"}
    assert f"Links in email and website forms use http://localhost:{port}" in printed
    assert restarted.pid != killed, "the killed worker was started again"
    assert "Log in to smarketing" in still_served, "web kept serving while the worker was down"
    assert "worker exited with code" in printed
    assert "worker started again" in printed
    assert "Leads you own in Marketing" in home
    assert "maria" in printed
    assert "No hostname was supplied" not in printed
    assert command.returncode == 0, printed
    assert len(started) >= 3, "web, worker and beat should all have started"
    assert [process for process in started if process.is_running()] == []
    assert "exited with 'signal" not in printed, "a worker was killed instead of stopped"
