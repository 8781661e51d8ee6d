"""Logging in, the lockout after repeated failures, logging out and changing the password."""

from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD_ERROR = "Please enter a correct username and password."
LOCKOUT_HEADING = "Too many failed log-in attempts"


def post_login(client: Client, username: str, password: str, remote_addr: str = "127.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=remote_addr
    )


def is_logged_in(client: Client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 200


def test_the_login_page_is_open_to_anonymous_visitors(client: Client) -> None:
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_an_anonymous_visitor_of_home_is_sent_to_the_login_page(client: Client) -> None:
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_the_right_password_logs_in_and_goes_home(client: Client, marketer: User) -> None:
    response = post_login(client, marketer.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(marketer.pk)


def test_a_wrong_password_shows_the_error_and_starts_no_session(
    client: Client, marketer: User
) -> None:
    response = post_login(client, marketer.username, "not my password")

    assert response.status_code == 400
    assert WRONG_PASSWORD_ERROR in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not is_logged_in(client)


def test_five_failures_lock_the_username_out_even_with_the_right_password(
    client: Client, marketer: User
) -> None:
    for _ in range(4):
        refused = post_login(client, marketer.username, "guessing")
        assert refused.status_code == 400
        assert WRONG_PASSWORD_ERROR in refused.content.decode()

    fifth = post_login(client, marketer.username, "guessing")
    right_password = post_login(client, marketer.username, PASSWORD)

    for response in (fifth, right_password):
        assert response.status_code == 429
        body = response.content.decode()
        assert LOCKOUT_HEADING in body
        assert "Logging in as “marketer” failed 5 times in a row." in body
        assert "Try again in 15 minutes" in body
    assert not is_logged_in(client)


@override_settings(AXES_COOLOFF_TIME=1 / 60)
def test_the_lockout_message_follows_the_configured_cool_off(
    client: Client, marketer: User
) -> None:
    for _ in range(5):
        response = post_login(client, marketer.username, "guessing")

    assert response.status_code == 429
    assert "Try again in 1 minute," in response.content.decode()


def test_the_lockout_is_for_one_username_from_one_address(
    client: Client, marketer: User, sales_rep: User
) -> None:
    for _ in range(5):
        post_login(client, marketer.username, "guessing", remote_addr="203.0.113.7")

    other_user = Client()
    other_address = Client()
    post_login(other_user, sales_rep.username, PASSWORD, remote_addr="203.0.113.7")
    post_login(other_address, marketer.username, PASSWORD, remote_addr="198.51.100.4")

    assert is_logged_in(other_user)
    assert is_logged_in(other_address)


def test_login_works_again_once_an_administrator_resets_the_lockout(
    client: Client, marketer: User
) -> None:
    for _ in range(5):
        post_login(client, marketer.username, "guessing")
    assert post_login(client, marketer.username, PASSWORD).status_code == 429

    call_command("axes_reset_username", marketer.username, stdout=StringIO())

    assert not AccessAttempt.objects.filter(username=marketer.username).exists()
    response = post_login(client, marketer.username, PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_logout_is_a_post_that_ends_the_session(client: Client, marketer: User) -> None:
    post_login(client, marketer.username, PASSWORD)

    refused = client.get(reverse("logout"))
    assert refused.status_code == 405
    assert is_logged_in(client)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not is_logged_in(client)


def test_changing_the_password_logs_out_the_other_sessions(marketer: User) -> None:
    new_password = "a brand new passphrase for spring"
    laptop, phone = Client(), Client()
    post_login(laptop, marketer.username, PASSWORD)
    post_login(phone, marketer.username, PASSWORD)

    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert is_logged_in(laptop)
    on_phone = phone.get(reverse("home"))
    assert on_phone.status_code == 302
    assert on_phone["Location"] == f"{reverse('login')}?next=/"
    marketer.refresh_from_db()
    assert marketer.check_password(new_password)


def test_a_wrong_old_password_changes_nothing(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not the old one",
            "new_password1": "a brand new passphrase for spring",
            "new_password2": "a brand new passphrase for spring",
        },
    )

    assert response.status_code == 400
    assert "Your old password was entered incorrectly." in response.content.decode()
    marketer.refresh_from_db()
    assert marketer.check_password(PASSWORD)
