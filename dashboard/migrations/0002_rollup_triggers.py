"""Triggers that mark the hours whose funnel history changed, for dashboard/rollup.py to rebuild.

Every mark is written in the transaction that made the change, so a refresh either sees the
change or leaves its mark for the next refresh.
"""

from django.db import migrations

MARK = "INSERT INTO dashboard_rollupdirtyhour (hour)"

FORWARD = f"""
-- New moves: their own hours, and those of any later moves of the same leads (whose "moved
-- before" day may change; the product only appends, so normally there are none).
CREATE FUNCTION dashboard_mark_new_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT DISTINCT date_trunc('hour', at) FROM new_moves
    UNION
    SELECT date_trunc('hour', later.at)
    FROM new_moves JOIN funnel_stagechange later
        ON later.lead_id = new_moves.lead_id AND later.at > new_moves.at;
    RETURN NULL;
END $$;

-- Edited or deleted moves: every hour of the leads concerned, before and after.
CREATE FUNCTION dashboard_mark_changed_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT date_trunc('hour', at) FROM old_moves
    UNION
    SELECT date_trunc('hour', h.at) FROM funnel_stagechange h
    WHERE h.lead_id IN (SELECT lead_id FROM old_moves);
    RETURN NULL;
END $$;

CREATE FUNCTION dashboard_mark_edited_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT date_trunc('hour', at) FROM old_moves
    UNION
    SELECT date_trunc('hour', h.at) FROM funnel_stagechange h
    WHERE h.lead_id IN (SELECT lead_id FROM old_moves UNION SELECT lead_id FROM new_moves);
    RETURN NULL;
END $$;

CREATE TRIGGER dashboard_new_moves AFTER INSERT ON funnel_stagechange
    REFERENCING NEW TABLE AS new_moves
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_mark_new_moves();
CREATE TRIGGER dashboard_deleted_moves AFTER DELETE ON funnel_stagechange
    REFERENCING OLD TABLE AS old_moves
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_mark_changed_moves();
CREATE TRIGGER dashboard_edited_moves AFTER UPDATE ON funnel_stagechange
    REFERENCING OLD TABLE AS old_moves NEW TABLE AS new_moves
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_mark_edited_moves();

-- A lead's attributes that the rollups count by: all the hours of its history.
CREATE FUNCTION dashboard_mark_lead() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT DISTINCT date_trunc('hour', at) FROM funnel_stagechange WHERE lead_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER dashboard_lead_attributes
    AFTER UPDATE OF source, campaign, persona_id, marketing_owner_id ON leads_lead
    FOR EACH ROW
    WHEN (
        OLD.source IS DISTINCT FROM NEW.source
        OR OLD.campaign IS DISTINCT FROM NEW.campaign
        OR OLD.persona_id IS DISTINCT FROM NEW.persona_id
        OR OLD.marketing_owner_id IS DISTINCT FROM NEW.marketing_owner_id
    )
    EXECUTE FUNCTION dashboard_mark_lead();

-- Calls, emails and meetings decide whether a claim was touched in time: the hours of the
-- claims of the leads concerned.
CREATE FUNCTION dashboard_mark_touched_claims() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK}
    SELECT DISTINCT date_trunc('hour', c.at)
    FROM funnel_stagechange c
    WHERE c.kind = 'claimed'
      AND c.lead_id IN (SELECT lead_id FROM touched WHERE kind IN ('call', 'email', 'meeting'));
    RETURN NULL;
END $$;

CREATE TRIGGER dashboard_new_activities AFTER INSERT ON leads_activity
    REFERENCING NEW TABLE AS touched
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_mark_touched_claims();
CREATE TRIGGER dashboard_deleted_activities AFTER DELETE ON leads_activity
    REFERENCING OLD TABLE AS touched
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_mark_touched_claims();
CREATE TRIGGER dashboard_edited_activities AFTER UPDATE ON leads_activity
    REFERENCING NEW TABLE AS touched
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_mark_touched_claims();

-- A stage's time limits decide what was "in time": everything (a mark with no hour).
CREATE FUNCTION dashboard_mark_everything() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK} VALUES (NULL);
    RETURN NULL;
END $$;

CREATE TRIGGER dashboard_stage_limits
    AFTER UPDATE OF sla_hours, first_touch_hours ON funnel_stage
    FOR EACH ROW
    WHEN (
        OLD.sla_hours IS DISTINCT FROM NEW.sla_hours
        OR OLD.first_touch_hours IS DISTINCT FROM NEW.first_touch_hours
    )
    EXECUTE FUNCTION dashboard_mark_everything();

-- Whatever history exists already is built by the first refresh.
{MARK} VALUES (NULL);
"""

BACKWARD = """
DROP TRIGGER dashboard_stage_limits ON funnel_stage;
DROP TRIGGER dashboard_edited_activities ON leads_activity;
DROP TRIGGER dashboard_deleted_activities ON leads_activity;
DROP TRIGGER dashboard_new_activities ON leads_activity;
DROP TRIGGER dashboard_lead_attributes ON leads_lead;
DROP TRIGGER dashboard_edited_moves ON funnel_stagechange;
DROP TRIGGER dashboard_deleted_moves ON funnel_stagechange;
DROP TRIGGER dashboard_new_moves ON funnel_stagechange;
DROP FUNCTION dashboard_mark_everything();
DROP FUNCTION dashboard_mark_touched_claims();
DROP FUNCTION dashboard_mark_lead();
DROP FUNCTION dashboard_mark_edited_moves();
DROP FUNCTION dashboard_mark_changed_moves();
DROP FUNCTION dashboard_mark_new_moves();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_daily_rollups"),
        ("funnel", "0008_revenue_goals"),
        ("leads", "0005_expected_close_date"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
