"""The API's leads (list, create, read, update), their timelines, and buyer personas.

Thin views over the same forms, selectors, services and access rules as the pages."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import PersonSerializer
from funnel.serializers import NoteSerializer
from leads.access import (
    CREATE_LEAD_REFUSAL,
    EDIT_LEAD_REFUSAL,
    MANAGE_CAPTURE_FORMS_REFUSAL,
    MANAGE_PERSONAS_REFUSAL,
    VIEW_CAPTURE_FORMS_REFUSAL,
    can_create_lead,
    can_edit_lead,
    can_manage_capture_forms,
    can_manage_personas,
    can_view_capture_forms,
)
from leads.capture import (
    capture_forms_with_counts,
    latest_captures,
    save_capture_form,
    snippets,
)
from leads.filters import LeadFilterForm
from leads.forms import CaptureFormForm
from leads.models import ActivityKind, CaptureForm, Lead, Mention, Persona
from leads.personas import persona_conversion, personas_with_lead_counts
from leads.selectors import LIST_PAGE_SIZE, lead_list_options, lead_list_page
from leads.serializers import (
    CaptureFormDetailSerializer,
    CaptureFormSerializer,
    CaptureFormWriteSerializer,
    ExistingLeadSerializer,
    LeadSerializer,
    LeadWriteSerializer,
    NewLeadSerializer,
    PersonaDetailSerializer,
    PersonaSerializer,
    TimelineEntrySerializer,
)
from leads.services import (
    DuplicateLead,
    add_activity,
    create_lead,
    mark_mentions_seen,
    save_persona,
    update_lead,
)
from leads.timeline import (
    Cursor,
    activity_entry,
    lead_for_page,
    lead_timeline,
    mentions_of,
    stage_clock,
)
from smarketing.api import (
    ApiErrorSerializer,
    caller,
    error_response,
    form_errors,
    form_parameters,
    optional_parameter,
    page_response,
    page_serializer,
)
from smarketing.bounds import PAGE_SIZE
from smarketing.errors import NotAllowed


class DuplicateLeadErrorSerializer(ApiErrorSerializer):
    existing_lead = ExistingLeadSerializer(help_text="The lead that has this email already.")


DUPLICATE = {409: DuplicateLeadErrorSerializer}


class PageSizeSerializer(serializers.Serializer[Any]):
    page_size = serializers.IntegerField(
        **PAGE_SIZE.limits(), default=LIST_PAGE_SIZE, required=False
    )
    after = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class TimelineQuerySerializer(serializers.Serializer[Any]):
    before = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def validate_before(self, token: str) -> Cursor | None:
        if not token:
            return None
        try:
            return Cursor.parse(token)
        except (ValueError, OverflowError):
            raise ValidationError(_("This cursor is not one the timeline wrote.")) from None


def with_clock(lead: Lead) -> Lead:
    """The lead with `past_sla`, which the list's query annotates and LeadSerializer shows."""
    lead.past_sla = stage_clock(lead).past_sla  # type: ignore[attr-defined]
    return lead


def lead_body(lead: Lead) -> dict[str, Any]:
    """The lead as the API shows it, with whether it is past its stage's time limit."""
    return dict(LeadSerializer(with_clock(lead)).data)


def duplicate_response(duplicate: DuplicateLead, request: Request) -> Response:
    """409 naming the lead that has the email: the request conflicts with it, and the client
    may open it (GET) or add its details to it (PATCH) instead."""
    existing = duplicate.existing
    url = request.build_absolute_uri(reverse("api:lead-detail", args=[existing.pk]))
    return error_response(
        status.HTTP_409_CONFLICT,
        code=duplicate.code,
        message=duplicate.message,
        existing_lead={"id": existing.pk, "url": url},
    )


@extend_schema_view(
    list=extend_schema(
        summary="Find leads: the lead list's search, filters and sort order, page by page",
        operation_id="leads_list",
        parameters=[
            *form_parameters(LeadFilterForm),
            optional_parameter("after", str, "The `next_cursor` of the page before."),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": PAGE_SIZE.minimum, "maximum": PAGE_SIZE.maximum},
                description=f"Rows per page (default {LIST_PAGE_SIZE}).",
            ),
        ],
        responses=page_serializer("LeadPage", LeadSerializer),
    ),
    create=extend_schema(
        summary="Log a new lead (Marketing and managers)",
        request=NewLeadSerializer,
        responses={201: LeadSerializer, **DUPLICATE},
    ),
    retrieve=extend_schema(summary="A lead", responses=LeadSerializer),
    partial_update=extend_schema(
        summary="Change a lead's details (who may: as on the lead's page)",
        request=LeadWriteSerializer,
        responses={200: LeadSerializer, **DUPLICATE},
    ),
)
class LeadViewSet(viewsets.ViewSet):
    lookup_value_converter = "int"

    def list(self, request: Request) -> Response:
        options = lead_list_options()
        form = LeadFilterForm(request.query_params, options=options)
        paging = PageSizeSerializer(data=request.query_params)
        if not form.is_valid():
            raise form_errors(form)
        paging.is_valid(raise_exception=True)
        page = lead_list_page(
            filters=form.filters(),
            sort=form.sort_order(),
            after=paging.validated_data.get("after") or None,
            options=options,
            now=timezone.now(),
            per_page=paging.validated_data["page_size"],
        )
        rows = LeadSerializer(page.rows, many=True).data
        return page_response(rows, next_cursor=page.next_cursor, request=request)

    def create(self, request: Request) -> Response:
        if not can_create_lead(caller(request)):
            raise NotAllowed(str(CREATE_LEAD_REFUSAL))
        given = NewLeadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        details = dict(given.validated_data)
        try:
            lead = create_lead(details=details, note=details.pop("note", ""), actor=caller(request))
        except DuplicateLead as duplicate:
            return duplicate_response(duplicate, request)
        location = reverse("api:lead-detail", args=[lead.pk])
        return Response(
            lead_body(lead_for_page(lead.pk)),
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(lead_body(lead_for_page(pk)))

    def partial_update(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        if not can_edit_lead(caller(request), lead):
            raise NotAllowed(str(EDIT_LEAD_REFUSAL))
        given = LeadWriteSerializer(lead, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        try:
            update_lead(lead=lead, details=given.validated_data, actor=caller(request))
        except DuplicateLead as duplicate:
            return duplicate_response(duplicate, request)
        return Response(lead_body(lead_for_page(pk)))

    @extend_schema(
        summary="A lead's timeline, newest first: notes, calls, emails, meetings and moves",
        parameters=[optional_parameter("before", str, "The `next_cursor` of the page before.")],
        responses=page_serializer("TimelinePage", TimelineEntrySerializer),
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = lead_timeline(lead=lead, before=query.validated_data.get("before"))
        entries = TimelineEntrySerializer(page.entries, many=True).data
        older = str(page.older) if page.older is not None else None
        return page_response(entries, next_cursor=older, request=request, parameter="before")

    @extend_schema(
        summary="Write a note on a lead's timeline (everyone on either team)",
        request=NoteSerializer,
        responses={201: TimelineEntrySerializer},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        given = NoteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        activity = add_activity(
            lead=lead,
            kind=ActivityKind.NOTE,
            body=given.validated_data["body"],
            author=caller(request),
        )
        body = TimelineEntrySerializer(activity_entry(activity)).data
        return Response(body, status=status.HTTP_201_CREATED)


class MentionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    seen_at = serializers.DateTimeField(allow_null=True)
    lead = serializers.SerializerMethodField()
    author = PersonSerializer(source="activity.author", allow_null=True)
    kind = serializers.CharField(source="activity.kind")
    body = serializers.CharField(source="activity.body")

    def get_lead(self, mention: Mention) -> dict[str, Any]:
        lead = mention.activity.lead
        return {"id": lead.pk, "full_name": lead.full_name}


class MentionsView(APIView):
    """Where colleagues named you with @username, newest first."""

    @extend_schema(
        summary="Your mentions, newest first (reading them here does not mark them seen)",
        parameters=[optional_parameter("before", str, "The `next_cursor` of the page before.")],
        responses=page_serializer("MentionPage", MentionSerializer),
    )
    def get(self, request: Request) -> Response:
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = mentions_of(user=caller(request), before=query.validated_data.get("before"))
        older = str(page.older) if page.older is not None else None
        rows = MentionSerializer(page.mentions, many=True).data
        return page_response(rows, next_cursor=older, request=request, parameter="before")


class MentionsSeenView(APIView):
    @extend_schema(
        summary="Mark all your mentions seen, as opening the mentions page does",
        request=None,
        responses=inline_serializer("MentionsSeen", {"marked": serializers.IntegerField()}),
    )
    def post(self, request: Request) -> Response:
        return Response({"marked": mark_mentions_seen(user=caller(request))})


@extend_schema_view(
    list=extend_schema(summary="Buyer personas, with their number of leads"),
    retrieve=extend_schema(
        summary="A persona and its leads' conversion", responses=PersonaDetailSerializer
    ),
    create=extend_schema(summary="Add a persona (Marketing and managers)"),
    partial_update=extend_schema(summary="Change a persona (Marketing and managers)"),
)
class PersonaViewSet(viewsets.GenericViewSet[Persona]):
    serializer_class = PersonaSerializer
    queryset = Persona.objects.none()
    lookup_value_converter = "int"
    pagination_class = None

    def list(self, request: Request) -> Response:
        return Response(PersonaSerializer(personas_with_lead_counts(), many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        persona = personas_with_lead_counts().get(pk=pk)
        persona.conversion = persona_conversion(persona)  # type: ignore[attr-defined]
        return Response(PersonaDetailSerializer(persona).data)

    def create(self, request: Request) -> Response:
        return self._save(request, Persona(), status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        return self._save(request, Persona.objects.get(pk=pk), status.HTTP_200_OK)

    def _save(self, request: Request, persona: Persona, answer: int) -> Response:
        if not can_manage_personas(caller(request)):
            raise NotAllowed(str(MANAGE_PERSONAS_REFUSAL))
        given = PersonaSerializer(persona, data=request.data, partial=persona.pk is not None)
        given.is_valid(raise_exception=True)
        for field, value in given.validated_data.items():
            setattr(persona, field, value)
        saved = save_persona(persona=persona, actor=caller(request))
        body = PersonaSerializer(personas_with_lead_counts().get(pk=saved.pk)).data
        return Response(body, status=answer)


def _capture_forms() -> QuerySet[CaptureForm]:
    return capture_forms_with_counts().select_related("persona", "owner")


def _capture_form_body(pk: int) -> dict[str, Any]:
    form = _capture_forms().get(pk=pk)
    form.snippets = snippets(form)  # type: ignore[attr-defined]
    form.latest_captures = latest_captures(form)  # type: ignore[attr-defined]
    return dict(CaptureFormDetailSerializer(form).data)


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
class CaptureFormViewSet(viewsets.ViewSet):
    """Thin views over leads.capture, with the form page's form for the body."""

    lookup_value_converter = "int"

    def list(self, request: Request) -> Response:
        self._viewers_only(request)
        return Response(CaptureFormSerializer(_capture_forms(), many=True).data)

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
