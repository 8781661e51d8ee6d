import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import clear_expired_sessions
from smarketing.celery import app


def _session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["user"] = "someone"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    assert store.session_key is not None
    return store.session_key


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_clears_expired_sessions_through_the_broker() -> None:
    expired = _session(expires_in=-timedelta(minutes=1))
    live = _session(expires_in=timedelta(hours=1))

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        clear_expired_sessions.delay()
        deadline = time.monotonic() + 20
        while Session.objects.filter(session_key=expired).exists():
            assert time.monotonic() < deadline, "the worker did not run the task in time"
            time.sleep(0.1)

    assert Session.objects.filter(session_key=live).exists()


def test_the_beat_schedule_runs_the_session_cleanup() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert clear_expired_sessions.name in tasks
    assert app.conf.task_acks_late is True
    assert app.conf.task_serializer == "json"
