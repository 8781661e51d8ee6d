"""What the import pages read: the latest batches, and how far one has come."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from leads.models import ImportBatch, ImportStatus

LATEST = 20


def latest_batches() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("created_by").order_by("-created_at", "-id")[:LATEST]


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    percent: int
    rows_per_second: int
    seconds_left: int | None


def progress(batch: ImportBatch, *, now: datetime) -> Progress:
    """Rows landed of the file's rows, the rate since the landing started, and the time left
    at that rate (None until there is a rate)."""
    total = max(batch.rows_total, 1)
    percent = min(100, batch.rows_done * 100 // total)
    rate = 0
    if batch.started_at is not None and batch.rows_done:
        end = batch.finished_at or now
        rate = int(batch.rows_done / max((end - batch.started_at).total_seconds(), 0.001))
    left = None
    if rate and batch.status == ImportStatus.RUNNING:
        left = int((batch.rows_total - batch.rows_done) / rate)
    return Progress(
        done=batch.rows_done,
        total=batch.rows_total,
        percent=percent,
        rows_per_second=rate,
        seconds_left=left,
    )
