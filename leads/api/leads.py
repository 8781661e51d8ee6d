"""The API's leads: the list, logging one, reading and changing it, its timeline and notes.

Thin views over the same forms, selectors, services and access rules as the pages."""

from functools import partial
from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from leads.access import (
    CREATE_LEAD_REFUSAL,
    EDIT_LEAD_REFUSAL,
    can_create_lead,
    can_edit_lead,
)
from leads.filters import LeadFilterForm
from leads.forms import ActivityForm, LeadForm, NewLeadForm
from leads.merge import Side, merge_leads
from leads.models import ActivityKind
from leads.selectors import LIST_PAGE_SIZE, lead_list_options, lead_list_page
from leads.serializers import (
    ExistingLeadSerializer,
    LeadSerializer,
    LeadWriteSerializer,
    MergeSerializer,
    NewLeadSerializer,
    NoteSerializer,
    TimelineEntrySerializer,
    TimelineQuerySerializer,
)
from leads.services import (
    DuplicateLead,
    add_activity,
    create_lead,
    update_lead,
)
from leads.timeline import (
    activity_entry,
    lead_for_page,
    lead_timeline,
    lead_with_clock,
)
from smarketing.api import (
    ERRORS,
    AnsweredBeforeCommit,
    ApiErrorSerializer,
    caller,
    error_response,
    form_errors,
    form_parameters,
    optional_parameter,
    page_form,
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


def lead_answer(
    pk: int, *, http_status: int = status.HTTP_200_OK, headers: dict[str, str] | None = None
) -> Response:
    """The lead as it now is, as every endpoint that reads or changes one answers."""
    body = LeadSerializer(lead_with_clock(pk, now=timezone.now())).data
    return Response(body, status=http_status, headers=headers)


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
class LeadViewSet(AnsweredBeforeCommit, viewsets.ViewSet):
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
        form, _sent = page_form(request, NewLeadForm)
        details = form.cleaned_data
        try:
            lead = create_lead(details=details, note=details["note"], actor=caller(request))
        except DuplicateLead as duplicate:
            return duplicate_response(duplicate, request)
        location = reverse("api:lead-detail", args=[lead.pk])
        return lead_answer(
            lead.pk, http_status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        return lead_answer(pk)

    def partial_update(self, request: Request, pk: int) -> Response:
        lead = lead_for_page(pk)
        if not can_edit_lead(caller(request), lead):
            raise NotAllowed(str(EDIT_LEAD_REFUSAL))
        form, sent = page_form(request, partial(LeadForm, instance=lead))
        # Only what the change sends is changed.
        details = {name: form.cleaned_data[name] for name in sent}
        try:
            update_lead(lead=lead, details=details, actor=caller(request))
        except DuplicateLead as duplicate:
            return duplicate_response(duplicate, request)
        return lead_answer(pk)

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
        form, _sent = page_form(request, partial(ActivityForm, kinds=[ActivityKind.NOTE]))
        activity = add_activity(
            lead=lead,
            kind=ActivityKind.NOTE,
            body=form.cleaned_data["body"],
            author=caller(request),
        )
        body = TimelineEntrySerializer(activity_entry(activity)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Merge another lead of the same person into this one (managers)",
        description=(
            "This lead stays: it keeps its stage, owners and place in the funnel, and takes the"
            " other lead's notes, activities, captures and stage history (before its own). The"
            " other lead is removed; its email stays as an alias, which captures, forms and"
            " imports find this lead by."
        ),
        request=MergeSerializer,
        responses={200: LeadSerializer, 404: ERRORS[404], 409: ERRORS[409]},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: int) -> Response:
        given = MergeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        other_id = given.validated_data["other"]
        seen = given.validated_data.get("seen", {})
        merge_leads(
            survivor_id=pk,
            other_id=other_id,
            actor=caller(request),
            sides={
                field: Side(side) for field, side in given.validated_data.get("fields", {}).items()
            },
            seen={
                lead_id: seen[side]
                for lead_id, side in ((pk, "survivor"), (other_id, "other"))
                if side in seen
            },
        )
        return lead_answer(pk)
