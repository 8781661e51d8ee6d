"""An import landing while the website captures the same emails, and a landing worker killed
mid-way: real threads and a real process on PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Lower

from accounts.models import User
from funnel.models import StageChange
from leads.capture import capture_lead
from leads.imports import runs
from leads.imports.services import confirm_import
from leads.models import Capture, ImportBatch, ImportStatus, Lead
from tests.factories import CaptureFormFactory
from tests.funnel.test_rollup import assert_exact as assert_totals_exact
from tests.leads.imports_steps import checked, csv_file
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _import_root(settings, tmp_path, migrated_data) -> None:
    settings.IMPORT_ROOT = tmp_path


def _file(count: int, domain: str) -> bytes:
    return csv_file(
        *(f"p{i}@{domain},Person {i},Co {i},,,,,," for i in range(count)),
    )


def assert_one_lead_per_email_and_stage_is_last_change() -> None:
    doubled = (
        Lead.objects.annotate(key=Lower("email"))
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubled.exists()
    last = StageChange.objects.filter(lead=OuterRef("pk")).order_by("-at", "-id")
    leads = Lead.objects.annotate(last_stage=Subquery(last.values("to_stage")[:1]))
    assert not leads.exclude(stage_id=F("last_stage")).exists()


def test_captures_during_an_import_make_no_duplicate(marketer: User) -> None:
    rows, captured = 300, range(0, 300, 10)
    batch = checked(_file(rows, "race.test"), actor=marketer)
    assert batch.new_count == rows
    confirm_import(batch=batch, actor=marketer)
    form = CaptureFormFactory.create()

    def capture(part: int) -> int:
        for i in captured[part::3]:
            capture_lead(form=form, details={"full_name": f"Web {i}", "email": f"P{i}@race.test"})
        return part

    def land() -> None:
        runs.land(batch.pk, chunk_rows=25)

    work: list[Callable[[], object]] = [land, *(partial(capture, part) for part in range(3))]
    outcomes = at_once(work)

    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert Lead.objects.count() == rows
    assert Capture.objects.count() == len(captured)
    # Each captured email is one lead, created by whichever came first.
    captured_first = Capture.objects.filter(created_lead=True).count()
    assert batch.created_count + captured_first == rows
    assert_one_lead_per_email_and_stage_is_last_change()
    assert_totals_exact()


def test_a_killed_worker_goes_on_where_it_stopped(marketer: User) -> None:
    rows = 2000
    batch = checked(_file(rows, "kill.test"), actor=marketer)
    confirm_import(batch=batch, actor=marketer)
    worker = _landing_process(batch.pk, chunk_rows=30)
    deadline = time.monotonic() + 120
    try:
        while ImportBatch.objects.get(pk=batch.pk).rows_done < 400:
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, "the landing made no progress"
            time.sleep(0.02)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

    batch.refresh_from_db()
    assert batch.rows_done < rows, "the worker finished before it was killed"
    # Killed mid-chunk: what committed is whole chunks, and every lead has its history.
    assert Lead.objects.count() == batch.rows_done
    assert Lead.objects.filter(stage_changes__isnull=True).count() == 0

    runs.land(batch.pk, chunk_rows=30)

    batch.refresh_from_db()
    assert (batch.status, batch.rows_done, batch.created_count) == ("done", rows, rows)
    assert Lead.objects.count() == rows
    assert_one_lead_per_email_and_stage_is_last_change()
    assert_totals_exact()


def _landing_process(batch_id: int, *, chunk_rows: int) -> subprocess.Popen[bytes]:
    """A separate process landing the batch on the test database, as a Celery worker would."""
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "DJANGO_SETTINGS_MODULE": "smarketing.settings",
    }
    code = (
        "import django; django.setup(); from leads.imports import runs; "
        f"runs.land({int(batch_id)}, chunk_rows={int(chunk_rows)})"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
