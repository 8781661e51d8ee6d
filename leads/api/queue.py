"""MQLs waiting for Sales: the "MQLs waiting" page as an endpoint."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from funnel.selectors import mql_queue_page
from leads.serializers import LeadSerializer, SecondsField
from smarketing.api import (
    optional_parameter,
    page_response,
    page_serializer,
)


class WaitingMqlSerializer(serializers.Serializer[Any]):
    """An unclaimed MQL, how long it has waited, and against which claim limit."""

    # A funnel.selectors.WaitingMql, which is the lead's LeadInStage too.

    lead = LeadSerializer(source="*")
    waited_seconds = SecondsField(source="waited")
    limit_hours = serializers.IntegerField(allow_null=True)
    past_sla = serializers.BooleanField()


class QueueView(APIView):
    """MQLs waiting for Sales, longest waiting first: the "MQLs waiting" page."""

    @extend_schema(
        summary="Unclaimed MQLs, longest waiting first",
        parameters=[optional_parameter("after", str, "The `next_cursor` of the page before.")],
        responses=page_serializer("QueuePage", WaitingMqlSerializer),
    )
    def get(self, request: Request) -> Response:
        after = request.query_params.get("after") or None
        page = mql_queue_page(after=after, now=timezone.now())
        rows = WaitingMqlSerializer(page.rows, many=True).data
        return page_response(rows, next_cursor=page.next_cursor, request=request)
