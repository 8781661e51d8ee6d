"""The choices behind the lead list's campaign and owner pickers, as one types.

The list page does not carry every campaign and person: its pickers ask here for a few at a
time. Everyone on either team reads the list, so there is no access check beyond logging in."""

from collections.abc import Callable

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import lead_owners
from leads.filters import PickerForm
from leads.pickers import Choice, campaigns_matching, owners_matching


def _answer(request: AuthenticatedHttpRequest, find: Callable[[str], list[Choice]]) -> JsonResponse:
    form = PickerForm(request.GET)
    if not form.is_valid():
        # Letters that are not text, or more than any choice has: nothing to offer.
        return JsonResponse({"choices": []}, status=400)
    choices = [
        {"value": choice.value, "label": choice.label, "hint": choice.hint}
        for choice in find(form.term())
    ]
    return JsonResponse({"choices": choices})


@require_GET
def campaign_choices(request: AuthenticatedHttpRequest) -> JsonResponse:
    """`?q=` letters: up to 20 campaigns in use that hold them, in alphabetical order."""
    return _answer(request, campaigns_matching)


@require_GET
def owner_choices(request: AuthenticatedHttpRequest) -> JsonResponse:
    """`?q=` letters: up to 20 people who may own leads whose name, username or email holds
    them, by name."""
    return _answer(request, lambda term: owners_matching(lead_owners(), term))
