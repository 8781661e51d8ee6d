"""record_change: what a history row holds, and what it never holds."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from audit.models import AuditEntry
from audit.services import record_change, snapshot
from funnel.models import Stage
from leads.models import Activity, ActivityKind
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_a_secret_field_is_never_recorded(marketer: User) -> None:
    with pytest.raises(ValueError, match="password holds a secret"):
        snapshot(marketer, ["username", "password"])


def test_only_audited_kinds_are_recorded(marketer: User) -> None:
    note = Activity.objects.create(lead=LeadFactory.create(), kind=ActivityKind.NOTE, body="Hi")

    with pytest.raises(ValueError, match=r"not in audit\.models\.AUDITED"):
        record_change(actor=marketer, obj=note, before=None, after={"body": "x"})

    assert not AuditEntry.objects.exists()


def test_values_are_kept_as_people_read_them(manager: User) -> None:
    stage = Stage.objects.get(slug="won")
    kept = snapshot(stage, ["name", "probability", "sla_hours", "required_fields"])
    assert kept == {"name": "Won", "probability": 100, "sla_hours": None, "required_fields": []}
    assert snapshot(manager, ["groups"]) == {"groups": ["Managers"]}
    assert snapshot(User(username="new"), ["groups"]) == {"groups": []}
    Group.objects.get(name="Marketing").user_set.add(manager)
    assert snapshot(manager, ["groups"]) == {"groups": ["Managers", "Marketing"]}
