"""The lead list: both teams find any lead by searching, filtering and sorting, page by page."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.http import reswap, retarget

from accounts.http import AuthenticatedHttpRequest
from leads.filters import LeadFilterForm
from leads.selectors import lead_count, lead_list_options, lead_list_page
from smarketing.pagination import InvalidCursor

# The id of the "Show more" table row that htmx replaces with the next rows.
MORE_ROW = "lead-more"
# Beyond this many matches the list says "more than"; counting them all would read every lead.
COUNT_AT_MOST = 1000


@require_GET
def lead_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The whole page; for htmx, the results after a change of filters, or the next rows.

    Everyone on either team reads every lead, so there is no access check beyond logging in."""
    options = lead_list_options()
    form = LeadFilterForm(request.GET, options=options)
    form.is_valid()
    problems = form.problems()
    after = request.GET.get("after") or None
    filters, sort, now = form.filters(), form.sort_order(), timezone.now()
    try:
        page = lead_list_page(filters=filters, sort=sort, after=after, options=options, now=now)
    except InvalidCursor:
        problems.append(_("That page link no longer works, so the list starts from the top."))
        after = None
        page = lead_list_page(filters=filters, sort=sort, after=None, options=options, now=now)
    drill_down = filters.moved
    htmx = request.htmx and not request.htmx.history_restore_request
    more_rows = bool(htmx and request.htmx.target == MORE_ROW and after is not None)
    if more_rows:
        count = 0  # the next rows only: the count above them stays as it was
    elif after is None and page.next_cursor is None:
        count = len(page.rows)  # all of them are on the page: no need to ask the database
    else:
        cap = None if drill_down else COUNT_AT_MOST
        count = lead_count(filters=filters, options=options, now=now, at_most=cap)
    described = [drill_down.description()] if drill_down else []
    if filters.import_batch is not None:
        described.append(_("leads of import %(number)d") % {"number": filters.import_batch})
    context = {
        "drill_down": ", ".join(described),
        "count": count,
        "count_at_most": COUNT_AT_MOST if not drill_down and count > COUNT_AT_MOST else None,
        "form": form.as_applied(),
        "page": page,
        "problems": problems,
        "after": after,
        "now": now,
    }
    if more_rows:
        response = render(request, "leads/_list_results.html#rows", context)
    elif htmx:
        response = render(request, "leads/_list_results.html", context)
        if request.htmx.target == MORE_ROW:
            # The cursor was refused: show the list again from the top instead of appending.
            response = reswap(retarget(response, "#lead-results"), "outerHTML")
    else:
        response = render(request, "leads/list.html", context)
    # The same URL answers a page and its fragments: caches must not mix them up.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
