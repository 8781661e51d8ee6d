"""The expected close date given when a lead becomes an opportunity: on the lead page, edited
with the other details, and a win's amount starting from the opportunity's value."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from funnel.models import Stage
from funnel.services import claim_lead, move_lead
from leads.models import Activity, Lead
from tests.factories import complete_lead
from tests.leads.test_detail_views import edit_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(marketer: User, sales_rep: User) -> Lead:
    lead = complete_lead(marketing_owner=marketer)
    move_lead(lead_id=lead.pk, to_stage_id=Stage.objects.get(slug="mql").pk, actor=marketer)
    claim_lead(lead_id=lead.pk, rep=sales_rep)
    return move_lead(
        lead_id=lead.pk,
        to_stage_id=Stage.objects.get(slug="opportunity").pk,
        actor=sales_rep,
        value=Decimal("12500.00"),
        close_date=date(2031, 3, 14),
    )


def test_the_lead_page_shows_the_close_date(client: Client, sales_rep: User, deal: Lead) -> None:
    client.force_login(sales_rep)

    page = client.get(reverse("lead_detail", args=[deal.pk])).content.decode()

    assert "<dt>Expected close date</dt>" in page
    assert '<time datetime="2031-03-14">March 14, 2031</time>' in page


def test_the_owner_edits_the_close_date_with_the_details(
    client: Client, sales_rep: User, deal: Lead
) -> None:
    client.force_login(sales_rep)
    form = client.get(reverse("lead_edit", args=[deal.pk])).content.decode()

    response = client.post(
        reverse("lead_edit", args=[deal.pk]), edit_data(deal, expected_close_date="2031-05-02")
    )

    assert 'type="date" name="expected_close_date" value="2031-03-14"' in form
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.expected_close_date == date(2031, 5, 2)
    # The product's own text is kept as a message key and put into the reader's words.
    changed = Activity.objects.get(lead=deal, message__contains=[{"key": "changed"}])
    assert changed.message == [{"key": "changed", "params": {"fields": ["expected_close_date"]}}]
    assert changed.text == "Changed expected close date."


@pytest.mark.parametrize("bad", ["2031-02-30", "next week", "<b>soon</b>"])
def test_a_bad_close_date_is_explained_and_changes_nothing(
    client: Client, sales_rep: User, deal: Lead, bad: str
) -> None:
    client.force_login(sales_rep)
    before = Lead.objects.values().get(pk=deal.pk)

    response = client.post(
        reverse("lead_edit", args=[deal.pk]), edit_data(deal, expected_close_date=bad)
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"expected_close_date": ["Enter a valid date."]}
    assert Lead.objects.values().get(pk=deal.pk) == before


def test_the_win_starts_from_the_opportunity_s_value(
    client: Client, sales_rep: User, deal: Lead
) -> None:
    client.force_login(sales_rep)
    won = Stage.objects.get(slug="won")

    page = client.get(reverse("lead_detail", args=[deal.pk])).content.decode()

    amount = page.split(f'id="id_move{won.pk}_value"')[0].rsplit("<input", 1)[1]
    assert 'name="value" value="12500.00"' in amount
