"""Links that leave the product (email, snippets pasted into other websites) need its address."""

from django.conf import settings


def site_root() -> str:
    """SITE_URL without a trailing slash, to put before a path such as reverse() gives."""
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """The full address of one of the product's pages, from its path."""
    return site_root() + path
