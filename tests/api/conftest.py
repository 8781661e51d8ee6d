"""Fixtures of the API tests: people of every role, clients holding their tokens, leads at
each step of the funnel (moved by the services, as people move them)."""

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.tokens import create_token
from funnel.models import Stage
from funnel.services import claim_lead, move_lead
from leads.models import Lead
from tests.factories import LeadFactory, PersonaFactory, UserFactory

ClientFor = Callable[[User], APIClient]


@pytest.fixture(autouse=True)
def _own_throttle_counters() -> Iterator[None]:
    """Rate-limit counters live in the shared cache (Redis in CI), where another test process's
    user 1 would count against this one's: each test counts under a prefix of its own."""
    caches = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }
    with override_settings(CACHES=caches):
        yield


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


@pytest.fixture
def client_for(db: None) -> ClientFor:
    """An API client authenticated with a fresh personal token of `user`."""

    def make(user: User) -> APIClient:
        client = APIClient()
        token = create_token(user=user, name=f"tests {uuid.uuid4().hex[:8]}")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
        return client

    return make


@pytest.fixture
def marketer2(db: None) -> User:
    return UserFactory.create(username="marketer2", roles=[Role.MARKETING])


@pytest.fixture
def rep2(db: None) -> User:
    return UserFactory.create(username="rep2", roles=[Role.SALES])


@pytest.fixture
def outsider(db: None) -> User:
    """Signed in, but in no team."""
    return UserFactory.create(username="outsider")


def complete(marketer: User, **fields: object) -> Lead:
    """A new lead with what MQL asks for (company, persona), owned by `marketer`."""
    fields.setdefault("persona", PersonaFactory.create(name="Engineering lead"))
    return LeadFactory.create(marketing_owner=marketer, **fields)


def qualified(marketer: User, **fields: object) -> Lead:
    lead = complete(marketer, **fields)
    return move_lead(lead_id=lead.pk, to_stage_id=stage("mql").pk, actor=marketer)


def claimed(marketer: User, rep: User, **fields: object) -> Lead:
    return claim_lead(lead_id=qualified(marketer, **fields).pk, rep=rep)


def opportunity(marketer: User, rep: User, **fields: object) -> Lead:
    lead = claimed(marketer, rep, **fields)
    return move_lead(
        lead_id=lead.pk,
        to_stage_id=stage("opportunity").pk,
        actor=rep,
        value=Decimal("5000"),
        close_date=date(2031, 3, 1),
    )
