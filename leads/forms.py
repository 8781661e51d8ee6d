from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from leads.models import ActivityKind, Lead, Persona
from leads.services import EDITABLE_FIELDS

NOTE_MAX_LENGTH = 10_000


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
        widgets = {"expected_value": forms.NumberInput(attrs={"min": "0", "step": "0.01"})}

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip()

    def validate_constraints(self) -> None:
        """Duplicate emails are the service's to detect: it knows the existing lead, and it also
        catches two people saving one new email at the same moment."""
        try:
            self.instance.validate_constraints(exclude={"email", *self.errors})
        except ValidationError as error:
            self.add_error(None, error)


class NewLeadForm(LeadForm):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything Sales should know. Mention a colleague with @username."),
    )


class PersonaForm(forms.ModelForm[Persona]):
    class Meta:
        model = Persona
        fields = [
            "name",
            "description",
            "pains",
            "goals",
            "channels",
            "objections",
            "typical_job_titles",
        ]
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
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mention a colleague with @username."),
        error_messages={"required": _("Write something before adding it.")},
    )
