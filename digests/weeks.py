"""Which week a digest looks back on, in the organisation's time zone."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from funnel.periods import Period, local_midnight, week


def last_complete_week(now: datetime) -> Period:
    """The last whole week (Monday to Sunday, local time) before `now`: from Monday 30
    November until Sunday 6 December, the week of Monday 23 November."""
    return week(timezone.localtime(now).date()).previous()


# When Celery beat starts the weekly job (CELERY_BEAT_SCHEDULE's "weekly-digests", which a test
# holds to these): Monday at 08:00, local time.
DIGEST_HOUR = 8


def digest_due(monday: date) -> datetime:
    """When the digest of the week starting `monday` is built: the Monday after it, 08:00."""
    return local_midnight(monday + timedelta(weeks=1)) + timedelta(hours=DIGEST_HOUR)
