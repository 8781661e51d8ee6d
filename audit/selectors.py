"""Reads of the history of changes: a page of entries, newest first, as people read them."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import localize
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from smarketing.pagination import Keyset, Page, paginate

# Served by the index auditentry_at_id (and auditentry_kind_at_id for one kind).
HISTORY_KEYSET = Keyset(fields=("at", "id"), descending=True)
PER_PAGE = 50


def history_page(
    *, kind: str | None = None, after: str | None = None, per_page: int = PER_PAGE
) -> Page[AuditEntry]:
    """One page of changes, newest first, of every kind or of one ("funnel.stage"), with who
    made them. One query. Raises InvalidCursor for a cursor this list did not write."""
    entries = AuditEntry.objects.select_related("actor", "content_type")
    if kind:
        app_label, _dot, model = kind.partition(".")
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
    return paginate(entries, keyset=HISTORY_KEYSET, cursor=after, per_page=per_page)


@dataclass(frozen=True)
class ChangeLine:
    """One field of a change: its values as stored, and as a person reads them."""

    field: str
    label: str
    before: Any
    after: Any
    before_shown: str
    after_shown: str


@dataclass(frozen=True)
class HistoryRow:
    """One change as the page and the API show it."""

    entry: AuditEntry
    kind: str
    kind_label: str
    actor_name: str | None
    lines: list[ChangeLine]


def history_rows(entries: list[AuditEntry]) -> list[HistoryRow]:
    """The rows of a page, read from the entries already loaded: no query."""
    return [_row(entry) for entry in entries]


def _row(entry: AuditEntry) -> HistoryRow:
    model = entry.content_type.model_class()
    fields: dict[str, Any] = {}
    if model is not None:
        for line in entry.changes:
            try:
                fields[line["field"]] = model._meta.get_field(line["field"])
            except FieldDoesNotExist:
                continue  # a field since removed: shown by its name
    return HistoryRow(
        entry=entry,
        kind=f"{entry.content_type.app_label}.{entry.content_type.model}",
        kind_label=str(model._meta.verbose_name if model is not None else entry.content_type),
        actor_name=str(entry.actor) if entry.actor is not None else None,
        lines=[_line(line, fields.get(line["field"])) for line in entry.changes],
    )


def _line(line: dict[str, Any], field: Any) -> ChangeLine:
    name = line["field"]
    label = str(getattr(field, "verbose_name", name)) if field is not None else name
    return ChangeLine(
        field=name,
        label=label[:1].upper() + label[1:],
        before=line["from"],
        after=line["to"],
        before_shown=_shown(line["from"], field),
        after_shown=_shown(line["to"], field),
    )


def _shown(value: Any, field: Any) -> str:
    """A stored value as people read it: a choice's label, yes or no, a list joined."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    choices = dict(getattr(getattr(field, "base_field", field), "flatchoices", None) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(item, item)) for item in value)
    if isinstance(value, int | float):
        return str(localize(value))
    return str(choices.get(value, value))
