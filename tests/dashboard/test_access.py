"""What the home page puts first for each role; the dashboard itself refuses nobody."""

import pytest

from accounts.roles import Role
from dashboard.access import sees_marketing_work, sees_mql_queue, sees_sales_work
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("roles", "marketing", "queue", "sales"),
    [
        ([], False, False, False),
        ([Role.MARKETING], True, False, False),
        ([Role.SALES], False, True, True),
        ([Role.MANAGERS], False, True, False),
        ([Role.MARKETING, Role.SALES], True, True, True),
    ],
)
def test_each_role_sees_its_own_work_first(roles, marketing, queue, sales) -> None:
    user = UserFactory.create(roles=roles)

    assert (sees_marketing_work(user), sees_mql_queue(user), sees_sales_work(user)) == (
        marketing,
        queue,
        sales,
    )
