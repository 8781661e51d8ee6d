"""Errors are JSON with a stable code, a sentence and the refused fields; rate limits answer
429; bad input never makes a server error."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from leads.models import Lead
from tests.api.conftest import ClientFor
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_every_error_has_the_same_shape(client_for: ClientFor, marketer: User) -> None:
    api = client_for(marketer)
    answers = [
        api.post("/api/v1/leads/", {}, format="json"),
        APIClient().get("/api/v1/leads/"),
        client_for(User.objects.create(username="nobody")).post(
            "/api/v1/stages/", {"name": "x"}, format="json"
        ),
        api.get("/api/v1/leads/987654/"),
        api.get("/api/v1/no/such/thing/"),
        api.delete("/api/v1/leads/"),
    ]

    assert [answer.status_code for answer in answers] == [400, 401, 403, 404, 404, 405]
    for answer in answers:
        body = answer.json()
        assert set(body) == {"code", "message", "fields"}
        assert body["message"]
    assert answers[0].json()["fields"] == {
        "full_name": ["This field is required."],
        "email": ["This field is required."],
        "source": ["This field is required."],
    }
    assert [answer.json()["code"] for answer in answers[1:]] == [
        "not_authenticated",
        "permission_denied",
        "not_found",
        "not_found",
        "method_not_allowed",
    ]


def test_a_body_that_is_not_json_is_a_clear_400(client_for: ClientFor, marketer: User) -> None:
    api = client_for(marketer)

    broken = api.generic("POST", "/api/v1/leads/", "{not json", content_type="application/json")
    as_form = api.post("/api/v1/leads/", {"full_name": "A"})
    a_list = api.post("/api/v1/leads/", [{"full_name": "A"}], format="json")

    assert broken.status_code == 400
    assert broken.json()["code"] == "malformed_request"
    assert as_form.status_code == 415
    assert as_form.json()["code"] == "unsupported_media_type"
    assert a_list.status_code == 400
    assert not Lead.objects.exists()


def test_the_rate_limit_answers_429_with_when_to_retry(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    api = client_for(marketer)
    other = client_for(sales_rep)
    rates = {"DEFAULT_THROTTLE_RATES": {"api": "3/minute"}}

    from django.conf import settings

    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, **rates}):
        statuses = [api.get("/api/v1/me/").status_code for _ in range(5)]
        limited = api.get("/api/v1/me/")
        someone_else = other.get("/api/v1/me/")

    assert statuses == [200, 200, 200, 429, 429]
    assert limited.json()["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    assert someone_else.status_code == 200


def test_a_refused_write_changes_nothing_even_after_partial_validation(
    client_for: ClientFor, marketer: User
) -> None:
    lead = LeadFactory.create(company="Before", phone="1")

    response = client_for(marketer).patch(
        f"/api/v1/leads/{lead.pk}/", {"company": "After", "expected_value": "abc"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["expected_value"]
    lead.refresh_from_db()
    assert lead.company == "Before"


def test_the_end_of_the_calendar_is_a_field_error_not_a_crash(
    client_for: ClientFor, marketer: User
) -> None:
    response = client_for(marketer).get("/api/v1/leads/", {"created_to": "9999-12-31"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["created_to"]


@pytest.mark.parametrize("path", ["/api/v1/leads/", "/api/v1/queue/", "/api/v1/digests/"])
def test_a_forged_cursor_is_a_field_error_on_after(
    client_for: ClientFor, manager: User, path: str
) -> None:
    response = client_for(manager).get(path, {"after": "forged"})

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "after": ["This cursor is not one this list wrote: start from the top."]
    }
