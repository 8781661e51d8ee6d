"""The Digests pages: one's own digests only, the email switch, a manager's preview."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from digests.models import Digest, DigestPreference
from digests.services import build_digest
from digests.weeks import last_complete_week
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
