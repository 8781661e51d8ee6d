"""Which week a digest looks back on, in the organisation's time zone."""

from datetime import datetime

from django.utils import timezone

from funnel.periods import Period, week


def last_complete_week(now: datetime) -> Period:
    """The last whole week (Monday to Sunday, local time) before `now`: from Monday 30
    November until Sunday 6 December, the week of Monday 23 November."""
    return week(timezone.localtime(now).date()).previous()
