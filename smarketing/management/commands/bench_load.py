"""How many requests per second the product serves with every kind of page still fast.

Starts gunicorn as the container does (docker/gunicorn_conf.py) and a Celery worker on this
machine, then drives a realistic mix at fixed arrival rates, one step after another (open loop:
a request starts when it is due, whether or not the ones before have answered, so a slow page
shows as the queue it builds, not as fewer requests). The mix, from issue 14: about 60% lead
lists, searches and lead pages, 20% board, home pages and the MQL queue, 10% the dashboard, 10%
writes (new lead, note, claim, move), each as the person who would do it, signed in.

For each rate it prints every kind's median and p95 (from when the request was due) and the
errors, and at the end the capacity: the highest rate at which every kind kept p95 under
P95_TARGET_MS with no error. Writes change the database (new leads and notes, claims, moves):
run it on a database of its own, e.g. one seeded with `seed_demo --shape skewed`.
Not part of the test suite: `manage.py bench_load --rates 10,20,40 --seconds 60`.
"""

import http.client
import os
import queue
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from funnel.models import Stage, WellKnownStage
from leads.models import Lead, Source

P95_TARGET_MS = 300.0
START_TIMEOUT = 60.0
WARM_UP_SECONDS = 15.0
SAMPLE = 2000
SEARCHES = ("acme", "garcia", "ironwod", "王芳", "maria", "555 12")


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    cookie: str
    body: str = ""


@dataclass
class Step:
    """What one rate gave: milliseconds from due to answered, by kind, and the errors."""

    rate: float
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    late: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, milliseconds: float, ok: bool) -> None:
        with self.lock:
            self.timings[kind].append(milliseconds)
            if not ok:
                self.errors[kind] += 1

    def met(self) -> bool:
        return not self.errors and all(
            _p95(times) < P95_TARGET_MS for times in self.timings.values()
        )


def _p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


class Mix:
    """The requests to draw from, read once from the data: leads to open, claim and move, and
    a signed-in session for a marketer, a rep and a manager."""

    CSRF = secrets.token_hex(16)

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - picks pages, not secrets
        self.sessions = {role: self._session(role) for role in Role}
        high = Lead.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.lead_ids = [self.rng.randrange(1, high + 1) for _ in range(SAMPLE)]
        stages = {stage.slug: stage.pk for stage in Stage.objects.all()}
        self.working = stages[WellKnownStage.WORKING]
        self.unclaimed = list(
            Lead.objects.filter(stage_id=stages[WellKnownStage.MQL], sales_owner__isnull=True)
            .order_by("-id")
            .values_list("id", flat=True)[:SAMPLE]
        )
        self.new = list(
            Lead.objects.filter(stage_id=stages[WellKnownStage.NEW])
            .order_by("-id")
            .values_list("id", flat=True)[:SAMPLE]
        )
        owners = Lead.objects.values("marketing_owner").annotate(n=Count("id")).order_by("-n")[:5]
        self.owner_ids = [row["marketing_owner"] for row in owners if row["marketing_owner"]]
        self.kinds: list[tuple[str, int, Callable[[], Request]]] = [
            ("list", 20, self.lead_list),
            ("search", 20, self.search),
            ("lead page", 20, self.lead_page),
            ("board", 7, lambda: self.get("board", reverse("board"), Role.SALES)),
            ("home", 7, lambda: self.get("home", reverse("home"), Role.MARKETING)),
            ("queue", 6, lambda: self.get("queue", reverse("mql_queue"), Role.SALES)),
            ("dashboard", 10, lambda: self.get("dashboard", reverse("dashboard"), Role.MANAGERS)),
            ("new lead", 3, self.new_lead),
            ("note", 3, self.note),
            ("claim", 2, self.claim),
            ("move", 2, self.move),
        ]
        self.created = 0

    def _session(self, role: Role) -> str:
        person = User.objects.filter(groups__name=role.value).order_by("id").first()
        if person is None:
            raise CommandError(f"Nobody has the {role.value} role; seed the demo data first.")
        client = Client()
        client.force_login(person)
        return f"sessionid={client.cookies['sessionid'].value}; csrftoken={self.CSRF}"

    def draw(self) -> Request:
        kind = self.rng.choices(self.kinds, weights=[w for _, w, _ in self.kinds])[0]
        return kind[2]()

    def get(self, label: str, path: str, role: Role) -> Request:
        return Request(label, "GET", path, self.sessions[role])

    def post(self, label: str, path: str, role: Role, **form: object) -> Request:
        return Request(label, "POST", path, self.sessions[role], urlencode(form))

    def lead_list(self) -> Request:
        filters: list[dict[str, object]] = [
            {},
            {"stage": WellKnownStage.WORKING.value},
            {"owner": self.rng.choice(self.owner_ids or [0]), "sort": "value"},
            {"source": self.rng.choice(Source.values)},
            {"needs_attention": "on"},
        ]
        query = urlencode(self.rng.choice(filters))
        return self.get("list", f"{reverse('lead_list')}?{query}", Role.MARKETING)

    def search(self) -> Request:
        query = urlencode({"q": self.rng.choice(SEARCHES)})
        return self.get("search", f"{reverse('lead_list')}?{query}", Role.SALES)

    def lead_page(self) -> Request:
        lead = self.rng.choice(self.lead_ids)
        return self.get("lead page", reverse("lead_detail", args=[lead]), Role.SALES)

    def new_lead(self) -> Request:
        self.created += 1
        number = f"{os.getpid()}-{self.created}-{secrets.token_hex(3)}"
        return self.post(
            "new lead",
            reverse("lead_create"),
            Role.MARKETING,
            full_name=f"Load Test {number}",
            email=f"load.{number}@bench-load.invalid",
            source=Source.WEBSITE.value,
            expected_value="5000",
        )

    def note(self) -> Request:
        lead = self.rng.choice(self.lead_ids)
        return self.post(
            "note",
            reverse("lead_add_activity", args=[lead]),
            Role.SALES,
            kind="note",
            body="Called back; they want a demo next week.",
        )

    def claim(self) -> Request:
        lead = self.unclaimed.pop() if self.unclaimed else self.rng.choice(self.lead_ids)
        return self.post("claim", reverse("lead_claim", args=[lead]), Role.SALES)

    def move(self) -> Request:
        lead = self.new.pop() if self.new else self.rng.choice(self.lead_ids)
        return self.post(
            "move", reverse("board_move", args=[lead]), Role.MANAGERS, to_stage=self.working
        )


class Command(BaseCommand):
    help = "Find the request rate at which every kind of page keeps p95 under 300 ms."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rates", default="5,10,20,40", help="requests per second, steps")
        parser.add_argument("--seconds", type=float, default=60.0, help="per step")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
        parser.add_argument("--clients", type=int, default=64, help="client threads at most")
        parser.add_argument("--port", type=int, default=8732)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        rates = [float(rate) for rate in options["rates"].split(",")]
        mix = Mix(options["seed"])
        servers = self._start(options["port"], options["workers"])
        try:
            _wait_until_up(options["port"], servers[0])
            # Workers that just started import, connect and compile templates on their first
            # requests: those are not what people meet.
            _drive(mix, rates[0], WARM_UP_SECONDS, options["port"], options["clients"])
            steps = []
            for rate in rates:
                step = _drive(mix, rate, options["seconds"], options["port"], options["clients"])
                self._report(step)
                steps.append(step)
        finally:
            for server in servers:
                _stop(server)
        held = [step.rate for step in steps if step.met()]
        self.stdout.write(
            f"Capacity: {max(held):g} requests/s with every kind's p95 under "
            f"{P95_TARGET_MS:.0f} ms and no error."
            if held
            else f"No rate tried kept every kind's p95 under {P95_TARGET_MS:.0f} ms."
        )

    def _start(self, port: int, workers: int) -> list[subprocess.Popen[bytes]]:
        env = os.environ | {
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
            "DEBUG": "false",
            "HTTPS": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            # The sessions made here are signed with it: the server must have the same.
            "SECRET_KEY": settings.SECRET_KEY,
        }
        conf = settings.BASE_DIR / "docker" / "gunicorn_conf.py"
        web = [
            sys.executable, "-m", "gunicorn", "smarketing.wsgi", "-c", str(conf),
            "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
        ]  # fmt: skip
        worker = [
            sys.executable, "-m", "celery", "-A", "smarketing", "worker",
            "--concurrency", "1", "--loglevel", "WARNING",
        ]  # fmt: skip
        self.stdout.write(f"Starting gunicorn ({workers} workers) on 127.0.0.1:{port}, a worker")
        return [subprocess.Popen(argv, env=env, start_new_session=True) for argv in (web, worker)]

    def _report(self, step: Step) -> None:
        self.stdout.write(f"\n{step.rate:g} requests/s ({step.late} started late by the driver)")
        for kind, times in sorted(step.timings.items()):
            errors = step.errors.get(kind, 0)
            p95 = _p95(times)
            verdict = "ok" if p95 < P95_TARGET_MS and not errors else "MISSED"
            self.stdout.write(
                f"  {kind:<10} {len(times):>5}  median {statistics.median(times):>7.1f} ms  "
                f"p95 {p95:>7.1f} ms  errors {errors:>3}  {verdict}"
            )


def _drive(mix: Mix, rate: float, seconds: float, port: int, clients: int) -> Step:
    """Requests due every 1/rate seconds, taken by up to `clients` threads, each timed from when
    it was due, so that waiting for a free client counts as it would for a person."""
    step = Step(rate=rate)
    due: queue.Queue[tuple[float, Request] | None] = queue.Queue()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (item := due.get()) is not None:
            at, request = item
            ok = _send(connection, request)
            step.record(request.kind, (time.perf_counter() - at) * 1000, ok)
        connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for number in range(int(rate * seconds)):
        at = started + number / rate
        wait = at - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        elif wait < -0.05:
            step.late += 1
        due.put((at, mix.draw()))
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join()
    return step


def _send(connection: http.client.HTTPConnection, request: Request) -> bool:
    """Send one request, signed in; True when it answered below 400."""
    headers = {"Cookie": request.cookie}
    if request.method == "POST":
        headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": Mix.CSRF}
    try:
        connection.request(request.method, request.path, request.body, headers)
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        connection.close()
        return False
    return response.status < 400


def _wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
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


def _stop(server: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
