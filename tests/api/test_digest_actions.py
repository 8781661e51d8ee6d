"""The Digests page's two actions through the API: one's own email switch, and a manager's
preview of someone's digest, emailed to the manager after the request commits."""

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from digests.models import Digest, DigestPreference
from digests.services import wants_digest_email
from digests.tasks import send_digest_preview
from digests.weeks import last_complete_week
from smarketing.models import OutboxTask
from tests.api.conftest import ClientFor

pytestmark = pytest.mark.django_db

PREFERENCE = "/api/v1/digests/preference/"
PREVIEW = "/api/v1/digests/preview/"


def test_a_person_turns_their_own_digest_email_off_and_on(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    api = client_for(marketer)

    assert api.get(PREFERENCE).json() == {"email": True}
    off = api.put(PREFERENCE, {"email": False}, format="json")
    assert off.json() == {"email": False}
    assert not wants_digest_email(marketer)
    assert wants_digest_email(sales_rep)

    assert api.put(PREFERENCE, {"email": True}, format="json").json() == {"email": True}
    assert wants_digest_email(marketer)


@pytest.mark.parametrize(
    "body", [{}, {"email": "sometimes"}, {"email": None}, {"email": 0}, {"email": "on"}, ["x"]]
)
def test_a_bad_switch_is_refused_and_changes_nothing(
    client_for: ClientFor, marketer: User, body: object
) -> None:
    response = client_for(marketer).put(PREFERENCE, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not DigestPreference.objects.exists()


def test_a_manager_previews_a_digest_sent_after_the_commit(
    client_for: ClientFor, manager: User, sales_rep: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(manager).post(PREVIEW, {"user": sales_rep.pk}, format="json")
        assert mail.outbox == []

    week = last_complete_week(timezone.now()).first_day
    assert response.status_code == 202
    assert response.json() == {
        "week": week.isoformat(),
        "user": {"id": sales_rep.pk, "username": sales_rep.username, "name": str(sales_rep)},
        "to": manager.email,
    }
    digest = Digest.objects.get()
    assert (digest.user, digest.week, digest.status) == (sales_rep, week, "pending")
    assert len(queued) == 1
    [row] = OutboxTask.objects.all()
    assert (row.task, row.args) == (send_digest_preview.name, [digest.pk, manager.pk])
    assert send_digest_preview(*row.args) is True
    [email] = mail.outbox
    assert email.to == [manager.email]


def test_only_managers_send_previews(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    response = client_for(sales_rep).post(PREVIEW, {"user": marketer.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert not Digest.objects.exists()


@pytest.mark.parametrize("user", [None, "x", 999999, "outsider"])
def test_a_preview_of_nobody_is_a_field_error(
    client_for: ClientFor, manager: User, outsider: User, user: object
) -> None:
    chosen = outsider.pk if user == "outsider" else user

    response = client_for(manager).post(PREVIEW, {"user": chosen}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"user"}
    assert not Digest.objects.exists()
    assert mail.outbox == []
