"""The funnel's configuration, in the admin: stages, allowed moves, recycle and lost reasons.

Managers (staff, in the Managers group) work here. Every save and deletion goes through
funnel.configuration, as the API's do, so both check the same rules and write the same history
of changes (the History of changes page); the admin also keeps its own history (LogEntry).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from funnel.configuration import (
    REASON_FIELDS,
    STAGE_FIELDS,
    TRANSITION_FIELDS,
    Configuration,
    delete_configuration,
    reason_in_use,
    save_configuration,
    stage_in_use,
)
from funnel.models import ENTRY_CRITERIA, Reason, Stage, Transition
from leads.models import Lead


def entry_criteria_choices() -> list[tuple[str, str]]:
    return [
        (name, str(getattr(Lead._meta.get_field(name), "verbose_name", name)).capitalize())
        for name in ENTRY_CRITERIA
    ]


class ConfigurationAdmin[C: Configuration](admin.ModelAdmin[C]):
    """Saves and deletions through the funnel's configuration services."""

    def save_model(self, request: HttpRequest, obj: C, form: Any, change: bool) -> None:
        save_configuration(item=obj, actor=_user(request))

    def delete_model(self, request: HttpRequest, obj: C) -> None:
        delete_configuration(item=obj, actor=_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[C]) -> None:
        for item in queryset:
            delete_configuration(item=item, actor=_user(request))


def _user(request: HttpRequest) -> User:
    # The admin lets in signed-in staff only; anything else is refused as the admin would.
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


class StageForm(forms.ModelForm[Stage]):
    required_fields = forms.MultipleChoiceField(
        label=_("Required lead fields"),
        choices=entry_criteria_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("A lead enters this stage only once these fields are filled."),
    )

    class Meta:
        model = Stage
        fields = list(STAGE_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A name no longer offered is dropped when the stage is saved.
        self.initial["required_fields"] = [
            name for name in self.initial.get("required_fields") or [] if name in ENTRY_CRITERIA
        ]


@admin.register(Stage)
class StageAdmin(ConfigurationAdmin[Stage]):
    form = StageForm
    list_display = [
        "name",
        "position",
        "team",
        "probability",
        "sla_hours",
        "first_touch_hours",
        "entry_criteria",
        "outcome",
    ]
    list_editable = ["position", "probability", "sla_hours", "first_touch_hours"]
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
        if obj is not None and stage_in_use(obj):
            return False
        return super().has_delete_permission(request, obj)


class ReasonForm(forms.ModelForm[Reason]):
    class Meta:
        model = Reason
        fields = list(REASON_FIELDS)
        help_texts = {
            "active": _(
                "Only active reasons are offered. A reason already given on a move cannot be "
                "deleted: untick this instead."
            )
        }


@admin.register(Reason)
class ReasonAdmin(ConfigurationAdmin[Reason]):
    form = ReasonForm
    list_display = ["label", "kind", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["kind", "active"]
    ordering = ["kind", "position", "label"]
    prepopulated_fields = {"slug": ["label"]}

    def has_delete_permission(self, request: HttpRequest, obj: Reason | None = None) -> bool:
        if obj is not None and reason_in_use(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Transition)
class TransitionAdmin(ConfigurationAdmin[Transition]):
    fields = list(TRANSITION_FIELDS)
    list_display = ["from_stage", "to_stage", "kind"]
    list_filter = ["kind", "from_stage", "to_stage"]
    list_select_related = ["from_stage", "to_stage"]
