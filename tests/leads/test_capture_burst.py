"""Captures under concurrency: real threads, real PostgreSQL, real Redis.

Each thread posts through its own test client (and database connection) once all are ready.
"""

import json
import time
from functools import partial
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from leads.models import ActivityKind, Capture, CaptureForm, Lead
from tests.factories import CaptureFormFactory
from tests.threads import at_once

THREADS = 20
LIMIT = 5

pytestmark = pytest.mark.usefixtures("migrated_data")


def _post_at_once(form: CaptureForm, emails: list[str]) -> list[Any]:
    """One thread per email, all posting at the same moment; the answers, by thread."""
    _away_from_a_minutes_edge()
    url = reverse("capture", args=[form.public_key])
    return at_once([partial(_post, url, index, email) for index, email in enumerate(emails)])


def _post(url: str, index: int, email: str) -> Any:
    """One visitor's submission, through a test client of its own."""
    body = json.dumps({"full_name": f"Visitor {index}", "email": email})
    return Client().post(url, body, content_type="application/json")


def _away_from_a_minutes_edge() -> None:
    """Limits count per minute; a burst across a minute's edge would count in two windows."""
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.1)


def test_a_burst_above_the_limit_gets_429s_and_creates_no_extra_leads() -> None:
    form = CaptureFormFactory.create(per_minute=LIMIT, per_address_per_minute=1000)

    answers = _post_at_once(form, [f"burst{n}@example.com" for n in range(THREADS)])

    statuses = sorted(getattr(answer, "status_code", answer) for answer in answers)
    assert statuses == [200] * LIMIT + [429] * (THREADS - LIMIT)
    assert all(answer["Retry-After"] for answer in answers if answer.status_code == 429)
    assert Lead.objects.count() == LIMIT
    assert Capture.objects.count() == LIMIT


def test_one_address_bursting_is_held_to_its_own_limit() -> None:
    form = CaptureFormFactory.create(per_minute=1000, per_address_per_minute=LIMIT)

    answers = _post_at_once(form, [f"burst{n}@example.com" for n in range(THREADS)])

    assert [a.status_code for a in answers].count(200) == LIMIT
    assert Lead.objects.count() == LIMIT


def test_one_new_email_sent_many_times_at_once_is_one_lead_with_every_capture() -> None:
    form = CaptureFormFactory.create(per_minute=1000, per_address_per_minute=1000)
    spellings = ["ada@example.com", "ADA@example.com", " Ada@Example.com "] * 3

    answers = _post_at_once(form, spellings)

    assert [answer.status_code for answer in answers] == [200] * len(spellings)
    lead = Lead.objects.get()
    assert lead.activities.filter(kind=ActivityKind.CAPTURE).count() == len(spellings)
    assert Capture.objects.filter(created_lead=True).count() == 1
    assert Capture.objects.filter(created_lead=False).count() == len(spellings) - 1
