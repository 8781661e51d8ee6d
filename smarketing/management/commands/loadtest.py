"""How many requests a second the product serves with a team's mix of work, before any kind of
request slows past its target.

Starts gunicorn as the container does and a Celery worker with beat on this machine, signs in a
sample of the team (a session for pages, an API token for writes), then sends requests at a
fixed arrival rate, one step after another (`--rates`). The mix is a team's day: about 60% lists,
searches and lead pages, 20% board, home and the MQL queue, 10% dashboard, 10% writes (a new
lead, a note, a claim, a move).

The driver is an open model: each request is due at its time (Poisson arrivals at the step's
rate) whatever happened to the ones before, and its time is counted from when it was due, so a
request that waited for a free client counts its wait. A closed-loop tool, whose simulated people
wait for each answer before the next click, sends less as the server slows and so hides the very
wait it should measure. At most `--clients` requests are in flight; a step whose requests fall
behind their due time by more than the target shows it in its percentiles.

The capacity printed at the end is the highest rate at which every kind kept its p95 under
`--p95` milliseconds with no error. Writes stay in the database (claims and moves cannot be
rolled back from outside): run it on a benchmark database, e.g. one from
`manage.py seed_demo --shape skewed --leads 1000000`. Not part of the test suite.
"""

import http.client
import json
import os
import queue
import random
import secrets
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import active_members
from accounts.tokens import LIFETIMES, create_token, revoke_token
from funnel.models import Stage, WellKnownStage
from funnel.selectors import waiting_mqls
from leads.models import Lead, Source
from smarketing.management.commands.bench import p95
from smarketing.management.serving import (
    served_environment,
    start_gunicorn,
    start_worker,
    stop,
    wait_until_up,
)

EMAIL_DOMAIN = "loadtest.invalid"
WARM_UP_SECONDS = 10
SAMPLE_LEADS = 2_000


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(frozen=True)
class Person:
    user_id: int
    cookie: str
    token: str
    token_id: int


@dataclass
class Cast:
    """Who clicks, and on what: drawn from the database before the measuring starts."""

    everyone: list[Person]
    reps: list[Person]
    marketers: list[Person]
    managers: list[Person]
    lead_ids: list[int]
    search_terms: list[str]
    owner_ids: list[int]
    # Each claimed or moved once: popped as used.
    waiting_mqls: list[int]
    new_leads: list[int]
    working_stage: int


def _page(kind: str, path: str, person: Person) -> Request:
    return Request(kind, "GET", path, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={person.cookie}"})


def _api(kind: str, path: str, person: Person, body: dict[str, Any]) -> Request:
    headers = {"Authorization": f"Bearer {person.token}", "Content-Type": "application/json"}
    return Request(kind, "POST", path, headers, json.dumps(body).encode())


def _list(cast: Cast, rng: random.Random) -> Request:
    return _page("list", reverse("lead_list"), rng.choice(cast.everyone))


def _list_filtered(cast: Cast, rng: random.Random) -> Request:
    query = urlencode({"stage": WellKnownStage.WORKING, "owner": rng.choice(cast.owner_ids)})
    return _page("list filtered", f"{reverse('lead_list')}?{query}", rng.choice(cast.everyone))


def _search(cast: Cast, rng: random.Random) -> Request:
    query = urlencode({"q": rng.choice(cast.search_terms)})
    return _page("search", f"{reverse('lead_list')}?{query}", rng.choice(cast.everyone))


def _lead_page(cast: Cast, rng: random.Random) -> Request:
    path = reverse("lead_detail", args=[rng.choice(cast.lead_ids)])
    return _page("lead page", path, rng.choice(cast.everyone))


def _board(cast: Cast, rng: random.Random) -> Request:
    return _page("board", reverse("board"), rng.choice(cast.everyone))


def _home(cast: Cast, rng: random.Random) -> Request:
    return _page("home", reverse("home"), rng.choice(cast.everyone))


def _queue(cast: Cast, rng: random.Random) -> Request:
    return _page("queue", reverse("mql_queue"), rng.choice(cast.reps + cast.managers))


def _dashboard(cast: Cast, rng: random.Random) -> Request:
    return _page("dashboard", reverse("dashboard"), rng.choice(cast.everyone))


def _new_lead(cast: Cast, rng: random.Random) -> Request:
    number = rng.randrange(10**12)
    body = {
        "full_name": f"Load Test {number}",
        "email": f"lead{number}@{EMAIL_DOMAIN}",
        "source": Source.EVENT,
    }
    return _api("new lead", reverse("api:lead-list"), rng.choice(cast.marketers), body)


def _note(cast: Cast, rng: random.Random) -> Request:
    path = reverse("api:lead-notes", args=[rng.choice(cast.lead_ids)])
    body = {"body": "Called: interested, send the pricing sheet."}
    return _api("note", path, rng.choice(cast.everyone), body)


def _claim(cast: Cast, rng: random.Random) -> Request | None:
    if not cast.waiting_mqls:
        return None
    path = reverse("api:lead-move-claim", args=[cast.waiting_mqls.pop()])
    return _api("claim", path, rng.choice(cast.reps), {})


def _move(cast: Cast, rng: random.Random) -> Request | None:
    if not cast.new_leads:
        return None
    path = reverse("api:lead-move-moves", args=[cast.new_leads.pop()])
    body = {"to_stage": cast.working_stage}
    return _api("move", path, rng.choice(cast.marketers + cast.managers), body)


# A team's day: (kind, weight out of 100, how to make one such request).
MIX: list[tuple[str, int, Callable[[Cast, random.Random], Request | None]]] = [
    ("list", 15, _list),
    ("list filtered", 10, _list_filtered),
    ("search", 15, _search),
    ("lead page", 20, _lead_page),
    ("board", 7, _board),
    ("home", 7, _home),
    ("queue", 6, _queue),
    ("dashboard", 10, _dashboard),
    ("new lead", 3, _new_lead),
    ("note", 3, _note),
    ("claim", 2, _claim),
    ("move", 2, _move),
]


@dataclass
class Tally:
    """What one step measured, per kind: milliseconds from due to answered, and the errors."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # Per kind, the answers that were not a success, by status (or the connection's error).
    errors: dict[str, Counter[int | str]] = field(default_factory=lambda: defaultdict(Counter))
    skipped: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, milliseconds: float, *, error: int | str | None) -> None:
        with self.lock:
            self.latencies[kind].append(milliseconds)
            if error is not None:
                self.errors[kind][error] += 1


class Command(BaseCommand):
    help = "Find the arrival rate the product serves with a team's mix, every kind under its p95."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rates", default="10,20,30,40,50,60", help="requests per second, one step each"
        )
        parser.add_argument("--seconds", type=int, default=60, help="length of each step")
        parser.add_argument("--clients", type=int, default=64, help="requests in flight at most")
        parser.add_argument("--people", type=int, default=60, help="people signed in")
        parser.add_argument("--p95", type=float, default=300.0, help="target p95, milliseconds")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
        parser.add_argument("--port", type=int, default=8741)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise CommandError(
                "Set SECRET_KEY (`make loadtest` does): the sessions signed here must open on "
                "the server started here."
            )
        rates = _rates(options["rates"])
        run = secrets.token_hex(3)
        cast = _cast(people=options["people"], run=run, rng=random.Random(options["seed"]))
        environment = served_environment(port=options["port"], workers=options["workers"])
        server = start_gunicorn(
            environment=environment, port=options["port"], threads=options["threads"]
        )
        worker = start_worker(environment=environment)
        try:
            wait_until_up(options["port"], server)
            self.stdout.write(
                f"{Lead.objects.count():,} leads; gunicorn {options['workers']} workers x "
                f"{options['threads']} threads and a worker on 127.0.0.1:{options['port']}; "
                f"{len(cast.everyone)} people signed in; up to {options['clients']} requests "
                "in flight."
            )
            rng = random.Random(options["seed"])
            _drive(options, cast, rate=rates[0], seconds=WARM_UP_SECONDS, rng=rng)
            capacity = None
            for rate in rates:
                tally = _drive(options, cast, rate=rate, seconds=options["seconds"], rng=rng)
                met = self._report(tally, rate=rate, options=options)
                if met:
                    capacity = rate
            self.stdout.write(
                f"Capacity: {capacity} requests/s with every kind's p95 under "
                f"{options['p95']:.0f} ms and no error."
                if capacity
                else "No step met the target."
            )
        finally:
            stop(worker)
            stop(server)
            _clean_up(cast)

    def _report(self, tally: Tally, *, rate: float, options: dict[str, Any]) -> bool:
        sent = sum(len(samples) for samples in tally.latencies.values())
        self.stdout.write("")
        self.stdout.write(
            f"{rate:g} requests/s for {options['seconds']} s: {sent} answered "
            f"({sent / options['seconds']:.1f}/s)"
            + (f", {tally.skipped} writes skipped (no lead left)" if tally.skipped else "")
        )
        header = f"  {'kind':<14} {'count':>6} {'median ms':>10} {'p95 ms':>8} {'errors':>7}"
        self.stdout.write(header)
        met = True
        for kind, _weight, _make in MIX:
            samples = tally.latencies.get(kind, [])
            if not samples:
                continue
            errors = tally.errors.get(kind, Counter())
            kind_p95 = p95(samples)
            ok = not errors and kind_p95 < options["p95"]
            met = met and ok
            self.stdout.write(
                f"  {kind:<14} {len(samples):>6} {statistics.median(samples):>10.0f} "
                f"{kind_p95:>8.0f} {errors.total():>7}{'' if ok else '  missed'}"
                + (f"  {dict(errors)}" if errors else "")
            )
        return met


def _rates(text: str) -> list[float]:
    try:
        rates = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError("--rates takes numbers separated by commas, e.g. 10,20,40.") from None
    if not rates or any(rate <= 0 for rate in rates):
        raise CommandError("--rates takes numbers above zero.")
    return rates


def _cast(*, people: int, run: str, rng: random.Random) -> Cast:
    """Sign in a sample of each team (as many reps and marketers as the mix needs) and pick
    the leads the requests will open, search for, claim and move."""
    signed_in: dict[Role, list[Person]] = {}
    client = Client()
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for role in (Role.SALES, Role.MARKETING, Role.MANAGERS):
            members = list(active_members(role).order_by("id")[:people])
            if not members:
                raise CommandError(f"There is nobody in {role}; load the demo data first.")
            signed_in[role] = [_signed_in(client, member, run) for member in members]
    leads = list(
        Lead.objects.order_by("?").values_list("id", "full_name", "company")[:SAMPLE_LEADS]
    )
    if not leads:
        raise CommandError("There are no leads; load the demo data first.")
    owners = (
        Lead.objects.values("sales_owner")
        .exclude(sales_owner=None)
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("sales_owner", flat=True)[:50]
    )
    terms = [name.split()[-1] for _, name, _ in leads if name] + [c for *_, c in leads if c]
    return Cast(
        everyone=[person for group in signed_in.values() for person in group],
        reps=signed_in[Role.SALES],
        marketers=signed_in[Role.MARKETING],
        managers=signed_in[Role.MANAGERS],
        lead_ids=[lead_id for lead_id, *_ in leads],
        search_terms=rng.sample(terms, min(len(terms), 500)),
        owner_ids=list(owners) or [signed_in[Role.SALES][0].user_id],
        waiting_mqls=list(waiting_mqls().values_list("id", flat=True)[:5_000]),
        new_leads=list(
            Lead.objects.filter(stage__slug=WellKnownStage.NEW).values_list("id", flat=True)[:5_000]
        ),
        working_stage=Stage.objects.get(slug=WellKnownStage.WORKING).pk,
    )


def _signed_in(client: Client, user: User, run: str) -> Person:
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.cookies.clear()
    token = create_token(user=user, name=f"Load test {run}", lifetime_days=min(LIFETIMES))
    return Person(user.pk, cookie, token.secret, token.token.pk)


def _clean_up(cast: Cast) -> None:
    """Revoke the tokens and remove the leads the test created; the sessions expire."""
    for person in cast.everyone:
        revoke_token(user=User.objects.get(pk=person.user_id), token_id=person.token_id)
    Lead.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()


def _arrivals(rate: float, seconds: float, rng: random.Random) -> Iterator[float]:
    """Due times of a Poisson stream at `rate` a second, from 0 to `seconds`."""
    due = 0.0
    while (due := due + rng.expovariate(rate)) < seconds:
        yield due


def _drive(
    options: dict[str, Any], cast: Cast, *, rate: float, seconds: float, rng: random.Random
) -> Tally:
    """Send the mix at `rate` for `seconds`; `--clients` threads, each on its own keep-alive
    connection, answer what is due."""
    tally = Tally()
    due: queue.Queue[tuple[float, Request] | None] = queue.Queue()
    kinds, weights = [make for *_, make in MIX], [weight for _, weight, _ in MIX]
    port = options["port"]

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (item := due.get()) is not None:
            at, request = item
            error = _send(connection, request)
            if isinstance(error, str):
                connection.close()
            tally.record(request.kind, (time.perf_counter() - at) * 1000, error=error)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(options["clients"])]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for offset in _arrivals(rate, seconds, rng):
        request = rng.choices(kinds, weights)[0](cast, rng)
        if request is None:
            tally.skipped += 1
            continue
        time.sleep(max(0.0, started + offset - time.perf_counter()))
        due.put((started + offset, request))
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join()
    return tally


def _send(connection: http.client.HTTPConnection, request: Request) -> int | str | None:
    """None for a success (2xx, or a claim lost to another rep: 409); else the status, or the
    name of the error that broke the connection."""
    for attempt in range(2):
        try:
            connection.request(
                request.method, request.path, body=request.body, headers=request.headers
            )
            response = connection.getresponse()
            response.read()
            break
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as broken:
            # The server closed an idle keep-alive connection before this request reached it;
            # a browser opens a new one and sends again, once.
            connection.close()
            if attempt:
                return type(broken).__name__
        except (OSError, http.client.HTTPException) as broken:
            return type(broken).__name__
    if 200 <= response.status < 300 or (request.kind == "claim" and response.status == 409):
        return None
    return response.status
