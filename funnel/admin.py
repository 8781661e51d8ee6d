"""The funnel's configuration, in the admin: stages, allowed moves, recycle and lost reasons.

Managers (staff, in the Managers group) work here. The admin's history (LogEntry) records every
addition, change and deletion with the fields that changed: that is the log of stage changes.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from funnel.models import Reason, Stage, StageChange, Transition
from leads.models import Lead

# Lead fields that make sense as entry criteria of a stage.
ENTRY_CRITERIA = [
    "company",
    "persona",
    "phone",
    "job_title",
    "country",
    "expected_value",
    "expected_close_date",
]


def entry_criteria_choices() -> list[tuple[str, str]]:
    return [
        (name, str(getattr(Lead._meta.get_field(name), "verbose_name", name)).capitalize())
        for name in ENTRY_CRITERIA
    ]


class StageForm(forms.ModelForm):
    required_fields = forms.MultipleChoiceField(
        label=_("Required lead fields"),
        choices=entry_criteria_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("A lead enters this stage only once these fields are filled."),
    )

    class Meta:
        model = Stage
        fields = [
            "name",
            "slug",
            "position",
            "team",
            "outcome",
            "probability",
            "sla_hours",
            "required_fields",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A name no longer offered is dropped when the stage is saved.
        known = set(ENTRY_CRITERIA)
        self.initial["required_fields"] = [
            name for name in self.initial.get("required_fields") or [] if name in known
        ]


def _in_use(stage: Stage) -> bool:
    return (
        Lead.objects.filter(stage=stage).exists()
        or StageChange.objects.filter(to_stage=stage).exists()
        or StageChange.objects.filter(from_stage=stage).exists()
    )


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin[Stage]):
    form = StageForm
    list_display = [
        "name",
        "position",
        "team",
        "probability",
        "sla_hours",
        "entry_criteria",
        "outcome",
    ]
    list_editable = ["position", "probability", "sla_hours"]
    list_display_links = ["name"]
    ordering = ["position"]

    @admin.display(description=_("required lead fields"))
    def entry_criteria(self, stage: Stage) -> str:
        labels = dict(entry_criteria_choices())
        return ", ".join(labels.get(name, name) for name in stage.required_fields) or "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Stage | None = None) -> list[str]:
        # The key names the stage in code and links (mql, opportunity): set once.
        return ["slug"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Stage | None = None) -> bool:
        # A stage with leads or history stays; its history would otherwise lose its meaning.
        if obj is not None and _in_use(obj):
            return False
        return super().has_delete_permission(request, obj)


class ReasonForm(forms.ModelForm):
    class Meta:
        model = Reason
        fields = ["kind", "label", "slug", "position", "active"]
        help_texts = {
            "active": _(
                "Only active reasons are offered. A reason already given on a move cannot be "
                "deleted: untick this instead."
            )
        }


@admin.register(Reason)
class ReasonAdmin(admin.ModelAdmin[Reason]):
    form = ReasonForm
    list_display = ["label", "kind", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["kind", "active"]
    ordering = ["kind", "position", "label"]
    prepopulated_fields = {"slug": ["label"]}

    def has_delete_permission(self, request: HttpRequest, obj: Reason | None = None) -> bool:
        if obj is not None and StageChange.objects.filter(reason=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin[Transition]):
    list_display = ["from_stage", "to_stage", "kind"]
    list_filter = ["kind", "from_stage", "to_stage"]
    list_select_related = ["from_stage", "to_stage"]
