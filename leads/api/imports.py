"""Import batches over the API: the same steps as the pages, over leads.imports.services."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from leads.access import IMPORT_REFUSAL, can_import, can_undo_import
from leads.imports.columns import IMPORT_FIELDS
from leads.imports.files import MAX_COLUMNS
from leads.imports.selectors import latest_batches, progress
from leads.imports.services import (
    MappingChoice,
    cancel_import,
    confirm_import,
    set_mapping,
    start_dry_run,
    undo_import,
    upload_import,
)
from leads.models import DuplicatePolicy, ImportBatch
from smarketing.api import AnsweredBeforeCommit, caller
from smarketing.errors import NotAllowed


class ProgressSerializer(serializers.Serializer[Any]):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    rows_per_second = serializers.IntegerField()
    seconds_left = serializers.IntegerField(allow_null=True)


class ImportBatchSerializer(serializers.ModelSerializer[ImportBatch]):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "file_name",
            "kind",
            "encoding",
            "delimiter",
            "header",
            "preview",
            "column_values",
            "mapping",
            "policy",
            "status",
            "rows_total",
            "rows_done",
            "new_count",
            "update_count",
            "repeat_count",
            "error_count",
            "created_count",
            "updated_count",
            "summary",
            "created_at",
            "started_at",
            "finished_at",
            "undone_at",
            "progress",
        ]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, batch: ImportBatch) -> dict[str, Any]:
        shown = progress(batch, now=timezone.now())
        return dict(ProgressSerializer(shown).data)


class MappingSerializer(serializers.Serializer[Any]):
    columns = serializers.ListField(
        child=serializers.ChoiceField(
            choices=["", *(field.name for field in IMPORT_FIELDS)], allow_blank=True
        ),
        max_length=MAX_COLUMNS,
        help_text="The lead field of each column, in the file's order ('' for none).",
    )
    values = serializers.DictField(
        # Ours are keys, ids and usernames: a stage's key, a person's id, a source's key, a
        # persona's id or "new"; '' leaves the file's value unmapped.
        child=serializers.DictField(
            child=serializers.RegexField(r"^[\w.@+-]*$", allow_blank=True, max_length=150)
        ),
        required=False,
        help_text="For stage, owner, source and persona: each value of the file mapped to ours.",
    )
    policy = serializers.ChoiceField(choices=DuplicatePolicy.choices)
    save_as = serializers.CharField(required=False, allow_blank=True, max_length=80)

    def validate_columns(self, columns: list[str]) -> dict[int, str]:
        return dict(enumerate(columns))


class RawFileParser(parsers.FileUploadParser):
    """The request's body is the file itself; its name comes in the query (`name`)."""

    def get_filename(self, stream: Any, media_type: Any, parser_context: Any) -> str:
        request = parser_context.get("request")
        name = request.query_params.get("name") if request is not None else None
        return str(name or "import.csv")


_BATCH = {200: ImportBatchSerializer}


@extend_schema_view(
    list=extend_schema(
        summary="The latest imports (Marketing and managers)",
        responses=ImportBatchSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="An import: its mapping, dry run, progress and summary", responses=_BATCH
    ),
    create=extend_schema(
        summary="Upload a CSV or XLSX file (the body is the file); its mapping is proposed",
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, description="The file's name.")],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={201: ImportBatchSerializer},
    ),
)
class ImportBatchViewSet(AnsweredBeforeCommit, viewsets.ViewSet):
    lookup_value_converter = "int"

    def get_parsers(self) -> list[parsers.BaseParser]:
        # The upload's body is the file, whatever its type; every other step sends JSON. (A
        # request's parsers are chosen before its action is known: the upload is the route
        # without an id. The schema asks with the action set.)
        action = getattr(self, "action", None)
        if action == "create" or (action is None and "pk" not in self.kwargs):
            return [RawFileParser()]
        return super().get_parsers()

    def list(self, request: Request) -> Response:
        self._importers_only(request)
        return Response(ImportBatchSerializer(latest_batches(), many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        self._importers_only(request)
        return Response(ImportBatchSerializer(get_object_or_404(ImportBatch, pk=pk)).data)

    def create(self, request: Request) -> Response:
        self._importers_only(request)
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": ["Send the file as the request's body."]})
        batch = upload_import(upload=upload, actor=caller(request))
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Map the columns and their values, choose the policy for known emails",
        request=MappingSerializer,
        responses=_BATCH,
    )
    @action(detail=True, methods=["put"])
    def mapping(self, request: Request, pk: int) -> Response:
        given = MappingSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        choice = MappingChoice(
            columns=data["columns"],
            values=data.get("values", {}),
            policy=data["policy"],
            save_as=data.get("save_as", ""),
        )
        batch = set_mapping(batch=self._batch(pk), choice=choice, actor=caller(request))
        return Response(ImportBatchSerializer(batch).data)

    @extend_schema(
        summary="Start the dry run (nothing is written); poll the import for its report",
        request=None,
        responses={202: ImportBatchSerializer},
    )
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request, pk: int) -> Response:
        batch = start_dry_run(batch=self._batch(pk), actor=caller(request))
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Confirm a dry run: the import lands in the background",
        request=None,
        responses={202: ImportBatchSerializer},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: int) -> Response:
        batch = confirm_import(batch=self._batch(pk), actor=caller(request))
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Cancel an import: it stops after the chunk it is writing",
        request=None,
        responses=_BATCH,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        batch = cancel_import(batch=self._batch(pk), actor=caller(request))
        return Response(ImportBatchSerializer(batch).data)

    @extend_schema(
        summary="Undo an import within its days (managers); the summary says what stayed",
        request=None,
        responses=_BATCH,
    )
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: int) -> Response:
        batch = undo_import(batch=self._batch(pk), actor=caller(request))
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data)

    def _batch(self, pk: int) -> ImportBatch:
        return get_object_or_404(ImportBatch, pk=pk)

    def _importers_only(self, request: Request) -> None:
        user = caller(request)
        if not can_import(user) and not can_undo_import(user):
            raise NotAllowed(str(IMPORT_REFUSAL))
