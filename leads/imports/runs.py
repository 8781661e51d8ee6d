"""The long steps of an import, run by its Celery tasks: the dry run and the landing."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from leads.imports.files import ImportFileError
from leads.imports.landing import StagingLost, land_chunk, prepare
from leads.imports.staging import Outcome, drop_staging, dry_run
from leads.models import ImportBatch, ImportStatus
from smarketing.links import absolute_url

logger = logging.getLogger(__name__)


def check(batch_id: int) -> None:
    """Dry-run a batch waiting to be checked; safe to run twice (it starts again)."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status != ImportStatus.CHECKING:
        return
    with translation.override(batch.created_by.language or settings.LANGUAGE_CODE):
        try:
            with transaction.atomic():
                result = dry_run(batch)
        except ImportFileError as error:
            ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.CHECKING).update(
                status=ImportStatus.FAILED, summary={"error": error.message}
            )
            return
    counts = result.counts
    still_checking = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.CHECKING).update(
        status=ImportStatus.DRY_RUN,
        rows_total=batch.rows_total,
        rows_done=0,
        new_count=counts.get(Outcome.NEW, 0),
        update_count=counts.get(Outcome.UPDATE, 0) + counts.get(Outcome.SKIP, 0),
        repeat_count=counts.get(Outcome.REPEAT, 0),
        error_count=counts.get(Outcome.ERROR, 0),
        error_file=batch.error_file,
        summary={"changes": result.changes, "errors": result.errors},
    )
    if not still_checking:
        # Cancelled while it ran: its rows are not wanted.
        drop_staging(batch_id)


def land(batch_id: int, *, chunk_rows: int | None = None) -> None:
    """Land a confirmed batch chunk by chunk, from the first row not landed yet, until it is
    done or cancelled. A second run (a retry after a killed worker) goes on where it stopped."""
    size = chunk_rows or settings.IMPORT_CHUNK_ROWS
    try:
        prepare(batch_id)
    except StagingLost:
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            summary={"error": "staging_lost"},
        )
        return
    while not land_chunk(batch_id, size=size).last:
        pass
    finish(batch_id)


def finish(batch_id: int) -> None:
    """Close a batch whose landing ended (done or cancelled): free its staging table and tell
    the person who imported it."""
    with transaction.atomic():
        batch = (
            ImportBatch.objects.select_for_update().select_related("created_by").get(pk=batch_id)
        )
        if batch.status == ImportStatus.RUNNING and batch.rows_done >= batch.rows_total:
            batch.status = ImportStatus.DONE
        if batch.status not in (ImportStatus.DONE, ImportStatus.CANCELLED):
            return
        if batch.finished_at is None:
            batch.finished_at = timezone.now()
            transaction.on_commit(lambda: _tell(batch))
        batch.save(update_fields=["status", "finished_at"])
        drop_staging(batch_id)


def _tell(batch: ImportBatch) -> None:
    user = batch.created_by
    if not user.email:
        return
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "batch": batch,
            "url": absolute_url(reverse("import_detail", args=[batch.pk])),
        }
        subject = " ".join(render_to_string("leads/email/import_done_subject.txt", context).split())
        body = render_to_string("leads/email/import_done.txt", context)
    try:
        send_mail(subject, body, None, [user.email])
    except OSError:
        # The import is done whatever the mail server says; its page shows the summary.
        logger.warning("Import %s: the email saying it ended was not sent", batch.pk, exc_info=True)
