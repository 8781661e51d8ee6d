"""How fast an import runs end to end, beside the database's own fastest path, in one run.

Writes a CSV of --rows rows and 20 columns (a Spanish Excel export: semicolons, decimal commas,
Windows-1252, a history date per lead; bench_import_files.write_csv), then measures:
- a plain COPY of the same file into a bare table of 20 text columns (the floor);
- the upload (reading the header, first rows and column values) and the dry run (every row read,
  staged by COPY, checked and mapped in SQL);
- the landing, in a separate worker process (`runs.land`, what the Celery task runs), in rows/s
  and against the plain COPY; the worker's peak RSS;
- the lead list's p95 (in this process, which plays the web server) while the landing runs
  against its p95 idle; this process's peak RSS.
Then undoes the import (timed), unless --keep. Targets (issue 15, at a million rows): dry run
under 60 s, landing >= 20,000 rows/s and within 3x of the plain COPY, RSS under 500 MB, the lead
list's p95 during the import at most 2x idle.

Not part of the test suite; run it by hand on a database of its own, e.g.
`manage.py bench_import --rows 1000000`.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from psycopg import sql

from accounts.models import User
from accounts.roles import Role
from leads.imports import runs
from leads.imports.services import (
    MappingChoice,
    confirm_import,
    set_mapping,
    start_dry_run,
    undo_import,
    upload_import,
)
from leads.models import ImportBatch, ImportStatus
from smarketing.management.commands.bench import p95
from smarketing.management.commands.bench_import_files import HEADER, write_csv

BARE_TABLE = "bench_import_bare_copy"
IDLE_REQUESTS = 30


class Command(BaseCommand):
    help = "Time an import's dry run and landing beside a plain COPY of the same file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--keep", action="store_true", help="Keep the imported leads.")

    def handle(self, *args: object, rows: int, keep: bool, **options: object) -> None:
        person = self._people()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "leads.csv"
            started = time.perf_counter()
            write_csv(path, rows)
            size_mb = path.stat().st_size / 1024**2
            self.stdout.write(
                f"{rows:,} rows x {len(HEADER)} columns, {size_mb:.0f} MB, written in "
                f"{time.perf_counter() - started:.1f} s; "
                f"database {connection.settings_dict['NAME']}"
            )
            copy_seconds = self._plain_copy(path)
            self.stdout.write(
                f"plain COPY into a bare table: {copy_seconds:.1f} s = "
                f"{rows / copy_seconds:,.0f} rows/s"
            )
            with override_settings(IMPORT_ROOT=Path(folder) / "stored"):
                batch = self._dry_run(path, person, rows)
                self._land(batch, person, rows, copy_seconds)
                if not keep:
                    started = time.perf_counter()
                    undo_import(batch=batch, actor=person)
                    self.stdout.write(f"undo: {time.perf_counter() - started:.1f} s")

    def _people(self) -> User:
        """A manager to import as, and the owners the file names (ana, tomas)."""
        manager, _ = User.objects.get_or_create(username="bench-import-manager")
        manager.groups.add(*_groups(Role.MANAGERS))
        User.objects.get_or_create(username="ana")[0].groups.add(*_groups(Role.MARKETING))
        User.objects.get_or_create(username="tomas")[0].groups.add(*_groups(Role.SALES))
        return manager

    def _plain_copy(self, path: Path) -> float:
        """COPY the file's bytes into a bare UNLOGGED table: what PostgreSQL does at best."""
        columns = sql.SQL(", ").join(sql.SQL(f"c{i} text") for i in range(len(HEADER)))
        table = sql.Identifier(BARE_TABLE)
        connection.ensure_connection()
        pg = connection.connection
        with pg.cursor() as cursor:
            cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            cursor.execute(sql.SQL("CREATE UNLOGGED TABLE {} ({})").format(table, columns))
            started = time.perf_counter()
            statement = sql.SQL(
                "COPY {} FROM STDIN (FORMAT csv, HEADER, DELIMITER ';', ENCODING 'WIN1252')"
            ).format(table)
            with cursor.copy(statement) as copy, path.open("rb") as source:
                while block := source.read(1 << 20):
                    copy.write(block)
            seconds = time.perf_counter() - started
            cursor.execute(sql.SQL("DROP TABLE {}").format(table))
        return seconds

    def _dry_run(self, path: Path, person: User, rows: int) -> ImportBatch:
        started = time.perf_counter()
        with path.open("rb") as stream:
            upload = UploadedFile(stream, name="leads.csv", size=path.stat().st_size)
            batch = upload_import(upload=upload, actor=person)
        uploaded = time.perf_counter() - started
        columns = {int(i): field for i, field in batch.mapping["columns"].items()}
        choice = MappingChoice(columns=columns, values=batch.mapping["values"], policy="fill_empty")
        set_mapping(batch=batch, choice=choice, actor=person)
        start_dry_run(batch=batch, actor=person)
        started = time.perf_counter()
        runs.check(batch.pk)
        checked = time.perf_counter() - started
        batch.refresh_from_db()
        if batch.status != ImportStatus.DRY_RUN:
            raise CommandError(f"The dry run ended {batch.status}: {batch.summary}")
        self.stdout.write(
            f"upload (header, first rows, column values): {uploaded:.1f} s; "
            f"dry run: {checked:.1f} s = {rows / checked:,.0f} rows/s (target < 60 s at 1M); "
            f"{batch.new_count:,} new, {batch.update_count:,} updates, "
            f"{batch.repeat_count:,} repeats, {batch.error_count:,} errors"
        )
        return batch

    def _land(self, batch: ImportBatch, person: User, rows: int, copy_seconds: float) -> None:
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            client = Client()
            client.force_login(person)
            url = reverse("lead_list")
            idle = [_timed_get(client, url) for _ in range(IDLE_REQUESTS)]
            confirm_import(batch=batch, actor=person)
            worker, started = _worker(batch.pk), time.perf_counter()
            process, worker_peak, busy = psutil.Process(worker.pid), 0.0, []
            while worker.poll() is None:
                worker_peak = max(worker_peak, _rss_mb(process))
                busy.append(_timed_get(client, url))
            landed = time.perf_counter() - started
            client.logout()
        if worker.returncode != 0:
            raise CommandError(
                f"The worker failed: {worker.stderr.read().decode() if worker.stderr else ''}"
            )
        batch.refresh_from_db()
        rate = batch.rows_done / landed
        self.stdout.write(
            f"import (worker process, chunks of {settings.IMPORT_CHUNK_ROWS:,}): {landed:.1f} s = "
            f"{rate:,.0f} rows/s (target >= 20,000); {landed / copy_seconds:.1f}x the plain COPY "
            f"(target <= 3x); {batch.created_count:,} created, {batch.updated_count:,} updated"
        )
        self.stdout.write(
            f"peak RSS: worker {worker_peak:.0f} MB, web (this process) "
            f"{_rss_mb(psutil.Process(os.getpid())):.0f} MB now (target < 500 MB)"
        )
        self.stdout.write(
            f"lead list: p95 idle {p95(idle):.0f} ms (median {statistics.median(idle):.0f}), "
            f"during the import {p95(busy):.0f} ms over {len(busy)} requests "
            f"(median {statistics.median(busy):.0f}); {p95(busy) / p95(idle):.1f}x (target <= 2x)"
        )


def _groups(role: Role) -> list[Group]:
    return [Group.objects.get_or_create(name=role.value)[0]]


def _timed_get(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise CommandError(f"GET {url} answered {response.status_code}, not 200.")
    return (time.perf_counter() - started) * 1000


def _rss_mb(process: psutil.Process) -> float:
    try:
        return float(process.memory_info().rss) / 1024**2
    except psutil.NoSuchProcess:
        return 0.0


def _worker(batch_id: int) -> subprocess.Popen[bytes]:
    """The landing in a process of its own, as the Celery worker runs it."""
    code = f"from leads.imports import runs; runs.land({int(batch_id)})"
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": _database_url()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _database_url() -> str:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}"
    )
