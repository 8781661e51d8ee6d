"""The periods revenue goals are set for and the dashboard and the digest report on: calendar
months, quarters and weeks, in the organisation's time zone (a lead won at 23:30 local time on
the last day counts in it)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from funnel.models import PeriodKind
from smarketing.bounds import PERIOD_YEAR

WEEK = "week"


def local_midnight(day: date) -> datetime:
    """The start of `day` in the organisation's time zone."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    """The days from `first_day` up to, not including, `end_day`."""

    kind: str
    first_day: date
    end_day: date

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return local_midnight(self.end_day)

    @property
    def last_day(self) -> date:
        return self.end_day - timedelta(days=1)

    @property
    def key(self) -> str:
        """How the period is written in a URL: 2026-11, 2026-Q4 or 2026-11-23 (a week)."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.first_day:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.first_day.year}-Q{(self.first_day.month - 1) // 3 + 1}"
        return self.first_day.isoformat()

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return date_format(self.first_day, "YEAR_MONTH_FORMAT")
        if self.kind == PeriodKind.QUARTER:
            return gettext("Q%(quarter)d %(year)d") % {
                "quarter": (self.first_day.month - 1) // 3 + 1,
                "year": self.first_day.year,
            }
        return gettext("Week of %(day)s") % {"day": date_format(self.first_day, "DATE_FORMAT")}

    def elapsed(self, now: datetime) -> float:
        """The share of the period that has passed at `now`, from 0 to 1."""
        total = (self.end - self.start).total_seconds()
        passed = (min(max(now, self.start), self.end) - self.start).total_seconds()
        return passed / total

    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=offset)
            for offset in range((self.end_day - self.first_day).days)
        ]

    def previous(self) -> "Period":
        return period_containing(self.first_day - timedelta(days=1), kind=self.kind)

    def next(self) -> "Period":
        return period_containing(self.end_day, kind=self.kind)


def month(year: int, number: int) -> Period:
    first = date(year, number, 1)
    end = date(year + number // 12, number % 12 + 1, 1)
    return Period(kind=PeriodKind.MONTH, first_day=first, end_day=end)


def quarter(year: int, number: int) -> Period:
    first = date(year, 3 * (number - 1) + 1, 1)
    end = date(year + number // 4, (3 * number) % 12 + 1, 1)
    return Period(kind=PeriodKind.QUARTER, first_day=first, end_day=end)


def week(monday: date) -> Period:
    first = monday - timedelta(days=monday.weekday())
    return Period(kind=WEEK, first_day=first, end_day=first + timedelta(days=7))


def period_containing(day: date, *, kind: str) -> Period:
    if kind == PeriodKind.MONTH:
        return month(day.year, day.month)
    if kind == PeriodKind.QUARTER:
        return quarter(day.year, (day.month - 1) // 3 + 1)
    return week(day)


_KEYS = (
    (re.compile(r"^(\d{4})-Q([1-4])$"), lambda m: quarter(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-(\d{2})$"), lambda m: month(int(m[1]), int(m[2]))),
    (
        re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
        lambda m: week(date(int(m[1]), int(m[2]), int(m[3]))),
    ),
)


def parse_period(key: str) -> Period | None:
    """The period a URL names, or None for anything that is not one, or one too far from now
    for its neighbours and its times to exist (year 1 has no period before it)."""
    for pattern, build in _KEYS:
        match = pattern.match(key.strip())
        if match:
            try:
                period = build(match)
            except ValueError:
                return None
            year = period.first_day.year
            return period if PERIOD_YEAR.minimum <= year <= PERIOD_YEAR.maximum else None
    return None
