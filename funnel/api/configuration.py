"""The stages and reasons managers configure."""

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import transaction
from django.db.models import Model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets

from funnel.models import Reason, Stage
from funnel.serializers import (
    ReasonSerializer,
    StageSerializer,
)
from smarketing.api import (
    caller,
)


class ConfigurationPermission(permissions.DjangoModelPermissions):
    """Everyone reads the funnel's configuration; writing it takes the admin's permissions
    (add, change), which the Managers group holds (funnel.permissions)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": [],
        "HEAD": [],
        "OPTIONS": [],
    }


class ConfigurationViewSet[M: Model](
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[M],
):
    """Stages and reasons. Each change is written to the admin's history, as the admin does."""

    permission_classes = [ConfigurationPermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_converter = "int"
    pagination_class = None

    @transaction.atomic
    def perform_create(self, serializer: serializers.BaseSerializer[M]) -> None:
        saved = serializer.save()
        self._log(saved, ADDITION, [{"added": {}}])

    @transaction.atomic
    def perform_update(self, serializer: serializers.BaseSerializer[M]) -> None:
        saved = serializer.save()
        changed = sorted(serializer.validated_data)
        self._log(saved, CHANGE, [{"changed": {"fields": changed}}] if changed else [])

    def _log(self, saved: M, flag: int, message: list[dict[str, Any]]) -> None:
        LogEntry.objects.log_actions(
            user_id=caller(self.request).pk,
            queryset=[saved],
            action_flag=flag,
            change_message=message,
            single_object=True,
        )


@extend_schema_view(
    list=extend_schema(summary="The funnel's stages, in order"),
    retrieve=extend_schema(summary="A stage"),
    create=extend_schema(summary="Add a stage (managers)"),
    partial_update=extend_schema(summary="Change a stage (managers)"),
)
class StageViewSet(ConfigurationViewSet[Stage]):
    queryset = Stage.objects.order_by("position")
    serializer_class = StageSerializer


@extend_schema_view(
    list=extend_schema(summary="Recycle and lost reasons"),
    retrieve=extend_schema(summary="A reason"),
    create=extend_schema(summary="Add a reason (managers)"),
    partial_update=extend_schema(summary="Change a reason (managers); untick active to retire"),
)
class ReasonViewSet(ConfigurationViewSet[Reason]):
    queryset = Reason.objects.order_by("kind", "position", "label")
    serializer_class = ReasonSerializer
