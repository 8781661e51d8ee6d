"""The stages and reasons managers configure."""

from typing import cast

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets

from funnel.configuration import Configuration, save_configuration
from funnel.models import Reason, Stage
from funnel.serializers import (
    ReasonSerializer,
    StageSerializer,
)
from smarketing.api import (
    AnsweredBeforeCommit,
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


class ConfigurationViewSet[C: Configuration](
    AnsweredBeforeCommit,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[C],
):
    """Stages and reasons, saved through funnel.configuration as the admin saves them."""

    permission_classes = [ConfigurationPermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_converter = "int"
    pagination_class = None

    def perform_create(self, serializer: serializers.BaseSerializer[C]) -> None:
        item = self.get_queryset().model(**serializer.validated_data)
        serializer.instance = save_configuration(item=item, actor=caller(self.request))

    def perform_update(self, serializer: serializers.BaseSerializer[C]) -> None:
        # UpdateModelMixin gives the serializer the object it found.
        item = cast(C, serializer.instance)
        for name, value in serializer.validated_data.items():
            setattr(item, name, value)
        save_configuration(item=item, actor=caller(self.request))


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
