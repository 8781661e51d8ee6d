"""A property of every write endpoint, the API's and the pages': whatever number-like value a
person (or a script) puts in a field that takes a number or an id, the answer is never a 500,
and a refusal changes nothing.

The values are the ones that break software: 0, -1, the edges of 32- and 64-bit integers and
beyond, NaN and the infinities, floats where integers are expected, huge strings of digits,
digits of other scripts, booleans, nulls, lists and objects."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.models import User
from funnel.models import Reason, RevenueGoal, Stage, StageChange
from leads.models import Activity, CaptureForm, Lead
from tests.api.conftest import ClientFor, claimed, opportunity, qualified
from tests.factories import CaptureFormFactory, LeadFactory, PersonaFactory

pytestmark = pytest.mark.django_db

EDGES: list[Any] = [
    0,
    -1,
    1,
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**40,
    1.5,
    -0.0,
    1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "0",
    "-1",
    "2147483648",
    "9223372036854775808",
    "9" * 400,
    "0." + "0" * 400 + "1",
    "1.5",
    "١٢٣",
    "",
    " ",
    True,
    False,
    None,
    [],
    {},
]
VALUES = st.one_of(
    st.sampled_from(EDGES),
    st.integers(),
    st.floats(),
    st.text(alphabet="0123456789.-eE", max_size=30),
)
EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    fields: tuple[str, ...]
    base: dict[str, Any]


def _state() -> list[object]:
    """Every table a write endpoint changes, as it stands."""
    return [
        list(Lead.objects.order_by("pk").values()),
        list(Stage.objects.order_by("pk").values()),
        list(Reason.objects.order_by("pk").values()),
        list(RevenueGoal.objects.order_by("pk").values()),
        list(CaptureForm.objects.order_by("pk").values()),
        StageChange.objects.count(),
        Activity.objects.count(),
    ]


@pytest.fixture
def world(marketer: User, sales_rep: User, manager: User) -> dict[str, Any]:
    """A lead at every step, a website form, and a manager allowed to configure the funnel."""
    manager.is_staff = True
    manager.save()
    mql = qualified(marketer)
    return {
        "lead": LeadFactory.create(marketing_owner=marketer).pk,
        "mql": mql.pk,
        "sql": claimed(marketer, sales_rep).pk,
        "opportunity": opportunity(marketer, sales_rep).pk,
        "stage": Stage.objects.get(slug="mql").pk,
        "working": Stage.objects.get(slug="working").pk,
        "reason": Reason.objects.filter(kind="recycle").first().pk,  # type: ignore[union-attr]
        "form": CaptureFormFactory.create().pk,
        "persona": PersonaFactory.create(name="Ops lead").pk,
        "goal": RevenueGoal.objects.count(),
    }


API_ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/v1/leads/",
        ("expected_value", "persona"),
        {"full_name": "Ada", "email": "ada@example.com", "source": "event"},
    ),
    Endpoint("PATCH", "/api/v1/leads/{lead}/", ("expected_value", "persona", "full_name"), {}),
    Endpoint(
        "PATCH",
        "/api/v1/stages/{stage}/",
        ("position", "probability", "sla_hours", "first_touch_hours"),
        {},
    ),
    Endpoint(
        "POST",
        "/api/v1/stages/",
        ("position", "probability", "sla_hours"),
        {"slug": "extra", "name": "Extra", "position": 99, "team": "sales", "probability": 5},
    ),
    Endpoint("PATCH", "/api/v1/reasons/{reason}/", ("position",), {}),
    Endpoint(
        "POST",
        "/api/v1/goals/",
        ("amount", "marketing_share", "average_deal", "planned_lead_to_mql"),
        {"period": "2026-Q4", "amount": "1000", "marketing_share": 50},
    ),
    Endpoint(
        "POST",
        "/api/v1/capture-forms/",
        ("per_minute", "per_address_per_minute", "persona", "owner"),
        {"name": "Extremes", "allowed_origins": ["https://www.example.com"]},
    ),
    Endpoint(
        "PATCH",
        "/api/v1/capture-forms/{form}/",
        ("per_minute", "per_address_per_minute", "persona", "owner"),
        {},
    ),
    Endpoint("POST", "/api/v1/leads/{opportunity}/win/", ("amount",), {}),
    Endpoint("POST", "/api/v1/leads/{sql}/advance/", ("value",), {"close_date": "2031-03-01"}),
    Endpoint("POST", "/api/v1/leads/{mql}/moves/", ("to_stage", "reason", "value"), {}),
    Endpoint("POST", "/api/v1/leads/{mql}/recycle/", ("reason",), {}),
    Endpoint("POST", "/api/v1/leads/{sql}/reassign/", ("marketing_owner", "sales_owner"), {}),
    Endpoint("POST", "/api/v1/digests/preview/", ("user",), {}),
]


def _check(send: Callable[[], int], refused: Callable[[int], bool]) -> None:
    before = _state()
    status = send()
    assert status < 500
    if refused(status):
        assert _state() == before, f"a refusal ({status}) changed something"


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_no_number_breaks_an_api_write(
    client_for: ClientFor, manager: User, world: dict[str, Any], endpoint: Endpoint
) -> None:
    api = client_for(manager)
    api.raise_request_exception = False
    path = endpoint.path.format(**world)

    @EXAMPLES
    @given(field=st.sampled_from(endpoint.fields), value=VALUES)
    def example(field: str, value: Any) -> None:
        body = json.dumps({**endpoint.base, field: value})  # NaN and Infinity as JavaScript's
        _check(
            lambda: (
                api.generic(
                    endpoint.method, path, body, content_type="application/json"
                ).status_code
            ),
            lambda status: status >= 400,
        )

    example()


def test_no_number_breaks_the_api_s_page_size(client_for: ClientFor, manager: User) -> None:
    api: APIClient = client_for(manager)
    api.raise_request_exception = False

    @EXAMPLES
    @given(value=VALUES)
    def example(value: Any) -> None:
        answer = api.get("/api/v1/leads/", {"page_size": json.dumps(value)})
        assert answer.status_code in (200, 400)

    example()


PAGES = [
    (
        "/leads/new/",
        ("expected_value",),
        {"full_name": "Ada", "email": "a@x.io", "source": "event"},
    ),
    ("/leads/{lead}/edit/", ("expected_value",), {"full_name": "Ada", "email": "b@x.io"}),
    ("/funnel/goals/new/", ("amount", "marketing_share", "average_deal"), {"period": "2026-Q4"}),
    (
        "/leads/capture-forms/new/",
        ("per_minute", "per_address_per_minute"),
        {"name": "Page", "source": "website", "allowed_origins": "https://www.example.com"},
    ),
    ("/funnel/leads/{mql}/move/", ("to_stage", "reason"), {"to_stage": "{working}"}),
    ("/funnel/leads/{sql}/reassign/", ("marketing_owner", "sales_owner"), {}),
    ("/admin/funnel/stage/{stage}/change/", ("sla_hours", "probability", "position"), {}),
]


@pytest.mark.parametrize(("path", "fields", "base"), PAGES, ids=[page[0] for page in PAGES])
def test_no_number_breaks_a_page_form(
    manager: User,
    world: dict[str, Any],
    path: str,
    fields: tuple[str, ...],
    base: dict[str, str],
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    url = path.format(**world)
    filled = {name: value.format(**world) for name, value in base.items()}
    if "/admin/" in url:
        stage = Stage.objects.get(pk=world["stage"])
        filled = {
            "name": stage.name,
            "position": str(stage.position),
            "team": stage.team,
            "outcome": stage.outcome,
            "probability": str(stage.probability),
        }

    @EXAMPLES
    @given(field=st.sampled_from(fields), value=VALUES)
    def example(field: str, value: Any) -> None:
        # A form post carries text: the value as a script would write it.
        text = value if isinstance(value, str) else json.dumps(value)
        _check(
            lambda: client.post(url, {**filled, field: text}).status_code,
            # The admin shows a refused form again with a 200; the pages answer 400.
            lambda status: status not in (301, 302, 303),
        )

    example()
