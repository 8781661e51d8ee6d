"""A write through the API and the answer read after it share one transaction: a database
lost between the write and the answer fails the request with nothing saved, never a saved
change answered as failed (seen during a PostgreSQL restart before: a claim answered 503 that
had been made)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection

from accounts.models import User
from funnel.models import StageChange
from leads.models import Lead
from tests.api.conftest import ClientFor, qualified

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]


@contextmanager
def database_lost_after(write: str) -> Iterator[list[str]]:
    """Every read after the first statement that starts with `write` fails as an unreachable
    server makes it fail; the list holds the reads that failed."""
    armed: list[bool] = []
    failed: list[str] = []

    def execute(run: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if armed and sql.startswith("SELECT"):
            failed.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        if sql.startswith(write):
            armed.append(True)
        return run(sql, params, many, context)

    with connection.execute_wrapper(execute):
        yield failed


def test_a_claim_whose_answer_cannot_be_read_is_not_made(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = qualified(marketer)
    api = client_for(sales_rep)
    api.raise_request_exception = False

    with database_lost_after('UPDATE "leads_lead"') as failed:
        response = api.post(f"/api/v1/leads/{lead.pk}/claim/")
    connection.close()

    assert failed, "the database was never lost after the write"
    assert response.status_code == 503
    assert response["Retry-After"]
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.sales_owner_id is None
    assert lead.stage.slug == "mql"
    assert not StageChange.objects.filter(lead=lead, kind="claimed").exists()


def test_a_claim_answered_200_is_saved(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = qualified(marketer)

    response = client_for(sales_rep).post(f"/api/v1/leads/{lead.pk}/claim/")

    assert response.status_code == 200
    assert response.json()["sales_owner"]["id"] == sales_rep.pk
    assert Lead.objects.get(pk=lead.pk).sales_owner_id == sales_rep.pk
