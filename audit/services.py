"""Recording changes: the one way into the history of changes.

A service that changes something people configure takes the object's values before the change
(`stored`, which also locks the row so that two changes of it are recorded one after the other),
makes the change, and calls `record_change` with the values after it (`snapshot`), in the same
transaction: the history row exists exactly when the change does.

    before = stored(stage, STAGE_FIELDS)
    stage.save()
    record_change(actor=actor, obj=stage, before=before, after=snapshot(stage, STAGE_FIELDS))
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from audit.models import AUDITED, Action, AuditEntry

type Snapshot = dict[str, Any]

# Fields that hold secrets or their digests: the history never keeps them, whatever a caller
# asks for.
NEVER_RECORDED = frozenset({"password", "secret_hash", "public_key"})


def snapshot(obj: models.Model, fields: Iterable[str]) -> Snapshot:
    """The values of `fields` of `obj` as the history keeps them: plain JSON, a related object
    as its name, related objects as their sorted names, amounts with their decimal places."""
    kept = {}
    for name in fields:
        if name in NEVER_RECORDED:
            raise ValueError(f"{name} holds a secret and is never recorded")
        kept[name] = _kept(obj, obj._meta.get_field(name))
    return kept


def stored(obj: models.Model, fields: Iterable[str]) -> Snapshot | None:
    """`fields` of `obj` as the database holds them, before the caller saves its own values;
    None for an object not saved yet. The row stays locked until the transaction ends."""
    if obj._state.adding or obj.pk is None:
        return None
    row = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    return snapshot(row, fields)


def record_change(
    *,
    actor: AbstractBaseUser | None,
    obj: models.Model,
    before: Snapshot | None,
    after: Snapshot | None,
) -> AuditEntry | None:
    """Record that `actor` changed `obj` from `before` to `after`, in the caller's transaction.

    `before` is None for an object just created, `after` None for one about to be deleted
    (record before deleting: the row names the object by its id). A change that leaves every
    field as it was records nothing and returns None."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_change runs in the transaction of the change it records")
    if obj._meta.label_lower not in AUDITED:
        raise ValueError(f"{obj._meta.label_lower} is not in audit.models.AUDITED")
    action, changes = _compare(before, after)
    if not changes:
        return None
    return AuditEntry.objects.create(
        actor_id=None if actor is None else actor.pk,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[: AuditEntry._meta.get_field("object_repr").max_length],
        action=action,
        changes=changes,
    )


def _compare(before: Snapshot | None, after: Snapshot | None) -> tuple[Action, list[Snapshot]]:
    if before is None and after is not None:
        # What the object was created with; the fields left empty say nothing.
        given = {name: value for name, value in after.items() if value not in (None, "", [])}
        return Action.CREATED, [_line(name, None, value) for name, value in given.items()]
    if after is None and before is not None:
        return Action.DELETED, [_line(name, value, None) for name, value in before.items()]
    if before is None or after is None:
        raise ValueError("a change has values before it, after it, or both")
    changed = [name for name, value in after.items() if before.get(name) != value]
    return Action.CHANGED, [_line(name, before.get(name), after[name]) for name in changed]


def _line(name: str, old: Any, new: Any) -> Snapshot:
    return {"field": name, "from": old, "to": new}


def _kept(obj: models.Model, field: Any) -> Any:
    if field.many_to_many:
        related = getattr(obj, field.name).all() if obj.pk is not None else []
        return sorted(str(item) for item in related)
    if field.is_relation:
        target = getattr(obj, field.name)
        return None if target is None else str(target)
    value = field.value_from_object(obj)
    if isinstance(value, Decimal):
        # 1000 from a form and 1000.00 from the database are the same amount.
        places = getattr(field, "decimal_places", None)
        return f"{value.quantize(Decimal(1).scaleb(-places)) if places is not None else value:f}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
