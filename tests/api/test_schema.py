"""The OpenAPI schema: served, valid, and every operation documents its errors."""

import re
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.models import User
from smarketing.bounds import (
    DEAL_AMOUNT,
    GOAL_AMOUNT,
    LEAD_VALUE,
    PLANNING_RATE,
    Bound,
    decimal_pattern,
)

pytestmark = pytest.mark.django_db

SCHEMA = "/api/v1/schema/"
METHODS = {"get", "post", "patch", "put", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_schema_is_valid_openapi_3(schema: dict) -> None:
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_is_served_to_signed_in_people_only(marketer: User) -> None:
    client = APIClient()
    anonymous = client.get(SCHEMA)
    client.force_authenticate(marketer)
    served = client.get(SCHEMA, {"format": "json"})

    assert anonymous.status_code == 401
    assert served.status_code == 200
    assert "/api/v1/leads/" in served.json()["paths"]


def test_the_docs_page_asks_anonymous_visitors_to_log_in(client, marketer: User) -> None:
    assert client.get("/api/v1/docs/").status_code == 302
    client.force_login(marketer)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"swagger-ui" in page.content


def test_every_operation_documents_its_errors(schema: dict) -> None:
    missing = []
    for path, method, operation in operations(schema):
        expected = {"401", "403", "429"}
        if "{" in path:
            expected.add("404")
        if method in {"post", "patch"}:
            expected.add("400")
        lacking = expected - set(operation["responses"])
        if lacking:
            missing.append(f"{method.upper()} {path}: {sorted(lacking)}")
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith(("/ApiError", "/DuplicateLeadError")), (path, method, code)
    assert not missing


def test_moves_and_duplicates_document_their_conflict(schema: dict) -> None:
    conflicts = {
        (path, method)
        for path, method, operation in operations(schema)
        if "409" in operation["responses"]
    }
    for move in ("qualify", "claim", "advance", "win", "lose", "recycle", "reassign", "moves"):
        assert (f"/api/v1/leads/{{id}}/{move}/", "post") in conflicts
    assert ("/api/v1/leads/", "post") in conflicts
    assert ("/api/v1/leads/{id}/", "patch") in conflicts


def test_every_operation_has_a_summary_and_requires_credentials(schema: dict) -> None:
    for path, method, operation in operations(schema):
        assert operation.get("summary"), f"{method.upper()} {path} has no summary"
        assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]


def _written_amounts(schema: dict):
    """Every amount a request body carries, wherever its schema is written."""
    bodies = [
        spec for name, spec in schema["components"]["schemas"].items() if name.endswith("Request")
    ] + [
        media["schema"]
        for _, _, operation in operations(schema)
        for media in operation.get("requestBody", {}).get("content", {}).values()
        if "properties" in media["schema"]
    ]
    for body in bodies:
        for name, spec in body.get("properties", {}).items():
            if spec.get("format") == "decimal" and not spec.get("readOnly"):
                yield name, spec


def test_every_written_amount_says_its_bounds(schema: dict) -> None:
    amounts = list(_written_amounts(schema))
    assert {name for name, _ in amounts} >= {"amount", "value", "expected_value", "average_deal"}
    for name, spec in amounts:
        pattern = re.compile(spec["pattern"])
        assert not pattern.match("-1"), name
        assert pattern.match("1.50"), name
        assert not pattern.match("1.234"), name
        # Only a lead's expected value may be zero; money that changes hands is above it.
        assert bool(pattern.match("0.00")) == (name == "expected_value"), name


@pytest.mark.parametrize("bound", [LEAD_VALUE, DEAL_AMOUNT, GOAL_AMOUNT, PLANNING_RATE])
def test_an_amount_pattern_calls_valid_exactly_what_the_field_accepts(bound: Bound) -> None:
    places = 2
    digits = len(str(int(bound.maximum))) + places
    field = serializers.DecimalField(max_digits=digits, decimal_places=places, **bound.limits())
    pattern = re.compile(decimal_pattern(bound.minimum, bound.maximum, places) or "")
    near = [bound.minimum, bound.maximum, Decimal(1), Decimal(100), Decimal(0)]
    candidates = {
        "", ".", "0", "0.", ".5", "00.05", "0.001", "-0.01", "1.", "007", "1e3",
        *(f"{value + step}" for value in near for step in (Decimal("-0.01"), 0, Decimal("0.01"))),
        *(f"{value}0" for value in near), *(f"{value}5" for value in near),
    }  # fmt: skip
    for text in sorted(candidates):
        try:
            field.run_validation(text)
            accepted = True
        except serializers.ValidationError:
            accepted = False
        if text != "1e3":  # an exponent is accepted but never written
            assert bool(pattern.match(text)) == accepted, text
