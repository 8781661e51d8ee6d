"""Who gets which digest, and who may read and send which. Pages, services and the API ask
here, each rule with the sentence a refused person reads beside it."""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role, roles_of
from digests.models import Digest, DigestRole
from smarketing.errors import NotAllowed

# What a person refused by the check of the same name reads, from a service, a page or the API.
PREVIEW_REFUSAL = _("Only managers send digest previews.")
NO_DIGEST_ROLE_REFUSAL = _("%(name)s is in no team, so there is no digest for them.")


def digest_role(roles: Iterable[Role]) -> DigestRole | None:
    """The widest agenda a person's roles give them: managers see the whole picture. None for
    someone in no team, who gets no digest."""
    held = set(roles)
    if Role.MANAGERS in held:
        return DigestRole.MANAGER
    if Role.SALES in held:
        return DigestRole.SALES
    if Role.MARKETING in held:
        return DigestRole.MARKETING
    return None


def can_read(user: User, digest: Digest) -> bool:
    """A digest is its person's own; managers read anyone's, as the preview they asked for
    (on the page or by email), to prepare the weekly meeting. Others are refused as not found,
    so that nobody learns whose digests exist."""
    return digest.user_id == user.pk or can_preview(user)


def can_preview(user: User) -> bool:
    return Role.MANAGERS in roles_of(user)


def require_preview(user: User) -> None:
    """Raise NotAllowed, with its sentence, for anyone who may not send a preview."""
    if not can_preview(user):
        raise NotAllowed(str(PREVIEW_REFUSAL))
