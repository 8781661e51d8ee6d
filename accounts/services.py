"""Changing people's roles: which teams they are in (groups), whether they may use the admin
(staff, superuser) and whether they may sign in at all (active)."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from audit.services import record_change, snapshot, stored

# What the history of changes keeps of a person: their roles, never their password.
ROLE_FIELDS = ("groups", "is_active", "is_staff", "is_superuser")


@transaction.atomic
def save_user(*, user: User, groups: Iterable[Group] | None, actor: User) -> User:
    """Save `user` as an administrator edited them and, unless `groups` is None, set their
    groups; a change of their roles is recorded in the history of changes."""
    before = stored(user, ROLE_FIELDS)
    user.save()
    if groups is not None:
        user.groups.set(groups)
    record_change(actor=actor, obj=user, before=before, after=snapshot(user, ROLE_FIELDS))
    return user
