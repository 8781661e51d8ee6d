"""Who may read the history of changes. The page and the API both ask here."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, PermissionsMixin
from django.utils.translation import gettext_lazy as _

# What a person refused by can_read_history reads, on the page or from the API.
READ_HISTORY_REFUSAL = _("Only managers read the history of changes.")


def can_read_history(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Managers read who changed what: their group holds the permission to view changes
    (accounts.roles.grant_history_reading, run by a migration), as superusers do. This app
    names no role itself, so that every other app may record into it."""
    return isinstance(user, PermissionsMixin) and user.has_perm("audit.view_auditentry")
