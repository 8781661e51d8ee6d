"""The dashboard page, its CSV downloads and its drill-downs into the lead list."""

import csv
import io
import re
from dataclasses import fields

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.rollup import refresh_rollups
from dashboard.selectors import dashboard
from dashboard.tables import (
    PAGE_ROWS,
    TABLE_KEYS,
    Cell,
    Headlines,
    all_tables,
    headlines,
    one_table,
)
from funnel.periods import quarter
from leads.models import Lead
from tests.dashboard.scenario import NOW, Clock, Story, at, build_story, log

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(clock: Clock, maria, sam, riley, manager) -> Story:
    built = build_story(clock, maria=maria, sam=sam, riley=riley, manager=manager)
    refresh_rollups()
    return built


@pytest.mark.parametrize("person", ["maria", "sam", "manager"])
def test_everyone_sees_the_same_figures(client: Client, story: Story, request, person) -> None:
    client.force_login(request.getfixturevalue(person))
    page = client.get(reverse("dashboard"), {"period": "2026-Q4"}).content.decode()
    assert "Dashboard · Q4 2026" in page
    assert "12,000" in page  # revenue won
    assert "100,000 goal" in page
    assert "12,050" in page  # forecast
    assert "Change the goal" in page if person == "manager" else "Change the goal" not in page


def test_this_quarter_by_default_and_a_bad_period_is_explained(
    client: Client, story, maria
) -> None:
    client.force_login(maria)
    assert "Dashboard · Q4 2026" in client.get(reverse("dashboard")).content.decode()
    page = client.get(reverse("dashboard"), {"period": "2026-Q9"}).content.decode()
    assert "is not a month or a quarter; showing this quarter" in page
    assert "Dashboard · Q4 2026" in page


@pytest.mark.parametrize("extra_leads", [0, 30])
def test_the_page_costs_the_same_queries_whatever_the_data(
    client: Client, clock: Clock, story, maria, extra_leads, django_assert_num_queries
) -> None:
    for number in range(extra_leads):
        log(clock, at(11, 2, 9, number), maria, email=f"more{number}@example.com")
    refresh_rollups()
    client.force_login(maria)
    # The dashboard's own twelve (stages, goal, the period's and the trailing window's moves,
    # moves per attribute, reasons, personas, people, wins per day, open pipeline per stage,
    # MQLs past the limit, time in stage) and what every page costs: session, user, roles,
    # unread mentions.
    with django_assert_num_queries(19):
        assert client.get(reverse("dashboard"), {"period": "2026-Q4"}).status_code == 200


def test_each_table_downloads_as_csv(client: Client, story, maria) -> None:
    client.force_login(maria)
    response = client.get(reverse("dashboard_csv", args=["by_source"]), {"period": "2026-Q4"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="smarketing-by_source-2026-Q4.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Name",
        "New leads",
        "MQLs",
        "Lead → MQL",
        "Deals won",
        "Revenue won (EUR)",
        "Recycled",
    ]
    assert ["Event", "1", "1", "1.0", "1", "12000.00", "0"] in rows
    assert ["Website", "2", "1", "0.5", "0", "0.00", "1"] in rows
    for key in all_tables(dashboard(period=quarter(2026, 4), now=NOW)):
        assert client.get(reverse("dashboard_csv", args=[key])).status_code == 200
    assert client.get(reverse("dashboard_csv", args=["nothing"])).status_code == 404


# What each CSV file reads beyond what every request costs here (the session and the user, and
# the session saved in a savepoint): only its own table's figures, never the whole dashboard's
# twelve queries.
CSV_QUERIES = {
    "pacing": 2,  # the goal, wins per day
    "reverse_funnel": 4,  # stages, the goal, the period's and the trailing window's moves
    "rates": 4,
    "stages": 3,  # stages, the period's moves, time in stage
    "recycled_reasons": 3,  # stages, the period's moves, reasons
    "lost_reasons": 3,
    "by_source": 2,  # stages, moves per source
    "by_campaign": 2,
    "by_persona": 3,  # and the personas' names
    "reps": 3,  # and the people's names
    "marketers": 3,
}
EVERY_PAGE = 5


@pytest.mark.parametrize("key", TABLE_KEYS)
def test_each_csv_reads_only_its_own_table(
    client: Client, story, maria, key, django_assert_num_queries
) -> None:
    client.force_login(maria)
    assert CSV_QUERIES[key] < 12
    with django_assert_num_queries(EVERY_PAGE + CSV_QUERIES[key]):
        response = client.get(reverse("dashboard_csv", args=[key]), {"period": "2026-Q4"})
    assert response.status_code == 200


@pytest.mark.parametrize("key", TABLE_KEYS)
def test_each_table_alone_is_the_dashboards_table_with_every_row(story, key) -> None:
    whole = all_tables(dashboard(period=quarter(2026, 4), now=NOW))[key]
    alone = one_table(key, period=quarter(2026, 4), now=NOW)
    assert alone == whole
    assert alone is not None
    assert alone.rows


def _campaign_table(page: str) -> str:
    table = re.search(r'id="table-by_campaign">(.*?)</table>', page, re.S)
    assert table
    return table[1]


def _campaign_rows(page: str) -> int:
    return _campaign_table(page).count("<tr>") - 1  # the header's


@pytest.mark.parametrize("campaigns", [PAGE_ROWS + 5, PAGE_ROWS + 40])
def test_the_page_shows_the_first_rows_of_a_long_table_and_its_csv_all(
    client: Client, clock: Clock, story, maria, campaigns
) -> None:
    for number in range(campaigns):
        log(clock, at(11, 2, 9), maria, email=f"c{number}@example.com", campaign=f"C{number:03}")
    refresh_rollups()
    client.force_login(maria)

    page = client.get(reverse("dashboard"), {"period": "2026-Q4"}).content.decode()
    download = client.get(reverse("dashboard_csv", args=["by_campaign"]), {"period": "2026-Q4"})

    names = [row[0] for row in csv.reader(io.StringIO(download.content.decode()))][1:]
    assert {f"C{number:03}" for number in range(campaigns)} < set(names)
    assert _campaign_rows(page) == PAGE_ROWS
    assert f"The first {PAGE_ROWS} of {len(names)} rows" in page
    # The same first rows as the file's: ranked in SQL, ties by name.
    shown = re.findall(r'<th scope="row">([^<]*)</th>', _campaign_table(page))
    assert shown == names[:PAGE_ROWS]


def test_the_page_does_not_grow_with_the_number_of_campaigns(
    client: Client, clock: Clock, story, maria
) -> None:
    client.force_login(maria)
    sizes = []
    for batch in range(2):
        for number in range(PAGE_ROWS * (batch + 1)):
            email = f"b{batch}-{number}@example.com"
            log(clock, at(11, 2, 9), maria, email=email, campaign=f"B{batch}-{number:03}")
        refresh_rollups()
        page = client.get(reverse("dashboard"), {"period": "2026-Q4"}).content.decode()
        sizes.append(len(page))
    # The same rows shown, with other names and counts: a few bytes apart, not 50 rows more.
    assert abs(sizes[1] - sizes[0]) < 2_000


def test_csv_cells_cannot_become_formulas(client: Client, clock: Clock, story, maria) -> None:
    log(clock, at(11, 3), maria, email="x@example.com", campaign='=HYPERLINK("http://x")')
    refresh_rollups()
    client.force_login(maria)
    response = client.get(reverse("dashboard_csv", args=["by_campaign"]), {"period": "2026-Q4"})
    names = [row[0] for row in csv.reader(io.StringIO(response.content.decode()))]
    assert '\'=HYPERLINK("http://x")' in names
    assert not any(name.startswith("=") for name in names)


def _linked_cells(story: Story) -> list[Cell]:
    figures = dashboard(period=quarter(2026, 4), now=NOW)
    cells = [cell for table in all_tables(figures).values() for row in table.rows for cell in row]
    top: Headlines = headlines(figures)
    cells += [
        getattr(top, field.name)
        for field in fields(top)
        if isinstance(getattr(top, field.name), Cell)
    ]
    return [cell for cell in cells if cell.url and "/leads/" in cell.url]


def test_every_number_opens_a_list_of_exactly_its_leads(client: Client, story, manager) -> None:
    client.force_login(manager)
    linked = _linked_cells(story)
    assert len(linked) > 20
    for cell in linked:
        page = client.get(cell.url).content.decode()
        count = r'class="drill-down".*?<strong class="results-count">([\d,]+) leads?</strong>'
        shown = re.search(count, page, re.S)
        assert shown, cell.url
        assert int(shown[1].replace(",", "")) == cell.raw, cell.url


def test_a_drill_down_lists_the_leads_themselves(client: Client, story, manager) -> None:
    client.force_login(manager)
    url = reverse("lead_list") + "?into=working&moved=recycled&period=2026-Q4&reason="
    from funnel.models import Reason

    page = client.get(url + str(Reason.objects.get(slug="no-budget").pk)).content.decode()
    assert "1 lead</strong>" in page
    assert "Leads recycled to Marketing in Q4 2026, reason: No budget" in page
    assert ">Bob<" in page
    assert ">Ada<" not in page
    assert Lead.objects.count() == 4


@pytest.mark.parametrize("key", ["0001-01", "0001-Q1", "9999-12", "9999-Q4", "0000-01", "1899-12"])
def test_a_period_too_far_away_is_explained_not_a_failure(client: Client, maria, key) -> None:
    client.force_login(maria)

    page = client.get(reverse("dashboard"), {"period": key})
    csv_download = client.get(reverse("dashboard_csv", args=["by_source"]), {"period": key})

    assert page.status_code == 200
    assert f"“{key}” is not a month or a quarter; showing this quarter" in page.content.decode()
    assert csv_download.status_code == 200
