"""The colleagues a note field offers as one types @: the name and the username to write."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import colleagues_named
from leads.activities import MENTION

# Longer than any username: a longer text names nobody, and is not looked up.
LONGEST_TEXT = 150


@require_GET
def mention_people(request: AuthenticatedHttpRequest) -> JsonResponse:
    """`?q=` the letters typed after @: up to eight colleagues they start the name of. Every
    signed-in person sees colleagues' names on every lead's page already."""
    text = request.GET.get("q", "").strip()
    if not text or len(text) > LONGEST_TEXT or not MENTION.fullmatch(f"@{text}"):
        return JsonResponse({"people": []})
    people = [
        {"username": person.username, "name": str(person)} for person in colleagues_named(text)
    ]
    return JsonResponse({"people": people})
