"""Who gets which digest, who reads it, and who may send a preview: the rules and the sentence
a refused person reads, the same from a service, a page and the API."""

from datetime import date

import pytest

from accounts.roles import Role
from digests.access import PREVIEW_REFUSAL, can_preview, can_read, digest_role, require_preview
from digests.models import Digest, DigestRole
from smarketing.errors import NotAllowed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_widest_role_decides_whose_agenda_a_digest_is() -> None:
    assert digest_role([Role.MARKETING, Role.MANAGERS]) == DigestRole.MANAGER
    assert digest_role([Role.MARKETING, Role.SALES]) == DigestRole.SALES
    assert digest_role([Role.MARKETING]) == DigestRole.MARKETING
    assert digest_role([]) is None


def test_a_digest_is_read_by_its_person_and_by_managers_only(marketer, manager, sales_rep) -> None:
    digest = Digest(user=marketer, week=date(2026, 11, 16), role=DigestRole.MARKETING)

    assert can_read(marketer, digest)
    assert can_read(manager, digest)
    assert not can_read(sales_rep, digest)
    assert not can_read(UserFactory.create(roles=[Role.MARKETING]), digest)


@pytest.mark.parametrize(
    "roles", [[], [Role.MARKETING], [Role.SALES], [Role.MARKETING, Role.SALES]]
)
def test_only_managers_send_previews(roles) -> None:
    with pytest.raises(NotAllowed) as refused:
        require_preview(UserFactory.create(roles=roles))

    assert refused.value.message == str(PREVIEW_REFUSAL)
    assert refused.value.code == "not_allowed"


def test_a_manager_may_send_a_preview(manager) -> None:
    require_preview(manager)  # raises for anyone else

    assert can_preview(manager)
