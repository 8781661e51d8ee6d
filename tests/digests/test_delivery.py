"""Sending: one email per person and week however often the job runs, retried when the mail
server fails, never silently lost, never twice."""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from accounts.roles import Role
from digests.models import Digest, SendStatus
from digests.services import Delivery, build_digest, deliver_digest, set_digest_email
from digests.tasks import send_digest, send_weekly_digests
from digests.weeks import last_complete_week
from smarketing.celery import app as celery_app
from smarketing.models import OutboxTask
from tests.factories import UserFactory
from tests.threads import at_once

WEEK = "2026-11-16"
UNREACHABLE_SMTP = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
    }
}


@pytest.fixture
def team(marketer, sales_rep, manager):
    UserFactory.create(username="nobody")  # in no team: no digest
    UserFactory.create(username="gone", is_active=False, roles=[Role.SALES])
    return [marketer, sales_rep, manager]


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_tasks")
def test_running_the_weekly_job_twice_emails_each_person_once(
    team, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queued = send_weekly_digests(WEEK)
    with django_capture_on_commit_callbacks(execute=True):
        send_weekly_digests(WEEK)

    assert queued == 3
    assert sorted(email.to[0] for email in mail.outbox) == sorted(p.email for p in team)
    assert Digest.objects.filter(week=date(2026, 11, 16), status=SendStatus.SENT).count() == 3


@pytest.mark.django_db
def test_the_job_queues_its_tasks_only_after_commit(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_weekly_digests(WEEK)

    queued = OutboxTask.objects.order_by("pk")
    assert [(row.task, row.args[1]) for row in queued] == [("digests.tasks.send_digest", WEEK)] * 3
    assert sorted(row.args[0] for row in queued) == sorted(person.pk for person in team)
    assert len(callbacks) == 1, "the three are sent together once the job's work commits"
    assert mail.outbox == []


@pytest.mark.django_db
def test_without_a_week_the_job_sends_the_last_whole_week(
    team, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_weekly_digests()

    expected = last_complete_week(timezone.now()).first_day
    assert set(Digest.objects.values_list("week", flat=True)) == {expected}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(5))
def test_one_persons_digest_sent_by_four_workers_at_once_is_one_email(
    migrated_data, attempt
) -> None:
    rep = UserFactory.create(roles=[Role.SALES])
    week = f"2026-11-{2 + 7 * (attempt % 4):02d}"

    outcomes = at_once([lambda: send_digest(rep.pk, week)] * 4)

    assert len(mail.outbox) == 1
    assert sorted(map(str, outcomes)).count(Delivery.SENT.value) == 1
    digest = Digest.objects.get()
    assert (digest.status, digest.attempts) == (SendStatus.SENT, 1)


@pytest.mark.django_db
def test_a_failed_send_is_retried_with_backoff_then_shows_as_failed(sales_rep, settings) -> None:
    settings.MAILERS = UNREACHABLE_SMTP

    result = send_digest.apply(args=(sales_rep.pk, WEEK))

    assert result.failed()
    digest = Digest.objects.get()
    assert digest.status == SendStatus.FAILED
    assert send_digest.max_retries == 7
    assert digest.attempts == 8
    assert digest.last_error.startswith("ConnectionRefusedError")
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failed_digest_goes_out_once_the_mail_server_is_back(sales_rep, settings) -> None:
    settings.MAILERS = UNREACHABLE_SMTP
    send_digest.apply(args=(sales_rep.pk, WEEK))
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

    assert send_digest(sales_rep.pk, WEEK) == Delivery.SENT
    assert send_digest(sales_rep.pk, WEEK) == Delivery.ALREADY_DONE

    digest = Digest.objects.get()
    assert (digest.status, digest.last_error) == (SendStatus.SENT, "")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_send_cut_short_by_a_dead_worker_is_marked_interrupted_not_sent_again(
    sales_rep,
) -> None:
    digest = build_digest(user=sales_rep, week=date(2026, 11, 16))
    # What a worker killed between claiming the send and marking it sent leaves behind.
    Digest.objects.filter(pk=digest.pk).update(status=SendStatus.SENDING, attempts=1)

    assert send_digest(sales_rep.pk, WEEK) == Delivery.INTERRUPTED
    assert send_digest(sales_rep.pk, WEEK) == Delivery.ALREADY_DONE

    digest.refresh_from_db()
    assert digest.status == SendStatus.INTERRUPTED
    assert "may or may not have gone out" in digest.last_error
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_digest_being_sent_elsewhere_is_left_alone(migrated_data) -> None:
    rep = UserFactory.create(roles=[Role.SALES])
    digest = build_digest(user=rep, week=date(2026, 11, 16))
    holding, release = threading.Event(), threading.Event()

    def another_worker_sending() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [0x0D16, digest.pk])
            holding.set()
            release.wait(10)
        connections.close_all()

    other = threading.Thread(target=another_worker_sending)
    other.start()
    holding.wait(10)
    try:
        outcome = deliver_digest(digest_id=digest.pk)
    finally:
        release.set()
        other.join()

    assert outcome == Delivery.BUSY
    assert Digest.objects.get().status == SendStatus.PENDING
    assert mail.outbox == []


@pytest.mark.django_db
def test_with_the_email_off_the_digest_is_kept_and_not_sent(sales_rep) -> None:
    set_digest_email(user=sales_rep, enabled=False)

    assert send_digest(sales_rep.pk, WEEK) == Delivery.OPTED_OUT

    assert Digest.objects.get().status == SendStatus.OPTED_OUT
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failed_digest_shows_as_failed_in_the_admin(client, sales_rep, settings) -> None:
    settings.MAILERS = UNREACHABLE_SMTP
    send_digest.apply(args=(sales_rep.pk, WEEK))
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)

    page = client.get("/admin/digests/digest/", {"status__exact": "failed"})

    assert page.status_code == 200
    text = page.content.decode()
    assert "Failed, will be retried" in text
    assert "ConnectionRefusedError" in text
    assert str(sales_rep) in text


def test_the_weekly_job_runs_on_monday_at_eight_in_the_organisations_time_zone() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-digests"]
    sunday_evening = datetime(2026, 11, 29, 20, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))
    probe = crontab(
        minute="0", hour="8", day_of_week="mon", nowfun=lambda: sunday_evening, app=celery_app
    )

    next_run = sunday_evening + probe.remaining_estimate(sunday_evening)

    assert entry["task"] == "digests.tasks.send_weekly_digests"
    assert repr(entry["schedule"]) == repr(probe)  # the same fields; only the clock differs
    assert celery_app.conf.timezone == settings.TIME_ZONE
    assert (next_run.date(), next_run.hour, next_run.minute) == (date(2026, 11, 30), 8, 0)
