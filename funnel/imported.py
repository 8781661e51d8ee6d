"""Imported history: the stages leads went through before they came to us, written in bulk.

Leads loaded by an import enter the funnel's first stage like any new lead; `record_entries`
then writes, for a whole chunk of them in a few statements, the history row of each stage they
entered (the first as their creation, the others as the moves those stages are entered by) and
puts each lead in the stage of its last row, so that a lead's stage stays its last change's.
The database's triggers keep the per-stage totals, the rollups' marks and the stages entered,
as they do for every move.
"""

from django.db import connection

from funnel.models import ChangeKind, Stage, WellKnownStage
from funnel.stages import load_funnel


def first_stage() -> Stage:
    """The stage every new lead enters first."""
    return load_funnel().first()


def record_entries(*, entries_table: str, actor_id: int | None) -> int:
    """Write the history of the leads listed in the temporary table `entries_table` (lead_id,
    stage_id, at, seq): each lead's first entry is the first stage at its creation, as it was
    inserted; the others the stages it entered after, in the order of (at, seq). Returns the
    number of history rows written.

    Each move takes the kind of the funnel's transition between the two stages when there is
    one, else the kind its destination implies (won, lost, or a plain move); a win records the
    lead's expected value as its amount. The caller holds the transaction."""
    with connection.cursor() as cursor:
        # Leads first: their row then holds every stage the history records, and the history's
        # trigger (leads/sql/stages_entered.py) has nothing to add.
        cursor.execute(
            f"""
            UPDATE leads_lead lead
            SET stage_id = last.stage_id, stage_entered_at = last.at,
                stages_entered = lead.stages_entered || last.stages
            FROM (
                SELECT DISTINCT ON (lead_id) lead_id, stage_id, at,
                       array_agg(stage_id) OVER (PARTITION BY lead_id) AS stages
                FROM {entries_table} ORDER BY lead_id, at DESC, seq DESC
            ) AS last
            WHERE lead.id = last.lead_id
              AND (lead.stage_id <> last.stage_id OR lead.stage_entered_at <> last.at)
            """  # noqa: S608  (the caller's temporary table)
        )
        cursor.execute(
            f"""
            INSERT INTO funnel_stagechange (lead_id, kind, from_stage_id, to_stage_id, actor_id,
                                            at, note, value, seconds_in_previous_stage)
            SELECT e.lead_id,
                   CASE WHEN e.from_stage_id IS NULL THEN %(created)s
                        ELSE coalesce(move.kind, CASE target.slug
                            WHEN %(won_slug)s THEN %(won)s WHEN %(lost_slug)s THEN %(lost)s
                            ELSE %(moved)s END) END,
                   e.from_stage_id, e.stage_id, %(actor)s, e.at, '',
                   CASE WHEN target.slug = %(won_slug)s THEN nullif(lead.expected_value, 0) END,
                   CASE WHEN e.from_stage_id IS NOT NULL
                        THEN greatest(0, extract(epoch FROM e.at - e.from_at))::bigint END
            FROM (
                SELECT lead_id, stage_id, at,
                       lag(stage_id) OVER entries AS from_stage_id,
                       lag(at) OVER entries AS from_at
                FROM {entries_table}
                WINDOW entries AS (PARTITION BY lead_id ORDER BY at, seq)
            ) AS e
            JOIN funnel_stage target ON target.id = e.stage_id
            JOIN leads_lead lead ON lead.id = e.lead_id
            LEFT JOIN LATERAL (
                SELECT t.kind FROM funnel_transition t
                WHERE t.from_stage_id = e.from_stage_id AND t.to_stage_id = e.stage_id
                ORDER BY t.id LIMIT 1
            ) AS move ON true
            """,  # noqa: S608  (the caller's temporary table)
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
