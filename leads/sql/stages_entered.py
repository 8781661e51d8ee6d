"""The stages each lead has been in (Lead.stages_entered), kept by the database for
leads.personas, which counts how far a persona's leads went without reading their history.

The set only grows. A lead's row adds the stage it is put in, whoever writes it: what a writer
sends is joined to what the row held, so the stale copy an application loaded with the lead
takes nothing away. The history adds the stages of the moves it records, so leads loaded in bulk
(a COPY of leads, then of their moves) hold every stage they went through; the services update
the lead before recording its move, which leaves the history nothing to add. Moves are never
edited or deleted but with their lead.
"""

from smarketing.database_sql import Function, Mechanism, Trigger

ON_LEAD = Function(
    name="leads_stages_entered_on_lead",
    body="""
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.stages_entered @> (NEW.stages_entered || NEW.stage_id) THEN
        NEW.stages_entered := OLD.stages_entered;
    ELSE
        NEW.stages_entered := ARRAY(
            SELECT DISTINCT stage
            FROM unnest(
                CASE WHEN TG_OP = 'UPDATE' THEN OLD.stages_entered ELSE '{}' END
                || coalesce(NEW.stages_entered, '{}') || NEW.stage_id
            ) AS stage
            ORDER BY stage
        );
    END IF;
    RETURN NEW;
END
""",
)

FROM_HISTORY = Function(
    name="leads_stages_entered_from_history",
    body="""
BEGIN
    UPDATE leads_lead lead SET stages_entered = lead.stages_entered || entered.stages
    FROM (
        SELECT lead_id, array_agg(DISTINCT to_stage_id) AS stages FROM added GROUP BY lead_id
    ) AS entered
    WHERE lead.id = entered.lead_id AND NOT lead.stages_entered @> entered.stages;
    RETURN NULL;
END
""",
)

MECHANISM = Mechanism(
    owner="leads.personas",
    functions=(ON_LEAD, FROM_HISTORY),
    triggers=(
        Trigger(
            name="leads_stages_entered_on_lead",
            events="BEFORE INSERT OR UPDATE OF stage_id, stages_entered",
            table="leads_lead",
            options="FOR EACH ROW",
            function=ON_LEAD,
        ),
        Trigger(
            name="leads_stages_entered_from_history",
            events="AFTER INSERT",
            table="funnel_stagechange",
            options="REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
            function=FROM_HISTORY,
        ),
    ),
)
