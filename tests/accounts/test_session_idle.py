"""The idle timeout: a session in use stays alive, written now and then, not on every page."""

import time
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import REFRESH_SHARE, SAVED_AT
from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

REFRESH_AFTER = settings.SESSION_COOKIE_AGE // REFRESH_SHARE


def session_writes(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as issued:
        response = client.get(url)
    assert response.status_code == 200
    return sum('UPDATE "django_session"' in query["sql"] for query in issued.captured_queries)


def expires_at(client: Client) -> datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def saved(client: Client, *, seconds_ago: int) -> None:
    """As if the session had last been written `seconds_ago`."""
    session = client.session
    session[SAVED_AT] = int(time.time()) - seconds_ago
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - seconds_ago)
    )


def test_pages_read_soon_after_one_another_do_not_write_the_session(
    client: Client, marketer: User
) -> None:
    client.post(reverse("login"), {"username": marketer.username, "password": PASSWORD})
    first_expiry = expires_at(client)

    writes = [session_writes(client, reverse(name)) for name in ("home", "lead_list", "board")]

    assert writes == [0, 0, 0]
    assert expires_at(client) == first_expiry


def test_a_session_used_again_after_a_tenth_of_the_idle_time_is_kept_for_the_whole_of_it(
    client: Client, marketer: User
) -> None:
    client.force_login(marketer)
    saved(client, seconds_ago=REFRESH_AFTER + 1)
    before = expires_at(client)

    assert session_writes(client, reverse("home")) == 1

    renewed = expires_at(client)
    assert renewed > before
    assert renewed >= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 5)
    assert session_writes(client, reverse("home")) == 0


def test_a_session_used_just_before_the_tenth_is_not_written(
    client: Client, marketer: User
) -> None:
    client.force_login(marketer)
    saved(client, seconds_ago=REFRESH_AFTER - 30)
    before = expires_at(client)

    assert session_writes(client, reverse("home")) == 0
    assert expires_at(client) == before


def test_a_session_idle_past_its_age_has_ended(client: Client, marketer: User) -> None:
    client.force_login(marketer)
    session_writes(client, reverse("home"))
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_visitors_and_people_who_logged_out_get_no_session(client: Client, marketer: User) -> None:
    assert client.get(reverse("login")).status_code == 200
    assert not Session.objects.exists()

    client.force_login(marketer)
    client.post(reverse("logout"))

    assert not Session.objects.exists()
    assert client.get(reverse("home")).status_code == 302
    assert not Session.objects.exists()
