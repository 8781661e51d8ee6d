"""A person's own weekly digests, as the API gives them: newest week first, each with the
figures it was built with; their email switch; and, for managers, a preview of someone's
digest by email, as on the Digests page."""

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import PersonSerializer
from digests.access import require_preview
from digests.content import current_digest
from digests.forms import PreviewForm
from digests.models import Digest
from digests.selectors import digest_page, own_digest
from digests.services import set_digest_email, wants_digest_email
from digests.tasks import queue_preview
from digests.weeks import last_complete_week
from smarketing.api import (
    AnsweredBeforeCommit,
    StrictBooleanField,
    caller,
    form_errors,
    optional_parameter,
    page_response,
    page_serializer,
)


class DigestSerializer(serializers.ModelSerializer[Digest]):
    content = serializers.SerializerMethodField(
        help_text="The digest's sections, with the figures as built that week, in the current "
        "shape whatever the version they were built in."
    )
    content_version = serializers.IntegerField(
        help_text="The version of the shape the content was built in; older versions are "
        "upgraded to the current shape, so every digest reads alike."
    )

    class Meta:
        model = Digest
        fields = ["week", "role", "built_at", "status", "sent_at", "content", "content_version"]
        read_only_fields = fields

    @extend_schema_field(serializers.JSONField())
    def get_content(self, digest: Digest) -> dict[str, Any]:
        return current_digest(digest.content, version=digest.content_version, role=digest.role)


class DigestPreferenceSerializer(serializers.Serializer[Any]):
    email = StrictBooleanField(
        help_text="Whether your weekly digest comes by email; it stays readable here either way."
    )


class DigestPreviewSerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(help_text="The person whose digest you want to see.")


class DigestPreviewQueuedSerializer(serializers.Serializer[Any]):
    week = serializers.DateField(help_text="The Monday of the last whole week.")
    user = PersonSerializer(help_text="Whose digest it is.")
    to = serializers.EmailField(allow_blank=True, help_text="Your address, where it is sent.")


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
class DigestViewSet(AnsweredBeforeCommit, viewsets.ViewSet):
    """Only one's own: another person's digest is not found."""

    lookup_field = "week"
    lookup_value_converter = "str"

    def list(self, request: Request) -> Response:
        page = digest_page(user=caller(request), after=request.query_params.get("after") or None)
        rows = DigestSerializer(page.rows, many=True).data
        return page_response(rows, next_cursor=page.next_cursor, request=request)

    def retrieve(self, request: Request, week: str) -> Response:
        digest = own_digest(user=caller(request), week=week)
        if digest is None:
            raise Http404
        return Response(DigestSerializer(digest).data)

    @extend_schema(
        methods=["GET"],
        summary="Whether you get your weekly digest by email",
        responses=DigestPreferenceSerializer,
    )
    @extend_schema(
        methods=["PUT"],
        summary="Turn your weekly digest email on or off",
        request=DigestPreferenceSerializer,
        responses=DigestPreferenceSerializer,
    )
    @action(detail=False, methods=["get", "put"])
    def preference(self, request: Request) -> Response:
        if request.method == "PUT":
            given = DigestPreferenceSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            set_digest_email(user=caller(request), enabled=given.validated_data["email"])
        return Response({"email": wants_digest_email(caller(request))})

    @extend_schema(
        summary="Email yourself this week's digest of one person (managers)",
        request=DigestPreviewSerializer,
        responses={202: DigestPreviewQueuedSerializer},
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        manager = caller(request)
        # Before the body is read, as on the page: a refusal says nothing of the input.
        require_preview(manager)
        given = DigestPreviewSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        form = PreviewForm(given.validated_data)
        if not form.is_valid():
            raise form_errors(form)
        week = last_complete_week(timezone.now()).first_day
        person = form.cleaned_data["user"]
        queue_preview(manager=manager, user_id=person.pk, week=week)
        body = {"week": week, "user": person, "to": manager.email}
        return Response(DigestPreviewQueuedSerializer(body).data, status=status.HTTP_202_ACCEPTED)
