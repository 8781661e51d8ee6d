"""Reads of people."""

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.roles import Role


def active_members(role: Role) -> QuerySet[User]:
    """The active members of a team, by name: who may own a lead or a website form's leads."""
    return User.objects.filter(is_active=True, groups__name=role.value).order_by(
        "first_name", "last_name", "username"
    )


def lead_owners() -> QuerySet[User]:
    """The people who may own leads (the members of either team and the managers), by name: whom
    the lead list's owner filter and its picker take."""
    return (
        User.objects.filter(groups__name__in=[role.value for role in Role])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def colleagues_named(text: str, *, limit: int = 8) -> list[User]:
    """Up to `limit` active colleagues whose username, first or last name starts with `text`
    (any case), by name: what a note field offers as one types @ and a few letters."""
    condition = (
        Q(username__istartswith=text)
        | Q(first_name__istartswith=text)
        | Q(last_name__istartswith=text)
    )
    people = User.objects.filter(condition, is_active=True).exclude(username="")
    return list(people.order_by("first_name", "last_name", "username")[:limit])
