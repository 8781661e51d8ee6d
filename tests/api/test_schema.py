"""The OpenAPI schema: served, valid, and every operation documents its errors."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accounts.models import User

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
