"""The funnel as a board: the board page as an endpoint."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from funnel.board import BoardCard, board_columns
from funnel.serializers import (
    StageRefSerializer,
)
from leads.serializers import LeadSerializer


class BoardCardSerializer(serializers.Serializer[Any]):
    lead = LeadSerializer()
    in_stage_seconds = serializers.IntegerField()
    past_sla = serializers.BooleanField()


class BoardColumnSerializer(serializers.Serializer[Any]):
    stage = StageRefSerializer()
    count = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    cards = BoardCardSerializer(many=True, help_text="The leads that have waited longest.")


def _card(card: BoardCard) -> dict[str, Any]:
    card.lead.past_sla = card.past_sla  # type: ignore[attr-defined]
    in_stage = int(card.in_stage.total_seconds())
    return {"lead": card.lead, "in_stage_seconds": in_stage, "past_sla": card.past_sla}


class BoardView(APIView):
    """The funnel as a board: each stage's count and value, and its longest-waiting leads."""

    @extend_schema(summary="The funnel board", responses=BoardColumnSerializer(many=True))
    def get(self, request: Request) -> Response:
        columns = [
            {
                "stage": column.stage,
                "count": column.count,
                "value": column.value,
                "cards": [_card(card) for card in column.cards],
            }
            for column in board_columns(now=timezone.now())
        ]
        return Response(BoardColumnSerializer(columns, many=True).data)
