import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from leads.activities import add_activity
from leads.models import ActivityKind, Mention
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
