"""The lead list: its search, filters, sort orders and pages, and the page that shows them."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from funnel.models import Stage
from leads.models import Lead, Source
from leads.selectors import (
    LEAD_SORTS,
    TEAM_STAGES,
    LeadFilters,
    LeadSort,
    lead_list_options,
    lead_list_page,
)
from tests.factories import LeadFactory, PersonaFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("lead_list")
ROW_NAME = re.compile(r'<td class="lead-name"><a href="[^"]+">([^<]+)</a>')


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def listed(
    filters: LeadFilters | None = None,
    sort: LeadSort = LeadSort.NEWEST,
    now: datetime | None = None,
) -> list[str]:
    page = lead_list_page(
        filters=filters or LeadFilters(),
        sort=sort,
        after=None,
        options=lead_list_options(),
        now=now or timezone.now(),
        per_page=100,
    )
    return [row.lead.full_name for row in page.rows]


def names_in(response: Any) -> list[str]:
    return ROW_NAME.findall(response.content.decode())


# Filters


def test_search_finds_a_company_by_a_lowercase_word() -> None:
    LeadFactory.create(full_name="Wile Coyote", company="ACME Corp.")
    LeadFactory.create(full_name="Hank Scorpio", company="Globex")

    assert listed(LeadFilters(query="acme")) == ["Wile Coyote"]
    assert listed(LeadFilters(query="globx")) == ["Hank Scorpio"]


def test_stage_filter() -> None:
    LeadFactory.create(full_name="New one")
    LeadFactory.create(full_name="Working one", stage=stage("working"))

    assert listed(LeadFilters(stage=stage("working"))) == ["Working one"]


def test_owner_filter_matches_the_marketing_or_the_sales_owner(
    marketer: User, sales_rep: User
) -> None:
    LeadFactory.create(full_name="Hers in marketing", marketing_owner=marketer)
    LeadFactory.create(full_name="His in sales", marketing_owner=marketer, sales_owner=sales_rep)
    LeadFactory.create(full_name="Nobody's")

    assert set(listed(LeadFilters(owner=marketer))) == {"Hers in marketing", "His in sales"}
    assert listed(LeadFilters(owner=sales_rep)) == ["His in sales"]


def test_team_filter_follows_the_stages_each_team_owns() -> None:
    for slug in ["new", "working", "mql", "sql", "opportunity", "won", "lost"]:
        LeadFactory.create(full_name=slug, stage=stage(slug))

    assert set(listed(LeadFilters(team="marketing"))) == {"new", "working", "mql"}
    assert set(listed(LeadFilters(team="sales"))) == {"mql", "sql", "opportunity", "won", "lost"}
    assert listed(LeadFilters(team="both")) == ["mql"]


def test_source_filter() -> None:
    LeadFactory.create(full_name="Met at a fair", source=Source.EVENT)
    LeadFactory.create(full_name="Came by the website", source=Source.WEBSITE)

    assert listed(LeadFilters(source=Source.EVENT)) == ["Met at a fair"]


def test_campaign_filter_is_exact_whatever_the_letter_case() -> None:
    LeadFactory.create(full_name="Spring", campaign="Spring Launch")
    LeadFactory.create(full_name="Spring, later", campaign="Spring Launch 2")
    LeadFactory.create(full_name="No campaign", campaign="")

    assert listed(LeadFilters(campaign="spring launch")) == ["Spring"]
    assert listed(LeadFilters(campaign=" SPRING LAUNCH 2 ")) == ["Spring, later"]
    assert listed(LeadFilters(campaign="Autumn")) == []


def test_persona_filter() -> None:
    founder = PersonaFactory.create(name="Founder")
    LeadFactory.create(full_name="A founder", persona=founder)
    LeadFactory.create(full_name="Someone else", persona=PersonaFactory.create(name="Engineer"))
    LeadFactory.create(full_name="No persona")

    assert listed(LeadFilters(persona=founder)) == ["A founder"]


@override_settings(TIME_ZONE="America/New_York")
def test_created_dates_are_whole_days_in_the_organisation_s_time_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    for name, at in [
        ("late on the 1st", datetime(2026, 3, 1, 23, 30, tzinfo=new_york)),
        ("early on the 2nd", datetime(2026, 3, 2, 0, 30, tzinfo=new_york)),
        ("last minute of the 3rd", datetime(2026, 3, 3, 23, 59, tzinfo=new_york)),
        ("midnight on the 4th", datetime(2026, 3, 4, 0, 0, tzinfo=new_york)),
    ]:
        LeadFactory.create(full_name=name, created_at=at)
    first, second, third = (date(2026, 3, day) for day in (1, 2, 3))

    both = LeadFilters(created_from=second, created_to=third)
    assert listed(both) == ["last minute of the 3rd", "early on the 2nd"]
    assert listed(LeadFilters(created_to=first)) == ["late on the 1st"]
    assert len(listed(LeadFilters(created_from=second))) == 3


def every_page(filters: LeadFilters, sort: LeadSort, now: datetime) -> list[str]:
    """The list's rows, page after page of three, by each page's cursor."""
    names: list[str] = []
    after = None
    while True:
        page = lead_list_page(
            filters=filters,
            sort=sort,
            after=after,
            options=lead_list_options(),
            now=now,
            per_page=3,
        )
        names += [row.lead.full_name for row in page.rows]
        if page.next_cursor is None:
            return names
        after = page.next_cursor


@pytest.mark.parametrize("sort", list(LeadSort))
def test_lists_read_by_parts_page_through_every_lead_once_in_order(sort: LeadSort) -> None:
    """Late leads (a part per stage), a person's leads (a part per owner column) and a team's
    (a part per stage) are read part by part and merged: page by page, each lead comes once,
    in the order of the list as one query would give it."""
    now = timezone.now()
    both = UserFactory.create(roles=[Role.MARKETING, Role.SALES])
    for n in range(14):
        slug = ["new", "working", "mql", "sql", "won"][n % 5]
        LeadFactory.create(
            full_name=f"Lead {n:02}",
            stage=stage(slug),
            stage_entered_at=now - timedelta(days=n * 3 + 1, hours=n),
            expected_value=Decimal(n % 4),
            marketing_owner=both if n % 3 == 0 else None,
            sales_owner=both if n % 2 == 0 and slug in ("sql", "won") else None,
        )
    in_order = list(Lead.objects.select_related("stage").order_by(*LEAD_SORTS[sort].order_by()))

    def late(lead: Lead) -> bool:
        return lead.stage.is_past_limit(entered_at=lead.stage_entered_at, now=now)

    def owned(lead: Lead) -> bool:
        return both.pk in (lead.marketing_owner_id, lead.sales_owner_id)

    def sales(lead: Lead) -> bool:
        return lead.stage.team in TEAM_STAGES["sales"]

    for filters, wanted in (
        (LeadFilters(needs_attention=True), late),
        (LeadFilters(owner=both), owned),
        (LeadFilters(team="sales"), sales),
        (LeadFilters(needs_attention=True, owner=both), lambda lead: late(lead) and owned(lead)),
    ):
        expected = [lead.full_name for lead in in_order if wanted(lead)]
        assert expected, filters
        assert every_page(filters, sort, now) == expected, filters


def test_needs_attention_lists_the_leads_past_their_stage_s_time_limit() -> None:
    now = timezone.now()
    LeadFactory.create(full_name="New for 49 hours", stage_entered_at=now - timedelta(hours=49))
    LeadFactory.create(full_name="New for 47 hours", stage_entered_at=now - timedelta(hours=47))
    LeadFactory.create(
        full_name="Working for 31 days",
        stage=stage("working"),
        stage_entered_at=now - timedelta(days=31),
    )
    LeadFactory.create(
        full_name="Won a year ago", stage=stage("won"), stage_entered_at=now - timedelta(days=365)
    )

    assert set(listed(LeadFilters(needs_attention=True), now=now)) == {
        "New for 49 hours",
        "Working for 31 days",
    }
    page = lead_list_page(
        filters=LeadFilters(),
        sort=LeadSort.NEWEST,
        after=None,
        options=lead_list_options(),
        now=now,
    )
    assert {row.lead.full_name: row.past_sla for row in page.rows} == {
        "New for 49 hours": True,
        "New for 47 hours": False,
        "Working for 31 days": True,
        "Won a year ago": False,
    }


def test_filters_combine() -> None:
    LeadFactory.create(full_name="Acme at a fair", company="Acme", source=Source.EVENT)
    LeadFactory.create(full_name="Acme online", company="Acme", source=Source.WEBSITE)
    LeadFactory.create(full_name="Globex at a fair", company="Globex", source=Source.EVENT)

    assert listed(LeadFilters(query="acme", source=Source.EVENT)) == ["Acme at a fair"]


# Sort orders and pages


@pytest.fixture
def sortable() -> None:
    now = timezone.now()
    LeadFactory.create(
        full_name="Bea",
        created_at=now - timedelta(days=3),
        expected_value=Decimal(500),
        stage_entered_at=now - timedelta(days=1),
    )
    LeadFactory.create(
        full_name="Al",
        created_at=now - timedelta(days=1),
        expected_value=Decimal(9000),
        stage_entered_at=now - timedelta(days=1, hours=5),
    )
    LeadFactory.create(
        full_name="Cid",
        created_at=now - timedelta(days=2),
        expected_value=Decimal(0),
        stage_entered_at=now - timedelta(days=2),
    )


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        (LeadSort.NEWEST, ["Al", "Cid", "Bea"]),
        (LeadSort.OLDEST, ["Bea", "Cid", "Al"]),
        (LeadSort.NAME, ["Al", "Bea", "Cid"]),
        (LeadSort.VALUE, ["Al", "Bea", "Cid"]),
        (LeadSort.LONGEST_IN_STAGE, ["Cid", "Al", "Bea"]),
    ],
)
def test_each_sort_order(sortable: None, sort: LeadSort, order: list[str]) -> None:
    assert listed(sort=sort) == order


@pytest.mark.parametrize("sort", list(LeadSort))
def test_pages_show_every_lead_once_even_when_sort_values_tie(sort: LeadSort) -> None:
    moment = timezone.now() - timedelta(hours=1)
    for n in range(13):
        # Runs of equal names, values and times: only the id orders them.
        LeadFactory.create(
            full_name=f"Lead {n % 3}",
            expected_value=Decimal(n % 2),
            created_at=moment - timedelta(seconds=n // 5),
            stage_entered_at=moment - timedelta(seconds=n // 4),
        )
    options, now = lead_list_options(), timezone.now()
    seen: list[int] = []
    after = None
    while True:
        page = lead_list_page(
            filters=LeadFilters(), sort=sort, after=after, options=options, now=now, per_page=4
        )
        seen += [row.lead.pk for row in page.rows]
        if page.next_cursor is None:
            break
        after = page.next_cursor

    assert len(seen) == len(set(seen)) == Lead.objects.count() == 13


# The page


def test_the_page_lists_leads_with_their_details(client: Client, sales_rep: User) -> None:
    LeadFactory.create(
        full_name="Wile Coyote",
        email="wile@acme.test",
        company="ACME Corp.",
        persona=PersonaFactory.create(name="Founder"),
        source=Source.EVENT,
        campaign="Spring fair",
        expected_value=Decimal("12500"),
        sales_owner=sales_rep,
    )
    client.force_login(sales_rep)

    response = client.get(LIST)

    assert response.status_code == 200
    body = response.content.decode()
    lead = Lead.objects.get()
    assert f'href="{reverse("lead_detail", args=[lead.pk])}"' in body
    for text in ["ACME Corp.", "wile@acme.test", "Founder", "Event", "Spring fair", "12,500"]:
        assert text in body
    assert 'aria-current="page">Leads</a>' in body


def test_the_page_applies_the_filters_in_the_query_string(client: Client, marketer: User) -> None:
    LeadFactory.create(full_name="Wile Coyote", company="ACME Corp.", source=Source.EVENT)
    LeadFactory.create(full_name="Road Runner", company="ACME Corp.", source=Source.WEBSITE)
    LeadFactory.create(full_name="Hank Scorpio", company="Globex", source=Source.EVENT)
    client.force_login(marketer)

    response = client.get(LIST, {"q": "acme", "source": "event", "sort": "name"})

    assert names_in(response) == ["Wile Coyote"]
    assert response.context["form"]["q"].value() == "acme"


def test_an_htmx_request_gets_only_the_results(client: Client, marketer: User) -> None:
    LeadFactory.create(full_name="Wile Coyote", company="ACME Corp.")
    client.force_login(marketer)

    response = client.get(LIST, {"q": "acme"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="lead-results"')
    assert "<html" not in body
    assert "<form" not in body
    assert names_in(response) == ["Wile Coyote"]
    assert "HX-Request" in response["Vary"]


@pytest.fixture
def sixty_leads() -> list[Lead]:
    now = timezone.now()
    return [
        LeadFactory.create(full_name=f"Lead {n:02}", created_at=now - timedelta(minutes=n))
        for n in range(60)
    ]


def test_the_next_page_link_works_without_javascript(
    client: Client, marketer: User, sixty_leads: list[Lead]
) -> None:
    client.force_login(marketer)

    first = client.get(LIST, {"source": "website"})
    assert names_in(first) == [f"Lead {n:02}" for n in range(50)]
    assert "Back to the first page" not in first.content.decode()
    next_href = re.search(r'class="more-link" href="([^"]+)"', first.content.decode())
    assert next_href is not None

    second = client.get(next_href.group(1).replace("&amp;", "&"))

    assert names_in(second) == [f"Lead {n:02}" for n in range(50, 60)]
    assert "source=website" in next_href.group(1)
    body = second.content.decode()
    assert "Back to the first page" in body
    assert "more-link" not in body


def test_htmx_show_more_returns_only_the_next_rows(
    client: Client, marketer: User, sixty_leads: list[Lead]
) -> None:
    client.force_login(marketer)
    after = client.get(LIST).context["page"].next_cursor

    response = client.get(
        LIST, {"after": after}, headers={"HX-Request": "true", "HX-Target": "lead-more"}
    )

    body = response.content.decode()
    assert body.lstrip().startswith("<tr")
    assert "<table" not in body
    assert names_in(response) == [f"Lead {n:02}" for n in range(50, 60)]


def test_filters_it_cannot_read_are_named_and_left_out(client: Client, marketer: User) -> None:
    LeadFactory.create(full_name="Met at a fair", source=Source.EVENT)
    LeadFactory.create(full_name="Came by the website", source=Source.WEBSITE)
    client.force_login(marketer)

    response = client.get(
        LIST,
        {"stage": "nosuch", "created_from": "the 3rd", "owner": "x", "source": "event"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Some of your filters could not be used and were left out" in body
    assert "Stage: Select a valid choice. nosuch is not one of the available choices." in body
    assert "Created from: Enter a valid date." in body
    assert "Owner: Select a valid choice." in body
    # The filter that was understood still applies.
    assert names_in(response) == ["Met at a fair"]


def test_an_end_date_before_the_start_date_is_refused(client: Client, marketer: User) -> None:
    LeadFactory.create(full_name="From the 3rd", created_at=datetime(2026, 3, 3, 12, tzinfo=UTC))
    client.force_login(marketer)

    response = client.get(LIST, {"created_from": "2026-03-05", "created_to": "2026-03-01"})

    assert "Created to: The end date is before the start date." in response.content.decode()
    assert names_in(response) == []  # the start date still applies
    assert response.context["form"]["created_to"].value() is None
    assert str(response.context["form"]["created_from"].value()) == "2026-03-05"


def test_a_page_link_that_no_longer_works_starts_from_the_top(
    client: Client, marketer: User
) -> None:
    LeadFactory.create(full_name="Someone")
    client.force_login(marketer)

    response = client.get(LIST, {"after": "stale-or-forged"})

    assert response.status_code == 200
    assert "That page link no longer works" in response.content.decode()
    assert names_in(response) == ["Someone"]


def test_user_text_is_shown_as_text(client: Client, marketer: User) -> None:
    LeadFactory.create(
        full_name="<script>alert(1)</script>", company='"><img src=x onerror=alert(1)>'
    )
    client.force_login(marketer)

    body = client.get(LIST).content.decode()

    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body


@pytest.mark.parametrize("leads", [5, 50])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_list_query_count_does_not_grow_with_leads(
    client: Client,
    marketer: User,
    sales_rep: User,
    django_assert_num_queries: Any,
    leads: int,
    htmx: bool,
) -> None:
    persona = PersonaFactory.create(name="Founder")
    long_ago = timezone.now() - timedelta(days=100)
    for n in range(leads):
        LeadFactory.create(
            marketing_owner=marketer,
            sales_owner=sales_rep if n % 2 else None,
            persona=persona if n % 3 else None,
            stage=stage(["new", "working", "mql"][n % 3]),
            stage_entered_at=long_ago,
        )
    client.force_login(marketer)
    client.get(LIST)  # the first page after logging in also stamps the session (a write)
    headers = {"HX-Request": "true"} if htmx else {}

    # session, user, the user's roles (a fragment's too: its download links) and unread
    # mentions for the menu (a fragment has no menu); stages, personas, owners (the campaigns
    # are asked for only when filtered on); one page of leads with their stage, persona and
    # owners
    with django_assert_num_queries(7 if htmx else 8):
        response = client.get(LIST, {"needs_attention": "on", "team": "marketing"}, headers=headers)
    assert response.status_code == 200
    assert len(names_in(response)) == min(leads, 50)


# How many leads match, and keeping the place


def count_line(response: Any) -> str:
    found = re.search(r'<strong class="results-count">([^<]+)</strong>', response.content.decode())
    assert found is not None, "the list says how many leads match"
    return found.group(1)


def test_the_list_says_how_many_leads_match(client: Client, marketer: User) -> None:
    LeadFactory.create(full_name="Wile Coyote", company="ACME Corp.")
    LeadFactory.create(full_name="Road Runner", company="ACME Corp.")
    LeadFactory.create(full_name="Ada Lovelace", company="Engines")
    client.force_login(marketer)

    assert count_line(client.get(LIST)) == "3 leads"
    assert count_line(client.get(LIST, {"q": "acme"})) == "2 leads"
    assert count_line(client.get(LIST, {"q": "engines"}, headers={"HX-Request": "true"})) == (
        "1 lead"
    )
    assert "results-count" not in client.get(LIST, {"q": "initech"}).content.decode()


def test_every_page_of_a_long_list_says_how_many_leads_match_in_all(
    client: Client, marketer: User, sixty_leads: list[Lead]
) -> None:
    client.force_login(marketer)
    first = client.get(LIST)
    assert count_line(first) == "60 leads"
    second = client.get(LIST, {"after": first.context["page"].next_cursor})
    assert count_line(second) == "60 leads"


def test_a_broad_search_counts_no_further_than_a_thousand(
    client: Client, marketer: User, sixty_leads: list[Lead], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("leads.views.list.COUNT_AT_MOST", 55)
    client.force_login(marketer)
    assert count_line(client.get(LIST)) == "More than 55 leads"
    monkeypatch.setattr("leads.views.list.COUNT_AT_MOST", 60)
    assert count_line(client.get(LIST)) == "60 leads"


def test_counting_a_long_list_takes_one_query_whatever_its_length(
    client: Client, marketer: User, sixty_leads: list[Lead], django_assert_num_queries: Any
) -> None:
    client.force_login(marketer)
    client.get(LIST)
    # session, user, stages, personas, owners, the page of leads, the bounded count
    # (the page of 50 does not hold them all), the menu's count of unread mentions, roles.
    with django_assert_num_queries(9):
        client.get(LIST)
    LeadFactory.create_batch(40)
    with django_assert_num_queries(9):
        assert count_line(client.get(LIST)) == "100 leads"


def test_the_next_rows_change_the_address_so_back_and_shared_links_keep_the_place(
    client: Client, marketer: User, sixty_leads: list[Lead]
) -> None:
    client.force_login(marketer)
    body = client.get(LIST).content.decode()
    more = re.search(r'<a class="more-link"[^>]+>', body)
    assert more is not None
    assert 'hx-push-url="true"' in more.group(0)


def test_the_owner_dots_have_a_legend(client: Client, marketer: User) -> None:
    LeadFactory.create(marketing_owner=marketer)
    client.force_login(marketer)
    body = client.get(LIST).content.decode()
    legend = body[body.index('<p class="owner-legend">') :].split("</p>")[0]
    assert '<span class="owner marketing">Marketing owner</span>' in legend
    assert '<span class="owner sales">Sales owner</span>' in legend


def test_the_planner_knows_an_owner_has_no_lead_in_a_stage() -> None:
    """Taken as independent, an owner with many leads and a stage with many leads would make
    the planner expect hundreds of leads where there are none; on a big table it then walks a
    whole sort index looking for them. Statistics of (owner, stage) pairs tell it there are
    none, so that the (owner, stage) indexes look instead."""
    rep = UserFactory.create(roles=[Role.SALES])
    stages = {stage.slug: stage for stage in Stage.objects.all()}
    now = timezone.now()
    Lead.objects.bulk_create(
        Lead(
            full_name=f"Lead {number}",
            email=f"lead{number}@example.com",
            source=Source.WEBSITE,
            stage=stages["sql"] if number % 2 else stages["working"],
            sales_owner=rep if number % 2 else None,
            marketing_owner=rep if number % 2 else None,
            stage_entered_at=now,
            created_at=now,
        )
        for number in range(2000)
    )

    def estimate(owner: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"EXPLAIN (FORMAT JSON) SELECT id FROM leads_lead"  # noqa: S608
                f" WHERE stage_id = %s AND {owner}_owner_id = %s",
                [stages["working"].pk, rep.pk],
            )
            rows: int = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
            return rows

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")

    assert estimate("sales") < 10
    assert estimate("marketing") < 10
