"""The Digests pages: one's own digests only, the email switch, a manager's preview."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.utils import timezone

from digests import views
from digests.models import Digest, DigestPreference
from digests.services import build_digest, build_recent_digests
from digests.weeks import DIGEST_HOUR, digest_due, last_complete_week
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _this_week() -> date:
    return last_complete_week(timezone.now()).first_day


def _weeks(user, count: int) -> None:
    newest = _this_week()
    for number in range(count):
        build_digest(user=user, week=newest - timedelta(weeks=number))


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_shows_this_weeks_digest_and_the_past_in_fixed_queries(
    client, sales_rep, django_assert_num_queries, count
) -> None:
    _weeks(sales_rep, count)
    client.force_login(sales_rep)

    # Session, user, the page of digests, the email preference, roles and unread mentions (for the
    # menu), and
    # the session's save (an update between a savepoint and its release).
    with django_assert_num_queries(9):
        page = client.get("/digests/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "This week's digest" in text
    assert "Your SQLs waiting for a first touch" in text
    assert text.count('href="/digests/20') == min(count, 20)


def test_nobody_sees_another_persons_digest(client, sales_rep, marketer) -> None:
    week = _this_week()
    build_digest(user=marketer, week=week)
    client.force_login(sales_rep)

    assert client.get(f"/digests/{week.isoformat()}/").status_code == 404
    assert "What happened to your leads" not in client.get("/digests/").content.decode()


def test_a_digest_page_shows_what_was_built(client, sales_rep) -> None:
    week = _this_week()
    build_digest(user=sales_rep, week=week)
    client.force_login(sales_rep)

    page = client.get(f"/digests/{week.isoformat()}/")

    assert page.status_code == 200
    assert "MQLs waiting to be claimed" in page.content.decode()
    assert client.get("/digests/not-a-week/").status_code == 404


def test_turning_the_email_off_and_on(client, sales_rep) -> None:
    client.force_login(sales_rep)

    off = client.post("/digests/email/", {"email": "off"}, follow=True)
    assert "The digest email is off. Your digests stay here." in off.content.decode()
    assert DigestPreference.objects.get(user=sales_rep).email is False

    on = client.post("/digests/email/", {"email": "on"}, follow=True)
    assert "You will get the digest by email every Monday." in on.content.decode()
    assert DigestPreference.objects.get(user=sales_rep).email is True


def test_a_bad_email_choice_is_refused_and_changes_nothing(client, sales_rep) -> None:
    client.force_login(sales_rep)

    page = client.post("/digests/email/", {"email": "sometimes"}, follow=True)

    assert "Choose whether to get the weekly email: on or off." in page.content.decode()
    assert not DigestPreference.objects.exists()


@pytest.mark.usefixtures("eager_tasks")
def test_a_manager_emails_themselves_a_persons_digest(
    client, manager, sales_rep, django_capture_on_commit_callbacks
) -> None:
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/digests/preview/", {"user": sales_rep.pk}, follow=True)

    name = sales_rep.get_full_name()
    assert f"{name}&#x27;s digest is on its way to {manager.email}." in page.content.decode()
    [email] = mail.outbox
    assert email.to == [manager.email]
    assert email.subject.startswith(f"[Preview of {name}'s digest]")
    digest = Digest.objects.get()
    assert (digest.user, digest.week, digest.status) == (sales_rep, _this_week(), "pending")


@pytest.mark.parametrize("choice", ["", "999999"])
def test_a_preview_of_nobody_is_refused_with_a_message(client, manager, choice) -> None:
    client.force_login(manager)

    page = client.post("/digests/preview/", {"user": choice})

    assert page.status_code == 400
    assert "Pick the person" in page.content.decode() or "gets no digest" in page.content.decode()
    assert not Digest.objects.exists()
    assert mail.outbox == []


def test_only_managers_send_previews(client, sales_rep, marketer) -> None:
    client.force_login(sales_rep)

    assert client.post("/digests/preview/", {"user": marketer.pk}).status_code == 404
    assert "Send this week" not in client.get("/digests/").content.decode()
    assert not Digest.objects.exists()


def test_someone_in_no_team_is_not_offered(client, manager) -> None:
    outsider = UserFactory.create(username="outsider")
    client.force_login(manager)

    page = client.post("/digests/preview/", {"user": outsider.pk})

    assert page.status_code == 400
    assert not Digest.objects.exists()


def test_a_manager_reads_a_persons_digest_on_its_page(
    client, manager, sales_rep, django_assert_num_queries
) -> None:
    client.force_login(manager)

    shown = client.post("/digests/preview/", {"user": sales_rep.pk, "show": "page"})

    week = _this_week().isoformat()
    assert shown.status_code == 302
    assert shown["Location"] == f"/digests/{week}/people/{sales_rep.pk}/"
    # Session, user, the digest with its person, the reader's roles (read once for the access
    # rule and the menu) and unread mentions (for the menu).
    with django_assert_num_queries(5):
        page = client.get(shown["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert f"{sales_rep.get_full_name()}'s digest" in text
    assert "Your SQLs waiting for a first touch" in text
    assert mail.outbox == []
    assert Digest.objects.get().user == sales_rep


def test_only_managers_read_someone_elses_digest(client, manager, sales_rep, marketer) -> None:
    week = _this_week()
    build_digest(user=marketer, week=week)
    build_digest(user=manager, week=week)
    url = f"/digests/{week.isoformat()}/people/{marketer.pk}/"
    client.force_login(sales_rep)

    assert client.get(url).status_code == 404
    refused = client.post("/digests/preview/", {"user": marketer.pk, "show": "page"})
    assert refused.status_code == 404
    assert client.get(f"/digests/{week.isoformat()}/people/{manager.pk}/").status_code == 404
    client.force_login(manager)
    assert client.get(url).status_code == 200
    assert client.get(f"/digests/not-a-week/people/{marketer.pk}/").status_code == 404
    assert client.get(f"/digests/{week.isoformat()}/people/999999/").status_code == 404


def test_a_bad_preview_choice_is_refused_and_builds_nothing(client, manager, sales_rep) -> None:
    client.force_login(manager)

    page = client.post("/digests/preview/", {"user": sales_rep.pk, "show": "somewhere"})

    assert page.status_code == 400
    assert not Digest.objects.exists()


def _list_at(client, monkeypatch, moment: datetime) -> str:
    monkeypatch.setattr(views, "timezone", SimpleNamespace(now=lambda: moment))
    return " ".join(client.get("/digests/").content.decode().split())


def test_without_this_weeks_digest_the_list_says_when_one_is_built(
    client, sales_rep, monkeypatch
) -> None:
    client.force_login(sales_rep)
    zone = ZoneInfo(settings.TIME_ZONE)

    # Monday 30 November 2026 before 08:00: the digest of 23-29 November is built at 08:00.
    early = _list_at(client, monkeypatch, datetime(2026, 11, 30, 7, 30, tzinfo=zone))
    # Thursday: that Monday is past and none was built for this person; the next comes.
    later = _list_at(client, monkeypatch, datetime(2026, 12, 3, 15, 0, tzinfo=zone))

    assert (
        "This week's digest, for the week from November 23, is built on Monday, November 30 "
        "at 08:00."
    ) in early
    assert (
        "No digest was built for you for the week from November 23. The next one, for the "
        "week from November 30, is built on Monday, December 7 at 08:00."
    ) in later
    assert "built on Monday at 08:00" not in early + later


def test_the_digest_time_the_pages_give_is_the_schedules() -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE["weekly-digests"]["schedule"]

    assert schedule == crontab(minute="0", hour=str(DIGEST_HOUR), day_of_week="mon")
    assert digest_due(date(2026, 11, 23)).isoformat().startswith("2026-11-30T08:00")


def test_recent_digests_are_built_once_and_not_emailed(sales_rep, marketer, manager) -> None:
    assert build_recent_digests(weeks=3) == 9
    assert build_recent_digests(weeks=3) == 0
    assert build_recent_digests(weeks=4) == 3

    assert mail.outbox == []
    assert set(Digest.objects.values_list("status", flat=True)) == {"pending"}
    assert Digest.objects.filter(user=sales_rep).latest("week").week == _this_week()
