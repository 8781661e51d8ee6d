"""The triggers that mark the hours whose funnel history changed, for dashboard.rollup to
rebuild the days they fall on.

Every mark is written in the transaction that made the change, so a refresh either sees the
change or finds its mark for the next refresh. A mark with no hour means "everything".
"""

from funnel.models import ChangeKind
from funnel.selectors import TOUCHES
from smarketing.database_sql import Function, Mechanism, Trigger, literal, literals

_MARK = "INSERT INTO dashboard_rollupdirtyhour (hour)"

# New moves: their own hours, and those of any later moves of the same leads (whose "moved
# before" day may change; the product only appends, so normally there are none).
NEW_MOVES = Function(
    name="dashboard_mark_new_moves",
    body=f"""
BEGIN
    {_MARK}
    SELECT DISTINCT date_trunc('hour', at) FROM new_moves
    UNION
    SELECT date_trunc('hour', later.at)
    FROM new_moves JOIN funnel_stagechange later
        ON later.lead_id = new_moves.lead_id AND later.at > new_moves.at;
    RETURN NULL;
END
""",
)

# Deleted moves: every hour of the leads concerned.
CHANGED_MOVES = Function(
    name="dashboard_mark_changed_moves",
    body=f"""
BEGIN
    {_MARK}
    SELECT date_trunc('hour', at) FROM old_moves
    UNION
    SELECT date_trunc('hour', h.at) FROM funnel_stagechange h
    WHERE h.lead_id IN (SELECT lead_id FROM old_moves);
    RETURN NULL;
END
""",
)

# Edited moves: every hour of the leads concerned, before and after.
EDITED_MOVES = Function(
    name="dashboard_mark_edited_moves",
    body=f"""
BEGIN
    {_MARK}
    SELECT date_trunc('hour', at) FROM old_moves
    UNION
    SELECT date_trunc('hour', h.at) FROM funnel_stagechange h
    WHERE h.lead_id IN (SELECT lead_id FROM old_moves UNION SELECT lead_id FROM new_moves);
    RETURN NULL;
END
""",
)

# A lead's attributes that the rollups count by: all the hours of its history.
LEAD = Function(
    name="dashboard_mark_lead",
    body=f"""
BEGIN
    {_MARK}
    SELECT DISTINCT date_trunc('hour', at) FROM funnel_stagechange WHERE lead_id = NEW.id;
    RETURN NULL;
END
""",
)

# Calls, emails and meetings decide whether a claim was touched in time: the hours of the
# claims of the leads concerned.
TOUCHED_CLAIMS = Function(
    name="dashboard_mark_touched_claims",
    body=f"""
BEGIN
    {_MARK}
    SELECT DISTINCT date_trunc('hour', c.at)
    FROM funnel_stagechange c
    WHERE c.kind = {literal(ChangeKind.CLAIMED)}
      AND c.lead_id IN (SELECT lead_id FROM touched WHERE kind IN ({literals(TOUCHES)}));
    RETURN NULL;
END
""",
)

# A stage's time limits decide what was "in time": everything.
EVERYTHING = Function(
    name="dashboard_mark_everything",
    body=f"""
BEGIN
    {_MARK} VALUES (NULL);
    RETURN NULL;
END
""",
)

MECHANISM = Mechanism(
    owner="dashboard.rollup",
    functions=(NEW_MOVES, CHANGED_MOVES, EDITED_MOVES, LEAD, TOUCHED_CLAIMS, EVERYTHING),
    triggers=(
        Trigger(
            name="dashboard_new_moves",
            events="AFTER INSERT",
            table="funnel_stagechange",
            options="REFERENCING NEW TABLE AS new_moves FOR EACH STATEMENT",
            function=NEW_MOVES,
        ),
        Trigger(
            name="dashboard_deleted_moves",
            events="AFTER DELETE",
            table="funnel_stagechange",
            options="REFERENCING OLD TABLE AS old_moves FOR EACH STATEMENT",
            function=CHANGED_MOVES,
        ),
        Trigger(
            name="dashboard_edited_moves",
            events="AFTER UPDATE",
            table="funnel_stagechange",
            options="REFERENCING OLD TABLE AS old_moves NEW TABLE AS new_moves FOR EACH STATEMENT",
            function=EDITED_MOVES,
        ),
        Trigger(
            name="dashboard_lead_attributes",
            events="AFTER UPDATE OF source, campaign, persona_id, marketing_owner_id",
            table="leads_lead",
            options="""FOR EACH ROW
    WHEN (
        OLD.source IS DISTINCT FROM NEW.source
        OR OLD.campaign IS DISTINCT FROM NEW.campaign
        OR OLD.persona_id IS DISTINCT FROM NEW.persona_id
        OR OLD.marketing_owner_id IS DISTINCT FROM NEW.marketing_owner_id
    )""",
            function=LEAD,
        ),
        Trigger(
            name="dashboard_new_activities",
            events="AFTER INSERT",
            table="leads_activity",
            options="REFERENCING NEW TABLE AS touched FOR EACH STATEMENT",
            function=TOUCHED_CLAIMS,
        ),
        Trigger(
            name="dashboard_deleted_activities",
            events="AFTER DELETE",
            table="leads_activity",
            options="REFERENCING OLD TABLE AS touched FOR EACH STATEMENT",
            function=TOUCHED_CLAIMS,
        ),
        Trigger(
            name="dashboard_edited_activities",
            events="AFTER UPDATE",
            table="leads_activity",
            options="REFERENCING NEW TABLE AS touched FOR EACH STATEMENT",
            function=TOUCHED_CLAIMS,
        ),
        Trigger(
            name="dashboard_stage_limits",
            events="AFTER UPDATE OF sla_hours, first_touch_hours",
            table="funnel_stage",
            options="""FOR EACH ROW
    WHEN (
        OLD.sla_hours IS DISTINCT FROM NEW.sla_hours
        OR OLD.first_touch_hours IS DISTINCT FROM NEW.first_touch_hours
    )""",
            function=EVERYTHING,
        ),
    ),
)
