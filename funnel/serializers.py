"""How the API reads and writes the funnel: stages, reasons, moves and their details."""

from typing import Any

from rest_framework import serializers

from funnel.admin import ENTRY_CRITERIA
from funnel.forms import goal_period
from funnel.models import Reason, ReasonKind, RevenueGoal, Stage
from funnel.selectors import TOUCHES, Move
from leads.forms import NOTE_MAX_LENGTH
from smarketing.api import StrictCharField, StrictModelSerializer
from smarketing.bounds import CENTS, DEAL_AMOUNT, MONEY_DIGITS, OBJECT_ID, PERCENT, STAGE_HOURS


class StageRefSerializer(serializers.ModelSerializer[Stage]):
    """A stage as other objects name it."""

    class Meta:
        model = Stage
        fields = ["id", "slug", "name", "team", "outcome"]
        read_only_fields = fields


class ReasonRefSerializer(serializers.ModelSerializer[Reason]):
    class Meta:
        model = Reason
        fields = ["id", "kind", "slug", "label"]
        read_only_fields = fields


class StageSerializer(StrictModelSerializer[Stage]):
    """A stage with its configuration, as managers set it in the admin. The key (slug) names
    the stage in code and links: it is set at creation and kept."""

    probability = serializers.IntegerField(**PERCENT.limits())
    sla_hours = serializers.IntegerField(**STAGE_HOURS.limits(), allow_null=True, required=False)
    first_touch_hours = serializers.IntegerField(
        **STAGE_HOURS.limits(), allow_null=True, required=False
    )
    required_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=ENTRY_CRITERIA), required=False
    )

    class Meta:
        model = Stage
        fields = [
            "id",
            "slug",
            "name",
            "position",
            "team",
            "outcome",
            "probability",
            "sla_hours",
            "first_touch_hours",
            "required_fields",
        ]

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        if self.instance is not None:
            fields["slug"].read_only = True
        return fields


class ReasonSerializer(StrictModelSerializer[Reason]):
    class Meta:
        model = Reason
        fields = ["id", "kind", "slug", "label", "position", "active"]


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
    value = _money(help_text="The expected value of the deal.")
    close_date = serializers.DateField(help_text="When the deal is expected to close.")


class WinSerializer(serializers.Serializer[Any]):
    amount = _money(help_text="The amount the deal was won for.")


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


class AllowedMoveSerializer(serializers.Serializer[Any]):
    """A move the caller may make on the lead now, and what it asks for."""

    kind = serializers.CharField()
    to_stage = StageRefSerializer()
    reason_kind = serializers.ChoiceField(choices=ReasonKind.choices, allow_null=True)
    reasons = ReasonRefSerializer(many=True, help_text="The reasons to pick from.")
    needs_value = serializers.SerializerMethodField()
    needs_close_date = serializers.BooleanField(source="is_opportunity")

    def get_needs_value(self, move: Move) -> bool:
        return move.is_opportunity or move.is_win


class RevenueGoalSerializer(serializers.ModelSerializer[RevenueGoal]):
    period = serializers.SerializerMethodField(help_text="2026-11 (a month) or 2026-Q4.")
    period_label = serializers.SerializerMethodField()

    class Meta:
        model = RevenueGoal
        fields = [
            "id",
            "period",
            "period_label",
            "kind",
            "starts_on",
            "ends_on",
            "amount",
            "marketing_share",
            "average_deal",
            "planned_lead_to_mql",
            "planned_mql_to_sql",
            "planned_sql_to_won",
            "updated_at",
        ]
        read_only_fields = fields

    def get_period(self, goal: RevenueGoal) -> str:
        return goal_period(goal).key

    def get_period_label(self, goal: RevenueGoal) -> str:
        return goal_period(goal).label
