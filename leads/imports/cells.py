"""Reading one imported cell as the value its lead field holds. Each function returns the value
or raises CellError, whose message is the reason the dry run's error report gives for the row.

- Amounts: "1.234,56" (Spanish) and "1,234.56" (English), "1234.5", with a currency sign or code,
  spaces (also non-breaking) or apostrophes between thousands, a minus or accounting
  parentheses. With the file's decimal mark unknown, a lone separator followed by exactly three
  digits groups thousands ("1.234" and "1,234" are 1234); otherwise it marks decimals.
- Dates: ISO ("2024-03-01", "2024-03-01T10:22:00Z"), HubSpot's and Odoo's "2024-03-01 10:22",
  day first ("01/03/2024", "1-3-24", "01.03.2024 10:22") unless day_first=False (US exports,
  "03/01/2024 10:22 AM"), and Excel's serial day numbers (five digits, 1927 to 2173). A date or
  time without a time zone is in the product's (settings.TIME_ZONE).
- Emails: leads.normalise's form (no invisible characters, NFKC), checked as the lead forms check
  them.
- Text: one line, as the lead forms store names and companies (leads.normalise.single_line),
  within the lead's column.

Blank cells are the caller's to skip: a blank never erases a value, so none of these reads one.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leads.normalise import normalise_email, single_line, validate_email_lengths


class CellError(ValueError):
    """A cell that does not hold what its column's field needs; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Currency signs, a currency code before or after the digits, and what groups thousands
# besides a dot or a comma.
_CURRENCY = re.compile(r"[€$£¥]|^[A-Z]{3}|[A-Z]{3}$|\s|['\u2019]")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")


def parse_decimal(text: str, *, decimal_mark: str | None = None) -> Decimal:
    """The amount written in `text`; `decimal_mark` ("." or ",") when the file tells it."""
    written = text.strip()
    negative = written.startswith("(") and written.endswith(")")
    plain = _CURRENCY.sub("", written.strip("()"))
    if plain.startswith(("-", "+")):
        negative = negative or plain[0] == "-"
        plain = plain[1:]
    if not re.fullmatch(r"\d[\d.,]*", plain) or not plain[-1].isdigit():
        raise CellError(_("“%(value)s” is not an amount.") % {"value": written})
    mark = decimal_mark or _decimal_mark(plain)
    whole, _sep, decimals = plain.rpartition(mark) if mark in plain else (plain, "", "")
    grouping = "," if mark == "." else "."
    if mark in whole or (grouping in whole and not _GROUPED.fullmatch(whole)):
        raise CellError(_("“%(value)s” is not an amount.") % {"value": written})
    try:
        amount = Decimal(f"{whole.replace(grouping, '')}.{decimals or '0'}")
    except InvalidOperation:
        raise CellError(_("“%(value)s” is not an amount.") % {"value": written}) from None
    return -amount if negative else amount


def _decimal_mark(plain: str) -> str:
    """Which of "." and "," marks decimals in digits written with either or both."""
    last = max(plain.rfind("."), plain.rfind(","))
    if last < 0:
        return "."
    mark = plain[last]
    other = "," if mark == "." else "."
    if other in plain or plain.count(mark) > 1:
        # Both: the last one marks decimals. The same one twice: it groups thousands.
        return mark if other in plain else other
    if _GROUPED.fullmatch(plain) and not plain.startswith("0"):
        return other
    return mark


_TIME = (
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6})\d*)?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
)
_ISO = re.compile(r"(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})" + _TIME)
_NUMERIC = re.compile(
    r"(?P<first>\d{1,2})[/.-](?P<second_part>\d{1,2})[/.-](?P<year>\d{4}|\d{2})" + _TIME
)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
# Excel's day 0 (its day 60 is a 29 February 1900 that never was, so from day 61 on, the
# serials count from here).
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30, tzinfo=datetime.UTC)
_YEARS = range(1900, 2200)


def parse_datetime(text: str, *, day_first: bool = True) -> datetime.datetime:
    """The moment written in `text`, aware: midnight in the product's time zone for a date."""
    written = text.strip()
    try:
        moment = _parsed(written, day_first=day_first)
    except ValueError:
        moment = None
    if moment is None or moment.year not in _YEARS:
        raise CellError(
            _("“%(value)s” is not a date: write it as 31/12/2024 or 2024-12-31.")
            % {"value": written}
        )
    return moment


def parse_date(text: str, *, day_first: bool = True) -> datetime.date:
    """The day written in `text` (a time written after it is left out)."""
    moment = parse_datetime(text, day_first=day_first)
    return timezone.localtime(moment).date()


def _parsed(written: str, *, day_first: bool) -> datetime.datetime | None:
    local = timezone.get_current_timezone()
    if _SERIAL.fullmatch(written):
        # A serial counts days on the wall clock of whoever typed it: ours.
        moment = _EXCEL_EPOCH + datetime.timedelta(days=float(written))
        return moment.replace(tzinfo=local)
    if match := _ISO.fullmatch(written):
        year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    elif match := _NUMERIC.fullmatch(written):
        first, second = int(match["first"]), int(match["second_part"])
        day, month = (first, second) if day_first else (second, first)
        year = int(match["year"])
        if len(match["year"]) == 2:
            year += 2000 if year < 70 else 1900
    else:
        return None
    hour = int(match["hour"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
    return datetime.datetime(
        year,
        month,
        day,
        hour,
        int(match["minute"] or 0),
        int(match["second"] or 0),
        int((match["fraction"] or "0").ljust(6, "0")),
        tzinfo=_offset(match["zone"]) if match["zone"] else local,
    )


def _offset(zone: str) -> datetime.tzinfo:
    if zone == "Z":
        return datetime.UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return datetime.timezone(sign * datetime.timedelta(minutes=minutes))


def parse_email(text: str) -> str:
    """The email address in `text`, in the form the lead forms store."""
    email = normalise_email(text)
    try:
        validate_email(email)
        validate_email_lengths(email)
    except ValidationError:
        raise CellError(
            _("“%(value)s” is not an email address.") % {"value": text.strip()}
        ) from None
    return email


def parse_text(text: str, *, max_length: int | None = None) -> str:
    """The text on one line, refused beyond `max_length` characters (ImportField.max_length)."""
    line = single_line(text)
    if max_length is not None and len(line) > max_length:
        raise CellError(
            ngettext(
                "“%(start)s…” is longer than %(limit)d character.",
                "“%(start)s…” is longer than %(limit)d characters.",
                max_length,
            )
            % {"start": line[:30], "limit": max_length}
        )
    return line
