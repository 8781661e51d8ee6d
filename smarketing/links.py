"""Links that leave the product (email, snippets pasted into other websites) need its address."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

_DEFAULT_PORTS = {"http": 80, "https": 443}


def site_root() -> str:
    """SITE_URL without a trailing slash, to put before a path such as reverse() gives."""
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """The full address of one of the product's pages, from its path."""
    return site_root() + path


def opened_elsewhere(request: HttpRequest) -> str | None:
    """The address `request` reached the product at (scheme://host[:port]) when it is not
    SITE_URL's, else None: links built from SITE_URL would then lead somewhere else than where
    the person is. Default ports and letter case make no difference."""
    opened = f"{request.scheme}://{request.get_host()}"
    return None if _origin(opened) == _origin(settings.SITE_URL) else opened


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)
