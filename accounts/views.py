from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.forms import PreferencesForm
from accounts.http import AuthenticatedHttpRequest
from accounts.views_tokens import token_panel


def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language or settings.LANGUAGE_CODE)
        messages.success(request, _("Your preferences were saved."))
        return redirect("preferences")
    context = {"form": form, **token_panel(request.user)}
    return render(request, "accounts/preferences.html", context)
