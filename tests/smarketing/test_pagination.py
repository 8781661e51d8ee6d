"""Keyset pagination: every row exactly once, in order, with no OFFSET and no COUNT."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.models import Lead
from smarketing.pagination import InvalidCursor, Keyset, paginate
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NEWEST = Keyset(("created_at", "id"), descending=True)
BY_NAME = Keyset(("full_name", "id"))
BY_VALUE = Keyset(("expected_value", "id"), descending=True)


@pytest.fixture
def leads() -> list[Lead]:
    """Eleven leads whose sort values tie in runs, so that only the id tells them apart."""
    return [
        LeadFactory.create(
            full_name=["Ann", "Bob", "Cy"][n % 3],
            created_at=NOON - timedelta(microseconds=n // 4),
            expected_value=Decimal("1500.50") if n % 2 else Decimal(0),
        )
        for n in range(11)
    ]


def walk(keyset: Keyset, per_page: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = paginate(Lead.objects.all(), keyset=keyset, cursor=cursor, per_page=per_page)
        pages.append([lead.pk for lead in page.rows])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("keyset", [NEWEST, BY_NAME, BY_VALUE], ids=["newest", "name", "value"])
@pytest.mark.parametrize("per_page", [1, 3, 4, 11])
def test_the_pages_hold_every_row_once_in_order(
    leads: list[Lead], keyset: Keyset, per_page: int
) -> None:
    pages = walk(keyset, per_page)

    expected = list(Lead.objects.order_by(*keyset.order_by()).values_list("pk", flat=True))
    assert [pk for page in pages for pk in page] == expected
    assert all(len(page) == per_page for page in pages[:-1])
    assert 0 < len(pages[-1]) <= per_page


def test_a_page_reads_by_value_without_offset_or_count(leads: list[Lead]) -> None:
    first = paginate(Lead.objects.all(), keyset=NEWEST, cursor=None, per_page=4)
    assert first.next_cursor is not None

    with CaptureQueriesContext(connection) as queries:
        paginate(Lead.objects.all(), keyset=NEWEST, cursor=first.next_cursor, per_page=4)

    assert len(queries) == 1
    sql = queries[0]["sql"].upper()
    assert "OFFSET" not in sql
    assert "COUNT(" not in sql
    assert "LIMIT 5" in sql


def test_the_last_page_has_no_next_cursor(leads: list[Lead]) -> None:
    page = paginate(Lead.objects.all(), keyset=NEWEST, cursor=None, per_page=11)
    assert len(page.rows) == 11
    assert page.next_cursor is None


def test_a_cursor_carries_exact_values(leads: list[Lead]) -> None:
    row = leads[5]
    assert NEWEST.values_of(NEWEST.cursor_for(row), Lead) == [row.created_at, row.pk]
    assert BY_VALUE.values_of(BY_VALUE.cursor_for(row), Lead) == [Decimal("1500.50"), row.pk]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        signing.dumps({"k": NEWEST.order_by(), "v": ["2026-03-02T12:00:00+00:00", "1"]}) + "x",
        # Signed by someone else (another salt): a forged cursor.
        signing.dumps({"k": NEWEST.order_by(), "v": ["2026-03-02T12:00:00+00:00", "1"]}),
    ],
    ids=["garbage", "tampered", "forged"],
)
def test_a_cursor_this_site_did_not_write_is_refused(leads: list[Lead], cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        paginate(Lead.objects.all(), keyset=NEWEST, cursor=cursor, per_page=4)


def test_a_cursor_of_another_order_is_refused(leads: list[Lead]) -> None:
    by_name = paginate(Lead.objects.all(), keyset=BY_NAME, cursor=None, per_page=4).next_cursor
    assert by_name is not None
    with pytest.raises(InvalidCursor):
        paginate(Lead.objects.all(), keyset=NEWEST, cursor=by_name, per_page=4)


def test_a_cursor_with_a_value_of_the_wrong_kind_is_refused(leads: list[Lead]) -> None:
    good = NEWEST.cursor_for(leads[0])
    signer = signing.Signer(salt="smarketing.pagination")
    payload = signer.unsign_object(good)
    payload["v"][0] = "yesterday"
    bad = signer.sign_object(payload)
    with pytest.raises(InvalidCursor):
        paginate(Lead.objects.all(), keyset=NEWEST, cursor=bad, per_page=4)


def test_a_cursor_is_the_same_for_the_same_row_and_an_older_timestamped_one_is_refused(
    leads: list[Lead],
) -> None:
    good = NEWEST.cursor_for(leads[0])
    payload = signing.Signer(salt="smarketing.pagination").unsign_object(good)
    timestamped = signing.dumps(payload, salt="smarketing.pagination")

    assert NEWEST.cursor_for(leads[0]) == good
    with pytest.raises(InvalidCursor):
        paginate(Lead.objects.all(), keyset=NEWEST, cursor=timestamped, per_page=4)
