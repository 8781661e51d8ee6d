"""Hostile input to the API: a clear JSON refusal, never a 500, nothing changed."""

import json

import pytest
from django.db import IntegrityError
from django.test import override_settings

from accounts.models import User
from funnel.models import Stage
from leads.models import Lead
from tests.api.conftest import ClientFor, stage
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"
ADA = {"full_name": "Ada Lovelace", "email": "ada@example.com", "source": "event"}


def test_brackets_nested_too_deep_are_a_json_400(client_for: ClientFor, marketer: User) -> None:
    body = "[" * 100_000 + "]" * 100_000

    answer = client_for(marketer).generic("POST", LEADS, body, content_type="application/json")

    assert answer.status_code == 400
    assert answer.json()["code"] == "malformed_request"
    assert not Lead.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_body_over_the_upload_limit_is_a_json_413(client_for: ClientFor, marketer: User) -> None:
    body = json.dumps({**ADA, "company": "x" * 20_000})

    answer = client_for(marketer).generic("POST", LEADS, body, content_type="application/json")

    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (LEADS, {**ADA, "full_name": 12}, "full_name"),
        (LEADS, {**ADA, "email": 12}, "email"),
        (LEADS, {**ADA, "note": 12}, "note"),
        (LEADS, {**ADA, "expected_value": 12}, "expected_value"),
        ("/api/v1/personas/", {"name": 12}, "name"),
        ("/api/v1/goals/", {"period": "2026-Q4", "amount": 1000, "marketing_share": 50}, "amount"),
        ("/api/v1/goals/", {"period": 202612, "amount": "1000", "marketing_share": 50}, "period"),
        ("/api/v1/personas/", {"name": "Ops lead", "pains": 3}, "pains"),
    ],
)
def test_numbers_where_the_schema_says_string_are_refused(
    client_for: ClientFor, manager: User, path: str, body: dict, field: str
) -> None:
    answer = client_for(manager).post(path, body, format="json")

    assert answer.status_code == 400, answer.content
    assert field in answer.json()["fields"]


def test_stage_time_limits_are_bounded_everywhere(
    client_for: ClientFor, manager: User, marketer: User
) -> None:
    manager.is_staff = True
    manager.save()
    api = client_for(manager)
    mql = stage("mql")
    LeadFactory.create(marketing_owner=marketer)

    answers = [
        api.patch(f"/api/v1/stages/{mql.pk}/", {"sla_hours": hours}, format="json")
        for hours in (20_000_000, 2**31, 2**63, 0, -1)
    ]

    assert [answer.status_code for answer in answers] == [400] * 5
    assert Stage.objects.get(pk=mql.pk).sla_hours == mql.sla_hours
    longest = api.patch(f"/api/v1/stages/{mql.pk}/", {"sla_hours": 24 * 365}, format="json")
    assert longest.status_code == 200
    assert api.get(LEADS).status_code == 200
    with pytest.raises(IntegrityError):
        Stage.objects.filter(pk=mql.pk).update(sla_hours=20_000_000)


@pytest.mark.parametrize("period", ["0001-01", "0001-Q1", "9999-12", "9999-Q4"])
def test_a_period_too_far_away_is_refused(
    client_for: ClientFor, marketer: User, period: str
) -> None:
    answer = client_for(marketer).get("/api/v1/dashboard/", {"period": period})

    assert answer.status_code == 400
    assert "period" in answer.json()["fields"]


def test_an_invisible_character_does_not_make_a_second_lead_of_one_email(
    client_for: ClientFor, marketer: User
) -> None:
    api = client_for(marketer)
    first = api.post(LEADS, ADA, format="json")

    again = [
        api.post(LEADS, {**ADA, "email": email}, format="json")
        for email in (
            "ada@exa\u200bmple.com",
            "\u200bada@example.com",
            "\uff41\uff44\uff41@example.com",
        )
    ]

    assert first.status_code == 201
    assert [answer.status_code for answer in again] == [409, 409, 409]
    assert [answer.json()["code"] for answer in again] == ["duplicate_email"] * 3
    assert list(Lead.objects.values_list("email", flat=True)) == ["ada@example.com"]


def test_email_lengths_follow_rfc_5321(client_for: ClientFor, marketer: User) -> None:
    api = client_for(marketer)

    long_local = api.post(LEADS, {**ADA, "email": "a" * 65 + "@example.com"}, format="json")
    longest_local = api.post(LEADS, {**ADA, "email": "a" * 64 + "@example.com"}, format="json")

    assert long_local.status_code == 400
    assert long_local.json()["fields"]["email"] == [
        "The part before the @ may have at most 64 characters."
    ]
    assert longest_local.status_code == 201
    assert Lead.objects.get().email == "a" * 64 + "@example.com"


def test_names_are_kept_on_one_line(client_for: ClientFor, marketer: User) -> None:
    answer = client_for(marketer).post(
        LEADS,
        {**ADA, "full_name": "Ada\r\nLovelace\u0007", "company": "Analytical\tEngines\u200b"},
        format="json",
    )

    assert answer.status_code == 201
    lead = Lead.objects.get()
    assert (lead.full_name, lead.company) == ("Ada Lovelace", "Analytical Engines")
