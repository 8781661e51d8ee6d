"""How fast the downloads stream on a big database, over HTTP against the production server,
and how much memory the server holds meanwhile, beside a plain COPY of the same rows.

Starts gunicorn as the container does (docker/gunicorn_conf.py), one worker process with
threads (a threaded worker keeps answering its heartbeat while a long download streams; a sync
worker is stopped after gunicorn's 30-second timeout), then downloads, as a manager with a
personal API token, the lead list as CSV and as XLSX and the whole archive, reading each to its
end. For each: seconds, rows per second, megabytes, and the server worker's peak resident memory
(psutil, sampled every 50 ms) against its memory before. Then COPY (SELECT ...) TO STDOUT of the
same rows, straight on a database cursor, as the floor.

Not part of the test suite: run it by hand against a database with many leads, e.g.
`DATABASE_URL=... manage.py seed_demo --leads 1000000 --shape skewed` then
`DATABASE_URL=... manage.py bench_export`.
"""

import http.client
import threading
import time
from dataclasses import dataclass
from typing import Any

import psutil
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.tokens import create_token, revoke_token
from funnel.models import StageChange
from leads.models import Activity, Lead, Mention
from smarketing.management.serving import (
    served_environment,
    start_gunicorn,
    stop,
    wait_until_up,
)

TARGET_ROWS_PER_SECOND = 50_000
READ_BYTES = 1024 * 1024
SAMPLE_SECONDS = 0.05
MEGABYTE = 1024 * 1024
TOKEN_NAME = "bench_export"  # noqa: S105 (a token's name, not its secret)
ARCHIVE_TABLES = (Lead, StageChange, Activity, Mention)


@dataclass(frozen=True)
class Download:
    name: str
    path: str
    rows: int
    seconds: float
    first_byte: float
    size: int
    rss_before: int
    rss_peak: int
    status: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


class MemorySampler(threading.Thread):
    """The highest resident memory of the server's worker processes while running."""

    def __init__(self, server_pid: int) -> None:
        super().__init__(daemon=True)
        self.server = psutil.Process(server_pid)
        self.peak = 0
        self.running = threading.Event()
        self.running.set()

    def current(self) -> int:
        total = 0
        for worker in self.server.children(recursive=True):
            try:
                total += worker.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def run(self) -> None:
        while self.running.is_set():
            self.peak = max(self.peak, self.current())
            time.sleep(SAMPLE_SECONDS)

    def stop(self) -> int:
        self.running.clear()
        self.join()
        return self.peak


def _copy_seconds(sql: str) -> tuple[float, int]:
    """A plain COPY of `sql`'s rows to this process, read to the end: the floor."""
    started, size = time.perf_counter(), 0
    with connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            size += len(block)
    return time.perf_counter() - started, size


class Command(BaseCommand):
    help = "Measure the lead list's CSV and XLSX downloads and the archive over HTTP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8732)
        parser.add_argument("--threads", type=int, default=4, help="threads of the one worker")
        parser.add_argument(
            "--skip-xlsx", action="store_true", help="leave out the XLSX file (the slow one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        manager = User.objects.filter(groups__name=Role.MANAGERS, is_active=True).first()
        if manager is None:
            raise CommandError("No active manager to download as: run seed_demo first.")
        leads = Lead.objects.count()
        archive_rows = sum(model._default_manager.count() for model in ARCHIVE_TABLES)
        cases = [("CSV", reverse("api:lead_export_csv"), leads)]
        if not options["skip_xlsx"]:
            cases.append(("XLSX", reverse("api:lead_export_xlsx"), leads))
        cases.append(("archive", reverse("api:export_archive"), archive_rows))
        port = options["port"]
        token = create_token(user=manager, name=f"{TOKEN_NAME} {time.time_ns()}")
        server = start_gunicorn(
            environment=served_environment(port=port, workers=1),
            port=port,
            threads=options["threads"],
        )
        try:
            wait_until_up(port, server)
            self.stdout.write(f"{leads:,} leads, {archive_rows:,} rows in the archive's tables")
            self._download(port, token.secret, server.pid, *cases[0])  # warm the worker
            results = [self._download(port, token.secret, server.pid, *case) for case in cases]
        finally:
            stop(server)
            revoke_token(user=manager, token_id=token.token.pk)
        self._report(results, leads)

    def _download(
        self, port: int, secret: str, pid: int, name: str, path: str, rows: int
    ) -> Download:
        sampler = MemorySampler(pid)
        before = sampler.current()
        sampler.start()
        connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        started = time.perf_counter()
        connection_.request("GET", path, headers={"Authorization": f"Bearer {secret}"})
        response = connection_.getresponse()
        first_byte = time.perf_counter() - started
        size = 0
        while block := response.read(READ_BYTES):
            size += len(block)
        seconds = time.perf_counter() - started
        connection_.close()
        peak = sampler.stop()
        return Download(name, path, rows, seconds, first_byte, size, before, peak, response.status)

    def _report(self, results: list[Download], leads: int) -> None:
        lead_sql = f"SELECT * FROM {Lead._meta.db_table} ORDER BY created_at DESC, id DESC"  # noqa: S608
        copy_seconds, copy_size = _copy_seconds(lead_sql)
        tables = [model._meta.db_table for model in ARCHIVE_TABLES]
        archive_copy = [_copy_seconds(f"SELECT * FROM {table} ORDER BY id") for table in tables]  # noqa: S608
        archive_seconds = sum(seconds for seconds, _ in archive_copy)
        lines = [
            "",
            f"{'download':<10}{'rows':>12}{'seconds':>10}{'rows/s':>11}{'first byte':>12}"
            f"{'MB sent':>10}{'RSS before':>12}{'RSS peak':>10}",
        ]
        for result in results:
            lines.append(
                f"{result.name:<10}{result.rows:>12,}{result.seconds:>10.2f}"
                f"{result.rows_per_second:>11,.0f}{result.first_byte:>11.2f}s"
                f"{result.size / MEGABYTE:>10.1f}{result.rss_before / MEGABYTE:>10.0f}MB"
                f"{result.rss_peak / MEGABYTE:>8.0f}MB"
                + ("" if result.status == 200 else f"  HTTP {result.status}")
            )
        lines += [
            "",
            f"plain COPY of the leads:       {copy_seconds:.2f} s, {leads / copy_seconds:,.0f} "
            f"rows/s, {copy_size / MEGABYTE:.1f} MB",
            f"plain COPY of the archive's 4 tables: {archive_seconds:.2f} s",
        ]
        csv_result = results[0]
        lines.append(
            f"CSV over HTTP / plain COPY: {csv_result.seconds / copy_seconds:.2f}x; target "
            f"{TARGET_ROWS_PER_SECOND:,} rows/s: "
            + ("met" if csv_result.rows_per_second >= TARGET_ROWS_PER_SECOND else "NOT met")
        )
        archive = results[-1]
        lines.append(f"archive over HTTP / plain COPY: {archive.seconds / archive_seconds:.2f}x")
        self.stdout.write("\n".join(lines))
        if any(result.status != 200 for result in results):
            raise CommandError("A download did not answer 200.")
