"""Every list endpoint answers in a fixed number of queries, with 5 rows as with 50."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import create_token
from funnel.models import Reason
from leads.activities import add_activity
from leads.models import ActivityKind
from tests.api.conftest import claimed, complete, qualified
from tests.factories import CaptureFormFactory, LeadFactory, PersonaFactory

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def leads(count: int, marketer: User, rep: User) -> str:
    for number in range(count):
        claimed(marketer, rep, email=f"q{number}@example.org", persona=PersonaFactory.create())
    return "/api/v1/leads/?page_size=100"


def filtered_leads(count: int, marketer: User, rep: User) -> str:
    leads(count, marketer, rep)
    return "/api/v1/leads/?stage=sql&source=website&q=example&sort=name"


def personas(count: int, marketer: User, rep: User) -> str:
    for _ in range(count):
        LeadFactory.create(persona=PersonaFactory.create())
    return "/api/v1/personas/"


def reasons(count: int, marketer: User, rep: User) -> str:
    Reason.objects.bulk_create(
        Reason(kind="lost", slug=f"r{number}", label=f"Reason {number}") for number in range(count)
    )
    return "/api/v1/reasons/"


def stages(count: int, marketer: User, rep: User) -> str:
    return "/api/v1/stages/"


def timeline(count: int, marketer: User, rep: User) -> str:
    lead = claimed(marketer, rep)
    for number in range(count):
        add_activity(lead=lead, kind=ActivityKind.NOTE, body=f"@rep note {number}", author=marketer)
    return f"/api/v1/leads/{lead.pk}/timeline/"


def moves(count: int, marketer: User, rep: User) -> str:
    return f"/api/v1/leads/{claimed(marketer, rep).pk}/moves/"


def tokens(count: int, marketer: User, rep: User) -> str:
    for number in range(min(count, 19)):
        create_token(user=rep, name=f"t{number}")
    return "/api/v1/tokens/"


def queue(count: int, marketer: User, rep: User) -> str:
    for number in range(count):
        qualified(marketer, email=f"w{number}@example.org")
    return "/api/v1/queue/"


def board(count: int, marketer: User, rep: User) -> str:
    leads(count, marketer, rep)
    return "/api/v1/board/"


def mentions(count: int, marketer: User, rep: User) -> str:
    lead = complete(marketer)
    for number in range(count):
        add_activity(lead=lead, kind=ActivityKind.NOTE, body=f"@rep {number}", author=marketer)
    return "/api/v1/mentions/"


def single_lead(count: int, marketer: User, rep: User) -> str:
    return f"/api/v1/leads/{complete(marketer).pk}/"


def capture_forms(count: int, marketer: User, rep: User) -> str:
    for _ in range(count):
        CaptureFormFactory.create(persona=PersonaFactory.create(), owner=marketer)
    return "/api/v1/capture-forms/"


# How many queries each list costs: what it reads, plus the caller's roles where a rule asks.
LISTS: list[tuple[Callable[[int, User, User], str], int]] = [
    (leads, 4),  # stages, personas, owners, the page
    (filtered_leads, 5),  # and the near misses of the words searched
    (personas, 1),
    (reasons, 1),
    (stages, 1),
    (timeline, 4),  # the lead, its activities, their mentions, its stage changes
    (moves, 3),  # the lead, the moves, their reasons
    (tokens, 1),
    (single_lead, 1),
    (queue, 1),
    (board, 2),  # stage totals, the longest-waiting cards
    (mentions, 1),
    (capture_forms, 2),  # the caller's roles, the forms with their counts
]
# Lists Sales may not read, read by the marketer instead.
MARKETING_LISTS = {capture_forms}


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(("listing", "queries"), LISTS, ids=[f.__name__ for f, _ in LISTS])
def test_a_list_costs_the_same_queries_whatever_its_length(
    django_assert_num_queries,
    marketer: User,
    sales_rep: User,
    listing: Callable[[int, User, User], str],
    queries: int,
    rows: int,
) -> None:
    url = listing(rows, marketer, sales_rep)
    client = signed_in(marketer if listing in MARKETING_LISTS else sales_rep)

    with django_assert_num_queries(queries):
        response = client.get(url)

    assert response.status_code == 200


def test_a_token_adds_one_query_and_at_most_one_write_a_minute(
    django_assert_num_queries, marketer: User
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_token(user=marketer, name='t').secret}")
    client.get("/api/v1/stages/")

    with django_assert_num_queries(2):
        client.get("/api/v1/stages/")
