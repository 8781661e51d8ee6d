"""The API's downloads: the lead list endpoint's filters as a file, the same rules as the
list's (a filter it cannot read is a 400), whatever the Accept header, and the archive for
managers only with the pages' refusal."""

import csv
import io
import zipfile
from typing import Any

import pytest

from accounts.models import User
from leads.exports import UTF8_BOM
from tests.api.conftest import ClientFor, stage
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_csv_has_the_filtered_sorted_leads_whatever_the_client_accepts(
    client_for: ClientFor, sales_rep: User
) -> None:
    for name in ["Carla", "Abel", "Berta"]:
        LeadFactory.create(full_name=name, stage=stage("working"))
    LeadFactory.create(full_name="Dario")
    api = client_for(sales_rep)

    response = api.get(
        "/api/v1/leads/export.csv", {"stage": "working", "sort": "name"}, HTTP_ACCEPT="text/csv"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="leads-')
    content = streamed(response)
    assert content.startswith(UTF8_BOM)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["Name"] for row in rows] == ["Abel", "Berta", "Carla"]


def test_a_filter_that_cannot_be_read_is_a_400_naming_it(
    client_for: ClientFor, sales_rep: User
) -> None:
    response = client_for(sales_rep).get(
        "/api/v1/leads/export.xlsx", {"created_from": "yesterday"}, HTTP_ACCEPT="text/csv"
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"created_from"}


def test_the_archive_for_a_manager_and_the_refusal_for_others(
    client_for: ClientFor, manager: User, marketer: User
) -> None:
    LeadFactory.create()

    refused = client_for(marketer).get("/api/v1/export/archive.zip")
    answered = client_for(manager).get("/api/v1/export/archive.zip")

    assert refused.status_code == 403
    assert refused.json()["message"] == "Only managers export all the data at once."
    assert answered["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(streamed(answered)))
    assert "leads.csv" in archive.namelist()
