from typing import Any

from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.forms import PreferencesForm
from accounts.http import AuthenticatedHttpRequest
from accounts.views_tokens import token_panel


class RefusedFormIs400:
    """For Django's own form views (login, password change): a form sent back with its errors
    answers 400, as every form page of the product does."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)  # type: ignore[misc]
        response.status_code = 400
        return response


class LoginView(RefusedFormIs400, allauth_views.LoginView):
    """allauth's login (then two-factor, when the person has it on), on the product's page."""

    template_name = "accounts/login.html"


class PasswordChangeView(RefusedFormIs400, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"


def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language or settings.LANGUAGE_CODE)
        messages.success(request, _("Your preferences were saved."))
        return redirect("preferences")
    context = {"form": form, **token_panel(request.user)}
    return render(request, "accounts/preferences.html", context, status=400 if form.errors else 200)
