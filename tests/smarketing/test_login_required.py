"""Every route asks an anonymous visitor to log in, except the few that must be public."""

import re
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Routes an anonymous visitor may use, by name. Nothing else may answer them.
PUBLIC_ROUTES = {
    "login",
    # The same login page, under the name allauth's views send people back to.
    "account_login",
    # A POST that ends whatever session the browser has, also a login waiting for its
    # two-factor code; it reveals nothing and changes nothing else.
    "logout",
    # Single sign-on starts and ends here, before anyone is logged in; an unknown provider is a
    # 404 and a callback without the state this browser started with is refused.
    "openid_connect_login",
    "openid_connect_callback",
    "healthz",
    # The site's icon, the same static file every page links to.
    "favicon",
    "admin:login",
    # Website forms post leads here without an account; an unknown key is refused (404).
    "capture",
}

SAMPLE_VALUES = {
    "int": "1",
    "str": "sample",
    "slug": "sample",
    "path": "sample/path",
    "uuid": str(uuid.UUID(int=1)),
}
CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, route, inner)
        else:
            yield f"{namespace}{pattern.name or pattern.lookup_str}", route


def _sample_path(route: str) -> str:
    # Regex routes (the admin's, single sign-on's) become plain paths by dropping their anchors
    # and groups; before converters, whose <name> a regex group also has.
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "sample", route)
    path = CONVERTER.sub(lambda m: SAMPLE_VALUES[m.group("converter") or "str"], path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


ALL_ROUTES = sorted(set(_routes(get_resolver().url_patterns)))
PROTECTED_ROUTES = [(name, route) for name, route in ALL_ROUTES if name not in PUBLIC_ROUTES]


def _asks_to_log_in(response) -> bool:
    if response.status_code in (401, 403):
        return True
    if response.status_code != 302:
        return False
    login_pages = (resolve_url(settings.LOGIN_URL), "/admin/login/")
    return response["Location"].startswith(login_pages)


def test_the_walk_finds_the_routes_of_every_app() -> None:
    names = {name for name, _ in ALL_ROUTES}
    assert {"home", "login", "logout", "password_change", "preferences", "healthz"} <= names
    assert any(name.startswith("admin:") for name in names)
    assert names >= PUBLIC_ROUTES, "PUBLIC_ROUTES names a route that no longer exists"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), PROTECTED_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_asked_to_log_in(name: str, route: str, method: str) -> None:
    response = getattr(Client(), method)(_sample_path(route))
    assert _asks_to_log_in(response), (
        f"{method.upper()} {route} ({name}) answered an anonymous visitor with "
        f"{response.status_code}; add login protection or list it in PUBLIC_ROUTES"
    )
