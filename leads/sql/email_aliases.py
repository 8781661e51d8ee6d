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


def _refusing(
    name: str, *, taken_in: str, same_lead: str, message: str, constraint: str
) -> Function:
    """A statement trigger's function refusing the new rows (`added`) whose email, in any
    letter case, `taken_in` holds for another lead (`same_lead` compares the two leads)."""
    return Function(
        name=name,
        body=f"""
BEGIN
    IF EXISTS (
        SELECT 1 FROM added JOIN {taken_in} taken
            ON lower(taken.email) = lower(added.email) AND {same_lead}
    ) THEN
        RAISE unique_violation USING
            MESSAGE = '{message}',
            CONSTRAINT = '{constraint}';
    END IF;
    RETURN NULL;
END
""",
    )


NEW_LEAD_EMAILS = _refusing(
    "leads_lead_email_not_an_alias",
    taken_in="leads_leademailalias",
    same_lead="taken.lead_id <> added.id",
    message="this email is another lead''s alias",
    constraint="lead_email_alias_unique_ci",
)
NEW_ALIASES = _refusing(
    "leads_alias_not_a_lead_email",
    taken_in="leads_lead",
    same_lead="taken.id <> added.lead_id",
    message="this alias is another lead''s email",
    constraint="lead_email_unique_ci",
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
