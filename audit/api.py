"""The history of changes through the API (managers), as on the History of changes page."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.access import READ_HISTORY_REFUSAL, can_read_history
from audit.forms import HistoryFilter
from audit.models import Action
from audit.selectors import history_page, history_rows
from smarketing.api import (
    form_errors,
    form_parameters,
    optional_parameter,
    page_response,
    page_serializer,
)
from smarketing.errors import NotAllowed


class ChangeLineSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(help_text="The field's name, as the API names it.")
    name = serializers.CharField(source="label", help_text="The field's name, as people read it.")
    before = serializers.JSONField(help_text="Its value before the change (null: none).")
    after = serializers.JSONField(help_text="Its value after the change (null: none).")


class AuditEntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="entry.id")
    at = serializers.DateTimeField(source="entry.at")
    actor = serializers.IntegerField(
        source="entry.actor_id", allow_null=True, help_text="Who made the change."
    )
    actor_name = serializers.CharField(allow_null=True)
    kind = serializers.CharField(help_text="The kind of object, such as funnel.stage.")
    kind_label = serializers.CharField()
    object_id = serializers.IntegerField(source="entry.object_id")
    object = serializers.CharField(source="entry.object_repr", help_text="Its name then.")
    action = serializers.ChoiceField(choices=Action.choices, source="entry.action")
    changes = ChangeLineSerializer(many=True, source="lines")


class AuditView(APIView):
    @extend_schema(
        summary="The history of changes, newest first (managers)",
        operation_id="audit_list",
        parameters=[
            *form_parameters(HistoryFilter),
            optional_parameter("after", str, "The `next_cursor` of the page before."),
        ],
        responses=page_serializer("AuditPage", AuditEntrySerializer),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not can_read_history(request.user):
            raise NotAllowed(str(READ_HISTORY_REFUSAL))
        given = HistoryFilter(request.query_params)
        if not given.is_valid():
            raise form_errors(given)
        page = history_page(
            kind=given.cleaned_data["kind"] or None,
            after=request.query_params.get("after") or None,
        )
        rows = AuditEntrySerializer(history_rows(page.rows), many=True).data
        return page_response(rows, next_cursor=page.next_cursor, request=request)
