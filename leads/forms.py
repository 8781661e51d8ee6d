from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import active_members
from leads.activities import NOTE_MAX_LENGTH, unknown_mentions
from leads.capture import CAPTURE_FORM_FIELDS, normalise_origin
from leads.merge import MERGED_FIELDS, Side
from leads.models import ActivityKind, CaptureForm, Lead, Persona
from leads.normalise import is_text, normalise_email, single_line
from leads.services import EDITABLE_FIELDS, PERSONA_FIELDS
from smarketing.bounds import LEAD_VALUE

# A lead's fields of one line of text, kept that way (leads.normalise).
ONE_LINE_FIELDS = ("full_name", "phone", "company", "job_title", "country", "campaign")


class TextField(forms.CharField):
    """Text only: a form would store the JSON list or number a website sends as its Python
    spelling, and halves of characters cannot be stored at all."""

    def to_python(self, value: Any) -> str:
        if value is not None and not (isinstance(value, str) and is_text(value)):
            raise forms.ValidationError(gettext("Enter text."), code="invalid")
        return str(super().to_python(value) or "")


class EmailAddressField(TextField, forms.EmailField):
    def to_python(self, value: Any) -> str:
        return normalise_email(super().to_python(value))


class OneLineField(TextField):
    def to_python(self, value: Any) -> str:
        return single_line(super().to_python(value))


# Every lead form (a marketer's, a website's) reads its text through leads.normalise.
LEAD_FIELD_CLASSES: dict[str, type[forms.Field]] = {
    "email": EmailAddressField,
    **dict.fromkeys(ONE_LINE_FIELDS, OneLineField),
}


class LeadForm(forms.ModelForm[Lead]):
    """The lead's own details, as marketers log them and owners edit them."""

    persona = forms.ModelChoiceField(
        label=_("Persona"),
        queryset=Persona.objects.order_by("name"),
        required=False,
        empty_label=_("No persona yet"),
    )

    class Meta:
        model = Lead
        fields = list(EDITABLE_FIELDS)
        field_classes = LEAD_FIELD_CLASSES
        widgets = {
            "expected_value": forms.NumberInput(
                attrs={"min": LEAD_VALUE.minimum, "max": LEAD_VALUE.maximum, "step": "0.01"}
            ),
            "expected_close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def validate_constraints(self) -> None:
        """Duplicate emails are the service's to detect: it knows the existing lead, and it also
        catches two people saving one new email at the same moment."""
        try:
            self.instance.validate_constraints(exclude={"email", *self.errors})
        except ValidationError as error:
            self.add_error(None, error)


def validate_mentions(text: str) -> None:
    """Refuse a note that @mentions nobody: the writer meant to tell someone, and would
    otherwise believe they had."""
    unknown = unknown_mentions(text)
    if unknown:
        raise ValidationError(
            ngettext(
                "Nobody here has the username %(names)s, so nobody would be told. Pick a "
                "colleague from the list that opens when you type @, or write the name "
                "without @.",
                "Nobody here has the usernames %(names)s, so nobody would be told. Pick "
                "colleagues from the list that opens when you type @, or write the names "
                "without @.",
                len(unknown),
            )
            % {"names": ", ".join(f"@{name}" for name in unknown)},
            code="unknown_mention",
        )


# The note fields that @mention colleagues: the browser offers their names as one types @.
MENTION_ATTRS = {"rows": 3, "data-mentions": ""}


class NewLeadForm(LeadForm):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs=MENTION_ATTRS),
        help_text=_("Anything Sales should know. Mention a colleague with @username."),
        validators=[validate_mentions],
    )


class PersonaForm(forms.ModelForm[Persona]):
    class Meta:
        model = Persona
        fields = list(PERSONA_FIELDS)
        widgets = {
            field: forms.Textarea(attrs={"rows": 3})
            for field in ("description", "pains", "goals", "channels", "objections")
        } | {"typical_job_titles": forms.Textarea(attrs={"rows": 2})}


WRITTEN_KINDS = (ActivityKind.NOTE, ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING)


class ActivityForm(forms.Form):
    """What a person adds to a timeline by hand; "details changed" is written by the services."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(kind.value, kind.label) for kind in WRITTEN_KINDS],
        initial=ActivityKind.NOTE,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs=MENTION_ATTRS),
        help_text=_("Mention a colleague with @username."),
        error_messages={"required": _("Write something before adding it.")},
        validators=[validate_mentions],
    )

    def __init__(
        self, data: Any = None, *, kinds: Sequence[ActivityKind] = WRITTEN_KINDS, **kwargs: Any
    ) -> None:
        """`kinds`: what this form may add (the API's notes endpoint adds notes only, its touch
        endpoint calls, emails and meetings); with one kind, a body that names none is that."""
        super().__init__(data, **kwargs)
        kind: forms.ChoiceField = self.fields["kind"]  # type: ignore[assignment]
        kind.choices = [(one.value, one.label) for one in kinds]
        if kind.initial not in kinds:
            kind.initial = kinds[0] if len(kinds) == 1 else None


class OriginsField(forms.CharField):
    """One origin per line (scheme://host[:port]); kept normalised, as browsers send them."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        origins: list[str] = []
        for line in str(super().to_python(value)).splitlines():
            if not line.strip():
                continue
            try:
                origin = normalise_origin(line)
            except ValueError:
                raise forms.ValidationError(
                    gettext("“%(line)s” is not an origin. Write it as https://www.example.com.")
                    % {"line": line.strip()}
                ) from None
            if origin not in origins:
                origins.append(origin)
        return origins


class CaptureFormForm(forms.ModelForm[CaptureForm]):
    allowed_origins = OriginsField(
        label=_("Allowed origins"),
        help_text=_(
            "The websites that may send this form, one per line, such as "
            "https://www.example.com. Browsers on any other site are refused."
        ),
        error_messages={"required": _("Give at least one website the form is on.")},
    )
    persona = forms.ModelChoiceField(
        label=_("Persona"),
        queryset=Persona.objects.order_by("name"),
        required=False,
        empty_label=_("No persona"),
    )
    owner = forms.ModelChoiceField(
        label=_("Marketing owner of new leads"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
        help_text=_("Told of every capture, under Mentions and by email."),
    )

    class Meta:
        model = CaptureForm
        fields = list(CAPTURE_FORM_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Marketers, as for a lead's marketing owner (funnel's reassignment offers the same).
        owner: forms.ModelChoiceField = self.fields["owner"]  # type: ignore[assignment]
        owner.queryset = active_members(Role.MARKETING)


class MergeForm(forms.Form):
    """Merging `lead` (the page's) with `other`: which of the two stays, and for each field
    the lead whose value it keeps; each choice is a lead's id. The versions of the two leads
    as the page showed them come back, so a change made meanwhile is refused."""

    def __init__(
        self,
        data: Any = None,
        *,
        lead: Lead,
        other: Lead,
        keep: Lead,
        sides: Mapping[str, Side],
        versions: dict[int, datetime],
    ) -> None:
        super().__init__(data)
        ids = [(str(lead.pk), lead.full_name), (str(other.pk), other.full_name)]
        self.fields["keep"] = forms.ChoiceField(
            label=_("Lead that stays"), choices=ids, initial=str(keep.pk), widget=forms.RadioSelect
        )
        dropped = other if keep == lead else lead
        for field in MERGED_FIELDS:
            source = dropped if sides[field] == Side.OTHER else keep
            self.fields[field] = forms.ChoiceField(
                choices=ids, initial=str(source.pk), widget=forms.RadioSelect
            )
        for pk, seen in versions.items():
            self.fields[f"seen_{pk}"] = forms.DateTimeField(
                initial=seen.isoformat(), widget=forms.HiddenInput
            )
        self.lead, self.other = lead, other

    def survivor_id(self) -> int:
        return int(self.cleaned_data["keep"])

    def other_id(self) -> int:
        return self.other.pk if self.survivor_id() == self.lead.pk else self.lead.pk

    def sides(self) -> dict[str, Side]:
        survivor = str(self.survivor_id())
        return {
            field: Side.SURVIVOR if self.cleaned_data[field] == survivor else Side.OTHER
            for field in MERGED_FIELDS
        }

    def seen(self) -> dict[int, datetime]:
        return {pk: self.cleaned_data[f"seen_{pk}"] for pk in (self.lead.pk, self.other.pk)}
