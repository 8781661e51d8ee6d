"""Per-stage totals of the leads (count, summed expected value), kept by triggers on the leads
table, read by funnel.rollup."""

import django.db.models.deletion
from django.db import migrations, models


# One grouped delta per statement and stage, from the statement's transition tables: a COPY of
# 25,000 leads appends a few rows, a move appends two, an edit of a lead's name none.
TRIGGERS = """
CREATE FUNCTION funnel_stage_totals_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO funnel_stagetotaldelta (stage_id, lead_count, value)
        SELECT stage_id, count(*), sum(expected_value) FROM added GROUP BY stage_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO funnel_stagetotaldelta (stage_id, lead_count, value)
        SELECT stage_id, -count(*), -sum(expected_value) FROM removed GROUP BY stage_id;
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
    ELSE
        DELETE FROM funnel_stagetotaldelta;
        DELETE FROM funnel_stagetotal;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER funnel_stage_totals_insert AFTER INSERT ON leads_lead
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_totals_delta();
CREATE TRIGGER funnel_stage_totals_update AFTER UPDATE ON leads_lead
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_totals_delta();
CREATE TRIGGER funnel_stage_totals_delete AFTER DELETE ON leads_lead
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_totals_delta();
CREATE TRIGGER funnel_stage_totals_truncate AFTER TRUNCATE ON leads_lead
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_stage_totals_delta();
"""
DROP_TRIGGERS = """
DROP TRIGGER funnel_stage_totals_truncate ON leads_lead;
DROP TRIGGER funnel_stage_totals_delete ON leads_lead;
DROP TRIGGER funnel_stage_totals_update ON leads_lead;
DROP TRIGGER funnel_stage_totals_insert ON leads_lead;
DROP FUNCTION funnel_stage_totals_delta();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("funnel", "0008_revenue_goals"),
        ("leads", "0005_expected_close_date"),
    ]

    operations = [
        migrations.CreateModel(
            name="StageTotal",
            fields=[
                (
                    "stage",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="total",
                        serialize=False,
                        to="funnel.stage",
                        verbose_name="stage",
                    ),
                ),
                ("lead_count", models.BigIntegerField(verbose_name="leads")),
                (
                    "value",
                    models.DecimalField(
                        decimal_places=2, max_digits=20, verbose_name="expected value"
                    ),
                ),
            ],
            options={
                "verbose_name": "stage total",
                "verbose_name_plural": "stage totals",
            },
        ),
        migrations.CreateModel(
            name="StageTotalDelta",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("lead_count", models.BigIntegerField(verbose_name="leads")),
                (
                    "value",
                    models.DecimalField(
                        decimal_places=2, max_digits=20, verbose_name="expected value"
                    ),
                ),
                (
                    "stage",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="funnel.stage",
                        verbose_name="stage",
                    ),
                ),
            ],
            options={
                "verbose_name": "stage total change",
                "verbose_name_plural": "stage total changes",
            },
        ),
        migrations.RunSQL(TRIGGERS, reverse_sql=DROP_TRIGGERS),
        # The triggers' lock on the leads table holds off writers until the migration commits:
        # the totals start equal to the leads and the triggers keep them so.
        migrations.RunSQL(
            "INSERT INTO funnel_stagetotal (stage_id, lead_count, value)"
            " SELECT stage_id, count(*), sum(expected_value) FROM leads_lead GROUP BY stage_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
