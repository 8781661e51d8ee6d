"""How the API reads and writes leads, their timelines, personas and website forms, and the
moves of a lead.

Writes accept only the fields people type in (leads.services.EDITABLE_FIELDS): the stage, the
owners, the dates and anything else a request sends are ignored, never stored."""

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from accounts.api import PersonSerializer
from accounts.models import User
from funnel.models import Stage
from funnel.selectors import TOUCHES, LeadInStage
from funnel.serializers import ReasonRefSerializer, StageRefSerializer
from leads.activities import NOTE_MAX_LENGTH
from leads.capture import CaptureFormDetail, capture_endpoint
from leads.forms import CaptureFormForm, PersonaForm
from leads.merge import MERGED_FIELDS, Side
from leads.models import Capture, CaptureForm, Lead, Persona, Source
from leads.personas import Conversion, ConversionStep, PersonaDetail
from leads.services import EDITABLE_FIELDS
from leads.timeline import Cursor, TimelineEntry
from smarketing.api import StrictBooleanField, StrictCharField
from smarketing.bounds import CENTS, DEAL_AMOUNT, MONEY_DIGITS, OBJECT_ID


class PersonaRefSerializer(serializers.ModelSerializer[Persona]):
    class Meta:
        model = Persona
        fields = ["id", "name"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class SecondsField(serializers.Field[timedelta, Any, int, Any]):
    """A duration in an answer, as the whole seconds in it."""

    def to_representation(self, duration: timedelta) -> int:
        return int(duration.total_seconds())


# The serializers of read models are ModelSerializer[Any]: Meta.model names the model their
# fields are described from, while to_representation takes the read model. (Their docstrings
# are the schema's descriptions.)


# A funnel.selectors.LeadInStage: the lead's own fields, and its stage's clock.
class LeadSerializer(serializers.ModelSerializer[Any]):
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
            "stage",
            "stage_entered_at",
            "past_sla",
            "marketing_owner",
            "sales_owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, clocked: LeadInStage) -> dict[str, Any]:
        """The same answer as DRF's field by field walk over the lead (a test holds them equal),
        written out because the list shows fifty leads at a time and the walk cost more than the
        query."""
        lead, when = clocked.lead, _DATETIME.to_representation
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
            "past_sla": clocked.past_sla,
            "marketing_owner": _person(lead.marketing_owner),
            "sales_owner": _person(lead.sales_owner),
            "created_at": when(lead.created_at),
            "updated_at": when(lead.updated_at),
        }


# The editable details shown as they are stored.
_TEXT_FIELDS = [
    field
    for field in EDITABLE_FIELDS
    if field not in ("persona", "expected_value", "expected_close_date")
]
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


# The bodies that log a lead and change one, as the schema describes them: what is acceptable is
# decided by the lead page's own forms (leads.forms.NewLeadForm, LeadForm), which the API passes
# each body through, so that a rule is written once for the pages and the API. A test holds the
# fields described here to the forms' fields.
class LeadWriteSerializer(serializers.ModelSerializer[Lead]):
    """The details a person may change (PATCH sends only those that change)."""

    persona = serializers.PrimaryKeyRelatedField(
        queryset=Persona.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Lead
        fields = list(EDITABLE_FIELDS)


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
    text = serializers.CharField(
        help_text="What the entry says in the reader's language: the product's own lines "
        "(rendered from `message`), then what the person wrote, or the move's note."
    )
    message = serializers.ListField(
        child=serializers.DictField(),
        help_text="The product's own lines as message keys with their parameters "
        '([{"key": "changed", "params": {"fields": ["phone"]}}]), rendered in `text`.',
    )
    from_stage = StageRefSerializer(allow_null=True)
    to_stage = StageRefSerializer(allow_null=True)
    reason = ReasonRefSerializer(allow_null=True)
    mentioned = serializers.ListField(child=serializers.CharField())

    def to_representation(self, entry: TimelineEntry) -> dict[str, Any]:
        data = super().to_representation(entry)
        data["mentioned"] = sorted(entry.mentioned)
        return data


class TimelineQuerySerializer(serializers.Serializer[Any]):
    before = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_before(self, token: str) -> Cursor | None:
        if not token:
            return None
        try:
            return Cursor.parse(token)
        except (ValueError, OverflowError):
            raise ValidationError(_("This cursor is not one the timeline wrote.")) from None


# A persona with `lead_count` (leads.personas.personas_with_lead_counts). As a request body, a
# description for the schema: the API reads it through the persona page's form (PersonaForm).
class PersonaSerializer(serializers.ModelSerializer[Any]):
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


# A leads.personas.PersonaDetail.
class PersonaDetailSerializer(PersonaSerializer):
    conversion = ConversionSerializer(read_only=True)

    class Meta(PersonaSerializer.Meta):
        fields = [*PersonaSerializer.Meta.fields, "conversion"]

    def to_representation(self, detail: PersonaDetail) -> dict[str, Any]:
        return {
            **PersonaSerializer(detail.persona).data,
            "conversion": ConversionSerializer(detail.conversion).data,
        }


# A website form with its counts (leads.capture.capture_forms_with_counts).
class CaptureFormSerializer(serializers.ModelSerializer[Any]):
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


# A leads.capture.CaptureFormDetail.
class CaptureFormDetailSerializer(CaptureFormSerializer):
    """A website form with its snippets and latest captures, as its page shows it."""

    snippets = SnippetsSerializer()
    latest_captures = CaptureSerializer(many=True, help_text="The newest first.")

    class Meta(CaptureFormSerializer.Meta):
        fields = [*CaptureFormSerializer.Meta.fields, "snippets", "latest_captures"]
        read_only_fields = fields

    def to_representation(self, detail: CaptureFormDetail) -> dict[str, Any]:
        return {
            **CaptureFormSerializer(detail.form).data,
            "snippets": SnippetsSerializer(detail.snippets).data,
            "latest_captures": CaptureSerializer(detail.latest_captures, many=True).data,
        }


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


# What the endpoints that write on a lead's timeline or move it read (leads.api.moves). The
# bodies of moves, as the schema describes them: what is acceptable is decided by the lead page's
# form of the move (funnel.forms.MoveForm), which the API passes each body through. A test holds
# the fields described here to that form's fields.


class NoteSerializer(serializers.Serializer[Any]):
    body = StrictCharField(max_length=NOTE_MAX_LENGTH, help_text="Mention with @username.")


class TouchSerializer(NoteSerializer):
    kind = serializers.ChoiceField(choices=[(kind.value, kind.label) for kind in TOUCHES])


class OptionalNoteSerializer(serializers.Serializer[Any]):
    note = StrictCharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class ReasonedMoveSerializer(OptionalNoteSerializer):
    reason = serializers.IntegerField(
        **OBJECT_ID.limits(),
        help_text="The id of an active reason of the move's kind (see /reasons/).",
    )


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=CENTS, **DEAL_AMOUNT.limits(), **kwargs
    )


class AdvanceSerializer(serializers.Serializer[Any]):
    value = _money(help_text="The expected value of the deal, in the installation's currency.")
    close_date = serializers.DateField(help_text="When the deal is expected to close.")


class WinSerializer(serializers.Serializer[Any]):
    amount = _money(help_text="The amount the deal was won for, in the installation's currency.")


class MoveSerializer(OptionalNoteSerializer):
    """Any move the lead's stage allows; what else it needs depends on the move (see
    GET /leads/{id}/moves/)."""

    to_stage = serializers.IntegerField(**OBJECT_ID.limits())
    reason = serializers.IntegerField(**OBJECT_ID.limits(), required=False)
    value = _money(required=False)
    close_date = serializers.DateField(required=False)


class ReassignSerializer(serializers.Serializer[Any]):
    marketing_owner = serializers.IntegerField(
        **OBJECT_ID.limits(), required=False, allow_null=True, help_text="A member of Marketing."
    )
    sales_owner = serializers.IntegerField(
        **OBJECT_ID.limits(), required=False, allow_null=True, help_text="A member of Sales."
    )


class MergeFieldsSerializer(serializers.Serializer[Any]):
    """For any of the lead's fields, the lead whose value the merged lead keeps."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            field: serializers.ChoiceField(choices=[side.value for side in Side], required=False)
            for field in MERGED_FIELDS
        }


class MergeSeenSerializer(serializers.Serializer[Any]):
    survivor = serializers.DateTimeField(
        required=False, help_text="The `updated_at` of the lead that stays, as read."
    )
    other = serializers.DateTimeField(
        required=False, help_text="The `updated_at` of the other lead, as read."
    )


class MergeSerializer(serializers.Serializer[Any]):
    other = serializers.IntegerField(
        **OBJECT_ID.limits(), help_text="The lead merged into this one, and removed."
    )
    seen = MergeSeenSerializer(
        required=False,
        help_text=(
            "The `updated_at` of the leads as the client read them: one changed since is"
            " refused (409, `changed_meanwhile`)."
        ),
    )

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # Declared here: a class attribute named `fields` would hide the serializer's own.
        fields = super().get_fields()
        fields["fields"] = MergeFieldsSerializer(
            required=False,
            help_text=(
                "For any of the lead's fields, `survivor` (this lead's value) or `other`. A"
                " field left out keeps this lead's value if it has one, else the other's."
            ),
        )
        return fields
