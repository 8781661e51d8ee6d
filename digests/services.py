"""Building, storing and sending weekly digests.

A digest is built once per (person, week), under the database's unique constraint, and emailed
at most once. Sending follows a claim protocol (deliver_digest) so that running the weekly job
twice, two deliveries of one task at the same time, or a task redelivered after its worker died
never email one person twice for one week.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.roles import roles_of
from digests.access import NO_DIGEST_ROLE_REFUSAL, digest_role, require_preview
from digests.content import CURRENT_VERSION, current_team
from digests.emails import digest_message
from digests.models import Digest, DigestPreference, SendStatus, TeamWeek
from digests.selectors import (
    Week,
    digest_recipients,
    personal_sections,
    team_sections,
    week_of,
)
from digests.weeks import last_complete_week
from smarketing.errors import DomainError

logger = logging.getLogger(__name__)

# The first key of the PostgreSQL advisory locks held while a digest is being sent (the second
# is the digest's id), so that they cannot clash with locks taken for anything else.
_SEND_LOCK_SPACE = 0x0D16


class NoDigestRole(DomainError):
    code = "no_digest_role"


def build_team_week(*, week: date, now: datetime | None = None) -> TeamWeek:
    """The team's figures for `week`, read the first time anyone asks and kept."""
    return _team_week(week_of(week, now=now or timezone.now()))


def _team_week(period: Week) -> TeamWeek:
    existing = TeamWeek.objects.filter(week=period.monday).first()
    if existing is not None:
        return existing
    content = team_sections(period)
    try:
        with transaction.atomic():
            return TeamWeek.objects.create(
                week=period.monday,
                content=content,
                content_version=CURRENT_VERSION,
                built_at=period.now,
            )
    except IntegrityError:  # built meanwhile by another worker: everyone shares the first
        return TeamWeek.objects.get(week=period.monday)


def build_digest(*, user: User, week: date, now: datetime | None = None) -> Digest:
    """The person's digest for `week`: built the first time, then always the same row.

    Raises NoDigestRole for someone in no team. A fixed number of queries, whatever the number
    of leads."""
    existing = Digest.objects.filter(user=user, week=week).first()
    if existing is not None:
        return existing
    role = digest_role(roles_of(user))
    if role is None:
        raise NoDigestRole(str(NO_DIGEST_ROLE_REFUSAL) % {"name": user})
    period = week_of(week, now=now or timezone.now())
    team = _team_week(period)
    content = {
        # Read in the current shape: a team week may have been built by the release before.
        "team": current_team(team.content, version=team.content_version),
        "me": personal_sections(period, user=user, role=role),
    }
    try:
        with transaction.atomic():
            return Digest.objects.create(
                user=user,
                week=week,
                role=role,
                content=content,
                content_version=CURRENT_VERSION,
                built_at=period.now,
            )
    except IntegrityError:  # the same digest built meanwhile (a task delivered twice)
        return Digest.objects.get(user=user, week=week)


def wants_digest_email(user: User) -> bool:
    preference = DigestPreference.objects.filter(user=user).first()
    return preference is None or preference.email


@transaction.atomic
def set_digest_email(*, user: User, enabled: bool) -> DigestPreference:
    """Turn the person's digest email on or off; their digests stay readable in the app."""
    preference, _created = DigestPreference.objects.update_or_create(
        user=user, defaults={"email": enabled}
    )
    return preference


class Delivery(StrEnum):
    SENT = "sent"
    ALREADY_DONE = "already done"
    BUSY = "being sent by another worker"
    OPTED_OUT = "opted out"
    INTERRUPTED = "interrupted earlier"


@contextmanager
def _send_lock(digest_id: int) -> Iterator[bool]:
    """A session-level advisory lock on the digest, held while it is being sent.

    PostgreSQL releases it when its connection closes, also when the worker holding it is
    killed: so whoever gets the lock knows that nobody is sending this digest right now."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_SEND_LOCK_SPACE, digest_id])
        (acquired,) = cursor.fetchone()
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_SEND_LOCK_SPACE, digest_id])


def deliver_digest(*, digest_id: int) -> Delivery:
    """Email a digest to its person, at most once, whoever calls and however often.

    1. Take the digest's send lock; if another worker holds it, that worker is sending: leave.
    2. Claim the send in the database: pending or failed -> sending, committed at once.
    3. Hand the email to the mail backend, then mark the digest sent.

    The crash window lies between 2 and 3: a worker killed there leaves the digest 'sending'
    with its lock released. The email may or may not have gone out, and the issue demands never
    two, so this is at-most-once: whoever next finds the digest 'sending' and unlocked marks it
    'interrupted' (with the reason, for the admin) instead of sending it again. A refused send
    (the mail server down) marks it 'failed' and raises, and the task retries it later.
    Must not run inside a transaction: each step commits on its own."""
    with _send_lock(digest_id) as acquired:
        if not acquired:
            return Delivery.BUSY
        digest = Digest.objects.select_related("user").get(pk=digest_id)
        retryable = [SendStatus.PENDING, SendStatus.FAILED]
        if not wants_digest_email(digest.user) or not digest.user.email:
            Digest.objects.filter(pk=digest_id, status__in=retryable).update(
                status=SendStatus.OPTED_OUT,
                last_error="" if digest.user.email else "The person has no email address.",
            )
            return Delivery.OPTED_OUT
        claimed = Digest.objects.filter(pk=digest_id, status__in=retryable).update(
            status=SendStatus.SENDING, attempts=F("attempts") + 1
        )
        if not claimed:
            return _after_a_crash(digest_id)
        try:
            digest_message(digest, recipient=digest.user).send()
        except Exception as error:
            Digest.objects.filter(pk=digest_id).update(
                status=SendStatus.FAILED, last_error=f"{type(error).__name__}: {error}"[:2000]
            )
            raise
        Digest.objects.filter(pk=digest_id).update(
            status=SendStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        return Delivery.SENT


def _after_a_crash(digest_id: int) -> Delivery:
    """Not claimable: sent or opted out already, or left 'sending' by a worker that died."""
    interrupted = Digest.objects.filter(pk=digest_id, status=SendStatus.SENDING).update(
        status=SendStatus.INTERRUPTED,
        last_error=(
            "A worker stopped while sending this digest, so it may or may not have gone out. "
            "It is not sent again automatically, so that nobody gets it twice."
        ),
    )
    if interrupted:
        logger.warning("Digest %s was interrupted while being sent", digest_id)
        return Delivery.INTERRUPTED
    return Delivery.ALREADY_DONE


def send_preview(*, digest: Digest, to: User) -> None:
    """Email `digest` to `to` (a manager looking at someone's digest); its own status stays."""
    digest_message(digest, recipient=to, preview=True).send()


def build_recent_digests(*, weeks: int, now: datetime | None = None) -> int:
    """Everyone's digests of the last `weeks` whole weeks that are missing, built as the Monday
    job builds them but not emailed (they stay pending): so that a new installation filled with
    demo data has digests to read at once. Returns how many were built."""
    now = now or timezone.now()
    newest = last_complete_week(now).first_day
    mondays = [newest - timedelta(weeks=number) for number in range(weeks)]
    built = 0
    for person in digest_recipients():
        existing = set(Digest.objects.filter(user=person).values_list("week", flat=True))
        for monday in mondays:
            if monday not in existing:
                build_digest(user=person, week=monday, now=now)
                built += 1
    return built


@transaction.atomic
def build_preview(*, manager: User, user_id: int, week: date) -> Digest:
    """The person's digest for `week`, built if need be, for `manager` to read on its page or
    by email (digests.tasks.queue_preview sends it). Raises NotAllowed for anyone but a manager,
    NoDigestRole for a person without a digest, User.DoesNotExist for nobody."""
    require_preview(manager)
    person = digest_recipients().get(pk=user_id)
    return build_digest(user=person, week=week)
