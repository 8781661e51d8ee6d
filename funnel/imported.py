"""Imported history: the stages leads went through before they came to us, written in bulk.

Leads loaded by an import enter the funnel's first stage at their creation, like any new lead,
then the stages their file says they went through. For a whole chunk of them in a few
statements, `place_entries` says in which stage each lead stands (its last entry's), which the
lead is inserted with, and `record_entries` writes the history row of each stage it entered
(the first as its creation, the others as the moves those stages are entered by), so that a
lead's stage stays its last change's.
The database's triggers keep the per-stage totals, the rollups' marks and the stages entered,
as they do for every move.
"""

from django.db import connection

from funnel.models import ChangeKind, Stage, WellKnownStage
from funnel.stages import load_funnel


def first_stage() -> Stage:
    """The stage every new lead enters first."""
    return load_funnel().first()


def place_entries(*, entries_table: str, placed_table: str) -> None:
    """Where each new lead stands after the stages listed for it in the temporary table
    `entries_table` (n, stage_id, at, seq; n names the lead-to-be, its first entry being the
    first stage at its creation): fills the temporary table `placed_table` (n, stage_id, at,
    stages, created_at) with its last entry's stage and time, every stage it entered and its
    creation, for the caller to insert the lead with."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {placed_table} (n integer, stage_id bigint,"
            " at timestamptz, stages bigint[], created_at timestamptz) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {placed_table}")
        cursor.execute(
            f"""
            INSERT INTO {placed_table} (n, stage_id, at, stages, created_at)
            SELECT DISTINCT ON (n) n, stage_id, at,
                   array_agg(stage_id) OVER (PARTITION BY n), min(at) OVER (PARTITION BY n)
            FROM {entries_table} ORDER BY n, at DESC, seq DESC
            """  # noqa: S608  (the caller's temporary tables)
        )
        cursor.execute(f"ANALYZE {placed_table}")


def record_entries(*, entries_table: str, created_table: str, actor_id: int | None) -> int:
    """Write the history of the leads just inserted as placed by `place_entries`: one row per
    entry of `entries_table`, for the leads of `created_table` (lead_id, n). Returns the number
    of history rows written.

    Each move takes the kind of the funnel's transition between the two stages when there is
    one, else the kind its destination implies (won, lost, or a plain move); a win records the
    lead's expected value as its amount. The caller holds the transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO funnel_stagechange (lead_id, kind, from_stage_id, to_stage_id, actor_id,
                                            at, note, value, seconds_in_previous_stage)
            SELECT c.lead_id,
                   CASE WHEN e.from_stage_id IS NULL THEN %(created)s
                        ELSE coalesce(move.kind, CASE target.slug
                            WHEN %(won_slug)s THEN %(won)s WHEN %(lost_slug)s THEN %(lost)s
                            ELSE %(moved)s END) END,
                   e.from_stage_id, e.stage_id, %(actor)s, e.at, '',
                   CASE WHEN target.slug = %(won_slug)s THEN nullif(lead.expected_value, 0) END,
                   CASE WHEN e.from_stage_id IS NOT NULL
                        THEN greatest(0, extract(epoch FROM e.at - e.from_at))::bigint END
            FROM (
                SELECT n, stage_id, at,
                       lag(stage_id) OVER entries AS from_stage_id,
                       lag(at) OVER entries AS from_at
                FROM {entries_table}
                WINDOW entries AS (PARTITION BY n ORDER BY at, seq)
            ) AS e
            JOIN {created_table} c ON c.n = e.n
            JOIN funnel_stage target ON target.id = e.stage_id
            JOIN leads_lead lead ON lead.id = c.lead_id
            LEFT JOIN LATERAL (
                SELECT t.kind FROM funnel_transition t
                WHERE t.from_stage_id = e.from_stage_id AND t.to_stage_id = e.stage_id
                ORDER BY t.id LIMIT 1
            ) AS move ON true
            """,  # noqa: S608  (the caller's temporary tables)
            {
                "created": ChangeKind.CREATED.value,
                "moved": ChangeKind.MOVED.value,
                "won": ChangeKind.WON.value,
                "lost": ChangeKind.LOST.value,
                "won_slug": WellKnownStage.WON.value,
                "lost_slug": WellKnownStage.LOST.value,
                "actor": actor_id,
            },
        )
        return cursor.rowcount
