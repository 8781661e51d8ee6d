"""Changing the funnel's configuration: stages, recycle and lost reasons, allowed moves.

The one write path: the admin (funnel/admin.py) and the API (funnel/api/configuration.py) both
parse their input and call these services, which check the permission, save, and record the
change in the history of changes (audit) in the same transaction. Which fields people edit is
said once, here, for the admin's forms, the API's serializers and the history alike.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record_change, snapshot, stored
from funnel.access import CONFIGURE_FUNNEL_REFUSAL, can_configure_funnel
from funnel.models import Reason, Stage, StageChange, Transition
from smarketing.errors import Conflict, NotAllowed

STAGE_FIELDS = (
    "name",
    "name_es",
    "slug",
    "position",
    "team",
    "outcome",
    "probability",
    "sla_hours",
    "first_touch_hours",
    "required_fields",
)
REASON_FIELDS = ("kind", "label", "label_es", "slug", "position", "active")
TRANSITION_FIELDS = ("from_stage", "to_stage", "kind")

type Configuration = Stage | Reason | Transition

_FIELDS: dict[type[Configuration], tuple[str, ...]] = {
    Stage: STAGE_FIELDS,
    Reason: REASON_FIELDS,
    Transition: TRANSITION_FIELDS,
}


def stage_in_use(stage: Stage) -> bool:
    """A stage that leads are in, or that history names, stays: its history would otherwise
    lose its meaning."""
    return (
        stage.leads.exists()
        or StageChange.objects.filter(to_stage=stage).exists()
        or StageChange.objects.filter(from_stage=stage).exists()
    )


def reason_in_use(reason: Reason) -> bool:
    """A reason given on a move stays; it can be retired (made inactive) instead."""
    return StageChange.objects.filter(reason=reason).exists()


def _fields(item: Configuration) -> tuple[str, ...]:
    return _FIELDS[type(item)]


def _check(actor: User, action: str, item: Configuration) -> None:
    if not can_configure_funnel(actor, action, type(item)):
        raise NotAllowed(str(CONFIGURE_FUNNEL_REFUSAL))


@transaction.atomic
def save_configuration[C: Configuration](*, item: C, actor: User) -> C:
    """Save a new or changed stage, reason or allowed move, with its history row. `item`
    carries the values already checked by the admin's form or the API's serializer."""
    fields = _fields(item)
    _check(actor, "add" if item._state.adding else "change", item)
    before = stored(item, fields)
    item.save()
    record_change(actor=actor, obj=item, before=before, after=snapshot(item, fields))
    return item


@transaction.atomic
def delete_configuration(*, item: Configuration, actor: User) -> None:
    """Delete a stage, reason or allowed move that nothing refers to, with its history row.
    Raises Conflict for a stage or reason in use."""
    _check(actor, "delete", item)
    before = stored(item, _fields(item))
    if isinstance(item, Stage) and stage_in_use(item):
        raise Conflict(_("Leads or their history are in this stage: it cannot be deleted."))
    if isinstance(item, Reason) and reason_in_use(item):
        raise Conflict(_("This reason was given on a move: make it inactive instead."))
    record_change(actor=actor, obj=item, before=before, after=None)
    item.delete()
