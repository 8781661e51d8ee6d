"""Per-owner stage totals (count, summed expected value of the leads each person owns for
Marketing and for Sales, per stage), kept by the stage totals' triggers, read by funnel.rollup."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The stage totals' trigger function (0009_stage_totals), now also appending one grouped delta
# per statement, team, owner and stage. Leads without an owner count in no one's totals.
OWNER_DELTAS = """
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
"""
# 0009_stage_totals' function as it was, which reversing this migration puts back. A copy on
# purpose: a migration states what it does on its own, so editing or squashing 0009 later cannot
# change what undoing this one restores.
STAGE_DELTAS_ONLY = """
CREATE OR REPLACE FUNCTION funnel_stage_totals_delta() RETURNS trigger LANGUAGE plpgsql AS $$
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
"""
COUNT_EXISTING = """
INSERT INTO funnel_ownerstagetotal (team, owner_id, stage_id, lead_count, value)
SELECT owned.team, owned.owner_id, stage_id, count(*), sum(expected_value)
FROM leads_lead,
    LATERAL (VALUES ('marketing', marketing_owner_id), ('sales', sales_owner_id))
        AS owned (team, owner_id)
WHERE owned.owner_id IS NOT NULL
GROUP BY owned.team, owned.owner_id, stage_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('funnel', '0009_stage_totals'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Writers to the leads wait until the migration commits (the function is replaced and
        # the existing leads counted meanwhile): the totals start equal to the leads and the
        # triggers keep them so.
        migrations.RunSQL(
            "LOCK TABLE leads_lead IN SHARE MODE", reverse_sql=migrations.RunSQL.noop
        ),
        migrations.CreateModel(
            name='OwnerStageTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('team', models.CharField(choices=[('marketing', 'Marketing'), ('sales', 'Sales')], max_length=12, verbose_name='team')),
                ('lead_count', models.BigIntegerField(verbose_name='leads')),
                ('value', models.DecimalField(decimal_places=2, max_digits=20, verbose_name='expected value')),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                ('stage', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='funnel.stage', verbose_name='stage')),
            ],
            options={
                'verbose_name': "owner's stage total",
                'verbose_name_plural': "owners' stage totals",
                'constraints': [models.UniqueConstraint(fields=('owner', 'team', 'stage'), name='ownerstagetotal_once')],
            },
        ),
        migrations.CreateModel(
            name='OwnerStageTotalDelta',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('team', models.CharField(choices=[('marketing', 'Marketing'), ('sales', 'Sales')], max_length=12, verbose_name='team')),
                ('lead_count', models.BigIntegerField(verbose_name='leads')),
                ('value', models.DecimalField(decimal_places=2, max_digits=20, verbose_name='expected value')),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                ('stage', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='funnel.stage', verbose_name='stage')),
            ],
            options={
                'verbose_name': "owner's stage total change",
                'verbose_name_plural': "owners' stage total changes",
                'indexes': [models.Index(fields=['owner', 'team', 'stage'], name='ownerstagetotaldelta_owner')],
            },
        ),
        migrations.RunSQL(OWNER_DELTAS, reverse_sql=STAGE_DELTAS_ONLY),
        migrations.RunSQL(COUNT_EXISTING, reverse_sql=migrations.RunSQL.noop),
    ]
