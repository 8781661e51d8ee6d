"""Each lead keeps the set of stages it has been in (Lead.stages_entered), filled in here from
its history and kept by the database from then on, so that a persona's conversion is an
index-only count of its leads (leads.personas) instead of a pass over every move they made.

The functions and triggers are a frozen copy of leads/sql/stages_entered.py as it was then."""

import django.contrib.postgres.fields
from django.db import migrations, models

INSTALL = """
CREATE OR REPLACE FUNCTION leads_stages_entered_on_lead() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;
CREATE OR REPLACE FUNCTION leads_stages_entered_from_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE leads_lead lead SET stages_entered = lead.stages_entered || entered.stages
    FROM (
        SELECT lead_id, array_agg(DISTINCT to_stage_id) AS stages FROM added GROUP BY lead_id
    ) AS entered
    WHERE lead.id = entered.lead_id AND NOT lead.stages_entered @> entered.stages;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER leads_stages_entered_on_lead BEFORE INSERT OR UPDATE OF stage_id, stages_entered ON leads_lead
    FOR EACH ROW
    EXECUTE FUNCTION leads_stages_entered_on_lead();
CREATE OR REPLACE TRIGGER leads_stages_entered_from_history AFTER INSERT ON funnel_stagechange
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION leads_stages_entered_from_history();
"""

# Every lead, from its history: the trigger on the lead adds its current stage and orders it.
FILL = """
UPDATE leads_lead lead SET stages_entered = history.stages
FROM (
    SELECT lead_id, array_agg(DISTINCT to_stage_id) AS stages
    FROM funnel_stagechange GROUP BY lead_id
) AS history
WHERE lead.id = history.lead_id;
"""

UNINSTALL = """
DROP TRIGGER leads_stages_entered_from_history ON funnel_stagechange;
DROP TRIGGER leads_stages_entered_on_lead ON leads_lead;
DROP FUNCTION leads_stages_entered_from_history();
DROP FUNCTION leads_stages_entered_on_lead();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0012_lead_search_pairs"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="stages_entered",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                default=list,
                editable=False,
                verbose_name="stages entered",
            ),
        ),
        migrations.RunSQL(INSTALL + FILL, reverse_sql=UNINSTALL),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["persona", "stage", "stages_entered"], name="lead_persona_path"
            ),
        ),
    ]
