"""The teams people work in. Roles are Django groups, so admins manage them in the admin."""

from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class Role(StrEnum):
    MARKETING = "Marketing"
    SALES = "Sales"
    MANAGERS = "Managers"


def ensure_role_groups(group_model: Any) -> None:
    """Create the role groups; takes the model so that data migrations can pass theirs."""
    for role in Role:
        group_model.objects.get_or_create(name=role.value)


def grant_history_reading(group_model: Any, permission_model: Any) -> None:
    """Let managers read the history of changes (audit.access): give their group the
    permission to view changes. Takes the models so that data migrations can pass theirs; the
    permission must exist already."""
    managers, _ = group_model.objects.get_or_create(name=Role.MANAGERS.value)
    managers.permissions.add(
        permission_model.objects.get(content_type__app_label="audit", codename="view_auditentry")
    )


def roles_of(user: "User | AnonymousUser") -> frozenset[Role]:
    """The user's roles, read from the database once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[Role] | None = user.__dict__.get("_roles")
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        user.__dict__["_roles"] = cached
    return cached


def has_role(user: "User | AnonymousUser", role: Role) -> bool:
    return role in roles_of(user)
