"""A new password ends the person's API tokens, as it ends their other sessions; the tokens
panel and the password page say so."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.roles import Role
from accounts.tokens import create_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
OLD, NEW = "an-old-password-4821", "a-new-password-9375"


@pytest.fixture
def person() -> User:
    user = UserFactory.create(username="maria", roles=[Role.MARKETING])
    user.set_password(OLD)
    user.save()
    return user


def _works(secret: str) -> bool:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api.get("/api/v1/me/").status_code == 200


def test_changing_the_password_on_its_page_revokes_every_token(person: User) -> None:
    secrets = [create_token(user=person, name=name).secret for name in ("import", "report")]
    other = create_token(user=UserFactory.create(username="sam"), name="import").secret
    client = Client()
    client.force_login(person)

    changed = client.post(
        reverse("password_change"),
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )

    assert changed.status_code == 302
    assert [_works(secret) for secret in secrets] == [False, False]
    assert not ApiToken.objects.filter(user=person).exists()
    assert _works(other), "another person's tokens are theirs"


def test_a_refused_password_change_keeps_the_tokens(person: User) -> None:
    secret = create_token(user=person, name="import").secret
    client = Client()
    client.force_login(person)

    client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )

    assert _works(secret)


def test_a_password_set_by_an_administrator_revokes_them_too(person: User) -> None:
    secret = create_token(user=person, name="import").secret

    person.set_password(NEW)
    person.save()

    assert not _works(secret)


def test_saving_a_person_without_a_new_password_keeps_the_tokens(person: User) -> None:
    secret = create_token(user=person, name="import").secret

    person.first_name = "Maria"
    person.save()
    assert person.check_password(OLD)  # a login, which may rehash the password

    assert _works(secret)


def test_the_pages_say_what_a_password_change_does(person: User) -> None:
    client = Client()
    client.force_login(person)

    assert "Changing your password revokes all your tokens." in (
        client.get(reverse("preferences")).content.decode()
    )
    assert "your API tokens revoked" in client.get(reverse("password_change")).content.decode()


def test_changepassword_command_is_a_password_change(person: User, monkeypatch) -> None:
    secret = create_token(user=person, name="import").secret
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)

    call_command("changepassword", "maria", stdout=None)

    assert not _works(secret)
