"""The History of changes page: who changed which configuration, goal, persona, website form,
token or role, and from what to what (managers)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.access import READ_HISTORY_REFUSAL, can_read_history
from audit.forms import HistoryFilter
from audit.selectors import history_page, history_rows
from smarketing.pagination import InvalidCursor


@require_GET
def history(request: HttpRequest) -> HttpResponse:
    if not can_read_history(request.user):
        return render(request, "audit/refused.html", {"message": READ_HISTORY_REFUSAL}, status=403)
    form = HistoryFilter(request.GET)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    after = request.GET.get("after") or None
    try:
        page = history_page(kind=kind or None, after=after)
    except InvalidCursor:
        messages.error(request, _("That page link no longer works, so the list starts again."))
        return redirect("history")
    context = {"form": form, "kind": kind, "page": page, "rows": history_rows(page.rows)}
    return render(request, "audit/history.html", context)
