import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_marketer_home_shows_their_leads_and_the_shared_funnel(client: Client, marketer) -> None:
    LeadFactory(full_name="Ada Lovelace", marketing_owner=marketer)
    LeadFactory(full_name="Someone Else")
    client.force_login(marketer)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Leads you own in Marketing" in body
    assert "Ada Lovelace" in body
    assert "Someone Else" not in body
    assert "The shared funnel" in body
    assert "MQLs waiting for Sales" not in body


def test_sales_home_shows_the_mql_queue(client: Client, sales_rep) -> None:
    client.force_login(sales_rep)

    body = client.get(reverse("home")).content.decode()

    assert "MQLs waiting for Sales" in body
    assert f'href="{reverse("lead_list")}?stage=mql&amp;sort=in_stage"' in body
    assert "Your sales pipeline" in body
    assert "Leads you own in Marketing" not in body


@pytest.mark.parametrize("leads", [5, 50])
def test_home_query_count_does_not_grow_with_leads(
    client: Client, marketer, django_assert_num_queries, leads: int
) -> None:
    LeadFactory.create_batch(leads, marketing_owner=marketer)
    client.force_login(marketer)

    # session, user, roles, unread mentions; shared funnel, own funnel, own newest leads;
    # the idle-timeout session save (savepoint, update, release)
    with django_assert_num_queries(10):
        response = client.get(reverse("home"))
    assert response.status_code == 200


def test_a_rep_s_pipeline_shows_only_the_sales_stages(client: Client, sales_rep) -> None:
    client.force_login(sales_rep)

    response = client.get(reverse("home"))

    pipeline = [summary.stage.slug for summary in response.context["my_sales_funnel"]]
    assert pipeline == ["sql", "opportunity", "won", "lost"]


def test_the_mql_queue_opens_the_waiting_leads_in_the_list(client: Client, sales_rep) -> None:
    client.force_login(sales_rep)

    body = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("lead_list")}?stage=mql&amp;sort=in_stage"' in body
