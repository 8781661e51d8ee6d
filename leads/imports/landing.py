"""Landing a checked batch: its staged rows written to the leads in chunks.

Each chunk is one transaction that inserts the chunk's new leads (INSERT ... ON CONFLICT on the
unique index of lower(email)), writes their history through the funnel, updates the existing
leads under the batch's policy (recording the values it replaced, for undo), and advances the
batch's `rows_done` past the chunk. The batch's row is locked first and a chunk already counted
in `rows_done` is not landed again, so a worker killed mid-chunk leaves nothing of it, and the
retry (or a second worker) goes on from the first row not landed: no duplicate, no half-written
lead. A lead that someone creates meanwhile (a form, the website) holds its email in the unique
index: the import's insert of that email does nothing, and the row updates that lead instead.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from funnel.imported import first_stage, place_entries, record_entries
from funnel.models import Stage
from leads.imports.staging import HISTORY_FIELDS, UPDATABLE, staging_table
from leads.models import DuplicatePolicy, ImportBatch, ImportStatus, Persona

# Each field an import may change on an existing lead: its column, and the column's SQL type.
UPDATABLE_COLUMNS = {
    "full_name": ("full_name", "text"),
    "phone": ("phone", "text"),
    "company": ("company", "text"),
    "job_title": ("job_title", "text"),
    "country": ("country", "text"),
    "source": ("source", "text"),
    "campaign": ("campaign", "text"),
    "persona": ("persona_id", "bigint"),
    "expected_value": ("expected_value", "numeric"),
    "expected_close_date": ("expected_close_date", "date"),
    "marketing_owner": ("marketing_owner_id", "bigint"),
    "sales_owner": ("sales_owner_id", "bigint"),
}


@dataclass(frozen=True)
class Chunk:
    """What one chunk did; `last` is False while rows remain."""

    created: int
    updated: int
    last: bool


class StagingLost(Exception):
    """The staging table is gone or incomplete (PostgreSQL emptied it after a crash)."""


def staged_rows(batch_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [staging_table(batch_id).as_string()])
        if cursor.fetchone()[0] is None:
            return -1
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(staging_table(batch_id)))
        count: int = cursor.fetchone()[0]
        return count


@transaction.atomic
def prepare(batch_id: int) -> None:
    """Create the personas the mapping asks for and put their ids on the staged rows; safe to
    run again (a retry after a killed worker)."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if staged_rows(batch_id) != batch.rows_total:
        raise StagingLost
    table = staging_table(batch_id)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "SELECT DISTINCT persona_new FROM {} WHERE persona_new IS NOT NULL"
                " AND outcome IN ('new', 'update')"
            ).format(table)
        )
        names = [name for (name,) in cursor.fetchall()]
        for name in names:
            Persona.objects.get_or_create(name=name[: Persona._meta.get_field("name").max_length])
        if names:
            cursor.execute(
                sql.SQL(
                    "UPDATE {} r SET persona_id = p.id, persona_new = NULL FROM leads_persona p"
                    " WHERE lower(p.name) = lower(left(r.persona_new, 80))"
                ).format(table)
            )


def land_chunk(batch_id: int, *, size: int) -> Chunk:
    """Land the next `size` staged rows of the batch, in one transaction."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != ImportStatus.RUNNING:
            return Chunk(created=0, updated=0, last=True)
        start, end = batch.rows_done + 1, min(batch.rows_done + size, batch.rows_total)
        if start > end:
            return Chunk(created=0, updated=0, last=True)
        with connection.cursor() as cursor:
            # The chunk's commit need not wait for its WAL to reach the disk: the chunk and the
            # batch's progress commit together, so a crash that loses it loses both, and the
            # retry lands it again. The batch is marked done by a synchronous commit, which
            # makes every chunk before it durable first.
            cursor.execute("SET LOCAL synchronous_commit = off")
        rows: dict[str, Any] = {
            "start": start,
            "end": end,
            "batch": batch.pk,
            "now": timezone.now(),
        }
        _temporary_tables()
        _plan_history(batch, rows)
        created = _insert_new(batch, rows)
        record_entries(
            entries_table="import_entries",
            created_table="import_created",
            actor_id=batch.created_by_id,
        )
        updated = _update_existing(batch, rows)
        ImportBatch.objects.filter(pk=batch.pk).update(
            rows_done=end,
            created_count=batch.created_count + created,
            updated_count=batch.updated_count + updated,
        )
        return Chunk(created=created, updated=updated, last=end >= batch.rows_total)


def _temporary_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS import_created"
            " (lead_id bigint, email text, n integer) ON COMMIT DELETE ROWS"
        )
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS import_entries"
            " (n integer, stage_id bigint, at timestamptz, seq integer) ON COMMIT DELETE ROWS"
        )
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS import_updates (n integer) ON COMMIT DELETE ROWS"
        )
        # Empty also when the chunk's transaction is nested in a longer one.
        cursor.execute("TRUNCATE import_created, import_entries, import_updates")


# The new leads' columns, from the staged row `r`, in the stage the funnel placed it in (`p`).
_NEW_LEADS = sql.SQL(
    """
    WITH inserted AS (
        INSERT INTO leads_lead (full_name, email, phone, company, job_title, country, source,
            campaign, persona_id, expected_value, expected_close_date, marketing_owner_id,
            sales_owner_id, stage_id, stage_entered_at, stages_entered, created_at, updated_at,
            import_batch_id)
        SELECT r.full_name, r.email, coalesce(r.phone, ''), coalesce(r.company, ''),
            coalesce(r.job_title, ''), coalesce(r.country, ''), coalesce(r.source, 'other'),
            coalesce(r.campaign, ''), r.persona_id, coalesce(r.expected_value, 0),
            r.expected_close_date, r.marketing_owner_id, r.sales_owner_id, p.stage_id,
            p.at, p.stages, p.created_at, %(now)s, %(batch)s
        FROM {table} r JOIN import_placed p ON p.n = r.n
        WHERE r.n BETWEEN %(start)s AND %(end)s AND r.outcome = 'new'
        ORDER BY r.n
        ON CONFLICT ((lower(email))) DO NOTHING
        RETURNING id, email
    )
    INSERT INTO import_created (lead_id, email, n)
    SELECT i.id, i.email, r.n FROM inserted i
    JOIN {table} r ON lower(r.email) = lower(i.email) AND r.n BETWEEN %(start)s AND %(end)s
        AND r.outcome = 'new'
    """
)
_CREATED_RECORDS = """
    INSERT INTO leads_importedlead (batch_id, lead_id, created, previous, written)
    SELECT %(batch)s, lead_id, true, '{}', '{}' FROM import_created
"""
_CREATED_TIMELINE = """
    INSERT INTO leads_activity (lead_id, kind, author_id, body, message, created_at)
    SELECT lead_id, 'details', %(actor)s, '', %(message)s::jsonb, %(now)s FROM import_created
"""


def _insert_new(batch: ImportBatch, rows: dict[str, Any]) -> int:
    params = {**rows, "actor": batch.created_by_id}
    params["message"] = json.dumps([{"key": "imported", "params": {"file": batch.file_name}}])
    with connection.cursor() as cursor:
        cursor.execute(_NEW_LEADS.format(table=staging_table(batch.pk)), params)
        created = cursor.rowcount
        # Temporary tables have no statistics until asked: without them, the joins below guess
        # a handful of rows and loop over every pair.
        cursor.execute("ANALYZE import_created")
        cursor.execute(_CREATED_RECORDS, params)
        cursor.execute(_CREATED_TIMELINE, params)
    return created


def _plan_history(batch: ImportBatch, rows: dict[str, Any]) -> None:
    """The stages each new row of the chunk went through, by row: its creation (at the
    earliest date the row gives, or now), the dated history columns in order, then the stage
    column's stage (when not already the last) at the latest date the row gives; then the
    funnel places each row's lead in its stage."""
    stages = dict(Stage.objects.filter(slug__in=HISTORY_FIELDS.values()).values_list("slug", "id"))
    dated = [
        sql.SQL("({stage}, r.{column}, {seq})").format(
            stage=sql.Literal(stages.get(slug)), column=sql.Identifier(column), seq=sql.Literal(seq)
        )
        for seq, (column, slug) in enumerate(HISTORY_FIELDS.items(), start=1)
    ]
    statement = sql.SQL(
        """
        INSERT INTO import_entries (n, stage_id, at, seq)
        SELECT r.n, %(first)s, least(r.created_at, r.became_mql_at, r.became_sql_at,
                                     r.became_opportunity_at, r.won_at, r.lost_at, %(now)s), 0
        FROM {table} r WHERE r.n BETWEEN %(start)s AND %(end)s AND r.outcome = 'new'
        UNION ALL
        SELECT r.n, entry.stage_id, entry.at, entry.seq
        FROM {table} r, LATERAL (VALUES {dated}) AS entry (stage_id, at, seq)
        WHERE r.n BETWEEN %(start)s AND %(end)s AND r.outcome = 'new'
          AND entry.at IS NOT NULL AND entry.stage_id IS NOT NULL
        """
    ).format(table=staging_table(batch.pk), dated=sql.SQL(", ").join(dated))
    last_stage = sql.SQL(
        """
        INSERT INTO import_entries (n, stage_id, at, seq)
        SELECT r.n, r.stage_id, greatest(last.at, least(%(now)s,
            greatest(r.became_mql_at, r.became_sql_at, r.became_opportunity_at, r.won_at,
                     r.lost_at))),
            {seq}
        FROM {table} r
        JOIN (SELECT DISTINCT ON (n) n, stage_id, at FROM import_entries
              ORDER BY n, at DESC, seq DESC) AS last ON last.n = r.n
        WHERE r.n BETWEEN %(start)s AND %(end)s AND r.outcome = 'new'
          AND r.stage_id IS NOT NULL AND r.stage_id <> last.stage_id
        """
    ).format(table=staging_table(batch.pk), seq=sql.Literal(len(dated) + 1))
    with connection.cursor() as cursor:
        cursor.execute(statement, {**rows, "first": first_stage().pk})
        cursor.execute("ANALYZE import_entries")
        cursor.execute(last_stage, rows)
    place_entries(entries_table="import_entries", placed_table="import_placed")


def _update_existing(batch: ImportBatch, rows: dict[str, Any]) -> int:
    """Update the chunk's existing leads (and those created by someone else since the dry run)
    under the batch's policy; a blank cell (NULL) never replaces a value. The values replaced
    are kept with the lead's import record, for undo."""
    if batch.policy == DuplicatePolicy.SKIP:
        return 0
    fill = batch.policy == DuplicatePolicy.FILL_EMPTY
    updates, previous, written, changed = [], [], [], []
    for field, column in UPDATABLE.items():
        lead_column = UPDATABLE_COLUMNS[field][0]
        current, staged = sql.Identifier("l", lead_column), sql.Identifier("r", column)
        empty = sql.SQL("{c} IS NULL OR {c}::text IN ('', '0', '0.00')" if fill else "true").format(
            c=current
        )
        new = sql.SQL("CASE WHEN {s} IS NOT NULL AND ({empty}) THEN {s} ELSE {c} END").format(
            s=staged, c=current, empty=empty
        )
        key = sql.Literal(field)
        differs = sql.SQL("({new}) IS DISTINCT FROM {c}").format(new=new, c=current)
        updates.append(
            sql.SQL("{} = t.{}").format(sql.Identifier(lead_column), sql.Identifier(f"new_{field}"))
        )
        changed.append(
            sql.SQL("{new} AS {name}").format(new=new, name=sql.Identifier(f"new_{field}"))
        )
        previous.append(
            sql.SQL("CASE WHEN {d} THEN jsonb_build_object({k}, {c}) ELSE '{{}}' END").format(
                d=differs, k=key, c=current
            )
        )
        written.append(
            sql.SQL("CASE WHEN {d} THEN jsonb_build_object({k}, {n}) ELSE '{{}}' END").format(
                d=differs, k=key, n=new
            )
        )
    statement = sql.SQL(
        """
        WITH target AS (
            SELECT l.id, l.import_batch_id AS previous_batch, {changed},
                   {previous} AS previous, {written} AS written
            FROM import_updates u JOIN {table} r ON r.n = u.n
            JOIN leads_lead l ON lower(l.email) = lower(r.email)
            ORDER BY l.id
            FOR UPDATE OF l
        ), updated AS (
            UPDATE leads_lead l SET {updates}, import_batch_id = %(batch)s, updated_at = %(now)s
            FROM target t WHERE l.id = t.id AND t.written <> '{{}}'
            RETURNING l.id
        ), recorded AS (
            INSERT INTO leads_importedlead (batch_id, lead_id, created, previous, written)
            SELECT %(batch)s, t.id, false,
                   t.previous || jsonb_build_object('import_batch', t.previous_batch), t.written
            FROM target t WHERE t.written <> '{{}}'
            ON CONFLICT (batch_id, lead_id) DO NOTHING
            RETURNING lead_id, written
        )
        INSERT INTO leads_activity (lead_id, kind, author_id, body, message, created_at)
        SELECT lead_id, 'details', %(actor)s, '',
               jsonb_build_array(jsonb_build_object('key', 'import_updated', 'params',
                   jsonb_build_object('file', %(file)s::text, 'fields',
                       (SELECT jsonb_agg(k) FROM jsonb_object_keys(written) AS k)))),
               %(now)s
        FROM recorded
        """
    ).format(
        changed=sql.SQL(", ").join(changed),
        previous=sql.SQL(" || ").join(previous),
        written=sql.SQL(" || ").join(written),
        updates=sql.SQL(", ").join(updates),
        table=staging_table(batch.pk),
    )
    params = {**rows, "actor": batch.created_by_id, "file": batch.file_name}
    with connection.cursor() as cursor:
        # The rows to update first (few, mostly): then each finds its lead by the email index
        # rather than a join reading every lead.
        cursor.execute(
            sql.SQL(
                "INSERT INTO import_updates (n) SELECT r.n FROM {table} r"
                " WHERE r.n BETWEEN %(start)s AND %(end)s AND (r.outcome = 'update'"
                " OR (r.outcome = 'new' AND NOT EXISTS"
                " (SELECT 1 FROM import_created c WHERE c.email = r.email)))"
            ).format(table=staging_table(batch.pk)),
            rows,
        )
        if not cursor.rowcount:
            return 0
        cursor.execute("ANALYZE import_updates")
        cursor.execute(statement, params)
        return cursor.rowcount
