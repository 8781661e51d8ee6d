"""An opportunity's expected close date through the API: read, changed and refused by the same
form as the lead's edit page."""

from datetime import date

import pytest

from accounts.models import User
from leads.models import Lead
from tests.api.conftest import ClientFor, opportunity

pytestmark = pytest.mark.django_db


def test_the_owner_changes_the_close_date_and_a_bad_one_changes_nothing(
    client_for: ClientFor, marketer: User, sales_rep: User
) -> None:
    lead = opportunity(marketer, sales_rep)
    api = client_for(sales_rep)

    read = api.get(f"/api/v1/leads/{lead.pk}/").json()
    changed = api.patch(
        f"/api/v1/leads/{lead.pk}/", {"expected_close_date": "2031-04-15"}, format="json"
    )
    refused = api.patch(
        f"/api/v1/leads/{lead.pk}/", {"expected_close_date": "2031-02-30"}, format="json"
    )

    assert read["expected_close_date"] == "2031-03-01"
    assert changed.status_code == 200
    assert changed.json()["expected_close_date"] == "2031-04-15"
    assert refused.status_code == 400
    assert refused.json()["fields"]["expected_close_date"] == ["Enter a valid date."]
    assert Lead.objects.get(pk=lead.pk).expected_close_date == date(2031, 4, 15)
