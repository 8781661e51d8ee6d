"""The rollup marks' functions and triggers as dashboard/sql/rollup_marks.py declares them.

A frozen copy of that source's SQL when this migration was written (never an import of it: a
migration keeps meaning what it meant). The triggers are 0002_rollup_triggers' and so are the
functions, but for their layout; undoing this puts back 0002's text.
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION dashboard_mark_new_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_rollupdirtyhour (hour)
    SELECT DISTINCT date_trunc('hour', at) FROM new_moves
    UNION
    SELECT date_trunc('hour', later.at)
    FROM new_moves JOIN funnel_stagechange later
        ON later.lead_id = new_moves.lead_id AND later.at > new_moves.at;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION dashboard_mark_changed_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_rollupdirtyhour (hour)
    SELECT date_trunc('hour', at) FROM old_moves
    UNION
    SELECT date_trunc('hour', h.at) FROM funnel_stagechange h
    WHERE h.lead_id IN (SELECT lead_id FROM old_moves);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION dashboard_mark_edited_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_rollupdirtyhour (hour)
    SELECT date_trunc('hour', at) FROM old_moves
    UNION
    SELECT date_trunc('hour', h.at) FROM funnel_stagechange h
    WHERE h.lead_id IN (SELECT lead_id FROM old_moves UNION SELECT lead_id FROM new_moves);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION dashboard_mark_lead() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_rollupdirtyhour (hour)
    SELECT DISTINCT date_trunc('hour', at) FROM funnel_stagechange WHERE lead_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION dashboard_mark_touched_claims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_rollupdirtyhour (hour)
    SELECT DISTINCT date_trunc('hour', c.at)
    FROM funnel_stagechange c
    WHERE c.kind = 'claimed'
      AND c.lead_id IN (SELECT lead_id FROM touched WHERE kind IN ('call', 'email', 'meeting'));
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION dashboard_mark_everything() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_rollupdirtyhour (hour) VALUES (NULL);
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER dashboard_new_moves AFTER INSERT ON funnel_stagechange
    REFERENCING NEW TABLE AS new_moves FOR EACH STATEMENT
    EXECUTE FUNCTION dashboard_mark_new_moves();
CREATE OR REPLACE TRIGGER dashboard_deleted_moves AFTER DELETE ON funnel_stagechange
    REFERENCING OLD TABLE AS old_moves FOR EACH STATEMENT
    EXECUTE FUNCTION dashboard_mark_changed_moves();
CREATE OR REPLACE TRIGGER dashboard_edited_moves AFTER UPDATE ON funnel_stagechange
    REFERENCING OLD TABLE AS old_moves NEW TABLE AS new_moves FOR EACH STATEMENT
    EXECUTE FUNCTION dashboard_mark_edited_moves();
CREATE OR REPLACE TRIGGER dashboard_lead_attributes AFTER UPDATE OF source, campaign, persona_id, marketing_owner_id ON leads_lead
    FOR EACH ROW
    WHEN (
        OLD.source IS DISTINCT FROM NEW.source
        OR OLD.campaign IS DISTINCT FROM NEW.campaign
        OR OLD.persona_id IS DISTINCT FROM NEW.persona_id
        OR OLD.marketing_owner_id IS DISTINCT FROM NEW.marketing_owner_id
    )
    EXECUTE FUNCTION dashboard_mark_lead();
CREATE OR REPLACE TRIGGER dashboard_new_activities AFTER INSERT ON leads_activity
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT
    EXECUTE FUNCTION dashboard_mark_touched_claims();
CREATE OR REPLACE TRIGGER dashboard_deleted_activities AFTER DELETE ON leads_activity
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT
    EXECUTE FUNCTION dashboard_mark_touched_claims();
CREATE OR REPLACE TRIGGER dashboard_edited_activities AFTER UPDATE ON leads_activity
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT
    EXECUTE FUNCTION dashboard_mark_touched_claims();
CREATE OR REPLACE TRIGGER dashboard_stage_limits AFTER UPDATE OF sla_hours, first_touch_hours ON funnel_stage
    FOR EACH ROW
    WHEN (
        OLD.sla_hours IS DISTINCT FROM NEW.sla_hours
        OR OLD.first_touch_hours IS DISTINCT FROM NEW.first_touch_hours
    )
    EXECUTE FUNCTION dashboard_mark_everything();
"""

MARK = "INSERT INTO dashboard_rollupdirtyhour (hour)"

# 0002_rollup_triggers' functions as they were, copied on purpose (see 0010_owner_stage_totals
# in funnel): editing or squashing 0002 later cannot change what undoing this one restores.
PREVIOUS_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION dashboard_mark_new_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT DISTINCT date_trunc('hour', at) FROM new_moves
    UNION
    SELECT date_trunc('hour', later.at)
    FROM new_moves JOIN funnel_stagechange later
        ON later.lead_id = new_moves.lead_id AND later.at > new_moves.at;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION dashboard_mark_changed_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT date_trunc('hour', at) FROM old_moves
    UNION
    SELECT date_trunc('hour', h.at) FROM funnel_stagechange h
    WHERE h.lead_id IN (SELECT lead_id FROM old_moves);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION dashboard_mark_edited_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT date_trunc('hour', at) FROM old_moves
    UNION
    SELECT date_trunc('hour', h.at) FROM funnel_stagechange h
    WHERE h.lead_id IN (SELECT lead_id FROM old_moves UNION SELECT lead_id FROM new_moves);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION dashboard_mark_lead() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT DISTINCT date_trunc('hour', at) FROM funnel_stagechange WHERE lead_id = NEW.id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION dashboard_mark_touched_claims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT DISTINCT date_trunc('hour', c.at)
    FROM funnel_stagechange c
    WHERE c.kind = 'claimed'
      AND c.lead_id IN (SELECT lead_id FROM touched WHERE kind IN ('call', 'email', 'meeting'));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION dashboard_mark_everything() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK} VALUES (NULL);
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0002_rollup_triggers"),
    ]

    operations = [migrations.RunSQL(INSTALL, reverse_sql=PREVIOUS_FUNCTIONS)]
