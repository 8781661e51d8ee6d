"""A person's own weekly digests, as the API gives them: newest week first, each with the
figures it was built with."""

from datetime import date

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from digests.access import can_read
from digests.models import Digest
from digests.selectors import digest_page
from smarketing.api import caller, optional_parameter, page_response, page_serializer
from smarketing.pagination import InvalidCursor


class DigestSerializer(serializers.ModelSerializer[Digest]):
    content = serializers.JSONField(help_text="The digest's sections, as built that week.")

    class Meta:
        model = Digest
        fields = ["week", "role", "built_at", "status", "sent_at", "content"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="Your weekly digests, newest first",
        operation_id="digests_list",
        parameters=[optional_parameter("after", str, "The `next_cursor` of the page before.")],
        responses=page_serializer("DigestPage", DigestSerializer),
    ),
    retrieve=extend_schema(
        summary="Your digest of a week (the Monday it starts)",
        parameters=[OpenApiParameter("week", {"type": "string", "format": "date"}, "path")],
        responses=DigestSerializer,
    ),
)
class DigestViewSet(viewsets.ViewSet):
    """Only one's own: another person's digest is not found."""

    lookup_field = "week"
    lookup_value_converter = "str"

    def list(self, request: Request) -> Response:
        try:
            page = digest_page(
                user=caller(request), after=request.query_params.get("after") or None
            )
        except InvalidCursor:
            raise ValidationError(
                {"after": [_("This cursor is not one this list wrote: start from the top.")]}
            ) from None
        rows = DigestSerializer(page.rows, many=True).data
        return page_response(rows, next_cursor=page.next_cursor, request=request)

    def retrieve(self, request: Request, week: str) -> Response:
        try:
            monday = date.fromisoformat(week)
        except ValueError:
            raise Http404 from None
        digest = Digest.objects.filter(user=caller(request), week=monday).first()
        if digest is None or not can_read(caller(request), digest):
            raise Http404
        return Response(DigestSerializer(digest).data)
