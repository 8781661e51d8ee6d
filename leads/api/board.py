"""The funnel as a board: the board page as an endpoint."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from funnel.board import board_columns
from funnel.serializers import StageRefSerializer
from leads.serializers import LeadSerializer, SecondsField


# A funnel.board.BoardCard. (The docstrings of serializers are the schema's descriptions.)
class BoardCardSerializer(serializers.Serializer[Any]):
    lead = LeadSerializer(source="*")
    in_stage_seconds = SecondsField(source="in_stage")
    past_sla = serializers.BooleanField()


# A funnel.board.BoardColumn.
class BoardColumnSerializer(serializers.Serializer[Any]):
    stage = StageRefSerializer()
    count = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    cards = BoardCardSerializer(many=True, help_text="The leads that have waited longest.")


class BoardView(APIView):
    """The funnel as a board: each stage's count and value, and its longest-waiting leads."""

    @extend_schema(summary="The funnel board", responses=BoardColumnSerializer(many=True))
    def get(self, request: Request) -> Response:
        columns = board_columns(now=timezone.now())
        return Response(BoardColumnSerializer(columns, many=True).data)
