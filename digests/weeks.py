"""Which week a digest looks back on, in the organisation's time zone."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def last_complete_week(now: datetime) -> date:
    """The Monday that starts the last whole week before `now` (local time): on Monday 30
    November, and until Sunday 6 December, that is Monday 23 November."""
    today = timezone.localtime(now).date()
    return today - timedelta(days=today.weekday() + 7)


def week_bounds(week: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, local time, as aware datetimes."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(week, time.min, tzinfo=zone)
    end = datetime.combine(week + timedelta(days=7), time.min, tzinfo=zone)
    return start, end
