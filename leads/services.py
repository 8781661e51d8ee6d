"""Creating and changing lead records and personas. Writing on a timeline is leads.activities;
stage moves live in funnel."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record_change, snapshot, stored
from funnel.services import enter_funnel
from leads.access import (
    CREATE_LEAD_REFUSAL,
    EDIT_LEAD_REFUSAL,
    MANAGE_PERSONAS_REFUSAL,
    can_create_lead,
    can_edit_lead,
    can_manage_personas,
)
from leads.activities import add_activity
from leads.messages import Line, line
from leads.models import ActivityKind, Lead, LeadEmailAlias, Mention, Persona
from leads.normalise import normalise_email
from smarketing.errors import Conflict, NotAllowed

# The fields of a lead that people type in; stage, owners and dates are the funnel's business.
EDITABLE_FIELDS = (
    "full_name",
    "email",
    "phone",
    "company",
    "job_title",
    "country",
    "source",
    "campaign",
    "persona",
    "expected_value",
    "expected_close_date",
)
# What people write about a buyer persona: its form, the API and its history of changes.
PERSONA_FIELDS = (
    "name",
    "description",
    "pains",
    "goals",
    "channels",
    "objections",
    "typical_job_titles",
)


class DuplicateLead(Conflict):
    code = "duplicate_email"

    def __init__(self, existing: Lead) -> None:
        super().__init__(
            _("A lead with the email %(email)s already exists.") % {"email": existing.email}
        )
        self.existing = existing


def find_lead_by_email(email: str) -> Lead | None:
    """The lead whose email or alias (the email of a lead merged into it) this is.

    Compared as the unique indexes compare (lower(email)), so each lookup uses its index;
    `email__iexact` would compare upper() and read the whole table. The alias is looked up
    only when no lead has the email: one more indexed query, for new emails alone."""
    normalised = Lower(Value(normalise_email(email)))
    leads = Lead.objects.select_related("stage")
    found = leads.alias(email_lower=Lower("email")).filter(email_lower=normalised).first()
    if found is not None:
        return found
    merged_into = (
        LeadEmailAlias.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=normalised)
        .values("lead_id")
    )
    return leads.filter(pk__in=merged_into).first()


@transaction.atomic
def create_lead(*, details: Mapping[str, Any], note: str = "", actor: User) -> Lead:
    """Log a new lead in the funnel's first stage, owned in Marketing by the marketer logging it.

    Raises DuplicateLead (with the existing lead) when the email is taken, whatever its case,
    also when two people save the same new email at the same moment.
    """
    if not can_create_lead(actor):
        raise NotAllowed(str(CREATE_LEAD_REFUSAL))
    lead = enter_new_lead(details=details, owner=actor, actor=actor)
    if note.strip():
        add_activity(lead=lead, kind=ActivityKind.NOTE, body=note, author=actor)
    return lead


def enter_new_lead(*, details: Mapping[str, Any], owner: User | None, actor: User | None) -> Lead:
    """Save a new lead into the funnel's first stage, owned in Marketing by `owner`.

    Checks no access: its callers do (create_lead for a person, the website capture, which has
    no person). Raises DuplicateLead when the email is taken, whatever its case."""
    lead = Lead(**_editable(details), marketing_owner=owner)
    lead.email = normalise_email(lead.email)
    with _email_taken_as_duplicate(lead):
        enter_funnel(lead=lead, actor=actor)
    return lead


@transaction.atomic
def add_details_to_lead(
    *, lead: Lead, details: Mapping[str, Any], note: str = "", actor: User
) -> Lead:
    """Fold a second capture of a known email into its lead: fill the fields it lacks, keep
    the ones it has, and say on the timeline what was added and what differed."""
    lead = Lead.objects.locked(lead.pk)
    if not can_edit_lead(actor, lead):
        raise NotAllowed(str(EDIT_LEAD_REFUSAL))
    said = [line("details_again"), *fold_in_details(lead=lead, details=details)]
    add_activity(lead=lead, kind=ActivityKind.DETAILS, message=said, author=actor)
    if note.strip():
        add_activity(lead=lead, kind=ActivityKind.NOTE, body=note, author=actor)
    return lead


def fold_in_details(*, lead: Lead, details: Mapping[str, Any]) -> list[Line]:
    """Fill the fields `lead` lacks from `details` and keep the ones it has; returns the
    timeline lines saying what was added and what differed.

    The caller holds the lead's row lock and has checked access (add_details_to_lead for a
    person, the website capture for a form)."""
    added, differing = [], []
    for field, value in _editable(details).items():
        if field == "email" or is_empty_value(value):
            continue
        current = getattr(lead, field)
        if is_empty_value(current):
            setattr(lead, field, value)
            added.append([field, shown_value(field, value)])
        elif current != value:
            differing.append([field, shown_value(field, value)])
    if added:
        lead.save()
    lines = []
    if added:
        lines.append(line("added", fields=added))
    if differing:
        lines.append(line("not_applied", fields=differing))
    return lines


@transaction.atomic
def update_lead(*, lead: Lead, details: Mapping[str, Any], actor: User) -> Lead:
    """Change a lead's details; the timeline records which fields changed."""
    lead = Lead.objects.locked(lead.pk)
    if not can_edit_lead(actor, lead):
        raise NotAllowed(str(EDIT_LEAD_REFUSAL))
    wanted = _editable(details)
    if "email" in wanted:
        wanted["email"] = normalise_email(wanted["email"])
    changes = {field: value for field, value in wanted.items() if getattr(lead, field) != value}
    if not changes:
        return lead
    for field, value in changes.items():
        setattr(lead, field, value)
    with _email_taken_as_duplicate(lead):
        lead.save()
    add_activity(
        lead=lead,
        kind=ActivityKind.DETAILS,
        message=[line("changed", fields=list(changes))],
        author=actor,
    )
    return lead


def mark_mentions_seen(*, user: User, up_to: int | None = None) -> int:
    """Mark the user's unseen mentions seen: all of them, or those up to the mention `up_to`
    (the newest a page showed, so that one written since stays new). Returns how many."""
    unseen = Mention.objects.filter(user=user, seen_at__isnull=True)
    if up_to is not None:
        unseen = unseen.filter(id__lte=up_to)
    return unseen.update(seen_at=timezone.now())


def mark_mention_seen(*, user: User, mention_id: int) -> Mention:
    """Mark one of the user's mentions seen (once: a second call keeps the first time).
    Mention.DoesNotExist for a mention of someone else, as for one that does not exist."""
    mention = Mention.objects.select_related("activity__lead", "activity__author").get(
        pk=mention_id, user=user
    )
    if mention.seen_at is None:
        mention.seen_at = timezone.now()
        mention.save(update_fields=["seen_at"])
    return mention


@transaction.atomic
def save_persona(*, persona: Persona, actor: User) -> Persona:
    if not can_manage_personas(actor):
        raise NotAllowed(str(MANAGE_PERSONAS_REFUSAL))
    before = stored(persona, PERSONA_FIELDS)
    persona.save()
    record_change(actor=actor, obj=persona, before=before, after=snapshot(persona, PERSONA_FIELDS))
    return persona


def _editable(details: Mapping[str, Any]) -> dict[str, Any]:
    return {field: details[field] for field in EDITABLE_FIELDS if field in details}


@contextmanager
def _email_taken_as_duplicate(lead: Lead) -> Iterator[None]:
    """Save `lead` inside; a violation of the unique email index becomes DuplicateLead with
    the lead that holds the email. A savepoint, so the caller's transaction goes on."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        existing = find_lead_by_email(lead.email)
        if existing is None:
            raise
        raise DuplicateLead(existing) from None


def is_empty_value(value: object) -> bool:
    return value is None or value == "" or value == Decimal(0)


def shown_value(field: str, value: object) -> str:
    """A value as people read it: a choice's label rather than its stored key."""
    choices = dict(getattr(Lead._meta.get_field(field), "flatchoices", []))
    return str(choices.get(value, value))
