"""The API's downloads: the lead list as CSV or XLSX (the list endpoint's filters, search and
sort) and the whole archive (managers). The same selectors, files and access rule as the
pages; the files stream as they are written."""

from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from leads.access import EXPORT_ALL_REFUSAL, can_export_all
from leads.archive import archive_file
from leads.exports import FileKind, lead_file
from leads.filters import LeadFilterForm
from leads.selectors import lead_list_options, leads_to_export
from smarketing.api import caller, form_errors, form_parameters
from smarketing.errors import NotAllowed


class FileDownloadView(APIView):
    """A file whatever the Accept header asks for (a client may well send text/csv), and
    errors as JSON like every other endpoint's."""

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        renderer = JSONRenderer()
        return renderer, renderer.media_type


def _file(kind: FileKind, description: str) -> dict[Any, Any]:
    return {
        (200, kind.content_type.split(";")[0]): OpenApiResponse(
            OpenApiTypes.BINARY, description=description
        )
    }


LIST_FILE = (
    "Every lead the list's filters, search and sort select, in that order, with every column "
    "the list can show; headers, stages and sources in the caller's language; times in the "
    "installation's time zone. Text cells that a spreadsheet would run as formulas begin with "
    "an apostrophe. Streamed: a million rows are fine."
)


class LeadExportView(FileDownloadView):
    kind: FileKind = FileKind.CSV

    def lead_file(self, request: Request) -> StreamingHttpResponse:
        options = lead_list_options()
        form = LeadFilterForm(request.query_params, options=options)
        if not form.is_valid():
            raise form_errors(form)
        now = timezone.now()
        leads = leads_to_export(
            filters=form.filters(), sort=form.sort_order(), options=options, now=now
        )
        return lead_file(leads, kind=self.kind, options=options, now=now)


class LeadCsvView(LeadExportView):
    kind = FileKind.CSV

    @extend_schema(
        summary="Download the lead list as CSV (UTF-8), filtered, searched and sorted",
        operation_id="leads_export_csv",
        parameters=form_parameters(LeadFilterForm),
        responses=_file(FileKind.CSV, LIST_FILE),
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return self.lead_file(request)


class LeadXlsxView(LeadExportView):
    kind = FileKind.XLSX

    @extend_schema(
        summary="Download the lead list as XLSX, filtered, searched and sorted",
        operation_id="leads_export_xlsx",
        parameters=form_parameters(LeadFilterForm),
        responses=_file(FileKind.XLSX, LIST_FILE),
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return self.lead_file(request)


class ArchiveView(FileDownloadView):
    @extend_schema(
        summary="Download everything as one ZIP archive of CSV and JSON files (managers)",
        operation_id="export_archive",
        responses=_file(
            FileKind.ZIP,
            "leads, stage changes, activities and mentions (CSV); personas, stages, reasons, "
            "goals and users (JSON); manifest.json describes every file and column. Read at "
            "one moment, so the files agree.",
        ),
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        if not can_export_all(caller(request)):
            raise NotAllowed(str(EXPORT_ALL_REFUSAL))
        return archive_file(timezone.now())
