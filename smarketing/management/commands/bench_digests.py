"""How long the Monday job takes for a big organisation: a thousand people's digests built and
handed to the mail backend by two worker processes, on a database of a million leads.

Not part of the test suite; run it by hand (`manage.py bench_digests`) against a database with
about a million leads. It adds the people it needs, runs the same task code the Celery workers
run (with an in-memory mail backend), prints the time and the queries per digest, and then
deletes everything it added.
"""

import multiprocessing
import statistics
import time
from collections import defaultdict
from datetime import date
from typing import Any

from django.contrib.auth.models import Group
from django.core import mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from digests.models import Digest, DigestPreference, TeamWeek
from digests.selectors import digest_recipients
from digests.services import build_team_week
from digests.tasks import send_digest
from digests.weeks import last_complete_week
from leads.models import Lead

MINIMUM_LEADS = 100_000
TARGET_SECONDS = 60.0
PREFIX = "bench-digest-"
IN_MEMORY_MAIL = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def _role(number: int) -> Role:
    """One manager in twenty; the others half Sales, half Marketing."""
    if number % 20 == 0:
        return Role.MANAGERS
    return Role.SALES if number % 2 else Role.MARKETING


class _QueryCounter:
    """Counts the statements a connection runs, without keeping them (query logging stops at
    9,000 statements)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _send_share(user_ids: list[int], week: str) -> dict[str, Any]:
    """A worker process's share: each person's task, as a Celery worker runs it."""
    connections.close_all()  # never share the parent's connection
    queries: dict[int, int] = {}
    slowest = 0.0
    started = time.perf_counter()
    with override_settings(MAILERS=IN_MEMORY_MAIL):
        mail.outbox = []
        for user_id in user_ids:
            counter = _QueryCounter()
            begun = time.perf_counter()
            with connection.execute_wrapper(counter):
                send_digest.run(user_id, week)
            slowest = max(slowest, time.perf_counter() - begun)
            queries[user_id] = counter.count
        handed = len(mail.outbox)
    connections.close_all()
    return {
        "seconds": time.perf_counter() - started,
        "slowest": slowest,
        "queries": queries,
        "emails": handed,
    }


class Command(BaseCommand):
    help = (
        "Time the weekly digests of many people (1,000 by default) on a big database, with two "
        "worker processes; the people it adds and the digests it builds are deleted afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=1000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--force", action="store_true", help="Run on a database with fewer leads."
        )

    def handle(self, *args: Any, people: int, workers: int, force: bool, **options: Any) -> None:
        leads = Lead.objects.count()
        if leads < MINIMUM_LEADS and not force:
            raise CommandError(
                f"This database has {leads:,} leads; the benchmark is meant for about a million. "
                "Pass --force to run anyway."
            )
        if User.objects.filter(username__startswith=PREFIX).exists():
            raise CommandError(f"Users named {PREFIX}* exist already; an earlier run left them.")
        week = last_complete_week(timezone.now()).first_day
        had_team_week = TeamWeek.objects.filter(week=week).exists()
        first_new_digest = (
            Digest.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        self._add_people(people)
        try:
            self._run(week, workers=workers, leads=leads)
        finally:
            self._clean_up(week, had_team_week=had_team_week, first_new_digest=first_new_digest)

    def _add_people(self, count: int) -> None:
        users = User.objects.bulk_create(
            User(
                username=f"{PREFIX}{number}",
                email=f"{PREFIX}{number}@example.invalid",
                first_name="Bench",
                last_name=str(number),
                password="!",  # noqa: S106  (an unusable password: nobody logs in as them)
            )
            for number in range(count)
        )
        groups = {group.name: group for group in Group.objects.filter(name__in=list(Role))}
        membership = User.groups.through
        membership._default_manager.bulk_create(
            membership(user_id=user.pk, group_id=groups[_role(number)].pk)
            for number, user in enumerate(users)
        )

    def _run(self, week: date, *, workers: int, leads: int) -> None:
        user_ids = list(digest_recipients().values_list("pk", flat=True))
        self.stdout.write(
            f"{len(user_ids):,} people, {leads:,} leads, week of {week}, {workers} workers."
        )
        started = time.perf_counter()
        team_queries = _QueryCounter()
        with connection.execute_wrapper(team_queries):
            build_team_week(week=week)
        team_seconds = time.perf_counter() - started
        connections.close_all()
        shares = [user_ids[index::workers] for index in range(workers)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.starmap(_send_share, [(share, week.isoformat()) for share in shares])
        total = time.perf_counter() - started
        roles = dict(Digest.objects.filter(week=week).values_list("user_id", "role"))
        by_role: dict[str, list[int]] = defaultdict(list)
        for result in results:
            for user_id, count in result["queries"].items():
                by_role[roles.get(user_id, "none")].append(count)
        emails = sum(result["emails"] for result in results)
        self.stdout.write(f"team figures, once: {team_queries.count} queries, {team_seconds:.2f} s")
        for role, counts in sorted(by_role.items()):
            self.stdout.write(
                f"{role:>9}: {len(counts):>5} digests, queries per digest min {min(counts)} "
                f"max {max(counts)} median {statistics.median(counts):.0f}"
            )
        per_worker = ", ".join(f"{result['seconds']:.1f} s" for result in results)
        slowest = max(result["slowest"] for result in results) * 1000
        self.stdout.write(f"slowest single digest: {slowest:.0f} ms")
        line = (
            f"{emails:,} digests built and handed to the mail backend in {total:.1f} s "
            f"(workers: {per_worker}; target < {TARGET_SECONDS:.0f} s)"
        )
        met = emails == len(user_ids) and total < TARGET_SECONDS
        self.stdout.write(
            self.style.SUCCESS(f"met     {line}") if met else self.style.WARNING(f"missed  {line}")
        )

    def _clean_up(self, week: date, *, had_team_week: bool, first_new_digest: int) -> None:
        added = User.objects.filter(username__startswith=PREFIX)
        Digest.objects.filter(week=week, pk__gte=first_new_digest).delete()
        DigestPreference.objects.filter(user__in=added).delete()
        if not had_team_week:
            TeamWeek.objects.filter(week=week).delete()
        deleted, _ = added.delete()
        self.stdout.write(
            f"Cleaned up: the added people and this run's digests ({deleted:,} rows)."
        )
