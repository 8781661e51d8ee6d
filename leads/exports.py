"""The lead list as a file, CSV or XLSX: every lead its filters, search and sort select, with
every column the list can show, in the reader's language.

Both stream, so that a million leads pass through without the server holding them: the database
writes the CSV rows itself (COPY ... TO STDOUT, formulas neutralised in SQL, see
smarketing.formulas), and the XLSX is written row by row from a server-side cursor in
XlsxWriter's constant-memory mode into a temporary file, then sent in chunks. Neither takes a
lock that blocks anyone writing: a read is one statement under READ COMMITTED, its own snapshot.
"""

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

import xlsxwriter
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim, TruncSecond
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import Lead, Source
from leads.selectors import LeadListOptions
from smarketing.formulas import Neutralised, neutralised
from smarketing.money import currency

# What one chunk of a download holds, and how many rows a server-side cursor reads at a time.
CHUNK_BYTES = 256 * 1024
CURSOR_ROWS = 2000
# Excel and LibreOffice read a CSV as UTF-8 (names with accents) when it begins with this.
UTF8_BOM = "\ufeff".encode()


class FileKind(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    ZIP = "zip"

    @property
    def content_type(self) -> str:
        return {
            FileKind.CSV: "text/csv; charset=utf-8",
            FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind.ZIP: "application/zip",
        }[self]


class CellKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    header: str
    expression: Expression | F
    kind: CellKind = CellKind.TEXT


def _text(expression: Expression | F | str) -> Neutralised:
    return Neutralised(F(expression) if isinstance(expression, str) else expression)


def _owner_name(owner: str) -> Expression:
    """How the list names an owner (leads.pickers.owner_label): the full name, else the
    username."""
    full_name = Trim(Concat(f"{owner}__first_name", Value(" "), f"{owner}__last_name"))
    return Coalesce(NullIf(full_name, Value("")), F(f"{owner}__username"))


def _labels(field: str, labels: Iterable[tuple[Any, Any]]) -> Expression:
    """A column's values in the reader's language, by a CASE over the few values it has."""
    whens = [When(**{field: value}, then=Value(str(label))) for value, label in labels]
    return Case(*whens, default=Value(""), output_field=CharField())


def _past_limit(options: LeadListOptions, now: datetime) -> Expression:
    """Yes or no, as the list's "late" tag (funnel.selectors.past_limit)."""
    late = Q(pk__in=[])
    for stage in options.stages:
        late_since = stage.late_since(now)
        if late_since is not None:
            late |= Q(stage=stage, stage_entered_at__lt=late_since)
    return Case(When(late, then=Value(_("Yes"))), default=Value(_("No")), output_field=CharField())


def lead_columns(*, options: LeadListOptions, now: datetime) -> list[Column]:
    """The file's columns, headed and labelled in the active language; times in the
    installation's time zone, named in their headers."""
    zone = timezone.get_current_timezone()
    in_zone = f" ({zone})"

    def local(field: str) -> Expression:
        return TruncSecond(field, tzinfo=zone)

    stage_ids = ((stage.pk, stage.shown_name) for stage in options.stages)
    return [
        Column(_("ID"), F("id"), CellKind.NUMBER),
        Column(_("Name"), _text("full_name")),
        Column(_("Email"), _text("email")),
        Column(_("Phone"), _text("phone")),
        Column(_("Company"), _text("company")),
        Column(_("Job title"), _text("job_title")),
        Column(_("Country"), _text("country")),
        Column(_("Persona"), _text("persona__name")),
        Column(_("Stage"), _text(_labels("stage_id", stage_ids))),
        Column(_("In stage since") + in_zone, local("stage_entered_at"), CellKind.DATETIME),
        Column(_("Past its time limit"), _past_limit(options, now)),
        Column(_("Marketing owner"), _text(_owner_name("marketing_owner"))),
        Column(_("Marketing owner's email"), _text("marketing_owner__email")),
        Column(_("Sales owner"), _text(_owner_name("sales_owner"))),
        Column(_("Sales owner's email"), _text("sales_owner__email")),
        Column(_("Source"), _text(_labels("source", Source.choices))),
        Column(_("Campaign"), _text("campaign")),
        Column(f"{_('Expected value')} ({currency()})", F("expected_value"), CellKind.NUMBER),
        Column(_("Expected close date"), F("expected_close_date"), CellKind.DATE),
        Column(_("Created") + in_zone, local("created_at"), CellKind.DATETIME),
        Column(_("Updated") + in_zone, local("updated_at"), CellKind.DATETIME),
    ]


def _select(leads: QuerySet[Lead], columns: list[Column]) -> tuple[str, tuple[Any, ...]]:
    """The SQL reading `columns` of `leads`, in their order, and its parameters."""
    names = {f"c{index}": column.expression for index, column in enumerate(columns)}

    def compiled(chosen: QuerySet[Lead]) -> tuple[str, tuple[Any, ...]]:
        query = chosen.annotate(**names).values_list(*names).query
        sql, params = query.get_compiler(connection=connection).as_sql()
        return sql, tuple(params)

    try:
        return compiled(leads)
    except EmptyResultSet:
        # Filters that match nothing before asking (a campaign nobody uses): no rows.
        sql, params = compiled(Lead.objects.all())
        return f"SELECT * FROM ({sql}) AS matching WHERE false", params  # noqa: S608 (our SQL)


def csv_header(columns: list[Column]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([neutralised(c.header) for c in columns])
    return out.getvalue().encode()


def copied_rows(sql: str, params: tuple[Any, ...]) -> Iterator[bytes]:
    """The rows of `sql` as CSV, written by the database (COPY), in chunks of about
    CHUNK_BYTES: COPY hands over one row at a time, too small a piece to send."""
    # COPY takes no parameters: they are bound into its text (as quoted literals).
    select = cast(PostgresOperations, connection.ops).compose_sql(sql, params)
    statement = f"COPY ({select}) TO STDOUT WITH (FORMAT csv)"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        buffer = bytearray()
        for row in copy:
            buffer += row
            if len(buffer) >= CHUNK_BYTES:
                yield bytes(buffer)
                buffer.clear()
        if buffer:
            yield bytes(buffer)


def lead_csv(leads: QuerySet[Lead], columns: list[Column]) -> Iterator[bytes]:
    sql, params = _select(leads, columns)
    yield UTF8_BOM + csv_header(columns)
    yield from copied_rows(sql, params)


def _cell_writers(
    sheet: Any, columns: list[Column], formats: dict[CellKind, Any]
) -> list[Callable[[int, int, Any], Any]]:
    def text(row: int, col: int, value: str) -> Any:
        return sheet.write_string(row, col, value) if value else None

    def number(row: int, col: int, value: Decimal | int) -> Any:
        return sheet.write_number(row, col, value)

    def when(kind: CellKind) -> Callable[[int, int, date | datetime], Any]:
        return lambda row, col, value: sheet.write_datetime(row, col, value, formats[kind])

    by_kind: dict[CellKind, Callable[[int, int, Any], Any]] = {
        CellKind.TEXT: text,
        CellKind.NUMBER: number,
        CellKind.DATE: when(CellKind.DATE),
        CellKind.DATETIME: when(CellKind.DATETIME),
    }
    return [by_kind[column.kind] for column in columns]


def lead_xlsx(leads: QuerySet[Lead], columns: list[Column], *, title: str) -> Iterator[bytes]:
    """The workbook, written whole into a temporary file (a ZIP needs its end written before
    it can be read), then sent in chunks. Starts with an empty chunk so that the answer's
    headers leave at once, before the rows are read."""
    sql, params = _select(leads, columns)
    yield b""
    with tempfile.TemporaryFile() as file:
        workbook = xlsxwriter.Workbook(
            file,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        _write_sheet(workbook, sql, params, columns, title=title)
        workbook.close()
        file.seek(0)
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


def _write_sheet(
    workbook: Any, sql: str, params: tuple[Any, ...], columns: list[Column], *, title: str
) -> None:
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True})
    formats = {
        CellKind.DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        CellKind.DATETIME: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    for index, column in enumerate(columns):
        sheet.write_string(0, index, neutralised(column.header), bold)
        sheet.set_column(index, index, 20 if column.kind == CellKind.DATETIME else 16)
    sheet.freeze_panes(1, 0)
    writers = _cell_writers(sheet, columns, formats)
    row_number = 0
    # A server-side cursor inside a transaction (without one it would be WITH HOLD, which makes
    # PostgreSQL run the whole query before the first row).
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CURSOR_ROWS):
            for row in rows:
                row_number += 1
                for index, (write, value) in enumerate(zip(writers, row, strict=True)):
                    if value is not None:
                        write(row_number, index, value)


def download(chunks: Iterator[bytes], *, filename: str, kind: FileKind) -> StreamingHttpResponse:
    """A file sent as it is written; never cached, since it holds the leads of one moment."""
    response = StreamingHttpResponse(chunks, content_type=kind.content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def lead_file(
    leads: QuerySet[Lead], *, kind: FileKind, options: LeadListOptions, now: datetime
) -> StreamingHttpResponse:
    """The download of `leads` (leads.selectors.leads_to_export) as `kind`."""
    columns = lead_columns(options=options, now=now)
    title = _("Leads")
    filename = f"{title.lower()}-{timezone.localdate(now).isoformat()}.{kind}"
    if kind == FileKind.CSV:
        chunks = lead_csv(leads, columns)
    else:
        chunks = lead_xlsx(leads, columns, title=title)
    return download(chunks, filename=filename, kind=kind)
