from datetime import timedelta

from django import template

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
