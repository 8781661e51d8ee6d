"""The Digests pages: a person's digests, this week's and past weeks', readable as in the
email; the email switch; and, for managers, a preview of someone's digest, on its page or by
email."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from digests.access import can_preview
from digests.emails import digest_context
from digests.forms import DigestEmailForm, PreviewForm
from digests.models import Digest
from digests.selectors import digest_page, own_digest, readable_digest
from digests.services import build_preview, set_digest_email, wants_digest_email
from digests.tasks import queue_preview
from digests.weeks import digest_due, last_complete_week
from smarketing.errors import DomainError
from smarketing.pagination import InvalidCursor, Page


@require_GET
def digest_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """This week's digest in full, then the weeks before it."""
    after = request.GET.get("after") or None
    try:
        page = digest_page(user=request.user, after=after)
    except InvalidCursor:
        messages.error(request, _("That page link no longer works, so the list starts again."))
        return redirect("digest_list")
    return _list_page(request, page=page, after=after, preview_form=PreviewForm())


def _list_page(
    request: AuthenticatedHttpRequest,
    *,
    page: Page[Digest],
    after: str | None,
    preview_form: PreviewForm,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    period = last_complete_week(now)
    week = period.first_day
    first = page.rows[0] if page.rows and after is None else None
    current = first if first is not None and first.week == week else None
    due = digest_due(week)
    context = {
        "page": page,
        "after": after,
        "week": week,
        # Without this week's digest: when it will be built, or, past that, when the next is.
        "due": due,
        "due_passed": due <= now,
        "next_week": period.next().first_day,
        "next_due": digest_due(period.next().first_day),
        "current": current,
        "email_on": wants_digest_email(request.user),
        "can_preview": can_preview(request.user),
        "preview_form": preview_form,
        **(digest_context(current) if current is not None else {}),
    }
    return render(request, "digests/list.html", context, status=status)


@require_GET
def digest_detail(request: AuthenticatedHttpRequest, week: str) -> HttpResponse:
    digest = own_digest(user=request.user, week=week)
    if digest is None:
        raise Http404
    return render(request, "digests/detail.html", digest_context(digest))


@require_GET
def person_digest(request: AuthenticatedHttpRequest, week: str, user_id: int) -> HttpResponse:
    """Someone's digest, as its person reads it, for a manager preparing the meeting."""
    digest = readable_digest(reader=request.user, user_id=user_id, week=week)
    if digest is None:
        raise Http404
    if digest.user_id == request.user.pk:
        return redirect("digest_detail", week=week)
    return render(request, "digests/detail.html", digest_context(digest) | {"preview": True})


@require_POST
def digest_email(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DigestEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to get the weekly email: on or off."))
        return redirect("digest_list")
    enabled = form.cleaned_data["email"]
    set_digest_email(user=request.user, enabled=enabled)
    messages.success(
        request,
        _("You will get the digest by email every Monday.")
        if enabled
        else _("The digest email is off. Your digests stay here."),
    )
    return redirect("digest_list")


@require_POST
def digest_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A manager reads this week's digest of one person on its page, or emails it to
    themselves."""
    if not can_preview(request.user):
        raise Http404
    form = PreviewForm(request.POST)
    if not form.is_valid():
        page = digest_page(user=request.user, after=None)
        return _list_page(request, page=page, after=None, preview_form=form, status=400)
    person = form.cleaned_data["user"]
    week = last_complete_week(timezone.now()).first_day
    if form.cleaned_data["show"] == PreviewForm.ON_PAGE:
        try:
            build_preview(manager=request.user, user_id=person.pk, week=week)
        except DomainError as refusal:
            messages.error(request, refusal.message)
            return redirect("digest_list")
        return redirect("person_digest", week=week.isoformat(), user_id=person.pk)
    try:
        queue_preview(
            manager=request.user,
            user_id=person.pk,
            week=week,
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("digest_list")
    messages.success(
        request,
        _("%(name)s's digest is on its way to %(email)s.")
        % {"name": person.get_full_name() or person.username, "email": request.user.email},
    )
    return redirect("digest_list")
