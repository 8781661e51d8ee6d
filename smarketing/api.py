"""What every endpoint of the REST API (/api/v1/) shares: token authentication, the rate limit,
errors as JSON with stable codes, their place in the OpenAPI schema, and cursor pages.

Errors always read `{"code": ..., "message": ..., "fields": {...}}`: `code` is stable (clients
branch on it), `message` is a sentence for a person, `fields` maps a request field to what is
wrong with it (empty unless the request had bad fields).
"""

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models, transaction
from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView, set_rollback

from accounts.models import User
from smarketing.api_auth import TokenAuthentication
from smarketing.bounds import decimal_pattern
from smarketing.errors import DomainError
from smarketing.pagination import InvalidCursor


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("The request body is too large: send less at a time.")


# Stable codes of the errors DRF itself raises.
_DRF_CODES: dict[type[exceptions.APIException], str] = {
    PayloadTooLarge: "too_large",
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


class ApiErrorSerializer(serializers.Serializer[Any]):
    """The body of every error answer."""

    code = serializers.CharField(help_text="Stable; clients may branch on it.")
    message = serializers.CharField(help_text="A sentence for a person, saying what to do.")
    # DRF collects declared fields by name, so this one may shadow Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each request field that was refused, with why. Empty for other errors.",
    )


class StrictCharField(serializers.CharField):
    """JSON strings only: DRF's CharField also takes numbers (turning 12 into "12"), which a
    string in the schema does not allow."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(StrictCharField, serializers.EmailField):
    pass


class StrictSlugField(StrictCharField, serializers.SlugField):
    pass


class StrictModelSerializer[M: Model](serializers.ModelSerializer[M]):
    """A ModelSerializer whose text fields take JSON strings only."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.SlugField: StrictSlugField,
    }


class StrictBooleanField(serializers.BooleanField):
    """JSON's true or false only: DRF's BooleanField also takes 1, "yes", "on" and the like,
    which a boolean in the schema does not allow."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


def error_response(
    http_status: int,
    *,
    code: str,
    message: str,
    fields: Mapping[str, Sequence[str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {"code": code, "message": message, "fields": dict(fields or {}), **extra}
    return Response(body, status=http_status, headers=headers)


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _field_errors(detail: Any) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {api_settings.NON_FIELD_ERRORS_KEY: _flatten(detail)}
    return {str(name): _flatten(value) for name, value in detail.items()}


def _as_api_exception(exc: Exception) -> Exception:
    """Django's and the pagination's refusals as the API exceptions that answer them."""
    if isinstance(exc, InvalidCursor):
        # Every keyset-paged list of the API takes its cursor as `after`.
        return exceptions.ValidationError(
            {"after": [_("This cursor is not one this list wrote: start from the top.")]}
        )
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        # Django's own refusals of a request (too many fields, a bad multipart body...).
        return exceptions.ParseError()
    return exc


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """Every refusal as the one error shape. Domain errors keep their code and HTTP status;
    a missing object is a 404, whoever asks; a cursor no list wrote is a 400 on `after`; a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE a 413.
    Anything else is a bug, left to Django's 500."""
    if isinstance(exc, DomainError):
        set_rollback()
        return error_response(exc.http_status, code=exc.code, message=exc.message)
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if wait := getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(wait))
    code = next((c for kind, c in _DRF_CODES.items() if isinstance(exc, kind)), "error")
    if isinstance(exc, exceptions.ValidationError):
        return error_response(
            exc.status_code,
            code=code,
            message=_("Some fields were not accepted: correct them and send the request again."),
            fields=_field_errors(exc.detail),
        )
    return error_response(
        exc.status_code, code=code, message=" ".join(_flatten(exc.detail)), headers=headers
    )


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from your settings page: smk_<prefix>_<secret>.",
        }


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorSerializer, description=description)


# The documented meaning of each error status, used by every operation that can answer it.
ERRORS: dict[int, OpenApiResponse] = {
    400: _error("The request was not accepted: `fields` says which field and why."),
    401: _error("No valid credentials: sign in, or send a valid token."),
    403: _error("Your role may not do this (the same rule as on the pages)."),
    404: _error("There is no such object, or it is not yours to see."),
    409: _error(
        "The data changed under you: someone else claimed the lead first, or the lead's stage "
        "no longer allows this move, or the email belongs to another lead."
    ),
    429: _error("Too many requests: wait for the seconds in the Retry-After header."),
}


# Marks a query parameter that may be sent empty, meaning "not given" (as a form reads it):
# OpenAPI's allowEmptyValue, which drf-spectacular has no argument for.
EMPTY_IS_ABSENT = "x-empty-is-absent"


def optional_parameter(name: str, schema: Any, description: str) -> OpenApiParameter:
    """A query parameter that may be left out or sent empty."""
    return OpenApiParameter(
        name, schema, description=description, extensions={EMPTY_IS_ABSENT: True}
    )


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers every operation can give: 401, 403
    and 429 always; 404 where the path names an object; 400 where the request carries input.
    Views add the rest (such as 409) with extend_schema."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)  # type: ignore[arg-type]
        wanted = {401, 403, 429}
        if "{" in self.path:
            wanted.add(404)
        if self.method in ("POST", "PUT", "PATCH") or self._get_filter_parameters():
            wanted.add(400)
        if self.method == "GET" and self.get_override_parameters():
            wanted.add(400)
        for code in sorted(wanted):
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(
                    ERRORS[code], str(code), direction=direction
                )
        return bodies

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        mapped: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and mapped.get("type") == "string":
            mapped.update(_amount_pattern(field.min_value, field.max_value, field.decimal_places))
        return mapped

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter.pop(EMPTY_IS_ABSENT, False):
                parameter["allowEmptyValue"] = True
        return operation

    def _is_list_view(self, serializer: Any = None) -> bool:
        # A cursor page is one object holding the rows, not a list of pages.
        shown = serializer if serializer is not None else self.get_response_serializers()
        return not getattr(shown, "cursor_page", False) and super()._is_list_view(serializer)


def _amount_pattern(minimum: Any, maximum: Any, places: int | None) -> dict[str, str]:
    """The pattern of the amounts a decimal field accepts (drf-spectacular's own takes any sign
    and any size), where its bounds are known."""
    if minimum is None or maximum is None or places is None:
        return {}
    pattern = decimal_pattern(Decimal(minimum), Decimal(maximum), places)
    return {"pattern": pattern} if pattern else {}


def _parameter_schema(field: forms.Field) -> dict[str, Any]:
    if isinstance(field, forms.BooleanField):
        # As a checkbox in a query string: any value but false and 0 turns it on.
        return {"type": "string", "example": "true"}
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    if isinstance(field, forms.IntegerField) or (
        isinstance(field, forms.TypedChoiceField) and field.coerce is int
    ):
        return {"type": "integer"}
    choices: list[tuple[Any, Any]] = list(getattr(field, "choices", []))
    if isinstance(field, forms.ChoiceField) and (values := [v for v, _ in choices if v]):
        return {"type": "string", "enum": values}
    schema: dict[str, Any] = {"type": "string"}
    if max_length := getattr(field, "max_length", None):
        schema["maxLength"] = max_length
    return schema


def form_parameters(form_class: type[forms.Form]) -> list[OpenApiParameter]:
    """The query parameters a page's filter form reads, for the schema of the endpoint that
    passes its query string through the same form: a field added to the form is documented
    without a change here."""
    return [
        optional_parameter(name, _parameter_schema(field), str(field.label or ""))
        for name, field in form_class.base_fields.items()
    ]


def _body_schema(field: forms.Field) -> dict[str, Any]:
    if isinstance(field, forms.DecimalField):
        # JSON numbers lose cents to floating point: send amounts as strings.
        return {
            "type": "string",
            "format": "decimal",
            "example": "1000.00",
            **_amount_pattern(field.min_value, field.max_value, field.decimal_places),
        }
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.ModelChoiceField):
        return {"type": "integer"}  # the object's id
    return _parameter_schema(field)


def _takes_null(field: forms.Field) -> bool:
    """Whether `null` means "left empty" to the field: a choice or a number that may be left
    empty. Text left empty is "", never null."""
    return not field.required and not isinstance(field, forms.CharField | forms.BooleanField)


def form_body(form_class: type[forms.Form | forms.ModelForm[Any]]) -> dict[str, Any]:
    """The JSON body a page's form reads, for the schema of an endpoint that validates its body
    with that same form (through page_form)."""
    return {
        "type": "object",
        "properties": {
            name: {
                **_body_schema(field),
                **({"nullable": True} if _takes_null(field) else {}),
                "description": str(field.label or ""),
            }
            for name, field in form_class.base_fields.items()
        },
        "required": [name for name, field in form_class.base_fields.items() if field.required],
    }


def _json_object(request: Request) -> Mapping[str, Any]:
    data: Any = request.data
    if not isinstance(data, Mapping):
        raise exceptions.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: [_("Send one JSON object.")]}
        )
    return data


def form_values(request: Request, fields: Mapping[str, forms.Field]) -> dict[str, Any]:
    """The values the JSON body sends for a form's `fields`, or a 400 naming each field sent a
    value of another JSON type than form_body documents, or one the form would misread: a form
    reads a list, an object or `true` as their text, 12 as "12", and `null` as left empty, which
    only a field that may be left empty (and is not text) means."""
    body = _json_object(request)
    sent = {name: body[name] for name in fields if name in body}
    refused = {
        name: [problem]
        for name, value in sent.items()
        if (problem := _json_problem(fields[name], value))
    }
    if refused:
        raise exceptions.ValidationError(refused)
    return sent


def page_form[F: forms.BaseForm](
    request: Request, build: Callable[[dict[str, Any] | None], F], *, whole: bool = False
) -> tuple[F, set[str]]:
    """The JSON body through a page's own form, so that the API keeps the page's rules.

    `build` makes the form from its data: the form's class, or a function that gives the page's
    other arguments (the object changed, the move made...). The body is laid over what the page
    shows in the form (a new object's first values, or the object's own), so that a request sends
    only what it sets; with `whole` the body is all there is (a PUT sends every field). The valid
    form, and the names of the fields the body sent; or a 400 with the form's errors."""
    shown = build(None)
    sent = form_values(request, shown.fields)
    first = {} if whole else {name: shown[name].initial for name in shown.fields}
    form = build({**first, **sent})
    if not form.is_valid():
        raise form_errors(form)
    return form, set(sent)


def _json_problem(field: forms.Field, value: Any) -> str | None:
    if value is None:
        if _takes_null(field):
            return None
        return str(serializers.Field.default_error_messages["null"])
    scalar = isinstance(value, str | int | float)
    if not scalar or (isinstance(value, bool) and not isinstance(field, forms.BooleanField)):
        return _("Send one value here, of the type the schema gives.")
    if _body_schema(field)["type"] == "string" and not isinstance(value, str):
        # The schema says string: 12 is refused where "12" is meant.
        return str(serializers.CharField.default_error_messages["invalid"])
    return None


def form_errors(form: forms.BaseForm) -> exceptions.ValidationError:
    """A form's errors as the API's 400 answer."""
    errors = form.errors.get_json_data()
    return exceptions.ValidationError(
        {
            name: [error["message"] for error in field_errors]
            for name, field_errors in errors.items()
        }
    )


def caller(request: Request) -> User:
    """The signed-in person (every endpoint but the schema requires one)."""
    user: User = request.user  # type: ignore[assignment]
    return user


def page_response(
    results: Any, *, next_cursor: str | None, request: Request, parameter: str = "after"
) -> Response:
    """A page of a cursor-paged list: its rows and where the next page starts (as a cursor for
    the `parameter` query parameter and as a link), or nulls on the last page."""
    next_url = None
    if next_cursor is not None:
        query = request.query_params.copy()
        query[parameter] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return Response({"results": results, "next_cursor": next_cursor, "next": next_url})


def page_serializer(name: str, row: type[serializers.Serializer[Any]]) -> type[Any]:
    """The schema of a cursor page of `row`s, for extend_schema."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "cursor_page": True,
            "results": row(many=True),
            "next_cursor": serializers.CharField(allow_null=True),
            "next": serializers.URLField(allow_null=True),
        },
    )


class AnsweredBeforeCommit(APIView):
    """A view whose writes and the answer read after them share one transaction.

    The answer (the lead as it now is, say) is read before the commit, not after it: were the
    database lost in between, the request would otherwise fail with the change saved, and the
    client would be told a change failed that went through. Now a lost database fails the
    whole request, nothing saved (503, try again). The services' own transactions become
    savepoints inside this one."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method in SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)


class NotFoundView(APIView):
    """Any other address under /api/v1/: a JSON 404 rather than the site's HTML page."""

    schema = None

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound()

    post = put = patch = delete = get
