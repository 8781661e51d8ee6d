"""A manager hands a lead to other owners from its page: the form offered to managers only, with
the right people, and a refusal that comes back on it and changes nothing. The rules are the
service's: tests/funnel/test_reassign.py."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from leads.models import Lead
from tests.funnel import test_reassign as reassigning
from tests.funnel.test_reassign import state

pytestmark = pytest.mark.django_db

# The same leads and people as the service's tests, as this module's fixtures.
mql = reassigning.mql
sql = reassigning.sql
marketer_two = reassigning.marketer_two


def test_the_lead_page_offers_reassigning_to_managers_only(
    client: Client, sql: Lead, manager: User, sam: User
) -> None:
    url = reverse("lead_reassign", args=[sql.pk])
    client.force_login(manager)
    assert url in client.get(reverse("lead_detail", args=[sql.pk])).content.decode()
    client.force_login(sam)
    assert url not in client.get(reverse("lead_detail", args=[sql.pk])).content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url, {"sales_owner": sam.pk}).status_code == 403


def test_the_form_offers_the_right_people(
    client: Client, sql: Lead, manager: User, maria: User, riley: User, marketer_two: User
) -> None:
    client.force_login(manager)

    form = client.get(reverse("lead_reassign", args=[sql.pk])).context["form"]

    assert list(form.fields["sales_owner"].queryset) == [riley]
    assert list(form.fields["marketing_owner"].queryset) == [marketer_two]


def test_an_mql_form_has_no_sales_owner(client: Client, mql: Lead, manager: User) -> None:
    client.force_login(manager)

    response = client.get(reverse("lead_reassign", args=[mql.pk]))

    assert "sales_owner" not in response.context["form"].fields
    assert "claims it from the queue" in response.content.decode()


def test_posting_the_form_reassigns_and_lands_on_the_lead(
    client: Client, sql: Lead, manager: User, riley: User
) -> None:
    client.force_login(manager)

    response = client.post(
        reverse("lead_reassign", args=[sql.pk]), {"sales_owner": riley.pk}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("lead_detail", args=[sql.pk])
    page = response.content.decode()
    assert "Ada Lovelace has new owners." in page
    assert "Sales owner: Sam Whitaker → Riley Chen (" in page
    assert Lead.objects.get(pk=sql.pk).sales_owner == riley


def test_an_empty_form_comes_back_with_the_reason(client: Client, sql: Lead, manager: User) -> None:
    client.force_login(manager)
    before = state(sql)

    response = client.post(reverse("lead_reassign", args=[sql.pk]), {})

    assert response.status_code == 400
    assert "these are the lead&#x27;s owners already" in response.content.decode()
    assert state(sql) == before


def test_a_person_not_offered_is_refused_by_the_form(
    client: Client, sql: Lead, manager: User, maria: User
) -> None:
    client.force_login(manager)
    before = state(sql)

    response = client.post(reverse("lead_reassign", args=[sql.pk]), {"sales_owner": maria.pk})

    assert response.status_code == 400
    assert response.context["form"].errors["sales_owner"]
    assert state(sql) == before
