"""A lead keeps the emails of the leads merged into it as aliases, so that a capture, form or
import of an old address finds it. An address is a lead's email or an alias, never both: the
triggers are a frozen copy of leads/sql/email_aliases.py as it was then."""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models

INSTALL = """
CREATE OR REPLACE FUNCTION leads_lead_email_not_an_alias() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM added JOIN leads_leademailalias taken
            ON lower(taken.email) = lower(added.email) AND taken.lead_id <> added.id
    ) THEN
        RAISE unique_violation USING
            MESSAGE = 'this email is another lead''s alias',
            CONSTRAINT = 'lead_email_alias_unique_ci';
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION leads_alias_not_a_lead_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM added JOIN leads_lead taken
            ON lower(taken.email) = lower(added.email) AND taken.id <> added.lead_id
    ) THEN
        RAISE unique_violation USING
            MESSAGE = 'this alias is another lead''s email',
            CONSTRAINT = 'lead_email_unique_ci';
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER leads_lead_email_not_an_alias_insert AFTER INSERT ON leads_lead
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION leads_lead_email_not_an_alias();
CREATE OR REPLACE TRIGGER leads_lead_email_not_an_alias_update AFTER UPDATE ON leads_lead
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION leads_lead_email_not_an_alias();
CREATE OR REPLACE TRIGGER leads_alias_not_a_lead_email_insert AFTER INSERT ON leads_leademailalias
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION leads_alias_not_a_lead_email();
CREATE OR REPLACE TRIGGER leads_alias_not_a_lead_email_update AFTER UPDATE ON leads_leademailalias
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION leads_alias_not_a_lead_email();
"""

UNINSTALL = """
DROP TRIGGER leads_lead_email_not_an_alias_insert ON leads_lead;
DROP TRIGGER leads_lead_email_not_an_alias_update ON leads_lead;
DROP TRIGGER leads_alias_not_a_lead_email_insert ON leads_leademailalias;
DROP TRIGGER leads_alias_not_a_lead_email_update ON leads_leademailalias;
DROP FUNCTION leads_lead_email_not_an_alias();
DROP FUNCTION leads_alias_not_a_lead_email();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0016_search_words"),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadEmailAlias",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email", models.EmailField(max_length=254, verbose_name="email")),
                (
                    "merged_lead_id",
                    models.BigIntegerField(blank=True, null=True, verbose_name="merged lead"),
                ),
                (
                    "merged_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="merged"),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="email_aliases",
                        to="leads.lead",
                        verbose_name="lead",
                    ),
                ),
            ],
            options={
                "verbose_name": "email alias",
                "verbose_name_plural": "email aliases",
                "ordering": ["email"],
                "indexes": [
                    models.Index(fields=["merged_lead_id"], name="lead_email_alias_merged"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("email"),
                        name="lead_email_alias_unique_ci",
                    )
                ],
            },
        ),
        migrations.RunSQL(INSTALL, reverse_sql=UNINSTALL),
    ]
