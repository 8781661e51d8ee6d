from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.roles import Role, roles_of


def roles(request: HttpRequest) -> dict[str, object]:
    """Which teams the user is in, for the menu. Lazy: a fragment that shows no menu (the
    lead list's next rows, a board after a move) does not read the user's groups."""

    def has(role: Role) -> SimpleLazyObject:
        return SimpleLazyObject(lambda: role in roles_of(request.user))

    return {
        "is_marketer": has(Role.MARKETING),
        "is_sales": has(Role.SALES),
        "is_manager": has(Role.MANAGERS),
    }
