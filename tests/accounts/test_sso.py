"""Single sign-on through OpenID Connect, against a real provider: the button, the round trip
(redirect, code, token, userinfo), linking to existing people by verified email only."""

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.oidc import BUTTON_LABEL, identity, oidc_provider, signing_in_through
from tests.accounts.test_login import is_logged_in
from tests.accounts.two_factor import code_now, turn_on
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SSO_LOGIN = "/accounts/oidc/sso/login/"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider() as address:
        yield address


@pytest.fixture
def sso(issuer: str) -> Iterator[str]:
    with signing_in_through(issuer):
        yield issuer


def sign_in_at_provider(client: Client, sub: str, *, deny: bool = False):
    """Press the login page's button, choose `sub` at the provider (or deny), and follow the
    provider back to smarketing's callback; returns smarketing's answer to the callback."""
    start = client.post(SSO_LOGIN)
    assert start.status_code == 302
    authorize = start["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["client_id"] == ["smarketing-tests"]
    assert query["code_challenge_method"] == ["S256"]
    assert requests.get(authorize, timeout=5).status_code == 200
    form = {"action": "deny"} if deny else {"sub": sub}
    chosen = requests.post(authorize, data=form, allow_redirects=False, timeout=5)
    assert chosen.status_code == 302
    callback = urlsplit(chosen.headers["Location"])
    assert callback.path == "/accounts/oidc/sso/login/callback/"
    return client.get(f"{callback.path}?{callback.query}")


def test_without_a_provider_the_login_page_has_no_button_and_the_route_is_not_found(
    client: Client,
) -> None:
    page = client.get(reverse("login")).content.decode()

    assert "Log in with" not in page
    assert client.post(SSO_LOGIN).status_code == 404


def test_with_a_provider_the_login_page_offers_its_button(client: Client, sso: str) -> None:
    page = client.get(reverse("login")).content.decode()

    assert f"Log in with {BUTTON_LABEL}" in page
    assert f'action="{SSO_LOGIN}' in page


def test_a_verified_address_logs_its_person_in_and_links_them(
    client: Client, sso: str, marketer: User
) -> None:
    identity(sso, "idp-ada", email=marketer.email.upper(), email_verified=True)

    response = sign_in_at_provider(client, "idp-ada")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(marketer.pk)
    link = SocialAccount.objects.get(user=marketer)
    assert (link.provider, link.uid) == ("sso", "idp-ada")
    marketer.refresh_from_db()
    assert marketer.has_usable_password(), "the password still works beside single sign-on"


def test_once_linked_the_identity_finds_its_person_whatever_the_address_becomes(
    sso: str, marketer: User
) -> None:
    identity(sso, "idp-ada", email=marketer.email, email_verified=True)
    sign_in_at_provider(Client(), "idp-ada")
    identity(sso, "idp-ada", email="ada@elsewhere.example", email_verified=False)

    client = Client()
    sign_in_at_provider(client, "idp-ada")

    assert client.session["_auth_user_id"] == str(marketer.pk)


@pytest.mark.parametrize(
    ("claims", "says"),
    [
        ({"email_verified": False}, "did not confirm your email address"),
        ({"email": "nobody@example.com", "email_verified": True}, "No account here has"),
    ],
)
def test_an_unverified_or_unknown_address_is_refused_and_links_nothing(
    client: Client, sso: str, marketer: User, claims: dict[str, str | bool], says: str
) -> None:
    identity(sso, "idp-someone", **{"email": marketer.email, **claims})

    response = sign_in_at_provider(client, "idp-someone")

    assert response.status_code == 403
    assert says in response.content.decode()
    assert not is_logged_in(client)
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1


def test_an_address_two_people_share_is_refused(client: Client, sso: str) -> None:
    UserFactory.create(username="one", email="team@example.com")
    UserFactory.create(username="two", email="Team@example.com")
    identity(sso, "idp-team", email="team@example.com", email_verified=True)

    response = sign_in_at_provider(client, "idp-team")

    assert response.status_code == 403
    assert not is_logged_in(client)
    assert not SocialAccount.objects.exists()


def test_a_deactivated_person_is_refused(client: Client, sso: str) -> None:
    former = UserFactory.create(username="former", email="former@example.com", is_active=False)
    identity(sso, "idp-former", email=former.email, email_verified=True)

    response = sign_in_at_provider(client, "idp-former")

    assert response.status_code == 403
    assert not is_logged_in(client)


def test_denying_at_the_provider_logs_in_no_one(client: Client, sso: str) -> None:
    response = sign_in_at_provider(client, "", deny=True)

    assert response.status_code == 403
    assert "did not finish" in response.content.decode()
    assert not is_logged_in(client)


def test_a_callback_this_browser_did_not_start_is_refused(
    client: Client, sso: str, marketer: User
) -> None:
    identity(sso, "idp-ada", email=marketer.email, email_verified=True)
    victim = Client()

    attacker_callback = sign_in_at_provider_without_following(client, "idp-ada")
    response = victim.get(attacker_callback)

    assert response.status_code == 403
    assert not is_logged_in(victim)


def sign_in_at_provider_without_following(client: Client, sub: str) -> str:
    authorize = client.post(SSO_LOGIN)["Location"]
    chosen = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=5)
    callback = urlsplit(chosen.headers["Location"])
    return f"{callback.path}?{callback.query}"


def test_two_factor_still_asks_for_a_code_after_single_sign_on(
    client: Client, sso: str, marketer: User
) -> None:
    two_factor = turn_on(marketer)
    identity(sso, "idp-ada", email=marketer.email, email_verified=True)

    response = sign_in_at_provider(client, "idp-ada")

    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    client.post(reverse("mfa_authenticate"), {"code": code_now(two_factor.secret)})
    assert client.session["_auth_user_id"] == str(marketer.pk)
