"""The lead list's search box, filters and sort order, read from the query string."""

from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from funnel.models import ChangeKind, Reason, Team
from funnel.periods import parse_period
from leads.forms import TextField
from leads.models import Source
from leads.pickers import LONGEST_TERM, campaign_spellings, owner_label
from leads.search import read_search
from leads.selectors import LeadFilters, LeadListOptions, LeadSort, MovedFilter

# The attributes of a picker's text field (static/js/picker.js adds the list it controls).
COMBOBOX = {
    "role": "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "autocomplete": "off",
}


def _names_of(user: User) -> set[str]:
    """What a person may type in the owner picker to name `user`, casefolded."""
    names = {user.username, user.email, user.get_full_name(), owner_label(user)}
    return {name.strip().casefold() for name in names if name.strip()}


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
    # The owner picker: the person's id (links and the API send it), and the text field a person
    # types a name, username or email in; the page sends both, and the text says which one
    # counts (see _clean_owner).
    owner = forms.TypedChoiceField(
        label=_("Owner"), required=False, coerce=int, empty_value=None, widget=forms.HiddenInput
    )
    owner_name = TextField(
        label=_("Owner"),
        required=False,
        max_length=LONGEST_TERM,
        help_text=_("A name, username or email (instead of `owner`)."),
    )
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
    # The leads an import created or updated (a link from the import's summary).
    import_batch = forms.IntegerField(
        label=_("Import"), required=False, min_value=1, widget=forms.HiddenInput
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
        self.fields["campaign"].widget.attrs.update(COMBOBOX)
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
        self._clean_owner(cleaned)
        reason_id = cleaned.get("reason")
        if reason_id is not None:
            # Read only for a drill-down by reason, so that the plain list costs no query more.
            cleaned["reason"] = Reason.objects.filter(pk=reason_id).first()
            if cleaned["reason"] is None:
                self.add_error("reason", _("That reason does not exist."))
        return cleaned

    def _clean_owner(self, cleaned: dict[str, Any]) -> None:
        """The owner: by id when only the id is sent (a link, the API); else by the text, which
        keeps the id it was picked with, names someone else (a name, username or email, any
        case), or is empty (no owner filter)."""
        if self.data.get("owner_name") is None:
            return
        if "owner_name" not in cleaned:
            cleaned["owner"] = None  # text that is not text: no owner filter at all
            return
        text = cleaned["owner_name"].strip().casefold()
        chosen = self._owner(cleaned.get("owner"))
        if not text or (chosen is not None and text in _names_of(chosen)):
            cleaned["owner"] = chosen.pk if text and chosen else None
            return
        cleaned["owner"] = None
        named = [user for user in self.options.owners if text in _names_of(user)]
        if len(named) == 1:
            cleaned["owner"] = named[0].pk
        elif named:
            self.add_error(
                "owner_name",
                _("More than one person is called that: type their username or email instead."),
            )
        else:
            self.add_error("owner_name", _("Nobody who may own leads is called that."))

    def _owner(self, pk: int | None) -> User | None:
        return next((user for user in self.options.owners if user.pk == pk), None)

    def owner_text(self) -> str:
        """What the owner picker shows: the chosen owner's name, or the text as it was typed."""
        values = self.cleaned_data if self.is_bound else self.initial
        chosen = self._owner(values.get("owner"))
        if chosen is not None:
            return owner_label(chosen)
        return str(self["owner_name"].value() or "") if self.is_bound else ""

    def owner_value(self) -> str:
        """The chosen owner's id for the picker's hidden field, or nothing."""
        values = self.cleaned_data if self.is_bound else self.initial
        chosen = self._owner(values.get("owner"))
        return str(chosen.pk) if chosen is not None else ""

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
        campaign = data.get("campaign") or ""
        query = data.get("q") or ""
        return LeadFilters(
            query=query,
            # Read once here, as the campaign's spellings below.
            search=read_search(query),
            stage=next((s for s in self.options.stages if s.slug == data.get("stage")), None),
            owner=self._owner(data.get("owner")),
            team=data.get("team") or "",
            source=data.get("source") or "",
            campaign=campaign,
            # Read once here: the page and its count both filter by them.
            campaign_spellings=tuple(campaign_spellings(campaign.strip())) if campaign else None,
            persona=next((p for p in self.options.personas if p.pk == data.get("persona")), None),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            needs_attention=bool(data.get("needs_attention")),
            moved=self._moved(),
            import_batch=data.get("import_batch"),
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


class PickerForm(forms.Form):
    """What a picker sends as one types: the letters typed so far (none: the first choices)."""

    q = TextField(label=_("Letters typed"), required=False, max_length=LONGEST_TERM)

    def term(self) -> str:
        """The letters to look for (call after is_valid())."""
        return str(self.cleaned_data.get("q") or "")
