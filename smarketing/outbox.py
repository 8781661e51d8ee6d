"""Tasks for the worker that survive a broker outage: a transactional outbox.

A service that needs a task (an email after a mention, a digest) calls `enqueue` inside its
transaction: the task is a row of OutboxTask, committed with the change or rolled back with it.
After the commit, `send_pending` hands it to the broker at once; if the broker (Redis) cannot be
reached, the row stays and the request still succeeds, because the change did commit. Celery
beat runs `smarketing.tasks.send_outbox` every half minute, which sends whatever is waiting
once the broker is back.

A row is deleted when the worker has run its task to the end (success, or failure after the
task's own retries), not when the broker took it: a broker that loses its queue (Redis killed
before it wrote it to disk, unacknowledged messages it could not take back) would otherwise
lose the task. A row sent OUTBOX_RESEND_AFTER_SECONDS ago and still here is sent again.

So a task may run more than once (sent again while still queued, or redelivered by the broker),
and never zero times once its change committed. The tasks are written for that: they take ids
and claim their work in the database, so one mention is emailed once and one digest once.
Each row is sent under its row lock (FOR UPDATE SKIP LOCKED): two senders never send one row
at the same moment.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Task, current_app, signals, states
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from smarketing.models import OutboxTask

logger = logging.getLogger(__name__)

# Rows sent per sweep; the next sweep takes the rest.
SWEEP_BATCH = 500
# Publishing retries once at once (a connection the broker dropped is then replaced); a broker
# that is down leaves the rows to the sweep instead of making people wait.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}
TASK_ID_PREFIX = "outbox-"

type Arguments = Sequence[int | str]


def enqueue(*, task: Task, calls: Iterable[Arguments]) -> None:
    """Run `task` once per argument list in `calls`, after the caller's transaction commits."""
    rows = OutboxTask.objects.bulk_create(
        [OutboxTask(task=task.name, args=list(arguments)) for arguments in calls]
    )
    if rows:
        transaction.on_commit(partial(send_pending, ids=[row.pk for row in rows]), robust=True)


def send_pending(*, ids: Sequence[int] | None = None) -> int:
    """Send the given rows, or every row never sent or sent too long ago, to the broker; how
    many were sent. Stops at the first broker error and leaves the rest for the next sweep."""
    waiting = OutboxTask.objects.order_by("pk").values_list("pk", flat=True)
    waiting = waiting.filter(pk__in=ids) if ids is not None else waiting.filter(_due())
    sent = 0
    for pk in list(waiting[:SWEEP_BATCH]):
        try:
            sent += _send_one(pk)
        except BrokerUnreachable:
            logger.warning(
                "The broker is unreachable: tasks wait in the outbox for the next sweep",
                exc_info=True,
            )
            break
    return sent


def _due() -> Q:
    resend_before = timezone.now() - timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS)
    return Q(sent_at__isnull=True) | Q(sent_at__lt=resend_before)


@transaction.atomic
def _send_one(pk: int) -> int:
    row = OutboxTask.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
    if row is None:
        # Done already, or being sent by another process right now.
        return 0
    task = current_app.tasks.get(row.task)
    if task is None:
        logger.error("Outbox row %s names no known task %r; it is kept", row.pk, row.task)
        return 0
    # Marked first: a task run eagerly (in tests) deletes its row before apply_async returns.
    # A failed publish raises, which rolls the mark back.
    OutboxTask.objects.filter(pk=pk).update(sent_at=timezone.now())
    task.apply_async(args=row.args, task_id=f"{TASK_ID_PREFIX}{row.pk}", retry_policy=PUBLISH_RETRY)
    return 1


@signals.task_postrun.connect
def _forget_finished(task_id: str, state: str, **kwargs: Any) -> None:
    """In the worker: a task from the outbox that ran to its end needs no sending again.
    A retry keeps the task's id and its row, until the last try."""
    if task_id.startswith(TASK_ID_PREFIX) and state in states.READY_STATES:
        OutboxTask.objects.filter(pk=int(task_id.removeprefix(TASK_ID_PREFIX))).delete()
