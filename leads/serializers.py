"""How the API reads and writes leads, their timelines and personas.

Writes accept only the fields people type in (leads.services.EDITABLE_FIELDS): the stage, the
owners, the dates and anything else a request sends are ignored, never stored."""

from typing import Any

from rest_framework import serializers

from accounts.api import PersonSerializer
from funnel.serializers import ReasonRefSerializer, StageRefSerializer
from leads.forms import NOTE_MAX_LENGTH
from leads.models import Lead, Persona
from leads.personas import Conversion, ConversionStep
from leads.services import EDITABLE_FIELDS
from leads.timeline import TimelineEntry


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


class LeadWriteSerializer(serializers.ModelSerializer[Lead]):
    """The details a person may change (PATCH sends only those that change)."""

    persona = serializers.PrimaryKeyRelatedField(
        queryset=Persona.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Lead
        fields = list(EDITABLE_FIELDS)

    def validate_email(self, email: str) -> str:
        return email.strip()


class NewLeadSerializer(LeadWriteSerializer):
    note = serializers.CharField(
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


class PersonaSerializer(serializers.ModelSerializer[Persona]):
    lead_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Persona
        fields = [
            "id",
            "name",
            "description",
            "pains",
            "goals",
            "channels",
            "objections",
            "typical_job_titles",
            "lead_count",
            "created_at",
        ]
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
