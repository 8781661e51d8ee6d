"""The per-stage totals' triggers on the leads table, for funnel.rollup.

One grouped delta per statement and stage, from the statement's transition tables, appended to
StageTotalDelta, and one per statement, team, owner and stage to OwnerStageTotalDelta: a COPY of
25,000 leads appends a few rows, a move two, an edit of a lead's name none. Leads without an
owner count in no one's totals. Appending never waits for another writer.
"""

from funnel.models import Team
from smarketing.database_sql import Function, Mechanism, Trigger, literal

# Each lead once per team it has an owner for.
_OWNED = (
    f"LATERAL (VALUES ({literal(Team.MARKETING)}, marketing_owner_id), "
    f"({literal(Team.SALES)}, sales_owner_id))"
)

DELTA = Function(
    name="funnel_stage_totals_delta",
    body=f"""
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO funnel_stagetotaldelta (stage_id, lead_count, value)
        SELECT stage_id, count(*), sum(expected_value) FROM added GROUP BY stage_id;
        INSERT INTO funnel_ownerstagetotaldelta (team, owner_id, stage_id, lead_count, value)
        SELECT owned.team, owned.owner_id, stage_id, count(*), sum(expected_value)
        FROM added,
            {_OWNED}
                AS owned (team, owner_id)
        WHERE owned.owner_id IS NOT NULL
        GROUP BY owned.team, owned.owner_id, stage_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO funnel_stagetotaldelta (stage_id, lead_count, value)
        SELECT stage_id, -count(*), -sum(expected_value) FROM removed GROUP BY stage_id;
        INSERT INTO funnel_ownerstagetotaldelta (team, owner_id, stage_id, lead_count, value)
        SELECT owned.team, owned.owner_id, stage_id, -count(*), -sum(expected_value)
        FROM removed,
            {_OWNED}
                AS owned (team, owner_id)
        WHERE owned.owner_id IS NOT NULL
        GROUP BY owned.team, owned.owner_id, stage_id;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO funnel_stagetotaldelta (stage_id, lead_count, value)
        SELECT stage_id, sum(lead_count), sum(value)
        FROM (
            SELECT stage_id, -1 AS lead_count, -expected_value AS value FROM removed
            UNION ALL
            SELECT stage_id, 1, expected_value FROM added
        ) AS changes
        GROUP BY stage_id
        HAVING sum(lead_count) <> 0 OR sum(value) <> 0;
        INSERT INTO funnel_ownerstagetotaldelta (team, owner_id, stage_id, lead_count, value)
        SELECT owned.team, owned.owner_id, stage_id, sum(lead_count), sum(value)
        FROM (
            SELECT marketing_owner_id, sales_owner_id, stage_id,
                -1 AS lead_count, -expected_value AS value
            FROM removed
            UNION ALL
            SELECT marketing_owner_id, sales_owner_id, stage_id, 1, expected_value FROM added
        ) AS changes,
            {_OWNED}
                AS owned (team, owner_id)
        WHERE owned.owner_id IS NOT NULL
        GROUP BY owned.team, owned.owner_id, stage_id
        HAVING sum(lead_count) <> 0 OR sum(value) <> 0;
    ELSE
        DELETE FROM funnel_stagetotaldelta;
        DELETE FROM funnel_stagetotal;
        DELETE FROM funnel_ownerstagetotaldelta;
        DELETE FROM funnel_ownerstagetotal;
    END IF;
    RETURN NULL;
END
""",
)

MECHANISM = Mechanism(
    owner="funnel.rollup",
    functions=(DELTA,),
    triggers=(
        Trigger(
            name="funnel_stage_totals_insert",
            events="AFTER INSERT",
            table="leads_lead",
            options="REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
            function=DELTA,
        ),
        Trigger(
            name="funnel_stage_totals_update",
            events="AFTER UPDATE",
            table="leads_lead",
            options="REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT",
            function=DELTA,
        ),
        Trigger(
            name="funnel_stage_totals_delete",
            events="AFTER DELETE",
            table="leads_lead",
            options="REFERENCING OLD TABLE AS removed FOR EACH STATEMENT",
            function=DELTA,
        ),
        # TRUNCATE has no transition tables: the function empties the totals.
        Trigger(
            name="funnel_stage_totals_truncate",
            events="AFTER TRUNCATE",
            table="leads_lead",
            options="FOR EACH STATEMENT",
            function=DELTA,
        ),
    ),
)
