"""Showing what people wrote about leads: always escaped, with @mentions picked out."""

from collections.abc import Collection
from datetime import datetime

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from leads.services import MENTION

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
