"""The weekly digest job: Celery beat starts send_weekly_digests every Monday at 08:00 in the
organisation's time zone; it queues one send_digest per person. Tasks take ids, load fresh data
and are safe to run twice (see digests.services.deliver_digest).

This module calls the services and queues its own tasks; the services never queue a task, so
that the two import in one direction only."""

import logging
from datetime import date

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from digests.models import Digest
from digests.selectors import digest_recipients
from digests.services import (
    build_digest,
    build_preview,
    build_team_week,
    deliver_digest,
    send_preview,
)
from digests.weeks import last_complete_week
from smarketing.outbox import enqueue

logger = logging.getLogger(__name__)

# A refused or timed-out connection to the mail server (smtplib's errors are OSErrors too) is
# retried after 1, 2, 4 ... minutes, for about two hours in all.
retried_task = shared_task(
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=False,
    max_retries=7,
)


@shared_task
def send_weekly_digests(week: str | None = None) -> int:
    """Queue one digest per person for `week` (ISO date of its Monday; by default the last
    whole week). Reads the team's figures once first. Returns how many were queued."""
    monday = date.fromisoformat(week) if week else last_complete_week(timezone.now()).first_day
    build_team_week(week=monday)
    user_ids = list(digest_recipients().values_list("pk", flat=True))
    enqueue(task=send_digest, calls=[[user_id, monday.isoformat()] for user_id in user_ids])
    logger.info("Queued %d digests for the week of %s", len(user_ids), monday)
    return len(user_ids)


@retried_task
def send_digest(user_id: int, week: str) -> str:
    """Build the person's digest for the week (once) and email it (at most once)."""
    user = digest_recipients().filter(pk=user_id).first()
    if user is None:
        return "not a recipient"
    digest = build_digest(user=user, week=date.fromisoformat(week))
    return deliver_digest(digest_id=digest.pk).value


@retried_task
def send_digest_preview(digest_id: int, to_user_id: int) -> bool:
    """Email a digest to a manager who asked to see it."""
    digest = Digest.objects.select_related("user").filter(pk=digest_id).first()
    manager = User.objects.filter(pk=to_user_id, is_active=True).first()
    if digest is None or manager is None or not manager.email:
        return False
    send_preview(digest=digest, to=manager)
    return True


def queue_preview(*, manager: User, user_id: int, week: date) -> Digest:
    """A manager's preview of someone's digest: built now, so that a refusal answers the
    request, and emailed to the manager by a worker once the transaction commits. Raises as
    digests.services.build_preview does."""
    with transaction.atomic():
        digest = build_preview(manager=manager, user_id=user_id, week=week)
        enqueue(task=send_digest_preview, calls=[[digest.pk, manager.pk]])
    return digest
