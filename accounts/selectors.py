"""Reads of people."""

from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Role


def active_members(role: Role) -> QuerySet[User]:
    """The active members of a team, by name: who may own a lead or a website form's leads."""
    return User.objects.filter(is_active=True, groups__name=role.value).order_by(
        "first_name", "last_name", "username"
    )
