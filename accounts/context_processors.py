from django.http import HttpRequest

from accounts.roles import Role, roles_of


def roles(request: HttpRequest) -> dict[str, object]:
    user_roles = roles_of(request.user)
    return {
        "is_marketer": Role.MARKETING in user_roles,
        "is_sales": Role.SALES in user_roles,
        "is_manager": Role.MANAGERS in user_roles,
    }
