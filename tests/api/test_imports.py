"""An import through the API, step by step: upload (the body is the file), mapping, dry run,
confirm, status and undo."""

import pytest
from django.test import TestCase

from accounts.models import User
from leads.imports import runs
from leads.models import Lead
from tests.api.conftest import ClientFor
from tests.leads.imports_steps import csv_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _import_root(settings, tmp_path) -> None:
    settings.IMPORT_ROOT = tmp_path


def test_an_import_through_the_api(client_for: ClientFor, manager: User) -> None:
    api = client_for(manager)
    content = csv_file("ana@example.com,Ana,Acme,,,,,,", "bad,Bob,,,,,,,")

    uploaded = api.post("/api/v1/imports/?name=leads.csv", content, content_type="text/csv").json()
    assert uploaded["status"] == "uploaded"
    assert uploaded["mapping"]["columns"]["0"] == "email"
    url = f"/api/v1/imports/{uploaded['id']}/"

    mapping = {"columns": ["email", "full_name", "company"], "policy": "skip"}
    assert api.put(f"{url}mapping/", mapping, format="json").json()["policy"] == "skip"
    assert (
        api.put(
            f"{url}mapping/", {"columns": ["phone"], "policy": "skip"}, format="json"
        ).status_code
        == 400
    )
    assert api.post(f"{url}dry-run/").status_code == 202
    runs.check(uploaded["id"])  # what the worker does
    checked = api.get(url).json()
    assert (checked["status"], checked["new_count"], checked["error_count"]) == ("dry_run", 1, 1)
    assert checked["summary"]["errors"][0]["reasons"]

    assert api.post(f"{url}confirm/").status_code == 202
    with TestCase.captureOnCommitCallbacks(execute=True):
        runs.land(uploaded["id"])
    done = api.get(url).json()
    assert (done["status"], done["created_count"], done["progress"]["percent"]) == ("done", 1, 100)
    assert Lead.objects.filter(email="ana@example.com", import_batch_id=uploaded["id"]).exists()
    listed = api.get("/api/v1/leads/", {"import_batch": uploaded["id"]}).json()
    assert [lead["email"] for lead in listed["results"]] == ["ana@example.com"]

    undone = api.post(f"{url}undo/").json()
    assert (undone["status"], undone["summary"]["undo"]["removed"]) == ("undone", 1)
    assert not Lead.objects.filter(email="ana@example.com").exists()
