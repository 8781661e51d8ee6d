import threading
import time

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection

from leads.activities import add_activity
from leads.models import Activity, ActivityKind, Mention
from leads.tasks import send_mention_email
from smarketing.celery import app
from tests.factories import LeadFactory


@pytest.mark.usefixtures("migrated_data")
def test_a_real_worker_emails_the_colleague_mentioned_once(maria, sam) -> None:
    lead = LeadFactory.create(full_name="Ada Lovelace", company="Analytical Engines")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        add_activity(
            lead=lead,
            kind=ActivityKind.NOTE,
            body="@sam she wants a demo <b>today</b>",
            author=maria,
        )
        deadline = time.monotonic() + 20
        while not mail.outbox:
            assert time.monotonic() < deadline, "the worker sent no email in time"
            time.sleep(0.1)

    [email] = mail.outbox
    assert email.to == [sam.email]
    assert email.subject == "Maria Lindqvist mentioned you on Ada Lovelace"
    assert "@sam she wants a demo <b>today</b>" in email.body
    assert f"/leads/{lead.pk}/" in email.body
    assert Mention.objects.get().emailed_at is not None


@pytest.mark.django_db
def test_running_the_task_twice_sends_one_email(maria, sam, django_capture_on_commit_callbacks):
    lead = LeadFactory.create()
    with django_capture_on_commit_callbacks(execute=False):
        add_activity(lead=lead, kind=ActivityKind.NOTE, body="ping @sam", author=maria)
    mention = Mention.objects.get()

    assert send_mention_email(mention.pk) is True
    assert send_mention_email(mention.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failed_send_is_retried_not_lost(
    maria, sam, django_capture_on_commit_callbacks, settings
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    lead = LeadFactory.create()
    with django_capture_on_commit_callbacks(execute=False):
        add_activity(lead=lead, kind=ActivityKind.NOTE, body="ping @sam", author=maria)
    mention = Mention.objects.get()

    with pytest.raises(ConnectionRefusedError):
        send_mention_email.run(mention.pk)

    mention.refresh_from_db()
    assert mention.emailed_at is None, "a failed send must leave the mention to be sent again"


@pytest.mark.django_db
def test_a_line_break_in_the_lead_s_name_does_not_stop_the_email(
    maria, sam, django_capture_on_commit_callbacks
):
    # Stored before names were kept on one line (leads.normalise), or written around the forms.
    lead = LeadFactory.create(full_name="Ada\nLovelace")
    with django_capture_on_commit_callbacks(execute=False):
        add_activity(lead=lead, kind=ActivityKind.NOTE, body="ping @sam", author=maria)

    assert send_mention_email(Mention.objects.get().pk) is True

    [email] = mail.outbox
    assert email.subject == "Maria Lindqvist mentioned you on Ada Lovelace"
    assert Mention.objects.get().emailed_at is not None


@pytest.mark.django_db
def test_a_send_that_fails_for_good_leaves_the_mention_not_emailed(
    maria, sam, django_capture_on_commit_callbacks
):
    # An address with a line break: every mail backend refuses the header.
    sam.email = "sam@example.com\nBcc: someone@example.com"
    sam.save()
    lead = LeadFactory.create()
    with django_capture_on_commit_callbacks(execute=False):
        add_activity(lead=lead, kind=ActivityKind.NOTE, body="ping @sam", author=maria)
    mention = Mention.objects.get()

    with pytest.raises(ValueError, match="linefeed"):
        send_mention_email.run(mention.pk)

    mention.refresh_from_db()
    assert mention.emailed_at is None
    assert mail.outbox == []


@pytest.mark.usefixtures("migrated_data")
def test_a_database_error_is_retried(maria, sam) -> None:
    """The mention's row locked elsewhere past the lock timeout: PostgreSQL refuses the task's
    update, as it refuses every query while it restarts. The task tries again (at once, run
    eagerly) and sends the email once the lock is gone."""
    # Written directly: a service would queue the task for a worker on commit.
    activity = Activity.objects.create(
        lead=LeadFactory.create(), kind=ActivityKind.NOTE, body="ping @sam", author=maria
    )
    mention = Mention.objects.create(activity=activity, user=sam)
    params = connection.settings_dict
    other = psycopg.connect(
        host=params["HOST"], port=params["PORT"], user=params["USER"], dbname=params["NAME"]
    )
    other.execute("SELECT 1 FROM leads_mention WHERE id = %s FOR UPDATE", [mention.pk])
    release = threading.Timer(0.5, other.close)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    release.start()
    try:
        attempt = send_mention_email.apply(args=(mention.pk,))
    finally:
        release.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert attempt.state == "SUCCESS", attempt.result
    assert len(mail.outbox) == 1
    mention.refresh_from_db()
    assert mention.emailed_at is not None
