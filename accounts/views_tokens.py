"""Personal API tokens on the settings page: create one (its secret shown once), revoke one."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import ApiTokenForm, PreferencesForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.tokens import NewToken, TokenRefused, create_token, revoke_token, tokens_of


def token_panel(
    user: User, *, form: ApiTokenForm | None = None, new: NewToken | None = None
) -> dict[str, object]:
    """What the tokens section of the settings page shows."""
    return {
        "tokens": list(tokens_of(user)),
        "token_form": form or ApiTokenForm(),
        "new": new,
        "now": timezone.now(),
        "docs_url": reverse("api:docs"),
    }


@require_POST
def token_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The new token's secret is in this answer only: it is stored nowhere, not even in a
    message, so the page is rendered rather than redirected to."""
    form = ApiTokenForm(request.POST)
    new = None
    if form.is_valid():
        try:
            new = create_token(
                user=request.user,
                name=form.cleaned_data["name"],
                lifetime_days=form.cleaned_data["lifetime_days"],
            )
        except TokenRefused as refusal:
            form.add_error(None, refusal.message)
    panel = token_panel(request.user, form=None if new else form, new=new)
    status = 200 if new else 400
    if request.htmx:
        return render(request, "accounts/_api_tokens.html", panel, status=status)
    context = {"form": PreferencesForm(instance=request.user), **panel}
    return render(request, "accounts/preferences.html", context, status=status)


@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not revoke_token(user=request.user, token_id=pk):
        raise Http404
    if request.htmx:
        return render(request, "accounts/_api_tokens.html", token_panel(request.user))
    messages.success(request, _("The token was revoked: it no longer works."))
    return redirect("preferences")
