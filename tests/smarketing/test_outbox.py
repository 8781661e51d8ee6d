"""The task outbox: tasks are written with the change that needs them, and forgotten only
once the worker has run them (the fault suite shows them waiting out a broker outage)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from leads.models import ActivityKind, Mention
from leads.services import add_activity
from smarketing.celery import app as celery_app
from smarketing.models import OutboxTask
from smarketing.outbox import send_pending
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _mention(maria, text: str = "ping @sam") -> None:
    add_activity(lead=LeadFactory.create(), kind=ActivityKind.NOTE, body=text, author=maria)


def _mention_then_fail(maria) -> None:
    with transaction.atomic():
        _mention(maria)
        raise RuntimeError("the request failed after the note")


def test_a_change_rolled_back_leaves_no_task(maria, sam) -> None:
    with pytest.raises(RuntimeError):
        _mention_then_fail(maria)

    assert not OutboxTask.objects.exists()


@pytest.mark.usefixtures("eager_tasks")
def test_a_task_run_to_its_end_is_forgotten(maria, sam, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _mention(maria)

    [email] = mail.outbox
    assert email.to == [sam.email]
    assert not OutboxTask.objects.exists()


@pytest.mark.usefixtures("eager_tasks")
def test_the_sweep_sends_waiting_tasks_and_again_those_never_finished(maria, sam) -> None:
    _mention(maria, "first @sam")
    _mention(maria, "second @sam")
    first, second = OutboxTask.objects.order_by("pk")
    # The second was handed to a broker that lost it a while ago; a fresh send is left alone.
    OutboxTask.objects.filter(pk=second.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    fresh = OutboxTask.objects.create(task=first.task, args=[0], sent_at=timezone.now())

    assert send_pending() == 2

    assert len(mail.outbox) == 2
    assert list(OutboxTask.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert Mention.objects.filter(emailed_at__isnull=False).count() == 2
