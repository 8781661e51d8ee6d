"""The MQL queue, the board and one's mentions through the API."""

import pytest

from accounts.models import User
from leads.activities import add_activity
from leads.models import ActivityKind, Mention
from tests.api.conftest import ClientFor, qualified
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_the_queue_lists_waiting_mqls_longest_first(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    first = qualified(marketer, full_name="First")
    qualified(marketer, full_name="Second")

    body = client_for(sales_rep).get("/api/v1/queue/").json()

    assert [row["lead"]["full_name"] for row in body["results"]] == ["First", "Second"]
    assert body["results"][0]["lead"]["id"] == first.pk
    assert body["results"][0]["limit_hours"] == 24
    assert body["results"][0]["past_sla"] is False


def test_the_board_has_a_column_per_stage(client_for: ClientFor, marketer: User) -> None:
    qualified(marketer, full_name="Waiting")

    columns = client_for(marketer).get("/api/v1/board/").json()

    mql = next(column for column in columns if column["stage"]["slug"] == "mql")
    assert [column["stage"]["slug"] for column in columns][:3] == ["new", "working", "mql"]
    assert mql["count"] == 1
    assert mql["cards"][0]["lead"]["full_name"] == "Waiting"


def test_mentions_are_listed_and_marked_seen_on_request(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = LeadFactory.create(full_name="Ada")
    add_activity(lead=lead, kind=ActivityKind.NOTE, body="@rep please call", author=marketer)
    api = client_for(sales_rep)

    listed = api.get("/api/v1/mentions/").json()
    still_unseen = Mention.objects.filter(seen_at__isnull=True).count()
    marked = api.post("/api/v1/mentions/seen/").json()

    assert listed["results"][0]["lead"] == {"id": lead.pk, "full_name": "Ada"}
    assert listed["results"][0]["body"] == "@rep please call"
    assert still_unseen == 1
    assert marked == {"marked": 1}
    assert not Mention.objects.filter(seen_at__isnull=True).exists()


def test_one_mention_is_marked_seen_by_its_reader_only(
    client_for: ClientFor, marketer: User, sales_rep: User, manager: User
) -> None:
    lead = LeadFactory.create(full_name="Ada")
    add_activity(lead=lead, kind=ActivityKind.NOTE, body="@rep @manager call", author=marketer)
    for_rep = Mention.objects.get(user=sales_rep)
    for_manager = Mention.objects.get(user=manager)

    marked = client_for(sales_rep).post(f"/api/v1/mentions/{for_rep.pk}/seen/")
    not_theirs = client_for(sales_rep).post(f"/api/v1/mentions/{for_manager.pk}/seen/")

    assert marked.status_code == 200
    assert marked.json()["id"] == for_rep.pk
    assert marked.json()["seen_at"] is not None
    assert marked.json()["lead"] == {"id": lead.pk, "full_name": "Ada"}
    assert not_theirs.status_code == 404
    for_manager.refresh_from_db()
    assert for_manager.seen_at is None
