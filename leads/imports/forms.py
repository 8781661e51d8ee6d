"""The forms of an import's pages: the upload and the mapping of columns and values."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leads.imports.columns import IMPORT_FIELDS
from leads.imports.services import MappingChoice, value_choices
from leads.imports.staging import VALUE_FIELDS
from leads.models import DuplicatePolicy, ImportBatch, ImportMapping


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or XLSX, with a header row: an export from HubSpot, Pipedrive, Odoo or a sheet."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )


def _field_choices() -> list[tuple[str, str]]:
    return [
        ("", str(_("— not imported —"))),
        *((field.name, str(field.label)) for field in IMPORT_FIELDS),
    ]


class MappingForm(forms.Form):
    """One choice of field per column; for each column mapped to a stage, owner, source or
    persona, one choice per value it holds; the policy for known emails; a name to save it."""

    policy = forms.ChoiceField(
        label=_("Emails that already exist"),
        choices=DuplicatePolicy.choices,
        widget=forms.RadioSelect,
        initial=DuplicatePolicy.FILL_EMPTY,
        help_text=_("A blank cell never erases a value."),
    )
    save_as = forms.CharField(
        label=_("Save this mapping as"),
        required=False,
        max_length=80,
        help_text=_("A name to use it again for the next file of this kind."),
    )

    def __init__(self, *args: Any, batch: ImportBatch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch = batch
        mapped = {int(i): f for i, f in batch.mapping.get("columns", {}).items()}
        field_choices = _field_choices()
        self.column_fields = []
        for index, name in enumerate(batch.header):
            key = f"column_{index}"
            self.fields[key] = forms.ChoiceField(
                label=name or _("(no name)"), choices=field_choices, required=False,
                initial=mapped.get(index, ""),
            )  # fmt: skip
            self.column_fields.append(key)
        self.fields["policy"].initial = batch.policy
        choices = value_choices()
        values = batch.mapping.get("values", {})
        self.value_groups: list[tuple[str, str, list[str]]] = []
        for index, field in mapped.items():
            if field not in VALUE_FIELDS:
                continue
            keys = []
            for number, value in enumerate(batch.column_values.get(str(index), [])):
                key = f"value_{field}_{number}"
                self.fields[key] = forms.ChoiceField(
                    label=value, choices=_unique(choices[field]), required=False,
                    initial=values.get(field, {}).get(value, ""),
                )  # fmt: skip
                keys.append(key)
            if keys:
                self.value_groups.append((field, batch.header[index], keys))

    def column_bound_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in self.column_fields]

    def value_bound_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(header, [self[key] for key in keys]) for _, header, keys in self.value_groups]

    def choice(self) -> MappingChoice:
        data = self.cleaned_data
        columns = {index: data.get(key) or "" for index, key in enumerate(self.column_fields)}
        values: dict[str, dict[str, str]] = {}
        for field, _header, keys in self.value_groups:
            for key in keys:
                chosen = data.get(key) or ""
                if chosen or field == "persona":
                    values.setdefault(field, {})[str(self.fields[key].label)] = chosen
        return MappingChoice(
            columns=columns, values=values, policy=data["policy"], save_as=data["save_as"]
        )


def _unique(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One entry per value: the first label given for it."""
    seen: dict[str, str] = {}
    for value, label in choices:
        seen.setdefault(value, label)
    return list(seen.items())


class SavedMappingForm(forms.Form):
    saved = forms.ModelChoiceField(
        label=_("Use a saved mapping"),
        queryset=ImportMapping.objects.order_by("name"),
        empty_label=_("— pick one —"),
    )
