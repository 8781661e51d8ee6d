"""Links on every row of a long list, for the price of one URL reversal per template."""

from django import template
from django.template import Context
from django.urls import reverse

register = template.Library()

# Any id would do; this one cannot be mistaken for a part of the path around it.
_MARKER = 7_654_321_987


@register.simple_tag(takes_context=True)
def id_url(context: Context, name: str, pk: int) -> str:
    """What `{% url name pk %}` gives, for a route whose only argument is an integer id.

    The route is reversed once per template render and each row's id is put in its place:
    reversing it for each of 140 board cards took a fifth of the board's rendering."""
    key = f"row_links.id_url {name}"
    around = context.render_context.get(key)
    if around is None:
        around = context.render_context[key] = _around_the_id(name)
    head, tail = around
    return f"{head}{int(pk)}{tail}"


def _around_the_id(name: str) -> tuple[str, str]:
    url = reverse(name, args=[_MARKER])
    head, marker, tail = url.rpartition(str(_MARKER))
    if not marker:
        raise ValueError(f"The route {name!r} does not take an integer id as its argument.")
    return head, tail
