"""How the API reads and writes the funnel: stages, reasons, goals, and the moves a lead
allows. (The requests that move a lead are leads.serializers': they answer with the lead.)"""

from typing import Any

from rest_framework import serializers

from funnel.configuration import REASON_FIELDS, STAGE_FIELDS
from funnel.forms import goal_period
from funnel.models import ENTRY_CRITERIA, Reason, ReasonKind, RevenueGoal, Stage
from funnel.selectors import Move
from smarketing.api import StrictModelSerializer
from smarketing.bounds import PERCENT, STAGE_HOURS


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
        fields = ["id", *STAGE_FIELDS]

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        if self.instance is not None:
            fields["slug"].read_only = True
        return fields


class ReasonSerializer(StrictModelSerializer[Reason]):
    class Meta:
        model = Reason
        fields = ["id", *REASON_FIELDS]


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
