"""Private copies of the product's dependencies and processes, for the fault suite: a Redis and
a PostgreSQL of its own (on ports nobody else uses, so stopping them hurts no one), gunicorn,
a Celery worker and beat, each in a process group of its own with its log in a file.

Ports: each pytest-xdist worker takes its own offset, so two fault tests never share a server.
"""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REDIS_PORT, POSTGRES_PORT, WEB_PORT = 6391, 5441, 8611
PORT_OFFSETS = 5
START_TIMEOUT = 60
STOP_TIMEOUT = 20


def port_offset() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = int(worker.removeprefix("gw") or 0)
    assert offset < PORT_OFFSETS, "the fault suite has ports for five test processes"
    return offset


def wait_for(condition: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Process:
    """A command in a process group of its own, appending to its log file."""

    def __init__(self, name: str, argv: Sequence[str], *, log: Path, env: dict[str, str]) -> None:
        self.name, self.argv, self.log, self.env = name, list(argv), log, env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        assert self.process is not None
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            return

    def kill(self) -> None:
        """SIGKILL the whole group at once: no goodbye, nothing acknowledged."""
        if self.process is None:
            return
        self.signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_TIMEOUT)
        # Whatever the leader left behind in its group.
        self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Redis(Process):
    def __init__(self, folder: Path) -> None:
        self.port = REDIS_PORT + port_offset()
        argv = [
            shutil.which("redis-server") or "redis-server", "--port", str(self.port),
            "--bind", "127.0.0.1", "--save", "", "--dir", str(folder),
            # As in docker-compose.yml: queued tasks survive a restart.
            "--appendonly", "yes",
        ]  # fmt: skip
        super().__init__("redis", argv, log=folder / "redis.log", env=dict(os.environ))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert not listening(self.port), f"port {self.port} is taken: a Redis left behind?"
        super().start()
        wait_for(lambda: self.running() and listening(self.port), "Redis to listen")

    def stop(self) -> None:
        super().stop()
        wait_for(lambda: not listening(self.port), "Redis to stop", STOP_TIMEOUT)

    def kill(self) -> None:
        """A crash: SIGKILL, no goodbye to the clients (the append-only file keeps the queue)."""
        super().kill()
        wait_for(lambda: not listening(self.port), "Redis to die", STOP_TIMEOUT)


class Postgres:
    """A PostgreSQL cluster of its own in a temporary folder, from the system's binaries. As
    root, the server runs as the `postgres` user (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.port = POSTGRES_PORT + port_offset()
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        assert binaries, "the fault suite needs PostgreSQL's server binaries (postgresql package)"
        self.bin = binaries[-1].parent
        self.folder = Path(tempfile.mkdtemp(prefix="smk-faults-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")  # fmt: skip

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / program), *args],
            check=True, capture_output=True, cwd=self.folder,
        )  # fmt: skip

    def create_database(self, name: str) -> None:
        subprocess.run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             name],
            check=True, capture_output=True,
        )  # fmt: skip

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        assert not listening(self.port), f"port {self.port} is taken: a PostgreSQL left behind?"
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w",
                  "start")  # fmt: skip

    def stop(self) -> None:
        """A fast shutdown: connections are cut, as in a restart or a crash of the server."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return listening(self.port)

    def destroy(self) -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]
