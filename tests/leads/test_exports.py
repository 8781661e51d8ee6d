"""Downloads: the lead list as CSV and XLSX (its filters, search and sort, the columns it shows,
the reader's language, formulas neutralised), the manager's archive (every file loadable and in
agreement with the database), who may have them, and that they stream with flat memory."""

import csv
import io
import json
import tempfile
import tracemalloc
import zipfile
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from accounts.models import User
from accounts.roles import Role
from funnel.models import Stage, StageChange
from leads import exports
from leads.archive import archive_chunks
from leads.exports import lead_columns, lead_csv, lead_xlsx
from leads.models import Activity, ActivityKind, Lead, Mention, Source
from leads.selectors import LeadFilters, LeadSort, lead_list_options, leads_to_export
from tests.factories import LeadFactory, PersonaFactory, UserFactory, complete_lead

pytestmark = pytest.mark.django_db

CSV_URL = reverse("lead_export_csv")
XLSX_URL = reverse("lead_export_xlsx")
ARCHIVE_URL = reverse("export_archive")
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3+4", "@SUM(A1)", "\tTab"]


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def body(response: Any) -> bytes:
    assert isinstance(response, StreamingHttpResponse), "downloads stream"
    return b"".join(response)


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def xlsx_rows(response: Any) -> list[list[Any]]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(body(response))).get_sheet_by_index(0)
    return sheet.to_python(skip_empty_area=False)


def as_dicts(rows: list[list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def drained_peak(chunks: Iterable[bytes]) -> tuple[int, int]:
    """The bytes a download sends and the most memory Python held while it ran, without
    keeping what it sent."""
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in chunks)
        return size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def insert_leads(count: int, *, name: str = "Bulk") -> None:
    """`count` plain leads in one statement: the memory test needs tens of thousands."""
    new = stage("new")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Lead._meta.db_table}
                (full_name, email, phone, company, job_title, country, source, campaign,
                 expected_value, stage_id, stage_entered_at, stages_entered, created_at, updated_at)
            SELECT %s || ' ' || n, %s || n || '@example.org', '+34 600 000 000',
                   'Company ' || n, 'Buyer', 'Spain', %s, 'Spring', 0, %s, now(),
                   ARRAY[%s]::bigint[],
                   now() - n * interval '1 second', now()
            FROM generate_series(1, %s) AS n""",  # noqa: S608
            [name, name.lower(), Source.WEBSITE, new.pk, new.pk, count],
        )


# The lead list's file: what the list shows


def test_csv_holds_exactly_the_filtered_searched_sorted_leads(
    client: Client, sales_rep: User
) -> None:
    for name in ["Zoe Acme", "Adam Acme", "Mia Acme"]:
        LeadFactory.create(full_name=name, company="Acme", stage=stage("working"))
    LeadFactory.create(full_name="Bob Acme", company="Acme")  # another stage
    LeadFactory.create(full_name="Eve Other", company="Globex", stage=stage("working"))
    client.force_login(sales_rep)

    rows = as_dicts(
        csv_rows(client.get(CSV_URL, {"q": "acme", "stage": "working", "sort": "name"}))
    )

    assert [row["Name"] for row in rows] == ["Adam Acme", "Mia Acme", "Zoe Acme"]


def test_every_column_the_list_shows_with_owners_and_dates(
    client: Client, maria: User, sam: User
) -> None:
    created = datetime(2026, 3, 2, 9, 30, 15, tzinfo=timezone.get_current_timezone())
    lead = complete_lead(
        marketing_owner=maria,
        sales_owner=sam,
        stage=stage("sql"),
        created_at=created,
        stage_entered_at=created + timedelta(days=1),
    )
    client.force_login(sam)

    (row,) = as_dicts(csv_rows(client.get(CSV_URL)))

    assert row == row | {
        "ID": str(lead.pk),
        "Name": "Ada Lovelace",
        "Email": "ada@engines.example",
        "Phone": "'+44 20 7946 0000",  # a spreadsheet would read "+44 ..." as a formula
        "Company": "Analytical Engines",
        "Persona": "Engineering lead",
        "Stage": "SQL",
        "Marketing owner": "Maria Lindqvist",
        "Marketing owner's email": maria.email,
        "Sales owner": "Sam Whitaker",
        "Sales owner's email": sam.email,
        "Source": "Event",
        "Campaign": "Spring summit",
        "Expected value (EUR)": "12500.00",
        "Created (UTC)": "2026-03-02 09:30:15",
        "In stage since (UTC)": "2026-03-03 09:30:15",
        "Past its time limit": "Yes",  # in SQL for much longer than its time limit
    }


def test_headers_stages_and_sources_in_the_readers_language(client: Client) -> None:
    reader = UserFactory.create(language="es", roles=[Role.SALES])
    LeadFactory.create(full_name="Lucía", source=Source.EVENT, stage=stage("working"))
    client.force_login(reader)

    csv_header, csv_row = csv_rows(client.get(CSV_URL))
    xlsx_header, xlsx_row = xlsx_rows(client.get(XLSX_URL))

    for header, row in [(csv_header, csv_row), (xlsx_header, xlsx_row)]:
        assert header[:3] == ["ID", "Nombre", "Email"]
        assert {"Etapa", "Origen", "Propietario de ventas", "Creado (UTC)"} <= set(header)
        cells = dict(zip(header, row, strict=True))
        assert cells["Etapa"] == stage("working").name_es
        assert cells["Origen"] == "Evento"


def test_formulas_are_neutralised_in_csv_and_xlsx(client: Client, marketer: User) -> None:
    LeadFactory.create(
        full_name=HOSTILE[0], company=HOSTILE[1], job_title=HOSTILE[2], campaign=HOSTILE[3],
        country=HOSTILE[4],
    )  # fmt: skip
    client.force_login(marketer)

    for rows in [csv_rows(client.get(CSV_URL)), xlsx_rows(client.get(XLSX_URL))]:
        cells = as_dicts(rows)[0]
        shown = [cells[name] for name in ["Name", "Company", "Job title", "Campaign", "Country"]]
        assert shown == ["'" + text for text in HOSTILE]


def test_xlsx_has_the_same_leads_with_numbers_and_dates_as_such(
    client: Client, marketer: User
) -> None:
    complete_lead(stage=stage("working"))
    LeadFactory.create(full_name="Not working")
    client.force_login(marketer)

    (row,) = as_dicts(xlsx_rows(client.get(XLSX_URL, {"stage": "working"})))

    assert row["Name"] == "Ada Lovelace"
    assert row["Expected value (EUR)"] == 12500
    assert isinstance(row["Created (UTC)"], datetime)


def test_a_filter_the_list_cannot_read_is_left_out_as_the_list_leaves_it_out(
    client: Client, marketer: User
) -> None:
    LeadFactory.create(full_name="Only one")
    client.force_login(marketer)

    rows = as_dicts(csv_rows(client.get(CSV_URL, {"stage": "no-such-stage"})))

    assert [row["Name"] for row in rows] == ["Only one"]


def test_filters_that_match_nothing_give_the_headers_only(client: Client, marketer: User) -> None:
    LeadFactory.create(campaign="Spring")
    client.force_login(marketer)

    for url, rows in [(CSV_URL, csv_rows), (XLSX_URL, xlsx_rows)]:
        (header,) = rows(client.get(url, {"campaign": "Nobody's campaign"}))
        assert header[:2] == ["ID", "Name"]


@pytest.mark.parametrize("leads", [5, 50])
@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL], ids=["csv", "xlsx"])
def test_query_count_does_not_grow_with_leads(
    client: Client,
    marketer: User,
    sales_rep: User,
    django_assert_num_queries: Any,
    leads: int,
    url: str,
) -> None:
    persona = PersonaFactory.create(name="Founder")
    for n in range(leads):
        LeadFactory.create(
            marketing_owner=marketer,
            sales_owner=sales_rep if n % 2 else None,
            persona=persona if n % 3 else None,
            stage=stage(["new", "working", "mql"][n % 3]),
        )
    client.force_login(marketer)
    client.get(reverse("lead_list"))  # the first page after logging in stamps the session

    # session, user; stages, personas, owners; the leads (COPY, or a cursor's declare, fetch
    # and close in a savepoint of their own)
    with django_assert_num_queries(6 if url == CSV_URL else 8):
        rows = body(client.get(url, {"team": "marketing", "sort": "name"}))
    assert rows


def test_streams_with_flat_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's memory while it writes ten times the rows stays about the same: CSV from
    COPY and the archive from COPY through stream-zip (5,000 and 50,000 leads); XLSX row by row
    from a cursor read in batches, through a temporary file (1,000 and 10,000 leads, in
    batches of 250 rather than the server's 2,000: it is the slow one to write)."""
    monkeypatch.setattr(exports, "CURSOR_ROWS", 250)
    options, now = lead_list_options(), timezone.now()
    columns = lead_columns(options=options, now=now)

    def leads(limit: int) -> Any:
        everyone = leads_to_export(
            filters=LeadFilters(), sort=LeadSort.NEWEST, options=options, now=now
        )
        return everyone[:limit]

    def peaks(many: int, fewer: int) -> list[tuple[int, int]]:
        return [
            drained_peak(lead_csv(leads(many), columns)),
            drained_peak(archive_chunks(now)),
            drained_peak(lead_xlsx(leads(fewer), columns, title="Leads")),
        ]

    insert_leads(5_000)
    small = peaks(5_000, 1_000)
    insert_leads(45_000, name="More")
    large = peaks(50_000, 10_000)

    for (small_size, small_peak), (large_size, large_peak) in zip(small, large, strict=True):
        assert large_size > 5 * small_size
        assert large_peak < small_peak * 1.25 + 256 * 1024, (small, large)


# The archive


def zip_of(response: Any) -> zipfile.ZipFile:
    with tempfile.SpooledTemporaryFile() as file:
        file.write(body(response))
        file.seek(0)
        return zipfile.ZipFile(io.BytesIO(file.read()))


def member_rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


def test_archive_holds_every_file_loadable_and_agreeing_with_the_data(
    client: Client, manager: User, maria: User, sam: User
) -> None:
    lead = complete_lead(marketing_owner=maria, sales_owner=sam, stage=stage("working"))
    LeadFactory.create_batch(3)
    note = Activity.objects.create(
        lead=lead, kind=ActivityKind.NOTE, author=maria, body="=cmd|' /C calc'!A0\nsecond line"
    )
    Mention.objects.create(activity=note, user=sam)
    client.force_login(manager)

    archive = zip_of(client.get(ARCHIVE_URL))
    manifest = json.loads(archive.read("manifest.json"))

    assert {f["name"] for f in manifest["files"]} == set(archive.namelist()) - {"manifest.json"}
    expected_rows = {
        "leads.csv": Lead.objects.count(),
        "stage_changes.csv": StageChange.objects.count(),
        "activities.csv": Activity.objects.count(),
        "mentions.csv": 1,
        "users.json": User.objects.count(),
        "stages.json": Stage.objects.count(),
    }
    for described in manifest["files"]:
        name = described["name"]
        if name.endswith(".csv"):
            rows = member_rows(archive, name)
            assert list(rows[0]) == [column["name"] for column in described["columns"]]
        else:
            rows = json.loads(archive.read(name))
        assert len(rows) == described["rows"] == expected_rows.get(name, len(rows)), name

    leads = {row["email"]: row for row in member_rows(archive, "leads.csv")}
    assert leads["ada@engines.example"] == leads["ada@engines.example"] | {
        "id": str(lead.pk),
        "full_name": "Ada Lovelace",
        "stage_id": str(stage("working").pk),
        "marketing_owner_id": str(maria.pk),
        "expected_value": "12500.00",
    }
    datetime.fromisoformat(leads["ada@engines.example"]["created_at"])
    (activity,) = [
        row for row in member_rows(archive, "activities.csv") if row["id"] == str(note.pk)
    ]
    assert activity["body"] == "'=cmd|' /C calc'!A0\nsecond line"
    users = json.loads(archive.read("users.json"))
    assert {key for user in users for key in user} == {
        "id", "username", "full_name", "email", "teams", "active",
    }  # fmt: skip
    assert {"full_name": "Sam Whitaker", "teams": ["Sales"]}.items() <= next(
        user for user in users if user["id"] == sam.pk
    ).items()


@pytest.mark.parametrize("leads", [5, 50])
def test_archive_query_count_does_not_grow_with_leads(
    client: Client, manager: User, django_assert_num_queries: Any, leads: int
) -> None:
    LeadFactory.create_batch(leads)
    client.force_login(manager)
    client.get(reverse("lead_list"))

    # session, user, roles; savepoint; 4 counts; personas, stages, transitions, reasons, goals,
    # users and their teams; 4 COPYs; savepoint released
    with django_assert_num_queries(20):
        assert body(client.get(ARCHIVE_URL))


# Who may


def test_the_archive_is_for_managers_only(client: Client, marketer: User, sales_rep: User) -> None:
    for person in [marketer, sales_rep]:
        client.force_login(person)
        for url in [ARCHIVE_URL, reverse("export_all")]:
            response = client.get(url)
            assert response.status_code == 403
            assert "Only managers export all the data at once." in response.content.decode()


def test_signing_in_is_asked_for_every_download(client: Client) -> None:
    for url in [CSV_URL, XLSX_URL, ARCHIVE_URL, reverse("export_all")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_list_offers_its_downloads_with_its_filters(
    client: Client, marketer: User, manager: User
) -> None:
    LeadFactory.create(full_name="Ann Bell")
    client.force_login(marketer)
    page = client.get(reverse("lead_list"), {"stage": "new", "q": "ann bell"}).content.decode()

    assert f'href="{CSV_URL}?stage=new&amp;q=ann+bell"' in page
    assert f'href="{XLSX_URL}?stage=new&amp;q=ann+bell"' in page
    assert reverse("export_all") not in page

    client.force_login(manager)
    assert reverse("export_all") in client.get(reverse("lead_list")).content.decode()
