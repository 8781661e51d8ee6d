"""Activities keep what the product wrote as message keys with parameters (leads.messages).

Existing entries the product wrote, in any of the installation's languages, are turned into
keys where every line of their system text is recognised; anything else is left as it was
written. The sentences are frozen here as they were when this migration was written.
"""

import re

from django.conf import settings
from django.db import migrations, models
from django.utils import translation
from django.utils.translation import gettext

SENTENCES = {
    "reassigned": "Reassigned by %(who)s.",
    "owner_changed": "%(role)s: %(old)s → %(new)s (@%(username)s).",
    "back_with_marketing": "@%(owner)s this lead is back with Marketing: %(reason)s.",
    "details_again": "Details entered again for this email.",
    "added": "Added: %(fields)s.",
    "not_applied": "Also given, not applied: %(fields)s.",
    "changed": "Changed %(fields)s.",
    "captured": "Captured from the website form “%(form)s”.",
    "captured_again": "Captured again from the website form “%(form)s”.",
    "visitor_message": "Message:",
}
ROLES = {"marketing_owner": "Marketing owner", "sales_owner": "Sales owner"}
# After these lines, the rest of the text is what a person or a visitor wrote.
ENDS_SYSTEM_TEXT = {"back_with_marketing", "visitor_message"}
FIELDS = ["full_name", "email", "company", "job_title", "phone", "source", "campaign", "persona"]


def _patterns(lead_model):
    """Each sentence as a regular expression in the active language, with the words that
    stand for roles and fields in that language."""
    patterns = {
        key: re.compile(
            "^"
            + re.sub(r"%\\\(([a-z]+)\\\)s", r"(?P<\1>.+?)", re.escape(gettext(sentence)))
            + "$"
        )
        for key, sentence in SENTENCES.items()
    }
    roles = {gettext(label): key for key, label in ROLES.items()}
    fields = {}
    for name in FIELDS:
        try:
            fields[str(lead_model._meta.get_field(name).verbose_name)] = name
        except Exception:  # noqa: BLE001 - a field this historical model lacks
            continue
    return patterns, roles, fields, gettext("nobody")


def _params(key, found, roles, fields, nobody):
    if key == "owner_changed":
        if found["role"] not in roles:
            return None
        old = None if found["old"] == nobody else found["old"]
        return {**found, "role": roles[found["role"]], "old": old}
    if key == "changed":
        names = [fields.get(label) for label in found["fields"].split(", ")]
        return None if None in names else {"fields": names}
    if key in ("added", "not_applied"):
        pairs = []
        for pair in found["fields"].split("; "):
            label, _, value = pair.partition(": ")
            if label not in fields:
                return None
            pairs.append([fields[label], value])
        return {"fields": pairs}
    if key == "back_with_marketing":
        return {"owner": found["owner"], "reason": {"en": found["reason"], "es": found["reason"]}}
    return found


def _parse(body, language, lead_model):
    """(message lines, the text left to the writer) or None if the text does not start
    with system text of this language."""
    with translation.override(language):
        patterns, roles, fields, nobody = _patterns(lead_model)
        lines, text = [], body.split("\n")
        while text:
            current = text[0].strip()
            if not current and lines:
                text.pop(0)
                continue
            match = next(
                ((key, p.match(current)) for key, p in patterns.items() if p.match(current)),
                None,
            )
            if match is None:
                break
            key, found = match
            params = _params(key, found.groupdict(), roles, fields, nobody)
            if params is None:
                return None
            lines.append({"key": key, "params": params})
            text.pop(0)
            if key in ENDS_SYSTEM_TEXT:
                break
        return (lines, "\n".join(text).strip()) if lines else None


def to_message_keys(apps, schema_editor):
    activity_model = apps.get_model("leads", "Activity")
    lead_model = apps.get_model("leads", "Lead")
    written = activity_model.objects.filter(message=[], kind__in=["details", "capture", "note"])
    for activity in written.iterator():
        for language, _name in settings.LANGUAGES:
            parsed = _parse(activity.body, language, lead_model)
            if parsed is None:
                continue
            lines, rest = parsed
            if activity.kind == "note" and lines[0]["key"] != "back_with_marketing":
                continue
            if activity.kind == "details" and rest:
                continue
            activity.message, activity.body = lines, rest
            activity.save(update_fields=["message", "body"])
            break


class Migration(migrations.Migration):
    dependencies = [("leads", "0008_lead_email_lengths")]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="message",
            field=models.JSONField(
                blank=True,
                db_default=models.Value([], models.JSONField()),
                default=list,
                verbose_name="system text",
            ),
        ),
        migrations.RunPython(to_message_keys, migrations.RunPython.noop),
    ]
