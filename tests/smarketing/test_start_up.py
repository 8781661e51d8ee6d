"""Starting the real processes with a bad environment prints one line that names the variable,
and loading the settings starts nothing (no embedded database, no broker folders)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GOOD = {
    "SECRET_KEY": "a-production-secret-key-of-more-than-fifty-characters-0123456789",
    "ALLOWED_HOSTS": "localhost",
    "DATABASE_URL": os.environ["DATABASE_URL"],
    "DEBUG": "false",
    "HTTPS": "false",
}
GUNICORN = [str(BIN / "gunicorn"), "--config", "docker/gunicorn_conf.py", "smarketing.wsgi"]
WORKER = [str(BIN / "celery"), "-A", "smarketing", "worker", "--concurrency", "1"]
BEAT = [str(BIN / "celery"), "-A", "smarketing", "beat"]
MIGRATE = [sys.executable, "manage.py", "migrate"]
# A port nobody listens on: a database there cannot be reached.
UNREACHABLE_DATABASE = "postgres://postgres@127.0.0.1:8629/nothing"


def _start(command: list[str], *, env: dict[str, str], without: tuple[str, ...] = ()) -> str:
    """Run the process until it stops (it must stop by itself) and return what it printed."""
    environment = {**os.environ, **GOOD, "PORT": "8621", "WEB_CONCURRENCY": "1", **env}
    for name in without:
        environment.pop(name, None)
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=90, check=False
    )
    assert result.returncode != 0, result.stdout + result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("command", "env", "without", "named"),
    [
        pytest.param(GUNICORN, {}, ("SECRET_KEY",), "SECRET_KEY", id="gunicorn-no-secret-key"),
        pytest.param(GUNICORN, {"TIME_ZONE": "Mars/Olympus"}, (), "TIME_ZONE", id="gunicorn-tz"),
        pytest.param(WORKER, {"TIME_ZONE": "Mars/Olympus"}, (), "TIME_ZONE", id="worker-tz"),
        pytest.param(WORKER, {}, ("SECRET_KEY",), "SECRET_KEY", id="worker-no-secret-key"),
        pytest.param(BEAT, {"TIME_ZONE": "Mars/Olympus"}, (), "TIME_ZONE", id="beat-tz"),
        pytest.param(MIGRATE, {"TIME_ZONE": "Mars/Olympus"}, (), "TIME_ZONE", id="manage-tz"),
        pytest.param(
            MIGRATE,
            {"DATABASE_URL": UNREACHABLE_DATABASE},
            (),
            "DATABASE_URL",
            id="manage-database-unreachable",
        ),
    ],
)
def test_a_bad_environment_stops_start_up_with_one_line(
    command: list[str], env: dict[str, str], without: tuple[str, ...], named: str
) -> None:
    stderr = _start(command, env=env, without=without)

    assert "Traceback" not in stderr
    refusals = [line for line in stderr.splitlines() if "smarketing cannot start:" in line]
    assert len(refusals) == 1, stderr
    assert named in refusals[0]
    # Besides the refusal, at most the few lines gunicorn or Celery print on any start.
    assert len(stderr.splitlines()) < 10, stderr


def _import_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **GOOD, "DATA_DIR": str(tmp_path), **env}
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not env.get(name):
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", "import smarketing.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_loading_the_settings_without_a_database_url_starts_no_database(tmp_path: Path) -> None:
    result = _import_settings(tmp_path)

    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_loading_the_settings_without_redis_makes_no_broker_folders(tmp_path: Path) -> None:
    result = _import_settings(tmp_path, DATABASE_URL=GOOD["DATABASE_URL"])

    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_celery_app_makes_the_file_broker_s_folders_when_configured(tmp_path: Path) -> None:
    environment = {**os.environ, **GOOD, "DATA_DIR": str(tmp_path)}
    environment.pop("REDIS_URL", None)
    # Describing the connection, as a worker's banner does, must not make kombu warn.
    configure = (
        "import logging; logging.basicConfig(); "
        "import smarketing.celery as c; print(c.app.conf.broker_url); "
        "c.app.connection().info(); c.app.connection().as_uri()"
    )

    result = subprocess.run(
        [sys.executable, "-c", configure],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout.strip() == "filesystem://localhost/", result.stderr
    assert "No hostname was supplied" not in result.stderr
    assert "WARNING" not in result.stderr
    assert (tmp_path / "broker" / "queue").is_dir()
    assert (tmp_path / "broker" / "control").is_dir()


def test_a_worker_started_while_the_database_is_down_waits_for_it(tmp_path: Path) -> None:
    """The worker starts and takes tasks without PostgreSQL (its tasks retry until it is back);
    it must not exit at start-up because a check could not reach the database."""
    log = tmp_path / "worker.log"
    environment = {**os.environ, **GOOD, "DATABASE_URL": UNREACHABLE_DATABASE}
    queue = f"start-up-{os.getpid()}-{time.monotonic_ns()}"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [*WORKER, "-Q", queue, "--loglevel", "INFO", "-n", f"{queue}@%h"],
            cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while " ready." not in log.read_text() and worker.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        assert worker.poll() is None, log.read_text()
    finally:
        worker.terminate()
        worker.wait(30)
