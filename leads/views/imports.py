"""Importing leads from a file: upload, mapping, dry run, progress, summary and undo."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from leads.access import IMPORT_REFUSAL, can_import, can_undo_import
from leads.imports.forms import MappingForm, SavedMappingForm, UploadForm
from leads.imports.selectors import latest_batches, progress
from leads.imports.services import (
    cancel_import,
    confirm_import,
    may_undo,
    saved_mapping_for,
    set_mapping,
    start_dry_run,
    undo_deadline,
    undo_import,
    upload_import,
)
from leads.models import ImportBatch, ImportMapping, ImportStatus
from smarketing.errors import DomainError

# While these last, the page polls for progress.
WORKING = (ImportStatus.CHECKING, ImportStatus.RUNNING)


def _refused(request: AuthenticatedHttpRequest, message: str = "") -> HttpResponse:
    message = message or str(IMPORT_REFUSAL)
    return render(request, "leads/capture/refused.html", {"message": message}, status=403)


@require_http_methods(["GET", "POST"])
def import_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The latest imports, and the form to upload a file."""
    if not can_import(request.user):
        return _refused(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = upload_import(upload=form.cleaned_data["file"], actor=request.user)
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                return redirect("import_detail", batch.pk)
        status = 400
    context = {"form": form, "batches": latest_batches()}
    return render(request, "leads/imports/list.html", context, status=status)


@require_GET
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The batch at its step: the mapping, the dry run's report, the progress, the summary."""
    if not can_import(request.user) and not can_undo_import(request.user):
        return _refused(request)
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    form = MappingForm(batch=batch)
    saved = request.GET.get("saved")
    if saved and saved.isdigit() and batch.status == ImportStatus.UPLOADED:
        mapping = ImportMapping.objects.filter(pk=int(saved)).first()
        if mapping is not None:
            choice = saved_mapping_for(batch, mapping)
            batch.mapping = {
                "columns": {str(i): f for i, f in choice.columns.items()},
                "values": choice.values,
            }
            batch.policy = choice.policy
            form = MappingForm(batch=batch)
    return _page(request, batch, form)


def _page(
    request: AuthenticatedHttpRequest, batch: ImportBatch, form: MappingForm, status: int = 200
) -> HttpResponse:
    context = {
        "batch": batch,
        "form": form,
        "saved_form": SavedMappingForm(),
        "progress": progress(batch, now=timezone.now()),
        "working": batch.status in WORKING,
        "may_undo": may_undo(batch, request.user),
        "undo_deadline": undo_deadline(batch),
        "mapping_open": batch.status
        in (ImportStatus.UPLOADED, ImportStatus.DRY_RUN, ImportStatus.FAILED),
    }
    return render(request, "leads/imports/detail.html", context, status=status)


@require_GET
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, for htmx to poll; once the step is over, the whole page again."""
    if not can_import(request.user) and not can_undo_import(request.user):
        return _refused(request)
    batch = get_object_or_404(ImportBatch, pk=pk)
    if batch.status not in WORKING:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {"batch": batch, "progress": progress(batch, now=timezone.now()), "working": True}
    return render(request, "leads/imports/_progress.html", context)


@require_POST
def import_mapping(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Take the mapping; "check" also starts the dry run, "refresh" shows the values of the
    columns just mapped."""
    batch = get_object_or_404(ImportBatch, pk=pk)
    form = MappingForm(request.POST, batch=batch)
    if not form.is_valid():
        return _page(request, batch, form, status=400)
    try:
        batch = set_mapping(batch=batch, choice=form.choice(), actor=request.user)
        if "refresh" not in request.POST:
            start_dry_run(batch=batch, actor=request.user)
    except DomainError as error:
        if error.http_status == 403:
            return _refused(request, error.message)
        form.add_error(None, error.message)
        return _page(request, batch, form, status=400)
    return redirect("import_detail", batch.pk)


def _step(request: AuthenticatedHttpRequest, pk: int, step: object) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=pk)
    try:
        step(batch=batch, actor=request.user)  # type: ignore[operator]
    except DomainError as error:
        if error.http_status == 403:
            return _refused(request, error.message)
        messages.error(request, error.message)
    return redirect("import_detail", batch.pk)


@require_POST
def import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, confirm_import)


@require_POST
def import_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, cancel_import)


@require_POST
def import_undo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, undo_import)


@require_GET
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse | FileResponse:
    """The dry run's rows refused or repeated, with their reasons, as CSV."""
    if not can_import(request.user) and not can_undo_import(request.user):
        return _refused(request)
    batch = get_object_or_404(ImportBatch, pk=pk)
    if not batch.error_file:
        raise Http404
    path = settings.IMPORT_ROOT / batch.error_file
    if not path.exists():
        raise Http404
    name = f"{batch.file_name.rsplit('.', 1)[0]}-errors.csv"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type="text/csv")
