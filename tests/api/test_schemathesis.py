"""The API against its own OpenAPI schema, by schemathesis, with every check it has.

Each operation gets generated valid and invalid requests with the token of each role (a
marketer, a sales rep, a manager): it must answer without a server error, with the status
codes, headers and bodies its schema documents, accept what its schema calls valid unless the
domain refuses it (403, 404, 409), reject what its schema calls invalid, refuse requests
without valid credentials (ignored_auth), and never give one sales rep an object that only
another rep of the same role may see (object_level_authorization, with the two reps as peers).

Then workflows (the stateful phase): sequences of calls that follow the links schemathesis
infers from the schema (a lead created, then read, edited, moved; a stage created, then
changed), with each role's token.

The manager's runs change the configuration (stages, their limits, reasons, goals, website
forms) on the test's scratch database, so that every later request of the same run reads a
funnel that generated input has reshaped.
"""

import hashlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings

from accounts.models import ApiToken, User
from tests.api.conftest import claimed, complete, opportunity, qualified
from tests.factories import LeadFactory

# Examples per operation and role (three roles), and workflows per role: the whole file takes
# about two minutes of one core.
EXAMPLES_PER_OPERATION = 8
WORKFLOWS = 12
WORKFLOW_STEPS = 6
# Fixed tokens, so that the identities can be named before the database exists; each test
# stores their hashes. rep-a and rep-b are the peers object_level_authorization compares.
TOKENS = {
    "rep-a": ("schemaaaaaaa", "secret-of-rep-a"),
    "rep-b": ("schemabbbbbb", "secret-of-rep-b"),
    "marketer": ("schemammmmmm", "secret-of-marketer"),
    "manager": ("schemagggggg", "secret-of-manager"),
}
PEERS = ["rep-a", "rep-b"]
ROLES = ["marketer", "rep-a", "manager"]
# What a request the schema calls valid may still get: the domain's refusals (a role that may
# not, an object that is not there or not theirs, a move the lead's stage does not allow).
DOMAIN_REFUSALS = ["2XX", "403", "404", "409"]
CURSORS = {"after", "before"}


def _bearer(name: str) -> str:
    prefix, secret = TOKENS[name]
    return f"Bearer smk_{prefix}_{secret}"


def _refusing_some_schema_valid_input(raw: dict[str, Any]) -> list[str]:
    """Operations that answer 400 to some input their schema calls valid, for known reasons:

    - lists paged by an opaque cursor (`after`, `before`): one the list did not write is
      refused, although
      any string is valid by the schema;
    - moves that take a reason: the schema can say "an id", not "an active reason of this
      move's kind", so another reason's id is schema-valid and refused ("Pick a reason from the
      list.");
    - the lead list's filters without its pages (its downloads): a persona, owner or reason id
      that names none is schema-valid and refused, as the list refuses it.
    """
    components = raw["components"]["schemas"]

    def body_properties(operation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        return [
            (name, spec)
            for media in operation.get("requestBody", {}).get("content", {}).values()
            for name, spec in components.get(
                media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1], {}
            )
            .get("properties", {})
            .items()
        ]

    def has_reason(operation: dict[str, Any]) -> bool:
        return any(name == "reason" for name, _ in body_properties(operation))

    return [
        f"{method.upper()} {path}"
        for path, item in raw["paths"].items()
        for method, operation in item.items()
        if any(parameter["name"] in CURSORS for parameter in operation.get("parameters", []))
        or has_reason(operation)
        or any(parameter["name"] == "reason" for parameter in operation.get("parameters", []))
    ]


def _config(raw: dict[str, Any]) -> schemathesis.Config:
    auth = {
        "auth": [
            {"name": name, "fixedHeaders": [{"name": "Authorization", "value": _bearer(name)}]}
            for name in PEERS
        ]
    }
    auth_file = Path(tempfile.mkdtemp()) / "auth.json"
    auth_file.write_text(json.dumps(auth))
    return schemathesis.Config.from_dict(
        {
            "auth": {"wfc": {"path": str(auth_file), "peers": PEERS}},
            "checks": {"positive_data_acceptance": {"expected-statuses": DOMAIN_REFUSALS}},
            "generation": {"max-examples": EXAMPLES_PER_OPERATION},
            "operations": [
                {
                    "include-name": _refusing_some_schema_valid_input(raw),
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": [*DOMAIN_REFUSALS, "400"]}
                    },
                }
            ],
        }
    )


def _load() -> schemathesis.BaseSchema:
    """The schema the server serves at /api/v1/schema/, called in-process through Django's
    WSGI handler."""
    raw = json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
    )
    loaded = schemathesis.openapi.from_dict(raw, config=_config(raw))
    loaded.app = WSGIHandler()
    return loaded


schema = _load()
# The role the running test acts as; every generated request carries its token.
_acting = {"as": ROLES[0]}


@schema.auth(refresh_interval=None)
class RoleToken:
    """The acting role's token, given as authentication schemathesis knows to be valid, so that
    ignored_auth can take it away or spoil it and expect a refusal."""

    def get(self, case: schemathesis.Case, ctx: object) -> str:
        return _bearer(_acting["as"])

    def set(self, case: schemathesis.Case, data: str, ctx: object) -> None:
        case.headers["Authorization"] = data


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> Iterator[str]:
    _acting["as"] = request.param
    yield request.param
    _acting["as"] = ROLES[0]


PEOPLE = {"rep-a": "sales_rep", "rep-b": "rep2", "marketer": "marketer", "manager": "manager"}


@pytest.fixture
def api_data(request: pytest.FixtureRequest, db: None) -> Iterator[None]:
    """A little of everything: leads at each stage, owned by either rep, and everyone's token."""
    people: dict[str, User] = {
        name: request.getfixturevalue(fixture) for name, fixture in PEOPLE.items()
    }
    for name, (prefix, secret) in TOKENS.items():
        ApiToken.objects.create(
            user=people[name],
            name="schemathesis",
            prefix=prefix,
            secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
            expires_at="2999-01-01T00:00:00Z",
        )
    marketer, rep_a, rep_b = people["marketer"], people["rep-a"], people["rep-b"]
    LeadFactory.create(marketing_owner=marketer)
    complete(marketer)
    qualified(marketer)
    claimed(marketer, rep_a)
    claimed(marketer, rep_b)
    opportunity(marketer, rep_a)
    # Django closes "old" connections around each request, which would end the test's
    # transaction; its own test client does the same as this.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    rates = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "100000/minute"}}
    try:
        with override_settings(REST_FRAMEWORK=rates):
            yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
def test_every_operation_keeps_to_its_schema(
    case: schemathesis.Case, role: str, api_data: None
) -> None:
    case.call_and_validate()


@pytest.fixture(scope="module")
def workflows() -> type[Any]:
    """The state machine of the schema's inferred links (built once: the inference is slow)."""
    return schema.as_state_machine()


def test_workflows_keep_to_the_schema(workflows: type[Any], role: str, api_data: None) -> None:
    workflows.run(
        settings=hypothesis_settings(
            max_examples=WORKFLOWS,
            stateful_step_count=WORKFLOW_STEPS,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
