"""Who may read and send which digest. The pages ask here."""

from accounts.models import User
from accounts.roles import Role, roles_of
from digests.models import Digest


def can_read(user: User, digest: Digest) -> bool:
    """A digest is its person's own; managers look at others' only by emailing a preview to
    themselves."""
    return digest.user_id == user.pk


def can_preview(user: User) -> bool:
    return Role.MANAGERS in roles_of(user)
