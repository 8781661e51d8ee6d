"""Buyer personas, over leads.personas."""

from functools import partial

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from leads.access import MANAGE_PERSONAS_REFUSAL, can_manage_personas
from leads.forms import PersonaForm
from leads.models import Persona
from leads.personas import persona_detail, personas_with_lead_counts
from leads.serializers import PersonaDetailSerializer, PersonaSerializer
from leads.services import save_persona
from smarketing.api import AnsweredBeforeCommit, caller, page_form
from smarketing.errors import NotAllowed


@extend_schema_view(
    list=extend_schema(summary="Buyer personas, with their number of leads"),
    retrieve=extend_schema(
        summary="A persona and its leads' conversion", responses=PersonaDetailSerializer
    ),
    create=extend_schema(summary="Add a persona (Marketing and managers)"),
    partial_update=extend_schema(summary="Change a persona (Marketing and managers)"),
)
class PersonaViewSet(AnsweredBeforeCommit, viewsets.GenericViewSet[Persona]):
    serializer_class = PersonaSerializer
    queryset = Persona.objects.none()
    lookup_value_converter = "int"
    pagination_class = None

    def list(self, request: Request) -> Response:
        return Response(PersonaSerializer(personas_with_lead_counts(), many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(PersonaDetailSerializer(persona_detail(pk)).data)

    def create(self, request: Request) -> Response:
        return self._save(request, Persona(), status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        return self._save(request, Persona.objects.get(pk=pk), status.HTTP_200_OK)

    def _save(self, request: Request, persona: Persona, answer: int) -> Response:
        if not can_manage_personas(caller(request)):
            raise NotAllowed(str(MANAGE_PERSONAS_REFUSAL))
        # The persona page's form, which sets what it cleans on the persona it was given.
        form, _sent = page_form(request, partial(PersonaForm, instance=persona))
        saved = save_persona(persona=form.instance, actor=caller(request))
        body = PersonaSerializer(personas_with_lead_counts().get(pk=saved.pk)).data
        return Response(body, status=answer)
