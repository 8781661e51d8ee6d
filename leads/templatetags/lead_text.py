"""Showing what people wrote about leads: always escaped, with @mentions picked out."""

from collections.abc import Collection
from datetime import date, datetime
from functools import lru_cache

from django import template
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language

from leads.activities import MENTION

register = template.Library()


@register.filter
def with_mentions(text: str, usernames: Collection[str] = ()) -> SafeString:
    """`text` escaped, with each @username of `usernames` (lower case) in bold.

    Every piece of the text goes through escape(); only the tags wrapped around an escaped
    mention are markup. Follow with |linebreaksbr to keep the writer's line breaks.
    """
    text = str(text)
    parts: list[str] = []
    shown = 0
    for match in MENTION.finditer(text):
        if match.group(1).lower() not in usernames:
            continue
        parts.append(escape(text[shown : match.start()]))
        parts.append(format_html('<strong class="at-mention">@{}</strong>', match.group(1)))
        shown = match.end()
    parts.append(escape(text[shown:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


@register.filter
def rough_duration(since: datetime, now: datetime | None = None) -> str:
    """'3 days' rather than '3 days, 4 hours': tables read faster with one unit."""
    return timesince(since, now, depth=1)


@register.filter(expects_localtime=True)
def short_date(moment: datetime) -> str:
    """What |date:"SHORT_DATE_FORMAT" gives, worked out once per day and language: the fifty
    rows of a list page fall on a few days, and formatting each took a fifth of the rows' time."""
    return _short_date(moment.date(), get_language())


@lru_cache(maxsize=1024)
def _short_date(day: date, language: str | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")
