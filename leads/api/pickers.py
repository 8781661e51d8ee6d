"""The choices of the lead list's campaign and owner filters, a few at a time, as the page's
pickers offer them (leads.pickers): for a client's own search-as-you-type."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import lead_owners
from leads.filters import PickerForm
from leads.pickers import PICKER_LIMIT, campaigns_matching, owners_matching
from smarketing.api import form_errors, form_parameters


class CampaignChoiceSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(
        source="value", help_text="The campaign, as the leads' `campaign` filter takes it."
    )


class OwnerChoiceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(
        source="value", help_text="The person's id, as the leads' `owner` filter takes it."
    )
    name = serializers.CharField(source="label")
    username = serializers.CharField(source="hint")


def _term(request: Request) -> str:
    form = PickerForm(request.query_params)
    if not form.is_valid():
        raise form_errors(form)
    return form.term()


class CampaignChoicesView(APIView):
    @extend_schema(
        summary=f"Up to {PICKER_LIMIT} campaigns in use whose name holds `q` (any case), "
        "alphabetically: the lead list's campaign picker",
        parameters=form_parameters(PickerForm),
        responses=CampaignChoiceSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return Response(
            CampaignChoiceSerializer(campaigns_matching(_term(request)), many=True).data
        )


class OwnerChoicesView(APIView):
    @extend_schema(
        summary=f"Up to {PICKER_LIMIT} people who may own leads whose name, username or email "
        "holds `q` (any case), by name: the lead list's owner picker",
        parameters=form_parameters(PickerForm),
        responses=OwnerChoiceSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        choices = owners_matching(lead_owners(), _term(request))
        return Response(OwnerChoiceSerializer(choices, many=True).data)
