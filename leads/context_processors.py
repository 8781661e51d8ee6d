from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from leads.timeline import unseen_mention_count


def unseen_mentions(request: HttpRequest) -> dict[str, object]:
    """The count of unseen mentions beside Mentions in the menu. Lazy: a fragment that shows no
    menu does not count them."""
    user = request.user
    if not isinstance(user, User):
        return {}
    return {"unseen_mentions": SimpleLazyObject(lambda: unseen_mention_count(user=user))}
