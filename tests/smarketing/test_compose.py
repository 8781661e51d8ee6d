"""The Docker packaging (docker-compose.yml, Dockerfile, docker/), checked without a Docker engine.

The compose file is validated against the compose-spec JSON schema that check-jsonschema ships,
then held to what it promises: the services, one beat, data on named volumes, health checks, the
start-up order and every setting settings.py reads. The helper scripts in docker/ and the
Dockerfile's build step are run for real. No database is used.
"""

import importlib.resources
import importlib.util
import json
import os
import re
import runpy
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from gunicorn.config import Config  # type: ignore[import-untyped]  # gunicorn ships no types
from jsonschema import validators  # type: ignore[import-untyped]  # no stubs pinned

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
HEALTHCHECK_SCRIPT = ROOT / "docker" / "healthcheck.py"
GUNICORN_CONFIG = ROOT / "docker" / "gunicorn_conf.py"
SETTINGS_FILE = ROOT / "smarketing" / "settings.py"

APP_SERVICES = ("web", "worker", "beat")
ONE_SHOT_SERVICES = ("migrate",)
# Shared-environment entries that the compose file sets itself instead of passing through.
SET_BY_COMPOSE = {"DATABASE_URL", "REDIS_URL", "DATA_DIR"}
# What an operator must give: settings.py refuses to start without the first two, and SITE_URL's
# development default would put localhost links into production email.
REQUIRED_SETTINGS = {"SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"}

_INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def with_defaults(value: str) -> str:
    """`value` as compose would interpolate it with an empty environment, required ones filled."""

    def replace(match: re.Match[str]) -> str:
        op = match["op"] or ""
        if op.endswith("-"):
            return match["arg"]
        if op.endswith("?"):
            return f"<{match['name']}>"
        return ""

    return _INTERPOLATION.sub(replace, value)


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {name: str(value) for name, value in environment.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Each dependency with its condition (a plain list means service_started)."""
    dependencies = service.get("depends_on", {})
    if isinstance(dependencies, list):
        return dict.fromkeys(dependencies, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in dependencies.items()}


def command_words(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


# --- The compose file against the compose specification ----------------------------------------


def compose_spec_errors(document: object) -> list[str]:
    schema_file = importlib.resources.files("check_jsonschema.builtin_schemas.vendor").joinpath(
        "compose-spec.json"
    )
    schema = json.loads(schema_file.read_text())
    validator = validators.validator_for(schema)(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    assert compose_spec_errors(compose) == []


def test_the_specification_check_catches_a_broken_compose_file(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["web"]["depends_on"]["migrate"]["condition"] = "service_finished"
    broken["services"]["worker"]["restart_policy"] = "always"

    errors = compose_spec_errors(broken)

    assert any(error.startswith("services/web/depends_on:") for error in errors)
    assert any(
        error.startswith("services/worker:") and "restart_policy" in error for error in errors
    )


def test_check_jsonschema_command_accepts_the_compose_file() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- What the compose file promises ---------------------------------------------------------------


def test_every_part_of_the_product_is_a_service(services: dict[str, dict[str, Any]]) -> None:
    assert {"postgres", "redis", *APP_SERVICES, *ONE_SHOT_SERVICES} <= set(services)


def test_exactly_one_beat(services: dict[str, dict[str, Any]]) -> None:
    beat = services["beat"]
    assert "replicas" not in beat.get("deploy", {})
    assert beat.get("scale", 1) == 1
    assert "beat" in command_words(beat["command"])
    # A worker started with an embedded beat (-B) would be a second scheduler.
    for name in set(services) - {"beat"}:
        words = command_words(services[name].get("command", []))
        assert "-B" not in words
        assert "--beat" not in words
        assert "beat" not in words


def test_beat_keeps_its_schedule_on_a_named_volume_under_data_dir(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    data_dir = environment_of(services["beat"])["DATA_DIR"]
    mounts = [volume.split(":") for volume in services["beat"].get("volumes", [])]
    assert [source for source, target, *_ in mounts if target == data_dir] != []
    for source, target, *_ in mounts:
        if target == data_dir:
            assert source in (compose.get("volumes") or {})


def test_postgres_data_is_on_a_declared_named_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    postgres = services["postgres"]
    major = int(with_defaults(postgres["image"]).rsplit(":", 1)[1].split(".")[0].split("-")[0])
    # The official image keeps its data in /var/lib/postgresql/data up to 17 and in a versioned
    # folder below /var/lib/postgresql from 18 on, where the volume must then be mounted.
    data_path = "/var/lib/postgresql" if major >= 18 else "/var/lib/postgresql/data"
    mounts = {target: source for source, target, *_ in (v.split(":") for v in postgres["volumes"])}
    assert data_path in mounts
    assert mounts[data_path] in (compose.get("volumes") or {})


def test_every_service_has_a_healthcheck_or_is_a_one_shot(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        if name in ONE_SHOT_SERVICES:
            assert service.get("restart") == "no", name
            assert "healthcheck" not in service, name
            continue
        healthcheck = service.get("healthcheck", {})
        assert healthcheck.get("test"), name
        assert not healthcheck.get("disable", False), name


def test_services_start_in_order_once_their_dependencies_are_ready(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ONE_SHOT_SERVICES:
        assert depends_on(services[name]) == {"postgres": "service_healthy"}
    for name in APP_SERVICES:
        assert depends_on(services[name]) == {
            "postgres": "service_healthy",
            "redis": "service_healthy",
            "migrate": "service_completed_successfully",
        }, name


def test_the_one_shot_migrates_the_database(services: dict[str, dict[str, Any]]) -> None:
    words = command_words(services["migrate"]["command"])
    assert words[:3] == ["python", "manage.py", "migrate"]
    assert "--noinput" in words


def test_long_running_services_restart(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if name not in ONE_SHOT_SERVICES:
            assert service.get("restart") in {"always", "unless-stopped", "on-failure"}, name


def test_no_image_floats_on_latest(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = with_defaults(service["image"])
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: image {image!r} has no tag"
        assert "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag not in {"", "latest"}, f"{name}: image {image!r}"


def test_web_worker_and_beat_run_the_image_built_here(
    services: dict[str, dict[str, Any]],
) -> None:
    images = {services[name]["image"] for name in (*APP_SERVICES, *ONE_SHOT_SERVICES)}
    assert len(images) == 1
    for name in (*APP_SERVICES, *ONE_SHOT_SERVICES):
        build = services[name].get("build")
        assert build == "." or build == {"context": "."}, name


def test_app_services_reach_the_compose_database_and_broker(
    services: dict[str, dict[str, Any]],
) -> None:
    postgres_environment = environment_of(services["postgres"])
    user = with_defaults(postgres_environment["POSTGRES_USER"])
    database = with_defaults(postgres_environment["POSTGRES_DB"])
    password = with_defaults(postgres_environment["POSTGRES_PASSWORD"])
    for name in (*APP_SERVICES, *ONE_SHOT_SERVICES):
        environment = environment_of(services[name])
        database_url = with_defaults(environment["DATABASE_URL"])
        assert database_url == f"postgres://{user}:{password}@postgres:5432/{database}", name
        assert with_defaults(environment["REDIS_URL"]).startswith("redis://redis:6379/"), name


def settings_environment_variables() -> set[str]:
    """The names settings.py reads through smarketing.env (env.string("NAME", ...) and the like)."""
    return set(re.findall(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", SETTINGS_FILE.read_text()))


def test_every_setting_is_passed_through_the_shared_environment(
    compose: dict[str, Any],
) -> None:
    read_by_settings = settings_environment_variables()
    shared = {name: str(value) for name, value in compose["x-app-environment"].items()}
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TIME_ZONE"} <= read_by_settings

    assert sorted(read_by_settings - set(shared)) == []
    for name in read_by_settings - SET_BY_COMPOSE:
        # Passed through under its own name: ${NAME:?message} if required, else ${NAME:-default}.
        expected_operator = ":?" if name in REQUIRED_SETTINGS else ":-"
        assert shared[name].startswith(f"${{{name}{expected_operator}"), name


def test_web_worker_beat_and_migrate_use_the_shared_environment(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    shared = {name: str(value) for name, value in compose["x-app-environment"].items()}
    for name in (*APP_SERVICES, *ONE_SHOT_SERVICES):
        environment = environment_of(services[name])
        assert {key: environment.get(key) for key in shared} == shared, name


def test_required_settings_stop_compose_with_a_message(compose: dict[str, Any]) -> None:
    for name in REQUIRED_SETTINGS:
        match = _INTERPOLATION.fullmatch(str(compose["x-app-environment"][name]))
        assert match is not None, name
        assert match["op"] == ":?", name
        assert match["arg"].strip(), f"{name}: compose would stop without saying what to set"


def test_trusting_the_proxy_header_is_off_by_default_and_documented(
    compose: dict[str, Any],
) -> None:
    assert with_defaults(compose["x-app-environment"]["TRUST_X_FORWARDED_PROTO"]) == "false"
    text = COMPOSE_FILE.read_text()
    assert "TRUST_X_FORWARDED_PROTO=true" in text
    assert "X-Forwarded-Proto" in text


# --- The web command, gunicorn's configuration and the image's default command -------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def test_web_serves_gunicorn_like_the_image_default(services: dict[str, dict[str, Any]]) -> None:
    commands = [json.loads(args) for keyword, args in dockerfile_instructions() if keyword == "CMD"]
    assert commands == [command_words(services["web"]["command"])]
    assert commands[0][0] == "gunicorn"
    assert commands[0][-1] == "smarketing.wsgi"


def gunicorn_config(monkeypatch: pytest.MonkeyPatch, **environment: str) -> Any:
    """docker/gunicorn_conf.py as gunicorn reads it, in the given environment."""
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = Config()
    for name, value in runpy.run_path(str(GUNICORN_CONFIG)).items():
        if not name.startswith("_") and not isinstance(value, ModuleType):
            assert name in config.settings, f"{name} is not a gunicorn setting"
            config.set(name, value)
    return config


def test_gunicorn_listens_on_8000_logs_access_to_stdout_and_bounds_its_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = gunicorn_config(monkeypatch)
    assert default.bind == ["0.0.0.0:8000"]
    assert default.accesslog == "-"
    assert 3 <= default.workers <= 9
    # Long downloads and uploads run in threads; the worker's own thread keeps its heartbeat.
    assert (default.worker_class_str, default.threads) == ("gthread", 4)

    assert gunicorn_config(monkeypatch, WEB_CONCURRENCY="4").workers == 4
    assert gunicorn_config(monkeypatch, WEB_THREADS="8").threads == 8


def test_web_passes_worker_count_only_when_it_is_set(services: dict[str, dict[str, Any]]) -> None:
    # gunicorn reads WEB_CONCURRENCY itself when it starts and stops on an empty value, so
    # compose must pass the operator's number or nothing (a key without a value), never "".
    value = services["web"]["environment"].get("WEB_CONCURRENCY")
    assert value is None or with_defaults(str(value)).isdigit()


def test_web_publishes_the_port_gunicorn_listens_on(services: dict[str, dict[str, Any]]) -> None:
    (port,) = services["web"]["ports"]
    assert with_defaults(port) == "127.0.0.1:8000:8000"
    assert "EXPOSE 8000" in {f"{keyword} {args}" for keyword, args in dockerfile_instructions()}


# --- docker/healthcheck.py, run against a stand-in server ----------------------------------------


def load_healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docker_healthcheck", HEALTHCHECK_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("crm.example.com", "crm.example.com"),
        (" crm.example.com , other.example.com", "crm.example.com"),
        (".example.com", "example.com"),
        ("*", "localhost"),
        ("*,crm.example.com", "crm.example.com"),
        ("[::1],localhost", "[::1]"),
        ("", "localhost"),
    ],
)
def test_health_check_sends_a_host_that_allowed_hosts_accepts(
    allowed_hosts: str, host: str
) -> None:
    assert load_healthcheck().host_header(allowed_hosts) == host


class StandInServer:
    """Answers /healthz the way it is told to, and remembers what it was asked."""

    def __init__(self) -> None:
        self.status = 200
        self.location = ""
        self.requests: list[tuple[str, str]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stand_in.requests.append((self.path, self.headers.get("Host", "")))
                self.send_response(stand_in.status)
                if stand_in.location:
                    self.send_header("Location", stand_in.location)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status": "stand-in"}')

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


@pytest.fixture
def stand_in() -> Iterator[StandInServer]:
    server = StandInServer()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    thread.join()


def run_healthcheck(check: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK_SCRIPT), check],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
        env={"PATH": os.environ["PATH"], **environment},
    )


def test_web_health_check_passes_on_200(stand_in: StandInServer) -> None:
    result = run_healthcheck(
        "web", PORT=str(stand_in.port), ALLOWED_HOSTS="crm.example.com,www.example.com"
    )
    assert result.returncode == 0, result.stderr
    assert stand_in.requests == [("/healthz", "crm.example.com")]


def test_web_health_check_fails_on_503(stand_in: StandInServer) -> None:
    stand_in.status = 503
    result = run_healthcheck("web", PORT=str(stand_in.port), ALLOWED_HOSTS="crm.example.com")
    assert result.returncode == 1
    assert "503" in result.stderr


def test_web_health_check_reports_a_redirect_instead_of_following_it(
    stand_in: StandInServer,
) -> None:
    stand_in.status = 301
    stand_in.location = f"http://127.0.0.1:{stand_in.port}/elsewhere"
    result = run_healthcheck("web", PORT=str(stand_in.port), ALLOWED_HOSTS="crm.example.com")
    assert result.returncode == 1
    assert "301" in result.stderr
    assert [path for path, _ in stand_in.requests] == ["/healthz"]


def test_web_health_check_fails_when_nothing_listens(stand_in: StandInServer) -> None:
    port = stand_in.port
    stand_in.server.shutdown()
    stand_in.server.server_close()
    result = run_healthcheck("web", PORT=str(port), ALLOWED_HOSTS="crm.example.com")
    assert result.returncode == 1
    assert "did not answer" in result.stderr


def test_beat_health_check_fails_before_beat_wrote_its_schedule(tmp_path: Path) -> None:
    result = run_healthcheck("beat", DATA_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    assert "schedule" in result.stderr


def test_beat_health_check_fails_when_the_broker_does_not_answer(tmp_path: Path) -> None:
    (tmp_path / "celerybeat-schedule").write_bytes(b"")
    # Port 1 on this machine: nothing listens there, so the connection is refused at once.
    result = run_healthcheck("beat", DATA_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    assert "broker" in result.stderr


def test_health_check_refuses_an_unknown_check() -> None:
    result = run_healthcheck("everything")
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_compose_health_checks_call_the_script(services: dict[str, dict[str, Any]]) -> None:
    for name in ("web", "beat"):
        assert services[name]["healthcheck"]["test"] == [
            "CMD",
            "python",
            "docker/healthcheck.py",
            name,
        ]


# --- The Dockerfile -------------------------------------------------------------------------------


def test_image_builds_from_python_slim_and_runs_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    # The last stage is the image; an earlier one (the browser libraries) only hands it files.
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    assert stages[-1] == "python:3.13-slim"
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users != []
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_image_installs_only_the_pinned_production_requirements() -> None:
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert installs == ["pip install --no-cache-dir -r requirements.txt"]
    assert not any("requirements-dev" in run for run in runs)


def test_image_compiles_translations_with_msgfmt() -> None:
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    assert any("apt-get install" in run and "gettext" in run for run in runs)
    assert any("msgfmt --check" in run and "django.po" in run for run in runs)


def test_image_serves_the_board_library_from_the_npm_stage() -> None:
    """SortableJS comes from package.json, installed by npm in the `js` stage; the image copies
    it where settings.STATICFILES_DIRS looks, before collectstatic, and holds no Node itself."""
    instructions = dockerfile_instructions()
    stages = [index for index, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert instructions[stages[0]][1].endswith(" AS js")
    js_stage = instructions[stages[0] : stages[-1]]
    assert ("COPY", "package.json .npmrc ./") in js_stage
    assert any(keyword == "RUN" and "npm install" in args for keyword, args in js_stage)
    image = instructions[stages[-1] :]
    copy = ("COPY", "--from=js /js/node_modules/sortablejs node_modules/sortablejs")
    collectstatic = next(i for i, (k, args) in enumerate(image) if "collectstatic" in args)
    assert copy in image[:collectstatic]
    assert not any("npm" in args for keyword, args in image if keyword == "RUN")


def dockerignore_patterns() -> set[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text().splitlines())
    return {line.rstrip("/") for line in lines if line and not line.startswith("#")}


def test_local_state_and_secrets_stay_out_of_the_image() -> None:
    assert {".git", ".venv", ".data", ".env", "staticfiles"} <= dockerignore_patterns()
    for keyword, args in dockerfile_instructions():
        if keyword in {"COPY", "ADD"}:
            sources = [word for word in args.split()[:-1] if not word.startswith("--")]
            assert not any(".venv" in source or ".data" in source for source in sources), args


def build_time_environment() -> dict[str, str]:
    """The variables the Dockerfile's collectstatic step sets: its ENV plus the RUN prefix."""
    environment: dict[str, str] = {}
    for keyword, args in dockerfile_instructions():
        if keyword == "ENV":
            assignments = shlex.split(args)
        elif keyword == "RUN" and "collectstatic" in args:
            assignments = [word for word in shlex.split(args) if re.match(r"^\w+=", word)]
        else:
            continue
        for assignment in assignments:
            name, value = assignment.split("=", 1)
            environment[name] = value
        if keyword == "RUN":
            return environment
    raise AssertionError("The Dockerfile has no collectstatic step")


def test_build_step_settings_load_without_a_database_or_broker(tmp_path: Path) -> None:
    build_environment = build_time_environment()
    assert build_environment["DATABASE_URL"].startswith("postgres://")
    assert build_environment["REDIS_URL"].startswith("redis://")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # Only what the build step has: no DEBUG, no HTTPS and no pytest settings from this process.
    environment = {
        **build_environment,
        "PATH": os.environ["PATH"],
        "DATA_DIR": str(data_dir),
        # An address where no server listens: a connection attempt would fail the command.
        "DATABASE_URL": "postgres://build:build@127.0.0.1:1/build",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=environment,
    )

    assert result.returncode == 0, result.stderr
    assert re.search(r"\d+ static files? copied", result.stdout), result.stdout
    # Nothing prepared under DATA_DIR: no embedded database, no file broker.
    assert list(data_dir.iterdir()) == []
