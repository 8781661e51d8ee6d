"""The "MQLs waiting" queue: who waits longest, against the claim limit, in a fixed number of
queries however long the queue."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from funnel.models import Stage
from funnel.selectors import WaitingMql, in_one_unit, mql_queue_page
from funnel.services import claim_lead, move_lead
from leads.models import Lead
from tests.factories import LeadFactory, PersonaFactory

pytestmark = pytest.mark.django_db


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Make the funnel services believe it is `moment`, to build a history that took time."""
    with mock.patch("funnel.services.timezone.now", return_value=moment):
        yield


def qualified(marketer: User, *, hours_ago: float, **fields: object) -> Lead:
    """A lead a marketer qualified to MQL `hours_ago`, through the funnel service."""
    moment = timezone.now() - timedelta(hours=hours_ago)
    fields.setdefault("persona", PersonaFactory.create(name="Engineering lead"))
    lead = LeadFactory.create(marketing_owner=marketer, created_at=moment, **fields)
    with clock_at(moment):
        return move_lead(lead_id=lead.pk, to_stage_id=stage("mql").pk, actor=marketer)


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def test_the_queue_lists_unclaimed_mqls_longest_waiting_first(
    marketer: User, sales_rep: User
) -> None:
    recent = qualified(marketer, hours_ago=2, full_name="Grace Hopper")
    oldest = qualified(marketer, hours_ago=30, full_name="Ada Lovelace")
    middle = qualified(marketer, hours_ago=10, full_name="Alan Turing")
    claimed = qualified(marketer, hours_ago=40, full_name="Katherine Johnson")
    claim_lead(lead_id=claimed.pk, rep=sales_rep)
    LeadFactory.create(full_name="Still new")

    page = mql_queue_page(after=None, now=timezone.now())

    assert [row.lead.pk for row in page.rows] == [oldest.pk, middle.pk, recent.pk]
    assert page.next_cursor is None


def test_the_waiting_time_is_counted_from_the_move_into_mql(marketer: User) -> None:
    lead = qualified(marketer, hours_ago=30)
    entered = lead.stage_changes.order_by("-at").first()
    assert entered is not None
    assert entered.at == lead.stage_entered_at

    row = mql_queue_page(after=None, now=lead.stage_entered_at + timedelta(hours=30)).rows[0]

    assert row.waited == timedelta(hours=30)
    assert row.limit_hours == 24
    assert row.past_sla
    assert (row.waited_text, row.margin_text) == ("30 hours", "6 hours")


@pytest.mark.parametrize(
    ("waited", "past", "margin"),
    [
        (timedelta(hours=5), False, "19 hours"),
        (timedelta(hours=24), False, "0 minutes"),
        (timedelta(hours=24, minutes=1), True, "1 minute"),
        (timedelta(days=5), True, "4 days"),
        # Read together with "waiting 3 days": not "58 hours".
        (timedelta(hours=82), True, "2 days"),
    ],
)
def test_the_claim_limit_says_how_much_is_left_or_how_far_past(
    marketer: User, waited: timedelta, past: bool, margin: str
) -> None:
    now = timezone.now()
    row = WaitingMql.of(Lead(stage=Stage(sla_hours=24), stage_entered_at=now - waited), now=now)
    assert (row.waited, row.past_sla, row.margin_text) == (waited, past, margin)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=59), "0 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=59), "59 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=71, minutes=59), "71 hours"),
        (timedelta(hours=72), "3 days"),
    ],
)
def test_durations_read_in_one_unit(delta: timedelta, text: str) -> None:
    assert in_one_unit(delta) == text


def test_two_durations_read_together_share_the_longer_one_s_unit() -> None:
    assert in_one_unit(timedelta(hours=58), unit_of=timedelta(hours=82)) == "2 days"
    assert in_one_unit(timedelta(minutes=30), unit_of=timedelta(hours=5)) == "30 minutes"
    assert in_one_unit(timedelta(hours=20), unit_of=timedelta(hours=80)) == "20 hours"
    assert in_one_unit(timedelta(hours=5), unit_of=timedelta(minutes=30)) == "5 hours"
    assert in_one_unit(-timedelta(hours=1)) == "0 minutes"


def test_a_queue_row_never_mixes_days_and_hours(marketer: User) -> None:
    now = timezone.now()
    row = WaitingMql.of(
        Lead(stage=Stage(sla_hours=24), stage_entered_at=now - timedelta(hours=82)), now=now
    )
    assert (row.waited_text, row.margin_text) == ("3 days", "2 days")


def test_the_page_shows_each_lead_against_the_claim_limit(
    client: Client, marketer: User, sales_rep: User
) -> None:
    late = qualified(marketer, hours_ago=30.2, full_name="Ada Lovelace", company="Engines Ltd")
    qualified(marketer, hours_ago=5.2, full_name="Grace Hopper")
    client.force_login(sales_rep)

    response = client.get(reverse("mql_queue"))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Ada Lovelace") < body.index("Grace Hopper")
    assert "waiting 30 hours — 6 hours past the 24-hour claim limit" in body
    assert "waiting 5 hours — 18 hours left of the 24-hour claim limit" in body
    assert f'<tr id="mql-{late.pk}" class="past-sla">' in body
    assert body.count('class="past-sla"') == 1
    assert "Engines Ltd" in body
    assert "Engineering lead" in body
    assert reverse("lead_claim", args=[late.pk]) in body
    assert reverse("lead_detail", args=[late.pk]) in body
    assert "2 leads waiting" in body


def test_the_nav_shows_the_queue_to_sales_and_managers_only(
    client: Client, marketer: User, sales_rep: User, manager: User
) -> None:
    link = f'href="{reverse("mql_queue")}"'
    for person, sees in ((sales_rep, True), (manager, True), (marketer, False)):
        client.force_login(person)
        assert (link in client.get(reverse("lead_list")).content.decode()) is sees


def test_marketers_read_the_queue_without_claim_buttons(client: Client, marketer: User) -> None:
    lead = qualified(marketer, hours_ago=3)
    client.force_login(marketer)

    body = client.get(reverse("mql_queue")).content.decode()

    assert lead.full_name in body
    assert reverse("lead_claim", args=[lead.pk]) not in body


def test_an_empty_queue_says_so(client: Client, sales_rep: User) -> None:
    client.force_login(sales_rep)
    assert "No MQL is waiting" in client.get(reverse("mql_queue")).content.decode()


def test_the_queue_pages_by_cursor(client: Client, marketer: User, sales_rep: User) -> None:
    leads = [qualified(marketer, hours_ago=60 - n, full_name=f"Lead {n:02}") for n in range(53)]
    client.force_login(sales_rep)

    first = client.get(reverse("mql_queue")).content.decode()
    cursor = mql_queue_page(after=None, now=timezone.now()).next_cursor
    assert cursor is not None
    second = client.get(reverse("mql_queue"), {"after": cursor}).content.decode()

    assert "Lead 49" in first
    assert "Lead 50" not in first
    assert "Lead 50" in second
    assert "Lead 52" in second
    assert "Lead 49" not in second
    assert len(leads) == 53


def test_a_forged_cursor_starts_the_queue_from_the_top(client: Client, sales_rep: User) -> None:
    client.force_login(sales_rep)
    response = client.get(reverse("mql_queue"), {"after": "forged"}, follow=True)
    assert response.redirect_chain == [(reverse("mql_queue"), 302)]
    assert "That page link no longer works" in response.content.decode()


@pytest.mark.parametrize("waiting", [5, 50])
def test_the_queue_s_query_count_does_not_grow_with_the_queue(
    client: Client, marketer: User, sales_rep: User, django_assert_num_queries, waiting: int
) -> None:
    persona = PersonaFactory.create(name="Engineering lead")
    for number in range(waiting):
        qualified(marketer, hours_ago=number + 1, persona=persona)
    client.force_login(sales_rep)

    # session, user, roles, unread mentions; the page of leads with stage, persona and
    # marketing owner; the queue's count; the idle-timeout session save (savepoint, update,
    # release)
    with django_assert_num_queries(9):
        response = client.get(reverse("mql_queue"))
    assert response.content.decode().count('<tr id="mql-') == waiting


def test_the_queue_reads_the_mql_stage_s_leads_by_its_entry_index(marketer: User) -> None:
    """Told the stage by a subquery run first, the planner reads only that stage's leads from
    the (stage, entered) index; joined on the slug, it walked every lead in entry order."""
    qualified(marketer, hours_ago=3)
    with CaptureQueriesContext(connection) as issued:
        mql_queue_page(after=None, now=timezone.now())
    (query,) = issued.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # Either index that starts with the stage (on one test row, the planner cannot tell them
    # apart; on a million it takes the one in entry order).
    assert re.search(
        r"Index Scan using (lead_stage_entered|leads_lead_stage_id_\w+) on leads_lead", plan
    ), plan
    # The subquery's value, as PostgreSQL 16 ($0) and 17 on ((InitPlan 1).col1) print it.
    assert re.search(r"Index Cond: \(stage_id = (\$0|\(InitPlan 1\)\.col1)\)", plan), plan
