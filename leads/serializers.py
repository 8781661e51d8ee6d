"""How the API reads and writes leads, their timelines and personas.

Writes accept only the fields people type in (leads.services.EDITABLE_FIELDS): the stage, the
owners, the dates and anything else a request sends are ignored, never stored."""

from typing import Any

from rest_framework import serializers

from accounts.api import PersonSerializer
from accounts.models import User
from funnel.models import Stage
from funnel.serializers import ReasonRefSerializer, StageRefSerializer
from leads.capture import capture_endpoint
from leads.forms import NOTE_MAX_LENGTH, ONE_LINE_FIELDS, CaptureFormForm, PersonaForm
from leads.models import Capture, CaptureForm, Lead, Persona, Source
from leads.normalise import normalise_email, single_line
from leads.personas import Conversion, ConversionStep
from leads.services import EDITABLE_FIELDS
from leads.timeline import TimelineEntry
from smarketing.api import (
    StrictBooleanField,
    StrictCharField,
    StrictEmailField,
    StrictModelSerializer,
)


class PersonaRefSerializer(serializers.ModelSerializer[Persona]):
    class Meta:
        model = Persona
        fields = ["id", "name"]
        read_only_fields = fields


class LeadSerializer(serializers.ModelSerializer[Lead]):
    """A lead as the list and its page show it. Every field is read-only here."""

    persona = PersonaRefSerializer(allow_null=True)
    stage = StageRefSerializer()
    marketing_owner = PersonSerializer(allow_null=True)
    sales_owner = PersonSerializer(allow_null=True)
    past_sla = serializers.BooleanField(
        help_text="The lead has stayed in its stage longer than the stage's time limit."
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            *(field for field in EDITABLE_FIELDS if field != "persona"),
            "persona",
            "expected_close_date",
            "stage",
            "stage_entered_at",
            "past_sla",
            "marketing_owner",
            "sales_owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, lead: Lead) -> dict[str, Any]:
        """The same answer as DRF's field by field walk (a test holds them equal), written out
        because the list shows fifty leads at a time and the walk cost more than the query."""
        when = _DATETIME.to_representation
        return {
            "id": lead.pk,
            **{field: getattr(lead, field) for field in _TEXT_FIELDS},
            "expected_value": _MONEY.to_representation(lead.expected_value),
            "persona": (
                {"id": lead.persona.pk, "name": lead.persona.name}
                if lead.persona is not None
                else None
            ),
            "expected_close_date": (
                lead.expected_close_date.isoformat() if lead.expected_close_date else None
            ),
            "stage": _stage(lead.stage),
            "stage_entered_at": when(lead.stage_entered_at),
            "past_sla": bool(lead.past_sla),  # type: ignore[attr-defined]
            "marketing_owner": _person(lead.marketing_owner),
            "sales_owner": _person(lead.sales_owner),
            "created_at": when(lead.created_at),
            "updated_at": when(lead.updated_at),
        }


# The editable details shown as they are stored.
_TEXT_FIELDS = [field for field in EDITABLE_FIELDS if field not in ("persona", "expected_value")]
_DATETIME = serializers.DateTimeField()
_MONEY = serializers.DecimalField(max_digits=12, decimal_places=2)


def _stage(stage: Stage) -> dict[str, Any]:
    return {
        "id": stage.pk,
        "slug": stage.slug,
        "name": stage.name,
        "team": stage.team,
        "outcome": stage.outcome,
    }


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": str(user)}


class EmailAddressField(StrictEmailField):
    def to_internal_value(self, data: Any) -> str:
        return normalise_email(super().to_internal_value(data))


class OneLineField(StrictCharField):
    def to_internal_value(self, data: Any) -> str:
        return single_line(super().to_internal_value(data))


# As the lead forms do (leads.forms.LEAD_FIELD_CLASSES): text read through leads.normalise.
LEAD_SERIALIZER_FIELDS: dict[str, type[serializers.CharField]] = {
    "email": EmailAddressField,
    **dict.fromkeys(ONE_LINE_FIELDS, OneLineField),
}


class LeadWriteSerializer(StrictModelSerializer[Lead]):
    """The details a person may change (PATCH sends only those that change)."""

    persona = serializers.PrimaryKeyRelatedField(
        queryset=Persona.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Lead
        fields = list(EDITABLE_FIELDS)

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        return LEAD_SERIALIZER_FIELDS.get(field_name, field_class), kwargs


class NewLeadSerializer(LeadWriteSerializer):
    note = StrictCharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Anything Sales should know; mention a colleague with @username.",
    )

    class Meta(LeadWriteSerializer.Meta):
        fields = [*EDITABLE_FIELDS, "note"]


class ExistingLeadSerializer(serializers.Serializer[Lead]):
    id = serializers.IntegerField()
    url = serializers.URLField()


class TimelineEntrySerializer(serializers.Serializer[Any]):
    """One line of a lead's timeline: something written (`source` activity) or a move
    (`source` change)."""

    # DRF collects declared fields by name, so these may shadow Field's own attributes.
    source = serializers.ChoiceField(choices=["activity", "change"])  # type: ignore[assignment]
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    when = serializers.DateTimeField()
    who = PersonSerializer(allow_null=True)
    what = serializers.CharField(help_text="A sentence saying who did what.")
    text = serializers.CharField(help_text="What the person wrote, or the move's note.")
    from_stage = StageRefSerializer(allow_null=True)
    to_stage = StageRefSerializer(allow_null=True)
    reason = ReasonRefSerializer(allow_null=True)
    mentioned = serializers.ListField(child=serializers.CharField())

    def to_representation(self, entry: TimelineEntry) -> dict[str, Any]:
        data = super().to_representation(entry)
        data["mentioned"] = sorted(entry.mentioned)
        return data


class PersonaSerializer(StrictModelSerializer[Persona]):
    lead_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Persona
        fields = ["id", *PersonaForm.Meta.fields, "lead_count", "created_at"]
        read_only_fields = ["id", "lead_count", "created_at"]


class ConversionStepSerializer(serializers.Serializer[ConversionStep]):
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    rate = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True, help_text="Percent of the step before."
    )


class ConversionSerializer(serializers.Serializer[Conversion]):
    steps = ConversionStepSerializer(many=True)
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    win_rate = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class PersonaDetailSerializer(PersonaSerializer):
    conversion = ConversionSerializer(read_only=True)

    class Meta(PersonaSerializer.Meta):
        fields = [*PersonaSerializer.Meta.fields, "conversion"]


class CaptureFormSerializer(serializers.ModelSerializer[CaptureForm]):
    """A website form as the list of forms shows it. Every field is read-only here."""

    persona = PersonaRefSerializer(allow_null=True)
    owner = PersonSerializer(allow_null=True, help_text="Told of every capture.")
    endpoint = serializers.SerializerMethodField(
        help_text="Where the website posts the form: POST /capture/<public_key>."
    )
    capture_count = serializers.IntegerField()
    last_capture_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = CaptureForm
        fields = [
            "id",
            "public_key",
            "endpoint",
            *CaptureFormForm.Meta.fields,
            "created_at",
            "capture_count",
            "last_capture_at",
        ]
        read_only_fields = fields

    def get_endpoint(self, form: CaptureForm) -> str:
        return capture_endpoint(form)


class SnippetsSerializer(serializers.Serializer[Any]):
    html = serializers.CharField(help_text="A plain HTML form to paste into a page.")
    fetch = serializers.CharField(help_text="The same form, sent with fetch().")


class CapturedLeadSerializer(serializers.ModelSerializer[Lead]):
    class Meta:
        model = Lead
        fields = ["id", "full_name"]
        read_only_fields = fields


class CaptureSerializer(serializers.ModelSerializer[Capture]):
    lead = CapturedLeadSerializer()

    class Meta:
        model = Capture
        fields = ["id", "at", "created_lead", "lead"]
        read_only_fields = fields


class CaptureFormDetailSerializer(CaptureFormSerializer):
    """A website form with its snippets and latest captures, as its page shows it."""

    snippets = SnippetsSerializer()
    latest_captures = CaptureSerializer(many=True, help_text="The newest first.")

    class Meta(CaptureFormSerializer.Meta):
        fields = [*CaptureFormSerializer.Meta.fields, "snippets", "latest_captures"]
        read_only_fields = fields


class CaptureFormWriteSerializer(serializers.Serializer[Any]):
    """What a manager sends to set up or change a website form (a change sends only what
    changes). Only the JSON types are read here: what is acceptable is decided by the form page's
    own form (leads.forms.CaptureFormForm). The key, the dates and the counts are never read."""

    name = StrictCharField(help_text="Required for a new form; unique.")
    # DRF collects declared fields by name, so this one may shadow Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Source.choices, required=False
    )
    campaign = StrictCharField(allow_blank=True, required=False)
    persona = serializers.IntegerField(
        allow_null=True, required=False, help_text="A persona's id, or null."
    )
    owner = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text="A marketer's id, told of every capture; or null.",
    )
    allowed_origins = serializers.ListField(
        child=StrictCharField(),
        help_text="Required for a new form: the websites that may send it, "
        "such as https://www.example.com.",
    )
    per_minute = serializers.IntegerField(required=False, help_text="Submissions per minute.")
    per_address_per_minute = serializers.IntegerField(
        required=False, help_text="Submissions per minute from one address."
    )
    enabled = StrictBooleanField(required=False, help_text="Whether the form accepts submissions.")
