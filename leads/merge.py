"""Merging two leads of one person (an old and a new email) into the one that survives.

The survivor takes, field by field, its own value or the other lead's (by default its own when
it has one, else the other's). Everything written about the other lead moves to it in a few
set-based statements, whatever the length of the timelines: activities (notes, calls, captures'
entries) with their mentions, website captures, email aliases, and the stage history, which
funnel.services.take_over_history puts before the survivor's own. The survivor keeps its stage,
its time in stage and its owners: a lead's stage stays its last stage change.

The other lead is deleted rather than kept as a tombstone: every count of leads (the per-stage
totals, the board, the lists, the personas' conversion) then counts the person once with no
filter to forget, and the database's triggers keep those totals and the dashboard's rollups
equal to a full recount (the deleted row is subtracted, the moved history re-dated). Its email
stays as an alias of the survivor, so a capture, form or import of it finds the survivor, and
its values are kept in the history of changes (audit), with who merged it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record_change, snapshot
from funnel.services import take_over_history
from leads.access import MERGE_LEADS_REFUSAL, can_merge_lead
from leads.activities import add_activity
from leads.messages import Line, field_label, line
from leads.models import ActivityKind, Capture, Lead, LeadEmailAlias
from leads.services import EDITABLE_FIELDS, is_empty_value, shown_value
from smarketing.errors import Conflict, DomainError, NotAllowed

# The fields a merge chooses between: what people type into a lead.
MERGED_FIELDS = EDITABLE_FIELDS


class Side(StrEnum):
    SURVIVOR = "survivor"
    OTHER = "other"


class MergeRefused(DomainError):
    code = "merge_refused"


class AlreadyMerged(Conflict):
    code = "already_merged"


class ChangedMeanwhile(Conflict):
    code = "changed_meanwhile"


def version(lead: Lead) -> datetime:
    """What a merge page or a client remembers of a lead it showed: a later change of its
    record (an edit, a move, a reassignment) changes it."""
    return lead.updated_at


def default_sides(survivor: Lead, other: Lead) -> dict[str, Side]:
    """Each field from the survivor when it has a value, else from the other lead."""
    return {
        field: Side.OTHER
        if is_empty_value(_value(survivor, field)) and not is_empty_value(_value(other, field))
        else Side.SURVIVOR
        for field in MERGED_FIELDS
    }


@dataclass(frozen=True)
class FieldChoice:
    """One row of the merge page: a field and each lead's value as people read it, in the
    order of the leads given."""

    field: str
    label: str
    values: tuple[str, str]

    @property
    def same(self) -> bool:
        return self.values[0] == self.values[1]


def field_choices(first: Lead, second: Lead) -> list[FieldChoice]:
    return [
        FieldChoice(
            field=field,
            label=field_label(field),
            values=(_readable(first, field), _readable(second, field)),
        )
        for field in MERGED_FIELDS
    ]


def later_in_funnel(first: Lead, second: Lead) -> Lead:
    """The lead whose last move is the newer (a lead entered its stage at its last stage
    change): the one that may survive with the other's history before its own."""
    return first if first.stage_entered_at >= second.stage_entered_at else second


@transaction.atomic
def merge_leads(
    *,
    survivor_id: int,
    other_id: int,
    actor: User,
    sides: Mapping[str, Side] | None = None,
    seen: Mapping[int, datetime] | None = None,
) -> Lead:
    """Merge the lead `other_id` into `survivor_id`; returns the survivor.

    `sides` names, for any field, the lead whose value the survivor keeps (the others: its own
    if it has one, else the other's). `seen` holds, by lead id, the version (`version`) of the
    leads the person saw (a page gives both): a lead changed since is refused with
    ChangedMeanwhile. Both rows are
    locked in id order, as two merges, a merge and a move or a claim take them one after the
    other without a deadlock. Raises MergeRefused, AlreadyMerged, NotAllowed, ChangedMeanwhile
    or funnel's HistoryAfterSurvivor; nothing changes when it raises."""
    if survivor_id == other_id:
        raise MergeRefused(_("A lead cannot be merged with itself: pick its duplicate."))
    unknown = sorted(set(sides or {}) - set(MERGED_FIELDS))
    if unknown:
        raise MergeRefused(
            _("These fields cannot be chosen in a merge: %(fields)s.")
            % {"fields": ", ".join(unknown)}
        )
    locked = {
        lead.pk: lead
        for lead in Lead.objects.select_for_update()
        .filter(pk__in=[survivor_id, other_id])
        .order_by("pk")
    }
    for lead_id in (survivor_id, other_id):
        if lead_id not in locked:
            _refuse_missing(lead_id)
    survivor, other = locked[survivor_id], locked[other_id]
    if not (can_merge_lead(actor, survivor) and can_merge_lead(actor, other)):
        raise NotAllowed(str(MERGE_LEADS_REFUSAL))
    if any(
        lead_id not in locked or version(locked[lead_id]) != at
        for lead_id, at in (seen or {}).items()
    ):
        raise ChangedMeanwhile(
            _("One of the two leads changed while you were choosing: look at them again.")
        )
    take_over_history(survivor=survivor, other=other)

    chosen = default_sides(survivor, other) | dict(sides or {})
    taken = {field: _value(other, field) for field, side in chosen.items() if side == Side.OTHER}
    said = _what_was_taken(survivor, other, taken)
    old_email = survivor.email
    record_change(actor=actor, obj=other, before=_audited(other), after=None)
    _move_records(survivor=survivor, other=other)
    other_id_was, other_email, other_name = other.pk, other.email, other.full_name
    # The other lead's row goes before the survivor takes its email: the unique index.
    other.delete()
    for field, value in taken.items():
        setattr(survivor, field, value)
    survivor.save()
    alias = other_email if survivor.email.lower() != other_email.lower() else old_email
    LeadEmailAlias.objects.create(lead=survivor, email=alias, merged_lead_id=other_id_was)
    lines: list[Line] = [line("merged", name=other_name, email=other_email, who=str(actor)), *said]
    add_activity(lead=survivor, kind=ActivityKind.DETAILS, message=lines, author=actor)
    return survivor


def merged_into(lead_id: int) -> Lead | None:
    """The lead that a removed lead was merged into, if it was."""
    alias = LeadEmailAlias.objects.select_related("lead").filter(merged_lead_id=lead_id).first()
    return alias.lead if alias is not None else None


def _refuse_missing(lead_id: int) -> None:
    survivor = merged_into(lead_id)
    if survivor is None:
        raise Lead.DoesNotExist(f"no lead {lead_id}")
    raise AlreadyMerged(
        _("That lead was merged into %(name)s already.") % {"name": survivor.full_name}
    )


def _move_records(*, survivor: Lead, other: Lead) -> None:
    """Everything written about `other` now about `survivor`: one UPDATE per kind of record
    (mentions belong to their activities and come along). An alias that is one of the two
    leads' own emails again (a lead may take its alias back) is dropped: the merge gives each
    of the two addresses its place."""
    LeadEmailAlias.objects.alias(email_lower=Lower("email")).filter(
        lead__in=[survivor, other],
        email_lower__in=[survivor.email.lower(), other.email.lower()],
    ).delete()
    other.activities.update(lead=survivor)
    Capture.objects.filter(lead=other).update(lead=survivor)
    other.email_aliases.update(lead=survivor)


def _what_was_taken(survivor: Lead, other: Lead, taken: dict[str, Any]) -> list[Line]:
    """The timeline's line naming the values the survivor took from the other lead, where they
    differ from its own."""
    changed = [
        [field, _readable(other, field)]
        for field, value in taken.items()
        if value != _value(survivor, field)
    ]
    return [line("merged_values", fields=changed)] if changed else []


def _audited(lead: Lead) -> dict[str, Any]:
    return snapshot(lead, MERGED_FIELDS)


def _value(lead: Lead, field: str) -> Any:
    return getattr(lead, field)


def _readable(lead: Lead, field: str) -> str:
    value = _value(lead, field)
    return "" if is_empty_value(value) else shown_value(field, value)
