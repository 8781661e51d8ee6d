"""Downloads: the lead list as it is filtered, searched and sorted (CSV or XLSX, anyone who sees
the list), and everything as one archive (managers)."""

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from leads.access import EXPORT_ALL_REFUSAL, can_export_all
from leads.archive import archive_file
from leads.exports import FileKind, lead_file
from leads.filters import LeadFilterForm
from leads.selectors import lead_list_options, leads_to_export


@require_GET
def lead_export(request: AuthenticatedHttpRequest, kind: FileKind) -> StreamingHttpResponse:
    """The list's leads as a file. A filter the list could not read is left out, as the list
    leaves it out (and says so there), so the file holds what the page showed."""
    options = lead_list_options()
    form = LeadFilterForm(request.GET, options=options)
    form.is_valid()
    now = timezone.now()
    leads = leads_to_export(
        filters=form.filters(), sort=form.sort_order(), options=options, now=now
    )
    return lead_file(leads, kind=kind, options=options, now=now)


def _refused(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"message": str(EXPORT_ALL_REFUSAL)}
    return render(request, "funnel/refused.html", context, status=403)


@require_GET
def export_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What the archive holds, and the button that downloads it."""
    if not can_export_all(request.user):
        return _refused(request)
    return render(request, "leads/export_all.html")


@require_GET
def export_archive(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if not can_export_all(request.user):
        return _refused(request)
    return archive_file(timezone.now())
