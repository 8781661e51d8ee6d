from datetime import timedelta

from django import template
from django.utils.translation import get_language

from funnel.selectors import in_one_unit

register = template.Library()


@register.filter
def hours(value: int) -> str:
    """A number of hours, as the funnel's pages say durations: '30 hours', '4 days'."""
    return in_one_unit(timedelta(hours=value))


@register.filter
def change(now: int, before: int) -> str:
    """The difference from the week before, signed: '+3', '-2', '±0'."""
    difference = now - before
    return f"{difference:+d}" if difference else "±0"


@register.filter
def shown(name: str | dict[str, str]) -> str:
    """A name a digest stored in each language (a stage, a reason), in the reader's; a digest
    stored before names had languages kept one name, shown as it is."""
    if isinstance(name, dict):
        return name.get((get_language() or "en")[:2]) or name.get("en", "")
    return name
