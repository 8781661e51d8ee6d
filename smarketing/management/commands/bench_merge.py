"""Time merging two leads of one person with long timelines (issue 15: under 200 ms for two leads
with 2,000 timeline entries each), through the service and through the API, with the same SQL
run straight on a cursor beside them.

Each round builds two leads in the funnel (the older one moved on, so that its history goes
before the other's) with `--entries` notes and calls each, a tenth of them mentioning the
manager, then merges the same pair three ways, each in a savepoint rolled back: the service
(leads.merge.merge_leads), POST /api/v1/leads/{id}/merge/ through Django's whole stack, and the
statements the service sent, replayed on the driver's cursor. Everything runs in one
transaction that is rolled back at the end: the database is left as it was found.

`DATABASE_URL=... manage.py bench_merge --rounds 20` (on a database of its own or a benchmark
one: it reads no other lead, so the size of the database changes little).
"""

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.roles import Role
from funnel.models import Stage, WellKnownStage
from funnel.services import enter_funnel, move_lead
from leads.merge import merge_leads
from leads.models import Activity, Lead, Source

TARGET_MS = 200.0


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _manager() -> User:
    """A manager to merge as: the first active one, else one made for the run (rolled back)."""
    group = Group.objects.get(name=Role.MANAGERS.value)
    found = group.user_set.filter(is_active=True).order_by("pk").first()
    if found is not None:
        return found
    made = User.objects.create_user(username="bench-merge-manager", first_name="Bench")
    made.groups.add(group)
    return made


def _lead(run: str, which: str, manager: User) -> Lead:
    lead = Lead(
        full_name=f"Bench {which} {run}",
        email=f"{which}-{run}@bench-merge.invalid",
        company=f"Bench {run}" if which == "new" else "",
        phone="+34 600 000 000" if which == "old" else "",
        source=Source.OTHER,
        marketing_owner=manager,
    )
    return enter_funnel(lead=lead, actor=manager)


def _timeline(lead: Lead, entries: int, manager: User) -> None:
    """`entries` notes and calls on the lead in one INSERT, a tenth mentioning the manager."""
    activity, mention = Activity._meta.db_table, "leads_mention"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {activity} (lead_id, kind, author_id, body, message, created_at)"  # noqa: S608
            " SELECT %s, CASE WHEN n %% 3 = 0 THEN 'call' ELSE 'note' END, %s,"
            "  'Entry ' || n || ' about the bench lead', '[]'::jsonb,"
            "  now() - n * interval '1 hour'"
            " FROM generate_series(1, %s) AS n",
            [lead.pk, manager.pk, entries],
        )
        cursor.execute(
            f"INSERT INTO {mention} (activity_id, user_id, created_at)"  # noqa: S608
            f" SELECT id, %s, created_at FROM {activity} WHERE lead_id = %s AND id %% 10 = 0",
            [manager.pk, lead.pk],
        )


def _pair(run: str, entries: int, manager: User) -> tuple[Lead, Lead]:
    """The old record, moved on to Working, and the new one logged after it."""
    old = _lead(run, "old", manager)
    working = Stage.objects.get(slug=WellKnownStage.WORKING)
    move_lead(lead_id=old.pk, to_stage_id=working.pk, actor=manager)
    new = _lead(run, "new", manager)
    for lead in (old, new):
        _timeline(lead, entries, manager)
    return new, old


def _in_savepoint(work: Callable[[], object]) -> float:
    """Milliseconds `work` takes, its changes rolled back."""
    sid = transaction.savepoint_create()
    started = time.perf_counter()
    work()
    elapsed = (time.perf_counter() - started) * 1000
    transaction.savepoint_rollback(sid)
    return elapsed


def _replay(statements: list[str]) -> None:
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the driver's cursor, without Django's wrapping
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()


def _timeline_size(lead: Model) -> int:
    return Activity.objects.filter(lead_id=lead.pk).count()


class Command(BaseCommand):
    help = "Time merging two leads with long timelines: the service, the API and their SQL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rounds", type=int, default=20, help="Pairs merged (default 20).")
        parser.add_argument(
            "--entries",
            type=int,
            default=2000,
            help="Timeline entries of each of the two leads (default 2,000).",
        )

    def handle(self, *args: Any, rounds: int, entries: int, **options: Any) -> None:
        if rounds < 1 or entries < 0:
            raise CommandError("--rounds must be at least 1 and --entries at least 0.")
        service_ms: list[float] = []
        api_ms: list[float] = []
        raw_ms: list[float] = []
        queries = api_queries = 0
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts), transaction.atomic():
            manager = _manager()
            client = Client()
            client.force_login(manager)
            # A first round, not counted, warms what a running server has warm (the URL
            # resolver, the serializers, the statements' plans).
            for round_ in range(-1, rounds):
                survivor, other = _pair(str(round_), entries, manager)
                sizes = (_timeline_size(survivor), _timeline_size(other))
                merge = partial(
                    merge_leads, survivor_id=survivor.pk, other_id=other.pk, actor=manager
                )
                # A first merge, not timed, writes down the statements to replay and reads
                # the freshly written rows once (setting their hint bits), so that each timed
                # way finds them as the others do.
                with CaptureQueriesContext(connection) as issued:
                    _in_savepoint(merge)
                # The savepoint's own statements are not the merge's.
                statements = [
                    query["sql"]
                    for query in issued.captured_queries
                    if "SAVEPOINT" not in query["sql"]
                ]
                queries = len(statements)
                service_took = _in_savepoint(merge)
                raw_took = _in_savepoint(partial(_replay, statements))
                with CaptureQueriesContext(connection) as over_http:
                    api_took = _in_savepoint(partial(self._post, client, survivor, other))
                if round_ >= 0:
                    service_ms.append(service_took)
                    raw_ms.append(raw_took)
                    api_ms.append(api_took)
                api_queries = len(
                    [q for q in over_http.captured_queries if "SAVEPOINT" not in q["sql"]]
                )
            client.logout()
            transaction.set_rollback(True)
        self.stdout.write(
            f"{rounds} pairs of leads with {sizes[0]:,} and {sizes[1]:,} timeline entries"
            f" (and {entries // 10:,} mentions each) on {connection.settings_dict['NAME']};"
            " all rolled back."
        )
        header = f"{'case':<24}  {'queries':>7}  {'median ms':>9}  {'p95 ms':>7}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for name, count, samples in (
            ("merge (service)", queries, service_ms),
            ("merge (API, POST)", api_queries, api_ms),
            ("its SQL, on a cursor", queries, raw_ms),
        ):
            self.stdout.write(
                f"{name:<24}  {count:>7}  {statistics.median(samples):>9.1f}  {p95(samples):>7.1f}"
            )
        ratio = statistics.median(service_ms) / statistics.median(raw_ms)
        self.stdout.write(f"service / SQL: {ratio:.2f}")
        for name, samples in (("service", service_ms), ("API", api_ms)):
            slowest = p95(samples)
            line = f"merge through the {name}: p95 {slowest:.1f} ms (target < {TARGET_MS:.0f})"
            if slowest < TARGET_MS:
                self.stdout.write(self.style.SUCCESS(f"met     {line}"))
            else:
                self.stdout.write(self.style.WARNING(f"missed  {line}"))

    def _post(self, client: Client, survivor: Lead, other: Lead) -> None:
        response = client.post(
            f"/api/v1/leads/{survivor.pk}/merge/",
            {"other": other.pk},
            content_type="application/json",
            secure=True,
        )
        if response.status_code != 200:
            raise CommandError(f"The API answered {response.status_code}: {response.content!r}")
