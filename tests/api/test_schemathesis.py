"""The API against its own OpenAPI schema, by schemathesis: every operation, with generated
valid and invalid requests, must answer without a server error, with the status codes, headers
and bodies its schema documents, refuse requests without valid credentials (ignored_auth), and
never give one sales rep an object that only another rep of the same role may see
(object_level_authorization, with the two reps as peers)."""

import hashlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.models import ApiToken, User
from tests.api.conftest import claimed, complete, opportunity, qualified
from tests.factories import LeadFactory

EXAMPLES_PER_OPERATION = 25
# Fixed tokens, so that the identities can be named before the database exists; each test
# stores their hashes for the two reps.
PEERS = {"rep-a": ("schemaaaaaaa", "secret-of-rep-a"), "rep-b": ("schemabbbbbb", "secret-of-rep-b")}


def _bearer(name: str) -> str:
    prefix, secret = PEERS[name]
    return f"Bearer smk_{prefix}_{secret}"


def _config() -> schemathesis.Config:
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
            "auth": {"wfc": {"path": str(auth_file), "peers": list(PEERS)}},
            "checks": {
                # Valid by the schema is not always acceptable to the domain (a stage that does
                # not exist, a move the lead's stage does not allow): those are refused, as
                # they should be.
                "positive_data_acceptance": {"enabled": False},
            },
            "generation": {"max-examples": EXAMPLES_PER_OPERATION},
        }
    )


def _load() -> schemathesis.BaseSchema:
    """The schema the server serves at /api/v1/schema/, called in-process through Django's
    WSGI handler."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(
        json.loads(json.dumps(raw, default=str)), config=_config()
    )
    loaded.app = WSGIHandler()
    return loaded


schema = _load()


@pytest.fixture
def api_data(db: None, marketer: User, sales_rep: User, rep2: User) -> Iterator[None]:
    """A little of everything: leads at each stage, owned by either rep, and the reps' tokens."""
    for (prefix, secret), rep in zip(PEERS.values(), (sales_rep, rep2), strict=True):
        ApiToken.objects.create(
            user=rep,
            name="schemathesis",
            prefix=prefix,
            secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
            expires_at="2999-01-01T00:00:00Z",
        )
    LeadFactory.create(marketing_owner=marketer)
    complete(marketer)
    qualified(marketer)
    claimed(marketer, sales_rep)
    claimed(marketer, rep2)
    opportunity(marketer, sales_rep)
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
def test_every_operation_keeps_to_its_schema(case: schemathesis.Case, api_data: None) -> None:
    case.call_and_validate()
