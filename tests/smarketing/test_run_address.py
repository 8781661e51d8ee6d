"""`make run` links where it serves: SITE_URL follows the run command's address unless set."""

import pytest

from smarketing.management.commands.run_demo import served_address, site_url


@pytest.mark.parametrize(
    ("host", "port", "address"),
    [
        ("127.0.0.1", 8000, "http://localhost:8000"),
        ("127.0.0.1", 8201, "http://localhost:8201"),
        ("0.0.0.0", 8201, "http://localhost:8201"),  # noqa: S104
        ("crm.local", 9000, "http://crm.local:9000"),
        ("fe80::1", 8000, "http://[fe80::1]:8000"),
    ],
)
def test_the_address_served_on(host: str, port: int, address: str) -> None:
    assert served_address(host=host, port=port) == address


def test_site_url_follows_the_port_unless_set() -> None:
    assert site_url(host="127.0.0.1", port=8201, environ={}) == "http://localhost:8201"
    assert site_url(host="127.0.0.1", port=8201, environ={"SITE_URL": " "}) == (
        "http://localhost:8201"
    )
    given = {"SITE_URL": "https://crm.example.com"}
    assert site_url(host="127.0.0.1", port=8201, environ=given) == "https://crm.example.com"
