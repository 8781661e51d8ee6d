"""Website forms, over leads.capture, with the form page's form for the body."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from leads.access import (
    MANAGE_CAPTURE_FORMS_REFUSAL,
    VIEW_CAPTURE_FORMS_REFUSAL,
    can_manage_capture_forms,
    can_view_capture_forms,
)
from leads.capture import capture_form_detail, capture_forms_with_counts, save_capture_form
from leads.forms import CaptureFormForm
from leads.models import CaptureForm
from leads.serializers import (
    CaptureFormDetailSerializer,
    CaptureFormSerializer,
    CaptureFormWriteSerializer,
)
from smarketing.api import AnsweredBeforeCommit, caller, form_errors
from smarketing.errors import NotAllowed


def _capture_form_body(pk: int) -> dict[str, Any]:
    return dict(CaptureFormDetailSerializer(capture_form_detail(pk)).data)


def _capture_form_form(request: Request, capture_form: CaptureForm) -> CaptureFormForm:
    """The form page's form over the JSON body, on top of the form's current values (or a new
    form's defaults), so that a change sends only what changes."""
    given = CaptureFormWriteSerializer(data=request.data, partial=True)
    given.is_valid(raise_exception=True)
    data = {**CaptureFormForm(instance=capture_form).initial, **given.validated_data}
    data["allowed_origins"] = "\n".join(data["allowed_origins"])
    form = CaptureFormForm(data, instance=capture_form)
    if not form.is_valid():
        raise form_errors(form)
    return form


@extend_schema_view(
    list=extend_schema(
        summary="Website forms, by name, with their captures (Marketing and managers)",
        responses=CaptureFormSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="A website form, its snippets and latest captures (Marketing and managers)",
        responses=CaptureFormDetailSerializer,
    ),
    create=extend_schema(
        summary="Set up a website form (managers); it gets its public key",
        request=CaptureFormWriteSerializer,
        responses={201: CaptureFormDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change, disable or enable a website form (managers)",
        request=CaptureFormWriteSerializer,
        responses=CaptureFormDetailSerializer,
    ),
)
class CaptureFormViewSet(AnsweredBeforeCommit, viewsets.ViewSet):
    """Thin views over leads.capture, with the form page's form for the body."""

    lookup_value_converter = "int"

    def list(self, request: Request) -> Response:
        self._viewers_only(request)
        forms = capture_forms_with_counts().select_related("persona", "owner")
        return Response(CaptureFormSerializer(forms, many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        self._viewers_only(request)
        return Response(_capture_form_body(pk))

    def create(self, request: Request) -> Response:
        self._managers_only(request)
        form = _capture_form_form(request, CaptureForm())
        saved = save_capture_form(form=form.save(commit=False), actor=caller(request))
        location = reverse("api:capture-form-detail", args=[saved.pk])
        return Response(
            _capture_form_body(saved.pk),
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    def partial_update(self, request: Request, pk: int) -> Response:
        self._managers_only(request)
        form = _capture_form_form(request, CaptureForm.objects.get(pk=pk))
        save_capture_form(form=form.save(commit=False), actor=caller(request))
        return Response(_capture_form_body(pk))

    def _viewers_only(self, request: Request) -> None:
        if not can_view_capture_forms(caller(request)):
            raise NotAllowed(str(VIEW_CAPTURE_FORMS_REFUSAL))

    def _managers_only(self, request: Request) -> None:
        # Before the body is read, as on the form pages: a refusal says nothing of the input.
        if not can_manage_capture_forms(caller(request)):
            raise NotAllowed(str(MANAGE_CAPTURE_FORMS_REFUSAL))
