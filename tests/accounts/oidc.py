"""A real OpenID Connect provider for the single sign-on tests (oidc-provider-mock, a small
provider built on authlib), served from a thread of the test process on a port of its own.

Its authorization page lists the identities set with `identity()`; choosing one sends the
browser back to smarketing with a code, which smarketing exchanges at the provider's token
endpoint before reading its userinfo endpoint: the whole round trip, over HTTP.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import requests
from django.conf import settings
from django.test import override_settings
from oidc_provider_mock import run_server_in_thread

CLIENT_ID = "smarketing-tests"
CLIENT_SECRET = "a secret the provider accepts from any client"
BUTTON_LABEL = "Company login"
# 8631 and up: one port per pytest-xdist worker.
_PORT = 8631 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


@contextmanager
def oidc_provider() -> Iterator[str]:
    """Runs the provider; yields its issuer address."""
    with run_server_in_thread(port=_PORT):
        yield f"http://localhost:{_PORT}"


@contextmanager
def signing_in_through(issuer: str) -> Iterator[None]:
    """smarketing configured as OIDC_ISSUER_URL, OIDC_CLIENT_ID, ... would configure it."""
    app = {
        "provider_id": "sso",
        "name": BUTTON_LABEL,
        "client_id": CLIENT_ID,
        "secret": CLIENT_SECRET,
        "settings": {"server_url": issuer},
    }
    providers = {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [app]}}
    form_action = [*cast("list[str]", settings.SECURE_CSP["form-action"]), issuer]
    csp = {**settings.SECURE_CSP, "form-action": form_action}
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers, SECURE_CSP=csp):
        yield


def identity(issuer: str, sub: str, **claims: str | bool) -> None:
    """What the provider says about `sub` from now on (email, email_verified, name...)."""
    response = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=5)
    response.raise_for_status()
