from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse


def test_healthz_reports_database_and_broker_up(client: Client, db: None) -> None:
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok"},
    }


@pytest.fixture
def database_down(transactional_db: None) -> Iterator[None]:
    """Point the connection at a port where no server listens, as when PostgreSQL is down."""
    real_port = connection.settings_dict["PORT"]
    real_host = connection.settings_dict["HOST"]
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    yield
    connection.close()
    connection.settings_dict.update(HOST=real_host, PORT=real_port)


def test_healthz_reports_a_down_database_as_503_without_a_trace(
    client: Client, database_down: None
) -> None:
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "broker": "ok"},
    }


def test_healthz_reports_a_down_broker_as_503(client: Client, db: None) -> None:
    with override_settings(
        CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_BROKER_TRANSPORT_OPTIONS={}
    ):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unreachable"}


def test_healthz_needs_no_login_and_is_never_cached(client: Client, db: None) -> None:
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
