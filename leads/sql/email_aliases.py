"""An address is one lead's email or one lead's alias (leads.models.LeadEmailAlias), never both:
the unique indexes compare emails with emails and aliases with aliases, these triggers compare
each with the other.

Statement triggers over the transition tables (which PostgreSQL gives to no trigger on
named columns, hence after every update): a COPY of 25,000 leads probes the alias index once
per lead in one join, a move one probe, and none takes a lock. The one writer of aliases, the
merge, removes the address from the leads in the same transaction (the merged lead is deleted,
or the survivor takes the other address), so a lead saved with it meanwhile waits on the
email's unique index until the merge commits, and then finds the alias here. A lead may hold
its own alias as its email again. The error is a unique violation, as the email index gives,
which the services turn into "this email is taken" with the lead that holds it.
"""

from smarketing.database_sql import Function, Mechanism, Trigger

NEW_LEAD_EMAILS = Function(
    name="leads_lead_email_not_an_alias",
    body="""
BEGIN
    IF EXISTS (
        SELECT 1 FROM added JOIN leads_leademailalias alias
            ON lower(alias.email) = lower(added.email) AND alias.lead_id <> added.id
    ) THEN
        RAISE unique_violation USING
            MESSAGE = 'this email is another lead''s alias',
            CONSTRAINT = 'lead_email_alias_unique_ci';
    END IF;
    RETURN NULL;
END
""",
)

NEW_ALIASES = Function(
    name="leads_alias_not_a_lead_email",
    body="""
BEGIN
    IF EXISTS (
        SELECT 1 FROM added JOIN leads_lead lead
            ON lower(lead.email) = lower(added.email) AND lead.id <> added.lead_id
    ) THEN
        RAISE unique_violation USING
            MESSAGE = 'this alias is another lead''s email',
            CONSTRAINT = 'lead_email_unique_ci';
    END IF;
    RETURN NULL;
END
""",
)

MECHANISM = Mechanism(
    owner="leads.services",
    functions=(NEW_LEAD_EMAILS, NEW_ALIASES),
    triggers=(
        Trigger(
            name="leads_lead_email_not_an_alias_insert",
            events="AFTER INSERT",
            table="leads_lead",
            options="REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
            function=NEW_LEAD_EMAILS,
        ),
        Trigger(
            name="leads_lead_email_not_an_alias_update",
            events="AFTER UPDATE",
            table="leads_lead",
            options="REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
            function=NEW_LEAD_EMAILS,
        ),
        Trigger(
            name="leads_alias_not_a_lead_email_insert",
            events="AFTER INSERT",
            table="leads_leademailalias",
            options="REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
            function=NEW_ALIASES,
        ),
        Trigger(
            name="leads_alias_not_a_lead_email_update",
            events="AFTER UPDATE",
            table="leads_leademailalias",
            options="REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
            function=NEW_ALIASES,
        ),
    ),
)
