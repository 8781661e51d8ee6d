"""The per-stage totals' function and triggers as funnel/sql/stage_totals.py declares them.

A frozen copy of that source's SQL when this migration was written (never an import of it: a
migration keeps meaning what it meant). The function is 0010_owner_stage_totals' and the
triggers 0009_stage_totals', so undoing this changes nothing.
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION funnel_stage_totals_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO funnel_stagetotaldelta (stage_id, lead_count, value)
        SELECT stage_id, count(*), sum(expected_value) FROM added GROUP BY stage_id;
        INSERT INTO funnel_ownerstagetotaldelta (team, owner_id, stage_id, lead_count, value)
        SELECT owned.team, owned.owner_id, stage_id, count(*), sum(expected_value)
        FROM added,
            LATERAL (VALUES ('marketing', marketing_owner_id), ('sales', sales_owner_id))
                AS owned (team, owner_id)
        WHERE owned.owner_id IS NOT NULL
        GROUP BY owned.team, owned.owner_id, stage_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO funnel_stagetotaldelta (stage_id, lead_count, value)
        SELECT stage_id, -count(*), -sum(expected_value) FROM removed GROUP BY stage_id;
        INSERT INTO funnel_ownerstagetotaldelta (team, owner_id, stage_id, lead_count, value)
        SELECT owned.team, owned.owner_id, stage_id, -count(*), -sum(expected_value)
        FROM removed,
            LATERAL (VALUES ('marketing', marketing_owner_id), ('sales', sales_owner_id))
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
            LATERAL (VALUES ('marketing', marketing_owner_id), ('sales', sales_owner_id))
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
$$;
CREATE OR REPLACE TRIGGER funnel_stage_totals_insert AFTER INSERT ON leads_lead
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION funnel_stage_totals_delta();
CREATE OR REPLACE TRIGGER funnel_stage_totals_update AFTER UPDATE ON leads_lead
    REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION funnel_stage_totals_delta();
CREATE OR REPLACE TRIGGER funnel_stage_totals_delete AFTER DELETE ON leads_lead
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION funnel_stage_totals_delta();
CREATE OR REPLACE TRIGGER funnel_stage_totals_truncate AFTER TRUNCATE ON leads_lead
    FOR EACH STATEMENT
    EXECUTE FUNCTION funnel_stage_totals_delta();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("funnel", "0010_owner_stage_totals"),
    ]

    operations = [migrations.RunSQL(INSTALL, reverse_sql=migrations.RunSQL.noop)]
