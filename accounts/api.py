"""The API's people and personal tokens: who am I, and my tokens (list, create, revoke)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken, User
from accounts.roles import roles_of
from accounts.tokens import DEFAULT_LIFETIME, LIFETIMES, create_token, revoke_token, tokens_of
from smarketing.api import AnsweredBeforeCommit, StrictCharField, caller
from smarketing.errors import NotAllowed


class PersonSerializer(serializers.ModelSerializer[User]):
    """A colleague as other objects name them."""

    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields


class MeSerializer(PersonSerializer):
    roles = serializers.SerializerMethodField()

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "roles"]
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return sorted(role.value for role in roles_of(user))


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class NewApiTokenSerializer(serializers.Serializer[ApiToken]):
    name = StrictCharField(
        max_length=ApiToken._meta.get_field("name").max_length, help_text="Where the token is used."
    )
    lifetime_days = serializers.ChoiceField(
        choices=sorted(LIFETIMES), default=DEFAULT_LIFETIME, help_text="Days until it expires."
    )


class CreatedApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The full token. It is shown this once only.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="Who the credentials belong to")
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(caller(request)).data)


@extend_schema_view(
    list=extend_schema(summary="Your API tokens"),
    create=extend_schema(
        summary="Create a token (signed-in session only; the token is shown once)",
        request=NewApiTokenSerializer,
        responses={201: CreatedApiTokenSerializer},
    ),
    destroy=extend_schema(summary="Revoke one of your tokens"),
)
class ApiTokenViewSet(
    AnsweredBeforeCommit,
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[ApiToken],
):
    serializer_class = ApiTokenSerializer
    lookup_value_converter = "int"
    pagination_class = None

    def get_queryset(self) -> Any:
        return tokens_of(caller(self.request))

    def create(self, request: Request) -> Response:
        # A token cannot make more tokens: one that leaked must not outlive its revocation.
        if isinstance(request.auth, ApiToken):
            raise NotAllowed(_("Create tokens from your settings page, signed in."))
        given = NewApiTokenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        new = create_token(
            user=caller(request),
            name=given.validated_data["name"],
            lifetime_days=given.validated_data["lifetime_days"],
        )
        body = {**ApiTokenSerializer(new.token).data, "token": new.secret}
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not revoke_token(user=caller(request), token_id=int(kwargs["pk"])):
            raise ApiToken.DoesNotExist
        return Response(status=status.HTTP_204_NO_CONTENT)
