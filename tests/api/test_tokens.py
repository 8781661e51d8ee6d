"""Personal API tokens: made and revoked on the settings page (and through the API), stored
hashed, expiring, and the only way besides a session to call the API."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.tokens import LAST_USED_PRECISION, MAX_TOKENS_PER_USER, create_token, tokens_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKENS = "/api/v1/tokens/"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The settings page


def test_a_token_created_on_the_settings_page_is_shown_once_and_stored_hashed(
    marketer: User,
) -> None:
    page = signed_in(marketer)

    response = page.post(
        reverse("api_token_create"), {"name": "nightly import", "lifetime_days": 30}
    )

    assert response.status_code == 200
    shown = re.search(r"smk_[0-9a-f]{12}_[\w-]+", response.content.decode())
    assert shown is not None
    secret = shown.group(0)
    token = ApiToken.objects.get(user=marketer)
    assert token.name == "nightly import"
    assert secret.startswith(f"smk_{token.prefix}_")
    assert token.secret_hash == hashlib.sha256(secret.split("_", 2)[2].encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert bearer(secret).get(ME).json()["username"] == marketer.username
    again = page.get(reverse("preferences")).content.decode()
    assert "nightly import" in again
    assert secret not in again


def test_the_settings_page_creates_and_revokes_with_htmx(marketer: User) -> None:
    page = signed_in(marketer)
    htmx = {"HX-Request": "true"}

    created = page.post(
        reverse("api_token_create"), {"name": "ci", "lifetime_days": 7}, headers=htmx
    )
    token = ApiToken.objects.get(user=marketer)
    revoked = page.post(reverse("api_token_revoke", args=[token.pk]), headers=htmx)

    assert created.status_code == 200
    assert 'id="api-tokens"' in created.content.decode()
    assert "<html" not in created.content.decode()
    assert revoked.status_code == 200
    assert not ApiToken.objects.exists()


def test_a_revoked_token_no_longer_works(marketer: User) -> None:
    new = create_token(user=marketer, name="script")

    response = signed_in(marketer).post(reverse("api_token_revoke", args=[new.token.pk]))

    assert response.status_code == 302
    assert bearer(new.secret).get(ME).status_code == 401


def test_nobody_revokes_someone_elses_token(marketer: User, sales_rep: User) -> None:
    theirs = create_token(user=sales_rep, name="theirs")

    page = signed_in(marketer).post(reverse("api_token_revoke", args=[theirs.token.pk]))
    through_api = bearer(create_token(user=marketer, name="mine").secret).delete(
        f"{TOKENS}{theirs.token.pk}/"
    )

    assert page.status_code == 404
    assert through_api.status_code == 404
    assert bearer(theirs.secret).get(ME).status_code == 200


def test_a_token_revokes_itself_and_no_one_elses(marketer: User, sales_rep: User) -> None:
    mine = create_token(user=sales_rep, name="mine")
    theirs = create_token(user=marketer, name="theirs")
    api = bearer(mine.secret)

    assert api.delete(f"{TOKENS}{theirs.token.pk}/").status_code == 404
    assert api.delete(f"{TOKENS}{mine.token.pk}/").status_code == 204
    assert api.get(ME).status_code == 401


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"name": "", "lifetime_days": 30}, "This field is required."),
        ({"name": "ci", "lifetime_days": 3650}, "Select a valid choice."),
    ],
)
def test_a_bad_token_form_says_why_and_creates_nothing(
    marketer: User, data: dict[str, object], problem: str
) -> None:
    response = signed_in(marketer).post(reverse("api_token_create"), data)

    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_name_is_used_once_per_person(marketer: User) -> None:
    create_token(user=marketer, name="ci")

    response = signed_in(marketer).post(
        reverse("api_token_create"), {"name": "ci", "lifetime_days": 7}
    )

    assert response.status_code == 400
    assert "You already have a token named ci" in response.content.decode()
    assert tokens_of(marketer).count() == 1


def test_a_person_has_a_limited_number_of_tokens(marketer: User) -> None:
    for number in range(MAX_TOKENS_PER_USER):
        create_token(user=marketer, name=f"t{number}")

    response = signed_in(marketer).post(
        reverse("api_token_create"), {"name": "one more", "lifetime_days": 7}
    )

    assert response.status_code == 400
    assert tokens_of(marketer).count() == MAX_TOKENS_PER_USER


# Using a token


def test_an_expired_token_is_refused(marketer: User) -> None:
    new = create_token(user=marketer, name="old")
    ApiToken.objects.filter(pk=new.token.pk).update(expires_at=timezone.now())

    response = bearer(new.secret).get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_token_of_a_deactivated_person_is_refused(marketer: User) -> None:
    new = create_token(user=marketer, name="script")
    User.objects.filter(pk=marketer.pk).update(is_active=False)

    assert bearer(new.secret).get(ME).status_code == 401


@pytest.mark.parametrize(
    "presented",
    ["smk_nope_nope", "garbage", "smk__", "smk_{prefix}_wrong-secret", "smk_{prefix}_"],
)
def test_a_wrong_token_is_refused(marketer: User, presented: str) -> None:
    new = create_token(user=marketer, name="script")

    response = bearer(presented.format(prefix=new.token.prefix)).get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_malformed_authorization_header_is_refused(marketer: User) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two words")

    assert client.get(ME).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(marketer: User) -> None:
    new = create_token(user=marketer, name="script")

    bearer(new.secret).get(ME)
    first = ApiToken.objects.get(pk=new.token.pk).last_used_at
    bearer(new.secret).get(ME)
    second = ApiToken.objects.get(pk=new.token.pk).last_used_at
    ApiToken.objects.filter(pk=new.token.pk).update(
        last_used_at=timezone.now() - LAST_USED_PRECISION
    )
    bearer(new.secret).get(ME)
    third = ApiToken.objects.get(pk=new.token.pk).last_used_at

    assert first is not None
    assert third is not None
    assert second == first
    assert third > first


# Tokens through the API


def test_a_session_creates_a_token_through_the_api_and_sees_it_once(marketer: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(marketer)
    csrf = signed_in(marketer).get(reverse("preferences")).cookies["csrftoken"].value
    client.cookies["csrftoken"] = csrf

    without_csrf = APIClient(enforce_csrf_checks=True)
    without_csrf.force_login(marketer)
    refused = without_csrf.post(TOKENS, {"name": "script"}, format="json")
    created = client.post(TOKENS, {"name": "script"}, format="json", HTTP_X_CSRFTOKEN=csrf)
    listed = client.get(TOKENS)

    assert refused.status_code == 403
    assert created.status_code == 201
    assert bearer(created.json()["token"]).get(ME).status_code == 200
    assert [token["name"] for token in listed.json()] == ["script"]
    assert "token" not in listed.json()[0]


def test_a_token_cannot_make_more_tokens(marketer: User) -> None:
    new = create_token(user=marketer, name="script")

    response = bearer(new.secret).post(TOKENS, {"name": "another"}, format="json")

    assert response.status_code == 403
    assert tokens_of(marketer).count() == 1


def test_people_list_only_their_own_tokens(marketer: User) -> None:
    create_token(user=UserFactory.create(), name="someone else's")
    new = create_token(user=marketer, name="mine")

    assert [token["name"] for token in bearer(new.secret).get(TOKENS).json()] == ["mine"]
