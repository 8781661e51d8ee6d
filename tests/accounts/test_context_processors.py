"""The menu follows the user's teams; fragments without a menu do not read them."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

QUEUE, NEW_LEAD = "MQLs waiting</a>", "New lead</a>"


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("marketer", [NEW_LEAD], [QUEUE]),
        ("sales_rep", [QUEUE], [NEW_LEAD]),
        ("manager", [QUEUE, NEW_LEAD], []),
    ],
)
def test_the_menu_offers_what_the_users_teams_do(
    client: Client, request: pytest.FixtureRequest, who: str, shown: list[str], hidden: list[str]
) -> None:
    user: User = request.getfixturevalue(who)
    client.force_login(user)

    page = client.get(reverse("lead_list")).content.decode()

    assert all(link in page for link in shown)
    assert not any(link in page for link in hidden)


def test_a_fragment_without_the_menu_does_not_read_the_users_teams(
    client: Client, marketer: User
) -> None:
    client.force_login(marketer)

    with CaptureQueriesContext(connection) as page:
        client.get(reverse("lead_list"))
    with CaptureQueriesContext(connection) as fragment:
        client.get(reverse("lead_list"), headers={"HX-Request": "true"})

    def reads_groups(issued: CaptureQueriesContext) -> bool:
        return any('FROM "auth_group"' in query["sql"] for query in issued.captured_queries)

    assert reads_groups(page)
    assert not reads_groups(fragment)
