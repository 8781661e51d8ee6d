"""The lead list's search box, filters and sort order, read from the query string."""

from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from funnel.models import ChangeKind, Reason, Team
from funnel.periods import parse_period
from leads.models import Source
from leads.selectors import LeadFilters, LeadListOptions, LeadSort, MovedFilter

# The filters a person needs less often; the page folds them away unless one is set.
MORE_FILTERS = ("team", "persona", "source", "campaign", "created_from", "created_to")


class LeadFilterForm(forms.Form):
    """Every field is optional. A value the form cannot read (a stage that does not exist, a
    date that is not one) is reported and left out; the other filters still apply."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": _("Name, email, company, phone or owner")}),
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    team = forms.ChoiceField(
        label=_("Team"), required=False, choices=[("", _("Either team")), *Team.choices]
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any source")), *Source.choices]
    )
    campaign = forms.CharField(label=_("Campaign"), required=False, max_length=120)
    persona = forms.TypedChoiceField(
        label=_("Persona"), required=False, coerce=int, empty_value=None
    )
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    needs_attention = forms.BooleanField(label=_("Needs attention only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=LeadSort.choices)
    # A drill-down from the dashboard: leads that made a move in a period (see MovedFilter).
    moved = forms.ChoiceField(
        label=_("Move"),
        required=False,
        choices=[("", ""), *ChangeKind.choices],
        widget=forms.HiddenInput,
    )
    into = forms.ChoiceField(label=_("Into stage"), required=False, widget=forms.HiddenInput)
    period = forms.CharField(label=_("Period"), required=False, widget=forms.HiddenInput)
    reason = forms.IntegerField(label=_("Reason"), required=False, widget=forms.HiddenInput)
    by = forms.TypedChoiceField(
        label=_("By"), required=False, coerce=int, empty_value=None, widget=forms.HiddenInput
    )

    def __init__(self, data: QueryDict | None, *, options: LeadListOptions, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.options = options
        self.fields["stage"].choices = [  # type: ignore[attr-defined]
            ("", _("Any stage")),
            *((stage.slug, stage.shown_name) for stage in options.stages),
        ]
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            *((user.pk, user.get_full_name() or user.username) for user in options.owners),
        ]
        self.fields["persona"].choices = [  # type: ignore[attr-defined]
            ("", _("Any persona")),
            *((persona.pk, persona.name) for persona in options.personas),
        ]
        self.fields["campaign"].widget.attrs["list"] = "campaigns-in-use"
        self.fields["into"].choices = [  # type: ignore[attr-defined]
            ("", ""),
            *((stage.slug, stage.shown_name) for stage in options.stages),
        ]
        self.fields["by"].choices = [  # type: ignore[attr-defined]
            ("", ""),
            *((user.pk, user.get_full_name() or user.username) for user in options.owners),
        ]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end date is before the start date."))
        if end == date.max:
            # The list reads up to the start of the next day, and the calendar has none.
            self.add_error("created_to", _("Pick an earlier end date."))
        if cleaned.get("into") and parse_period(cleaned.get("period") or "") is None:
            self.add_error("period", _("That is not a month, quarter or week."))
        reason_id = cleaned.get("reason")
        if reason_id is not None:
            # Read only for a drill-down by reason, so that the plain list costs no query more.
            cleaned["reason"] = Reason.objects.filter(pk=reason_id).first()
            if cleaned["reason"] is None:
                self.add_error("reason", _("That reason does not exist."))
        return cleaned

    def as_applied(self) -> "LeadFilterForm":
        """The form to show: with a value left out, a copy holding only the values that apply,
        so that no control shows a filter that is not in force (the problems say what was left
        out and why)."""
        if not self.errors:
            return self
        return LeadFilterForm(None, options=self.options, initial=self.cleaned_data)

    def filters(self) -> LeadFilters:
        """The filters from the fields that were understood (call after is_valid())."""
        data = self.cleaned_data
        return LeadFilters(
            query=data.get("q") or "",
            stage=next((s for s in self.options.stages if s.slug == data.get("stage")), None),
            owner=next((u for u in self.options.owners if u.pk == data.get("owner")), None),
            team=data.get("team") or "",
            source=data.get("source") or "",
            campaign=data.get("campaign") or "",
            persona=next((p for p in self.options.personas if p.pk == data.get("persona")), None),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            needs_attention=bool(data.get("needs_attention")),
            moved=self._moved(),
        )

    def _moved(self) -> MovedFilter | None:
        data = self.cleaned_data
        stage = next((s for s in self.options.stages if s.slug == data.get("into")), None)
        period = parse_period(data.get("period") or "")
        if stage is None or period is None:
            return None
        return MovedFilter(
            stage=stage,
            period=period,
            kind=data.get("moved") or "",
            reason=data.get("reason"),
            actor=next((u for u in self.options.owners if u.pk == data.get("by")), None),
        )

    def uses_more_filters(self) -> bool:
        """Whether a filter behind "More filters" is set, so that the page shows them open."""
        return any(self[name].value() for name in MORE_FILTERS)

    def sort_order(self) -> LeadSort:
        return LeadSort(self.cleaned_data.get("sort") or LeadSort.NEWEST)

    def problems(self) -> list[str]:
        """One sentence per filter that was left out, naming it."""
        return [
            gettext("%(field)s: %(error)s") % {"field": self.fields[name].label, "error": error}
            for name, errors in self.errors.items()
            for error in errors
        ]
