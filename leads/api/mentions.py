"""Where colleagues named you with @username."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import PersonSerializer
from leads.models import Mention
from leads.serializers import TimelineQuerySerializer
from leads.services import mark_mention_seen, mark_mentions_seen
from leads.timeline import mentions_of
from smarketing.api import (
    AnsweredBeforeCommit,
    caller,
    optional_parameter,
    page_response,
    page_serializer,
)


class MentionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    seen_at = serializers.DateTimeField(allow_null=True)
    lead = serializers.SerializerMethodField()
    author = PersonSerializer(source="activity.author", allow_null=True)
    kind = serializers.CharField(source="activity.kind")
    body = serializers.CharField(
        source="activity.text", help_text="What the activity says, in the reader's language."
    )

    def get_lead(self, mention: Mention) -> dict[str, Any]:
        lead = mention.activity.lead
        return {"id": lead.pk, "full_name": lead.full_name}


class MentionsView(APIView):
    """Where colleagues named you with @username, newest first."""

    @extend_schema(
        summary="Your mentions, newest first (reading them here does not mark them seen)",
        parameters=[optional_parameter("before", str, "The `next_cursor` of the page before.")],
        responses=page_serializer("MentionPage", MentionSerializer),
    )
    def get(self, request: Request) -> Response:
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = mentions_of(user=caller(request), before=query.validated_data.get("before"))
        older = str(page.older) if page.older is not None else None
        rows = MentionSerializer(page.mentions, many=True).data
        return page_response(rows, next_cursor=older, request=request, parameter="before")


class MentionsSeenView(AnsweredBeforeCommit):
    @extend_schema(
        summary='Mark all your mentions seen, as the mentions page\'s "Mark all as read" does',
        operation_id="mentions_seen_all",
        request=None,
        responses=inline_serializer("MentionsSeen", {"marked": serializers.IntegerField()}),
    )
    def post(self, request: Request) -> Response:
        return Response({"marked": mark_mentions_seen(user=caller(request))})


class MentionSeenView(AnsweredBeforeCommit):
    @extend_schema(
        summary="Mark one of your mentions seen, as opening it from the mentions page does",
        operation_id="mention_seen",
        request=None,
        responses=MentionSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        mention = mark_mention_seen(user=caller(request), mention_id=pk)
        return Response(MentionSerializer(mention).data)
