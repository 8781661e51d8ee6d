"""The dry run: the file's rows, read once with the batch's mapping, go into the batch's staging
table by COPY; the rest is checked and mapped in SQL, and nothing is written to the leads.

Staging is one UNLOGGED table per batch (`import_rows_<id>`) rather than one shared table keyed
by batch: a COPY into a table of its own writes no WAL and needs no index but its key while it
loads, dropping it when the batch ends frees its space at once (deleting a million rows from a
shared table would leave them to vacuum), and batches never wait on each other's rows. Unlogged
means PostgreSQL empties it after a crash: the batch then asks for a new dry run from the kept
file (see landing.staged_rows), which nothing else could have saved anyway.
"""

import csv
import json
import pathlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from psycopg import sql

from funnel.models import WellKnownStage
from leads.imports.cells import CellError, parse_date, parse_datetime, parse_decimal, parse_email
from leads.imports.columns import FIELDS_BY_NAME
from leads.imports.files import Sheet, open_sheet
from leads.models import DuplicatePolicy, ImportBatch, Lead
from smarketing.bounds import LEAD_VALUE
from smarketing.formulas import neutralised

# Lead fields filled with the cell's text as it is (trimmed; a blank cell is no value).
TEXT_FIELDS = ("full_name", "phone", "company", "job_title", "country", "campaign")
# Fields whose values the person maps to ours (a stage, a user, a source, a persona).
VALUE_FIELDS = ("stage", "marketing_owner", "sales_owner", "source", "persona")
# The dates a lead entered a stage, as the other tools export them, by the stage's key.
HISTORY_FIELDS = {
    "became_mql_at": WellKnownStage.MQL,
    "became_sql_at": WellKnownStage.SQL,
    "became_opportunity_at": WellKnownStage.OPPORTUNITY,
    "won_at": WellKnownStage.WON,
    "lost_at": WellKnownStage.LOST,
}
DATE_FIELDS = ("created_at", *HISTORY_FIELDS)
# The staging table's columns the file fills, in the order of the rows written by COPY.
STAGED = (
    "n",
    "line",
    "email",
    *TEXT_FIELDS,
    *(f"{field}_raw" for field in VALUE_FIELDS),
    "expected_value",
    "expected_close_date",
    *DATE_FIELDS,
    "errors",
)
_TYPES = {"n": "integer PRIMARY KEY", "line": "integer"}
_TYPES |= {"expected_value": "numeric", "errors": "text[]"}
_TYPES |= {"expected_close_date": "date"} | dict.fromkeys(DATE_FIELDS, "timestamptz")
# What SQL adds: the mapped values, the existing lead, and what the row will do.
MAPPED = (
    "source text",
    "persona_id bigint",
    "persona_new text",
    "marketing_owner_id bigint",
    "sales_owner_id bigint",
    "stage_id bigint",
    "lead_id bigint",
    "outcome text",
)


class Outcome:
    NEW, UPDATE, SKIP, REPEAT, ERROR = "new", "update", "skip", "repeat", "error"


def table_name(batch_id: int) -> str:
    return f"import_rows_{int(batch_id)}"


def staging_table(batch_id: int) -> sql.Identifier:
    return sql.Identifier(table_name(batch_id))


def sheet_of(batch: ImportBatch) -> Sheet:
    return open_sheet(settings.IMPORT_ROOT / batch.stored_file, filename=batch.file_name)


@dataclass(frozen=True)
class DryRun:
    counts: dict[str, int]
    changes: list[dict[str, Any]]
    errors: list[dict[str, Any]]


def dry_run(batch: ImportBatch) -> DryRun:
    """Stage the file under the batch's mapping and say what an import would do."""
    columns = {int(index): field for index, field in batch.mapping.get("columns", {}).items()}
    _create_table(batch.pk)
    _copy_rows(batch, columns)
    _map_and_check(batch, columns)
    result = DryRun(
        counts=_counts(batch.pk), changes=_sample_changes(batch), errors=_sample_errors(batch.pk)
    )
    batch.error_file = (
        _write_error_file(batch)
        if result.counts.get(Outcome.ERROR) or (result.counts.get(Outcome.REPEAT))
        else ""
    )
    return result


def drop_staging(batch_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(staging_table(batch_id)))


def _create_table(batch_id: int) -> None:
    columns = [
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(_TYPES.get(name, "text")))
        for name in STAGED
    ] + [sql.SQL(column) for column in MAPPED]
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(staging_table(batch_id)))
        cursor.execute(
            sql.SQL("CREATE UNLOGGED TABLE {} ({})").format(
                staging_table(batch_id), sql.SQL(", ").join(columns)
            )
        )


def _copy_rows(batch: ImportBatch, columns: dict[int, str]) -> None:
    sheet = sheet_of(batch)
    read = _row_reader(columns, decimal_mark=sheet.decimal_mark)
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        staging_table(batch.pk), sql.SQL(", ").join(map(sql.Identifier, STAGED))
    )
    total = 0
    with _pg().cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types([_BINARY.get(name, "text") for name in STAGED])
        for number, (line, cells) in enumerate(sheet.numbered_rows(), start=1):
            copy.write_row(read(number, line, cells))
            total = number
    batch.rows_total = total


def _pg() -> Any:
    """The database connection itself (psycopg), for COPY."""
    connection.ensure_connection()
    return connection.connection


_BINARY = {"n": "int4", "line": "int4", "expected_value": "numeric", "errors": "text[]"}
_BINARY |= {"expected_close_date": "date"} | dict.fromkeys(DATE_FIELDS, "timestamptz")


# Longest text each lead field takes, from the model.
_LENGTHS = {
    field: getattr(Lead._meta.get_field(field), "max_length", 0) or 0
    for field in ("email", *TEXT_FIELDS)
}
_VALUE_LIMIT = LEAD_VALUE.maximum


def _row_reader(
    columns: dict[int, str], *, decimal_mark: str | None
) -> Callable[[int, int, list[str]], tuple[Any, ...]]:
    """A function reading one row's cells into the staging table's columns, with the reasons
    the cells it could not read were refused. A blank cell is no value (NULL), never an empty
    one: no import ever erases a value with a blank."""
    positions = {field: index for index, field in columns.items()}
    names = [positions.get(field) for field in ("first_name", "last_name")]

    def read(number: int, line: int, cells: list[str]) -> tuple[Any, ...]:
        values: dict[str, Any] = {"n": number, "line": line}
        errors: list[str] = []
        for field, index in positions.items():
            cell = cells[index].strip()
            if not cell:
                continue
            try:
                key = f"{field}_raw" if field in VALUE_FIELDS else field
                values[key] = _parsed(field, cell, decimal_mark)
            except CellError as error:
                errors.append(f"{_label(field)}: {error.message}")
                if field == "email":
                    # Kept as written for the error file; a row with errors lands nowhere.
                    values["email"] = cell[:200]
        if "full_name" not in values and any(index is not None for index in names):
            joined = " ".join(cells[i].strip() for i in names if i is not None).strip()
            values["full_name"] = joined or None
        for field, longest in _LENGTHS.items():
            if len(values.get(field) or "") > longest:
                errors.append(
                    _("%(field)s: longer than %(count)d characters")
                    % {
                        "field": _label(field),
                        "count": longest,
                    }
                )
        values["errors"] = errors or None
        return tuple(values.get(column) for column in STAGED)

    return read


def _parsed(field: str, cell: str, decimal_mark: str | None) -> Any:
    """The cell read as its field holds it; CellError says why it cannot be."""
    if field == "email":
        return parse_email(cell)
    if field == "expected_value":
        amount = parse_decimal(cell, decimal_mark=decimal_mark)
        if not (0 <= amount <= _VALUE_LIMIT):
            raise CellError(_("“%(value)s” is not an amount a lead can hold.") % {"value": cell})
        return amount
    if field == "expected_close_date":
        return parse_date(cell)
    if field in DATE_FIELDS:
        return parse_datetime(cell)
    if field in VALUE_FIELDS or field in TEXT_FIELDS:
        return cell
    # A column mapped to a field this step does not write (first and last names are joined;
    # notes are not imported).
    return None


def _label(field: str) -> str:
    known = FIELDS_BY_NAME.get(field)
    return str(known.label if known else field.replace("_", " "))


def _map_and_check(batch: ImportBatch, columns: dict[int, str]) -> None:
    """Map the values of the stage, owner, source and persona columns to ours, find the lead of
    each email, and decide each row's outcome: an error, a repeat of an email seen in an earlier
    row, a new lead, an update, or (with the policy "skip") an existing lead left alone."""
    values = batch.mapping.get("values", {})
    table = staging_table(batch.pk)
    params: dict[str, Any] = {
        "stages": _known_values(table, "stage", values.get("stage", {})),
        "owners": _known_values(table, "marketing_owner", values.get("marketing_owner", {})),
        "reps": _known_values(table, "sales_owner", values.get("sales_owner", {})),
        "sources": _json(values.get("source", {})),
        "personas": _known_values(table, "persona", values.get("persona", {})),
        "policy_skip": batch.policy == DuplicatePolicy.SKIP,
        "needs_name": "full_name" in columns.values()
        or bool({"first_name", "last_name"} & set(columns.values())),
        "unknown_stage": _("unknown stage") + ": ",
        "unknown_owner": _("unknown owner") + ": ",
        "unknown_rep": _("unknown sales owner") + ": ",
        "unknown_persona": _("unknown persona") + ": ",
        "no_email": _("no email address"),
        "no_name": _("a new lead needs a name"),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SURVIVORS.format(table=table))
        cursor.execute(sql.SQL("CREATE INDEX ON {} (lower(email))").format(table))
        cursor.execute(sql.SQL("ANALYZE {}").format(table))
        cursor.execute(_MAP.format(table=table), params)
        cursor.execute(_OUTCOME.format(table=table), params)


def _json(mapping: dict[str, Any]) -> str:
    return json.dumps({str(key).strip().casefold(): value for key, value in mapping.items()})


# A mapped value: the person's choice for the cell's value when they made one ("" for none),
# else the value read as one of ours by its key or name.
# A row whose email is another email of a lead (the address of a lead merged into it) is that
# lead's row: it updates the lead, as a capture of the address does (leads.merge).
_SURVIVORS = sql.SQL(
    """
    UPDATE {table} r SET email = l.email
    FROM leads_leademailalias a JOIN leads_lead l ON l.id = a.lead_id
    WHERE lower(a.email) = lower(r.email)
    """
)
_MAP = sql.SQL(
    """
    UPDATE {table} r SET
        stage_id = nullif(%(stages)s::jsonb ->> lower(r.stage_raw), '')::bigint,
        marketing_owner_id =
            nullif(%(owners)s::jsonb ->> lower(r.marketing_owner_raw), 'none')::bigint,
        sales_owner_id = nullif(%(reps)s::jsonb ->> lower(r.sales_owner_raw), 'none')::bigint,
        source = CASE WHEN %(sources)s::jsonb ? lower(r.source_raw)
            THEN nullif(%(sources)s::jsonb ->> lower(r.source_raw), '')
            WHEN r.source_raw IS NOT NULL THEN 'other'
            END,
        persona_id =
            nullif(nullif(%(personas)s::jsonb ->> lower(r.persona_raw), ''), 'new')::bigint,
        persona_new = CASE WHEN %(personas)s::jsonb ->> lower(r.persona_raw) = 'new'
            THEN r.persona_raw END,
        lead_id = found.lead_id
    FROM (
        SELECT r2.n, l.id AS lead_id FROM {table} r2
        LEFT JOIN leads_lead l ON lower(l.email) = lower(r2.email)
    ) AS found
    WHERE found.n = r.n
    """
)
# Each distinct value of a column, read as one of ours by its key or name: a few lookups per
# value rather than one per row.
_AUTOMATIC = {
    "stage": (
        "stage_raw",
        "SELECT s.id::text FROM funnel_stage s WHERE v.raw IN"
        " (lower(s.slug), lower(s.name), lower(s.name_es)) ORDER BY s.position LIMIT 1",
    ),
    "marketing_owner": ("marketing_owner_raw", None),
    "sales_owner": ("sales_owner_raw", None),
    "persona": (
        "persona_raw",
        "SELECT p.id::text FROM leads_persona p WHERE lower(p.name) = v.raw",
    ),
}
_PERSON = (
    "SELECT u.id::text FROM accounts_user u WHERE u.is_active AND v.raw IN"
    " (lower(u.email), lower(u.username), lower(u.first_name || ' ' || u.last_name))"
    " ORDER BY u.id LIMIT 1"
)


def _known_values(table: sql.Identifier, field: str, chosen: dict[str, Any]) -> str:
    """The field's map of values (lower case) to ours: the person's choices over the values
    recognised by name. A value in neither is unknown (its rows are refused)."""
    column, lookup = _AUTOMATIC[field]
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT v.raw, ({lookup}) FROM"
                " (SELECT DISTINCT lower({column}) AS raw FROM {table}"
                "  WHERE {column} IS NOT NULL) AS v"
            ).format(
                lookup=sql.SQL(lookup or _PERSON),
                column=sql.Identifier(column),
                table=table,
            )
        )
        known = {raw: found for raw, found in cursor.fetchall() if found is not None}
    return json.dumps(known | json.loads(_json(chosen)))


# Rows with an email seen in an earlier row repeat it: the first row of an email counts.
_OUTCOME = sql.SQL(
    """
    UPDATE {table} r SET
        errors = checked.errors,
        outcome = CASE
            WHEN cardinality(checked.errors) > 0 THEN 'error'
            WHEN checked.earlier THEN 'repeat'
            WHEN r.lead_id IS NULL THEN 'new'
            WHEN %(policy_skip)s THEN 'skip'
            ELSE 'update' END
    FROM (
        SELECT r2.n, coalesce(r2.errors, '{{}}') || array_remove(ARRAY[
            CASE WHEN r2.email IS NULL AND r2.errors IS NULL THEN %(no_email)s END,
            CASE WHEN r2.stage_raw IS NOT NULL AND r2.stage_id IS NULL
                 AND NOT %(stages)s::jsonb ? lower(r2.stage_raw)
                 THEN %(unknown_stage)s || r2.stage_raw END,
            CASE WHEN r2.marketing_owner_raw IS NOT NULL AND r2.marketing_owner_id IS NULL
                 AND NOT %(owners)s::jsonb ? lower(r2.marketing_owner_raw)
                 THEN %(unknown_owner)s || r2.marketing_owner_raw END,
            CASE WHEN r2.sales_owner_raw IS NOT NULL AND r2.sales_owner_id IS NULL
                 AND NOT %(reps)s::jsonb ? lower(r2.sales_owner_raw)
                 THEN %(unknown_rep)s || r2.sales_owner_raw END,
            CASE WHEN r2.persona_raw IS NOT NULL AND r2.persona_id IS NULL
                 AND r2.persona_new IS NULL AND NOT %(personas)s::jsonb ? lower(r2.persona_raw)
                 THEN %(unknown_persona)s || r2.persona_raw END,
            CASE WHEN r2.lead_id IS NULL AND r2.email IS NOT NULL AND r2.full_name IS NULL
                 THEN %(no_name)s END
        ], NULL) AS errors,
        r2.email IS NOT NULL AND row_number() OVER (
            PARTITION BY lower(r2.email) ORDER BY r2.n
        ) > 1 AS earlier
        FROM {table} r2
    ) AS checked
    WHERE r.n = checked.n
    """
)


def _counts(batch_id: int) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT outcome, count(*) FROM {} GROUP BY outcome").format(
                staging_table(batch_id)
            )
        )
        return dict(cursor.fetchall())


# The lead fields an import may change on an existing lead, with their staged column.
UPDATABLE = {
    "full_name": "full_name",
    "phone": "phone",
    "company": "company",
    "job_title": "job_title",
    "country": "country",
    "source": "source",
    "campaign": "campaign",
    "persona": "persona_id",
    "expected_value": "expected_value",
    "expected_close_date": "expected_close_date",
    "marketing_owner": "marketing_owner_id",
    "sales_owner": "sales_owner_id",
}
SAMPLE = 10


def _sample_changes(batch: ImportBatch) -> list[dict[str, Any]]:
    """What the first updates would change, field by field, under the batch's policy."""
    if batch.policy == DuplicatePolicy.SKIP:
        return []
    columns = [sql.Identifier(column) for column in UPDATABLE.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT line, lead_id, email, {} FROM {} WHERE outcome = 'update'"
                " ORDER BY n LIMIT %s"
            ).format(sql.SQL(", ").join(columns), staging_table(batch.pk)),
            [SAMPLE],
        )
        rows = cursor.fetchall()
    leads = Lead.objects.in_bulk([row[1] for row in rows])
    sample = []
    for n, lead_id, email, *staged in rows:
        lead = leads[lead_id]
        changes = []
        for field, value in zip(UPDATABLE, staged, strict=True):
            current = getattr(lead, getattr(Lead._meta.get_field(field), "attname", field))
            if value is None or value == current:
                continue
            if batch.policy == DuplicatePolicy.FILL_EMPTY and current not in (None, "", 0):
                continue
            changes.append({"field": field, "old": _shown(current), "new": _shown(value)})
        if changes:
            sample.append({"row": n, "email": email, "lead": lead_id, "changes": changes})
    return sample


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _sample_errors(batch_id: int, limit: int = 50) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT line, email, errors, outcome FROM {}"
                " WHERE outcome IN ('error', 'repeat') ORDER BY n LIMIT %s"
            ).format(staging_table(batch_id)),
            [limit],
        )
        return [
            {"row": line, "email": email or "", "reasons": _reasons(errors, outcome)}
            for line, email, errors, outcome in cursor.fetchall()
        ]


def _reasons(errors: list[str] | None, outcome: str) -> list[str]:
    if outcome == Outcome.REPEAT:
        return [_("repeats an email of an earlier row")]
    return list(errors or [])


def _write_error_file(batch: ImportBatch) -> str:
    """Every refused or repeated row, with its reasons, as a CSV whose cells cannot run as
    formulas in a spreadsheet. Returns its path under IMPORT_ROOT."""
    relative = pathlib.Path(str(batch.pk)) / "errors.csv"
    path = settings.IMPORT_ROOT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([_("line"), _("email"), _("reasons")])
        for row in _error_rows(batch.pk):
            writer.writerow([neutralised(cell) for cell in row])
    return str(relative)


def _error_rows(batch_id: int) -> Iterator[list[Any]]:
    statement = sql.SQL(
        "COPY (SELECT line, email, errors, outcome FROM {}"
        " WHERE outcome IN ('error', 'repeat') ORDER BY n) TO STDOUT"
    ).format(staging_table(batch_id))
    with _pg().cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(["int4", "text", "text[]", "text"])
        for n, email, errors, outcome in copy.rows():
            yield [n + 1, email or "", "; ".join(_reasons(errors, outcome))]
