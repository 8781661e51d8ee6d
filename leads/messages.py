"""What the product itself writes on a timeline, stored as message keys with parameters and
put into words when shown, so that each reader reads it in their own language.

An activity keeps a list of lines ({"key": ..., "params": {...}}) beside the text a person or
a visitor wrote. Parameters are kept as data, not words: field names (shown by their label in
the reader's language), names of people and forms (shown as they are), and names given in each
language ({"en": ..., "es": ...}, such as a reason), of which the reader's is shown.
"""

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from django.apps import apps
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _


class Line(TypedDict):
    key: str
    params: dict[str, Any]


SENTENCES = {
    "reassigned": gettext_lazy("Reassigned by %(who)s."),
    "owner_changed": gettext_lazy("%(role)s: %(old)s → %(new)s (@%(username)s)."),
    "back_with_marketing": gettext_lazy("@%(owner)s this lead is back with Marketing: %(reason)s."),
    "details_again": gettext_lazy("Details entered again for this email."),
    "added": gettext_lazy("Added: %(fields)s."),
    "not_applied": gettext_lazy("Also given, not applied: %(fields)s."),
    "changed": gettext_lazy("Changed %(fields)s."),
    "captured": gettext_lazy("Captured from the website form “%(form)s”."),
    "captured_again": gettext_lazy("Captured again from the website form “%(form)s”."),
    "visitor_message": gettext_lazy("Message:"),
    "merged": gettext_lazy("Merged with %(name)s <%(email)s> by %(who)s."),
    "merged_values": gettext_lazy("Taken from the merged lead: %(fields)s."),
    "imported": gettext_lazy("Imported from the file “%(file)s”."),
    "import_updated": gettext_lazy("Updated by the import of “%(file)s”: %(fields)s."),
}
ROLES = {
    "marketing_owner": gettext_lazy("Marketing owner"),
    "sales_owner": gettext_lazy("Sales owner"),
}


def line(key: str, **params: Any) -> Line:
    """One line of system text; `key` must be one of SENTENCES."""
    if key not in SENTENCES:
        raise ValueError(f"unknown timeline message {key!r}")
    return {"key": key, "params": params}


def render(lines: Sequence[Mapping[str, Any]]) -> str:
    """The lines in the active language, one per line of text."""
    return "\n".join(_sentence(entry) for entry in lines)


def _sentence(entry: Mapping[str, Any]) -> str:
    sentence = SENTENCES.get(entry.get("key", ""))
    if sentence is None:
        return ""
    params = entry.get("params") or {}
    return str(sentence) % {name: _word(name, value) for name, value in params.items()}


def _word(name: str, value: Any) -> str:
    if name == "fields" and isinstance(value, list):
        return _fields(value)
    if name == "role":
        return str(ROLES.get(value, value))
    if name == "old" and value is None:
        return _("nobody")
    if isinstance(value, dict):
        return str(value.get((get_language() or "en")[:2]) or value.get("en", ""))
    return str(value)


def _fields(fields: list[Any]) -> str:
    """Field names as their labels, joined; a [field, value] pair as "label: value"."""
    if all(isinstance(field, str) for field in fields):
        return ", ".join(field_label(field) for field in fields)
    return "; ".join(f"{field_label(field)}: {value}" for field, value in fields)


def field_label(field: str) -> str:
    # Looked up rather than imported: the Lead model's module shows its activities with render.
    lead = apps.get_model("leads", "Lead")
    return str(getattr(lead._meta.get_field(field), "verbose_name", field))
