"""Two-factor authentication: turning it on, logging in with a code or a recovery code, the
lockout counting wrong codes with wrong passwords, and managers made to set it up."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import UsedTwoFactorCode, User
from tests.accounts.test_login import is_logged_in, post_login
from tests.accounts.two_factor import code_now, turn_on, wrong_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_CODE_ERROR = "Incorrect code."
LOCKOUT_HEADING = "Too many failed log-in attempts"


def confirm_password(client: Client) -> None:
    """What allauth asks before turning two-factor on or off: the password, again."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def post_code(client: Client, code: str, remote_addr: str = "127.0.0.1"):
    return client.post(reverse("mfa_authenticate"), {"code": code}, REMOTE_ADDR=remote_addr)


def test_turning_on_an_authenticator_app_shows_its_qr_code_and_key_then_recovery_codes(
    client: Client, marketer: User
) -> None:
    post_login(client, marketer.username, PASSWORD)
    confirm_password(client)

    page = client.get(reverse("mfa_activate_totp"))

    assert page.status_code == 200
    body = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in body
    secret = re.search(r'id="authenticator_secret" type="text" value="([A-Z2-7]+)"', body)
    assert secret, "the page shows the key to type in by hand"
    refused = client.post(reverse("mfa_activate_totp"), {"code": wrong_code(secret[1])})
    assert refused.status_code == 200
    assert not Authenticator.objects.filter(user=marketer).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": code_now(secret[1])})

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    types = set(Authenticator.objects.filter(user=marketer).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    codes = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert len(re.findall(r"\b[0-9a-f]{8}\b", codes)) == 10


def test_turning_it_on_asks_for_the_password_first(client: Client, marketer: User) -> None:
    post_login(client, marketer.username, PASSWORD)

    response = client.get(reverse("mfa_activate_totp"))
    refused = client.post(reverse("account_reauthenticate"), {"password": "not my password"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert refused.status_code == 200
    assert client.get(reverse("mfa_activate_totp")).status_code == 302


def test_with_two_factor_the_password_alone_does_not_log_in(client: Client, marketer: User) -> None:
    turn_on(marketer)

    response = post_login(client, marketer.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Enter your code" in page
    assert 'autocomplete="one-time-code"' in page


def test_the_code_from_the_app_completes_the_login(client: Client, marketer: User) -> None:
    two_factor = turn_on(marketer)
    post_login(client, marketer.username, PASSWORD)

    response = post_code(client, code_now(two_factor.secret))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(marketer.pk)


def test_a_wrong_code_is_refused_and_logs_in_no_one(client: Client, marketer: User) -> None:
    two_factor = turn_on(marketer)
    post_login(client, marketer.username, PASSWORD)

    response = post_code(client, wrong_code(two_factor.secret))

    assert response.status_code == 200
    assert WRONG_CODE_ERROR in response.content.decode()
    assert not is_logged_in(client)
    assert AccessAttempt.objects.get(username=marketer.username).failures_since_start == 1


def test_a_code_is_taken_once(marketer: User) -> None:
    two_factor = turn_on(marketer)
    code = code_now(two_factor.secret)
    first, second = Client(), Client()
    post_login(first, marketer.username, PASSWORD)
    post_login(second, marketer.username, PASSWORD)

    assert post_code(first, code).status_code == 302
    assert post_code(second, code).status_code == 200
    assert not is_logged_in(second)


def test_a_recovery_code_logs_in_once(marketer: User) -> None:
    two_factor = turn_on(marketer)
    code = two_factor.recovery_codes[3]
    laptop, phone = Client(), Client()

    post_login(laptop, marketer.username, PASSWORD)
    assert post_code(laptop, code).status_code == 302
    assert is_logged_in(laptop)

    post_login(phone, marketer.username, PASSWORD)
    assert post_code(phone, code).status_code == 200
    assert not is_logged_in(phone)


def test_wrong_codes_lock_the_username_out_like_wrong_passwords(
    client: Client, marketer: User
) -> None:
    two_factor = turn_on(marketer)
    for _ in range(2):
        post_login(client, marketer.username, "guessing")
    post_login(client, marketer.username, PASSWORD)
    for _ in range(2):
        assert post_code(client, wrong_code(two_factor.secret)).status_code == 200

    fifth = post_code(client, wrong_code(two_factor.secret))
    right_code = post_code(client, code_now(two_factor.secret))
    right_password = post_login(Client(), marketer.username, PASSWORD)

    for response in (fifth, right_code, right_password):
        assert response.status_code == 429
        assert LOCKOUT_HEADING in response.content.decode()
    assert not is_logged_in(client)


def test_cancelling_at_the_code_leaves_no_session(client: Client, marketer: User) -> None:
    turn_on(marketer)
    post_login(client, marketer.username, PASSWORD)

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert not Session.objects.exists()
    assert client.get(reverse("mfa_authenticate"))["Location"] == reverse("login")


def test_logging_out_after_a_two_factor_login_ends_the_session(
    client: Client, marketer: User
) -> None:
    two_factor = turn_on(marketer)
    post_login(client, marketer.username, PASSWORD)
    post_code(client, code_now(two_factor.secret))

    client.post(reverse("logout"))

    assert not is_logged_in(client)
    assert not Session.objects.exists()


def test_turning_it_off_lets_the_password_alone_log_in(client: Client, marketer: User) -> None:
    two_factor = turn_on(marketer)
    post_login(client, marketer.username, PASSWORD)
    post_code(client, code_now(two_factor.secret))
    confirm_password(client)

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=marketer).exists()
    client.post(reverse("logout"))
    assert post_login(client, marketer.username, PASSWORD)["Location"] == reverse("home")


@override_settings(TWO_FACTOR_REQUIRED_FOR_MANAGERS=True)
def test_a_manager_without_two_factor_is_sent_to_set_it_up_before_anything_else(
    client: Client, manager: User
) -> None:
    post_login(client, manager.username, PASSWORD)

    for url in (reverse("home"), reverse("lead_list"), reverse("preferences")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    api = client.get("/api/v1/leads/")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "Managers must set up two-factor authentication" in page.content.decode()

    secret = page.context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": code_now(secret)})

    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/leads/").status_code == 200


@override_settings(TWO_FACTOR_REQUIRED_FOR_MANAGERS=True)
def test_the_rule_is_for_managers_only(client: Client, marketer: User) -> None:
    post_login(client, marketer.username, PASSWORD)

    assert client.get(reverse("home")).status_code == 200


def test_without_the_setting_managers_choose(client: Client, manager: User) -> None:
    post_login(client, manager.username, PASSWORD)

    assert client.get(reverse("home")).status_code == 200


def test_a_used_code_stays_used_when_the_cache_forgets(marketer: User) -> None:
    """Used codes are kept in PostgreSQL, not in the cache (Redis), which may be emptied or
    down: a code seen once is refused for as long as it is valid."""
    two_factor = turn_on(marketer)
    code = code_now(two_factor.secret)
    first, second = Client(), Client()
    post_login(first, marketer.username, PASSWORD)
    post_login(second, marketer.username, PASSWORD)

    assert post_code(first, code).status_code == 302
    cache.clear()
    assert post_code(second, code).status_code == 200
    assert not is_logged_in(second)
    assert UsedTwoFactorCode.objects.filter(user=marketer).count() == 1


def test_used_codes_are_forgotten_once_no_longer_valid(marketer: User) -> None:
    two_factor = turn_on(marketer)
    UsedTwoFactorCode.objects.create(
        user=marketer, code_hash="0" * 64, expires_at=timezone.now() - timedelta(seconds=1)
    )
    client = Client()
    post_login(client, marketer.username, PASSWORD)

    assert post_code(client, code_now(two_factor.secret)).status_code == 302
    assert list(UsedTwoFactorCode.objects.values_list("code_hash", flat=True)) != ["0" * 64]
    assert UsedTwoFactorCode.objects.filter(user=marketer).count() == 1
