"""Website forms: the pages where managers set them up (marketers read them and copy the
snippet), and the public endpoint the website posts to."""

import copy
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.client_address import client_address
from accounts.http import AuthenticatedHttpRequest
from leads.access import (
    MANAGE_CAPTURE_FORMS_REFUSAL,
    VIEW_CAPTURE_FORMS_REFUSAL,
    can_manage_capture_forms,
    can_view_capture_forms,
)
from leads.activities import NOTE_MAX_LENGTH
from leads.capture import (
    HONEYPOT,
    VISITOR_FIELDS,
    capture_forms_with_counts,
    capture_lead,
    enabled_capture_form,
    latest_captures,
    origin_allowed,
    save_capture_form,
    snippets,
    thank_you_url,
)
from leads.forms import LEAD_FIELD_CLASSES, CaptureFormForm, TextField
from leads.models import CaptureForm, Lead
from smarketing.links import opened_elsewhere, site_root
from smarketing.ratelimit import Limit, hit

PUBLIC_TEMPLATE = "leads/capture/public.html"
PREFLIGHT_MAX_AGE = 600


class CaptureSubmission(forms.ModelForm[Lead]):
    """What a visitor sends; only these fields are read."""

    message = TextField(label=gettext_lazy("Message"), max_length=NOTE_MAX_LENGTH, required=False)

    class Meta:
        model = Lead
        fields = VISITOR_FIELDS
        field_classes = LEAD_FIELD_CLASSES

    def validate_constraints(self) -> None:
        """A known email is merged into its lead, not refused."""


@require_GET
def capture_form_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not can_view_capture_forms(request.user):
        return _refused(request)
    context = {
        "capture_forms": capture_forms_with_counts(),
        "can_manage": can_manage_capture_forms(request.user),
    }
    return render(request, "leads/capture/list.html", context)


@require_GET
def capture_form_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not can_view_capture_forms(request.user):
        return _refused(request)
    form = get_object_or_404(CaptureForm.objects.select_related("persona", "owner"), pk=pk)
    context = {
        "capture_form": form,
        "snippets": snippets(form),
        "captures": latest_captures(form),
        "can_manage": can_manage_capture_forms(request.user),
        "opened_at": opened_elsewhere(request),
        "site_url": site_root(),
    }
    return render(request, "leads/capture/detail.html", context)


@require_http_methods(["GET", "POST"])
def capture_form_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _capture_form_page(request, CaptureForm())


@require_http_methods(["GET", "POST"])
def capture_form_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _capture_form_page(request, get_object_or_404(CaptureForm, pk=pk))


def _capture_form_page(
    request: AuthenticatedHttpRequest, capture_form: CaptureForm
) -> HttpResponse:
    if not can_manage_capture_forms(request.user):
        return _refused(request, str(MANAGE_CAPTURE_FORMS_REFUSAL))
    # The form writes into its instance while validating; the heading keeps the saved name.
    data = request.POST if request.method == "POST" else None
    form = CaptureFormForm(data, instance=copy.copy(capture_form))
    if request.method == "POST" and form.is_valid():
        saved = save_capture_form(form=form.save(commit=False), actor=request.user)
        messages.success(request, _("The website form %(name)s was saved.") % {"name": saved.name})
        return redirect("capture_form_detail", pk=saved.pk)
    context = {"capture_form": capture_form, "form": form}
    return render(request, "leads/capture/form.html", context, status=400 if form.errors else 200)


def _refused(request: AuthenticatedHttpRequest, message: str = "") -> HttpResponse:
    message = message or str(VIEW_CAPTURE_FORMS_REFUSAL)
    return render(request, "leads/capture/refused.html", {"message": message}, status=403)


# The public endpoint. Websites on other origins post to it, without a session and without our
# CSRF token (they cannot have one): CSRF protects a signed-in person's session from being used
# by another site, and this endpoint uses no session at all. What protects it instead: the
# unguessable key, the allowed origins (for browsers), the honeypot and the rate limits.
@csrf_exempt
@login_not_required
@never_cache
@require_http_methods(["POST", "OPTIONS"])
def capture(request: HttpRequest, key: str) -> HttpResponse:
    """Take a submission of a website form: JSON (fetch, with CORS) or a plain form post."""
    wants_json = request.method == "OPTIONS" or request.content_type == "application/json"
    form = enabled_capture_form(key)
    if form is None:
        # Unknown and disabled keys get the same answer: nobody learns which keys exist.
        message = _("This form does not accept submissions.")
        return _answer(request, wants_json, 404, "unknown_form", message)
    origin = request.headers.get("Origin")
    cors_origin = origin if origin is not None and origin_allowed(form, origin) else None
    if origin is not None and cors_origin is None and origin != _own_origin(request):
        message = _("This website may not send this form.")
        return _answer(request, wants_json, 403, "origin_not_allowed", message)
    if request.method == "OPTIONS":
        return _with_cors(HttpResponse(status=204), cors_origin, preflight=True)
    response = _take_submission(request, form, wants_json)
    return _with_cors(response, cors_origin)


def _take_submission(request: HttpRequest, form: CaptureForm, wants_json: bool) -> HttpResponse:
    address = client_address(request) or "unknown"
    # The address's limit first: what it refuses does not count toward the form's limit, or
    # one address could keep the form closed to every other visitor.
    verdict = hit(
        Limit("capture-address", f"{form.public_key}:{address}", form.per_address_per_minute, 60),
        Limit("capture-form", form.public_key, form.per_minute, 60),
    )
    if not verdict.allowed:
        message = _("Too many submissions. Please try again in %(seconds)s seconds.") % {
            "seconds": verdict.retry_after
        }
        response = _answer(request, wants_json, 429, "rate_limited", message)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    try:
        data = _submitted_data(request, wants_json)
    except RequestDataTooBig:
        message = _("This submission is too large to be sent.")
        return _answer(request, wants_json, 413, "too_large", message)
    if data is None:
        message = _("Send the form's fields as a JSON object.")
        return _answer(request, wants_json, 400, "invalid_json", message)
    if str(data.get(HONEYPOT) or "").strip():
        # A bot filled in the field people never see: it is thanked and nothing is saved.
        return _thanks(request, form, wants_json, data)
    submission = CaptureSubmission(data)
    if not submission.is_valid():
        return _invalid(request, submission, wants_json, data)
    details = submission.cleaned_data
    capture_lead(form=form, details=details, message=details["message"])
    return _thanks(request, form, wants_json, data)


def _submitted_data(request: HttpRequest, wants_json: bool) -> dict[str, str] | None:
    """The submitted fields, or None for a body that is not a JSON object (nesting deep
    enough to exhaust the parser included). The form refuses fields that are not text."""
    if not wants_json:
        return request.POST.dict()
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _thanks(
    request: HttpRequest, form: CaptureForm, wants_json: bool, data: dict[str, Any]
) -> HttpResponse:
    message = _("Thank you! We will be in touch soon.")
    if wants_json:
        return JsonResponse({"code": "received", "message": message})
    target = thank_you_url(form, str(data.get("next") or ""))
    if target is not None:
        return HttpResponseRedirect(target, status=303)
    return render(request, PUBLIC_TEMPLATE, {"title": _("Thank you"), "message": message})


def _invalid(
    request: HttpRequest, submission: CaptureSubmission, wants_json: bool, data: dict[str, Any]
) -> HttpResponse:
    message = _("Nothing was sent. Please correct the fields listed.")
    if wants_json:
        errors = {field: list(errors) for field, errors in submission.errors.items()}
        return JsonResponse({"code": "invalid", "message": message, "errors": errors}, status=400)
    context = {
        "title": _("Please check the form"),
        "message": message,
        "submission": submission,
        "next": str(data.get("next") or ""),
        "honeypot": HONEYPOT,
    }
    return render(request, PUBLIC_TEMPLATE, context, status=400)


def _answer(
    request: HttpRequest, wants_json: bool, status: int, code: str, message: str
) -> HttpResponse:
    if wants_json:
        return JsonResponse({"code": code, "message": message}, status=status)
    context = {"title": _("Not sent"), "message": message}
    return render(request, PUBLIC_TEMPLATE, context, status=status)


def _own_origin(request: HttpRequest) -> str:
    """The product's own pages (the form re-shown after an error) may always post here."""
    return f"{request.scheme}://{request.get_host()}"


def _with_cors(
    response: HttpResponse, origin: str | None, *, preflight: bool = False
) -> HttpResponse:
    """Let the page on an allowed origin read the answer; no credentials, ever."""
    patch_vary_headers(response, ["Origin"])
    if origin is None:
        return response
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Expose-Headers"] = "Retry-After"
    if preflight:
        response["Access-Control-Allow-Methods"] = "POST"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response
