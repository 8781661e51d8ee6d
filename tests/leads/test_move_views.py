"""Moving a lead from its page, through the views: each move made by the service, each refusal
shown on the page with its reason and leaving the lead as it was."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from funnel.models import ChangeKind, Reason, ReasonKind, StageChange
from funnel.services import claim_lead, move_lead
from leads.models import Lead, Mention
from tests.factories import LeadFactory, PersonaFactory
from tests.funnel import test_views as claiming
from tests.funnel.test_views import stage, state

pytestmark = pytest.mark.django_db


def reason(kind: ReasonKind, slug: str) -> Reason:
    return Reason.objects.get(kind=kind, slug=slug)


def post_move(client: Client, lead: Lead, to: str, follow: bool = False, **details: Any) -> Any:
    data = {"to_stage": stage(to).pk, **details}
    return client.post(reverse("lead_move", args=[lead.pk]), data, follow=follow)


# The lead waiting in the queue, as the claim's tests have it.
mql = claiming.mql


@pytest.fixture
def sql(mql: Lead, sales_rep: User) -> Lead:
    return claim_lead(lead_id=mql.pk, rep=sales_rep)


@pytest.fixture
def opportunity(sql: Lead, sales_rep: User) -> Lead:
    return move_lead(
        lead_id=sql.pk,
        to_stage_id=stage("opportunity").pk,
        actor=sales_rep,
        value=Decimal("5000"),
        close_date=date(2031, 3, 1),
    )


def refused_back_on_the_lead(response: Any, lead: Lead) -> bool:
    """A refused move sends the browser back to the lead's own address, not the POST's."""
    url = f"{reverse('lead_detail', args=[lead.pk])}#moves"
    return bool(response.redirect_chain == [(url, 302)] and response.status_code == 200)


# The move panel on the lead page


def move_buttons(client: Client, lead: Lead) -> str:
    body: str = client.get(reverse("lead_detail", args=[lead.pk])).content.decode()
    return body


def test_a_marketer_is_offered_the_marketing_moves_of_a_new_lead(
    client: Client, marketer: User
) -> None:
    lead = LeadFactory.create(marketing_owner=marketer)
    client.force_login(marketer)

    body = move_buttons(client, lead)

    assert "Move to Working" in body
    assert "Qualify as MQL" in body
    assert f'value="{stage("mql").pk}"' in body
    assert "Claim this lead" not in body


def test_a_rep_sees_the_claim_on_an_mql_and_a_marketer_does_not(
    client: Client, mql: Lead, sales_rep: User, marketer: User
) -> None:
    client.force_login(sales_rep)
    assert "Claim this lead" in move_buttons(client, mql)
    client.force_login(marketer)
    body = move_buttons(client, mql)
    assert "Claim this lead" not in body
    # Marketing may take an MQL back, with a recycle reason.
    assert "Take back to Working" in body
    assert "No budget" in body
    assert "Price too high" not in body


def test_the_owner_sees_the_sales_moves_with_the_right_reasons(
    client: Client, opportunity: Lead, sales_rep: User
) -> None:
    Reason.objects.filter(slug="timing").update(active=False)
    client.force_login(sales_rep)

    body = move_buttons(client, opportunity)

    assert "Mark as won" in body
    assert "Mark as lost" in body
    assert "Recycle to Marketing" in body
    assert "Amount won" in body
    assert "Chose a competitor" in body
    assert "Not ready to buy" in body
    assert "Bad timing" not in body


def test_a_rep_who_does_not_own_the_lead_sees_no_moves_and_may_not_post_one(
    client: Client, sql: Lead, riley: User
) -> None:
    before = state(sql)
    client.force_login(riley)

    assert 'id="moves"' not in move_buttons(client, sql)
    response = post_move(
        client, sql, "opportunity", follow=True, value="100", close_date="2031-01-01"
    )

    assert refused_back_on_the_lead(response, sql)
    assert "You may not move this lead from SQL to Opportunity." in response.content.decode()
    assert state(sql) == before


def test_the_move_panel_adds_one_query_for_reasons_only_when_a_move_needs_them(
    client: Client, sql: Lead, sales_rep: User, django_assert_num_queries: Any
) -> None:
    client.force_login(sales_rep)
    client.get(reverse("lead_detail", args=[sql.pk]))
    # session, user, roles, unread mentions; the lead; activities (none, so no mentions
    # query), stage changes; the first-touch clock (the claim, the first touch); the moves
    # offered and the reasons of lost and recycle (the session was saved by the page before:
    # it is not written again)
    with django_assert_num_queries(11):
        client.get(reverse("lead_detail", args=[sql.pk]))


def test_a_marketer_qualifies_a_complete_lead(client: Client, marketer: User) -> None:
    lead = LeadFactory.create(marketing_owner=marketer, persona=PersonaFactory.create())
    client.force_login(marketer)

    response = post_move(client, lead, "mql")

    assert response.status_code == 302
    assert state(lead)["stage"] == "mql"


def test_qualifying_without_the_entry_criteria_says_what_is_missing_and_changes_nothing(
    client: Client, marketer: User
) -> None:
    lead = LeadFactory.create(marketing_owner=marketer, company="", persona=None)
    before = state(lead)
    client.force_login(marketer)

    response = post_move(client, lead, "mql", follow=True)

    assert refused_back_on_the_lead(response, lead)
    body = response.content.decode()
    edit = reverse("lead_edit", args=[lead.pk])
    assert (
        f'A lead enters MQL only with: <a href="{edit}#id_company">company</a>, '
        f'<a href="{edit}#id_persona">persona</a>. Fill them in first.'
    ) in body
    assert state(lead) == before
    # Shown once: the page opened again is the lead as usual.
    again = client.get(reverse("lead_detail", args=[lead.pk])).content.decode()
    assert "A lead enters MQL only with" not in again


def test_the_claim_button_on_the_lead_page_claims_it(
    client: Client, mql: Lead, sales_rep: User
) -> None:
    client.force_login(sales_rep)
    assert f'action="{reverse("lead_claim", args=[mql.pk])}"' in move_buttons(client, mql)

    response = client.post(reverse("lead_claim", args=[mql.pk]), follow=True)

    assert "It&#x27;s yours: Ada Lovelace is now in SQL." in response.content.decode()
    assert state(mql)["sales_owner"] == sales_rep.pk


def test_a_claim_posted_as_a_move_is_made_by_the_claim_service(
    client: Client, mql: Lead, sales_rep: User
) -> None:
    client.force_login(sales_rep)

    response = post_move(client, mql, "sql", follow=True)

    assert "It&#x27;s yours: Ada Lovelace is now in SQL." in response.content.decode()
    assert state(mql)["sales_owner"] == sales_rep.pk


def test_a_move_from_a_stale_page_is_refused_with_the_lead_as_it_is_now(
    client: Client, sql: Lead, marketer: User
) -> None:
    """The marketer's page still showed the MQL; Sales has claimed it since."""
    before = state(sql)
    client.force_login(marketer)

    response = post_move(
        client, sql, "working", follow=True, reason=reason(ReasonKind.RECYCLE, "no-budget").pk
    )

    assert refused_back_on_the_lead(response, sql)
    body = response.content.decode()
    assert "You may not move this lead from SQL to Working." in body
    assert "Not claimed yet" not in body
    assert state(sql) == before


def test_the_owner_advances_to_opportunity_with_value_and_close_date(
    client: Client, sql: Lead, sales_rep: User
) -> None:
    client.force_login(sales_rep)

    response = post_move(client, sql, "opportunity", value="12500.50", close_date="2031-06-30")

    assert response.status_code == 302
    after = state(sql)
    assert (after["stage"], after["value"], after["close"]) == (
        "opportunity",
        Decimal("12500.50"),
        date(2031, 6, 30),
    )


@pytest.mark.parametrize(
    ("details", "error"),
    [
        ({"value": "lots", "close_date": "2031-06-30"}, "Enter a number."),
        ({"value": "0", "close_date": "2031-06-30"}, "Enter an amount above zero."),
        ({"value": "-5", "close_date": "2031-06-30"}, "Enter an amount above zero."),
        ({"value": "100", "close_date": "soon"}, "Enter a valid date."),
        ({"value": "100"}, "This field is required."),
    ],
)
def test_bad_deal_details_are_field_errors_and_change_nothing(
    client: Client, sql: Lead, sales_rep: User, details: dict[str, str], error: str
) -> None:
    before = state(sql)
    client.force_login(sales_rep)

    data = {"to_stage": stage("opportunity").pk, **details}
    response = client.post(reverse("lead_move", args=[sql.pk]), data)

    assert response.status_code == 400
    body = response.content.decode()
    assert error in body
    assert 'class="field-error"' in body
    # The form comes back open, with what was typed.
    assert f'id="move-{stage("opportunity").pk}" open>' in body
    assert state(sql) == before


def test_the_owner_wins_the_deal_with_its_amount(
    client: Client, opportunity: Lead, sales_rep: User
) -> None:
    client.force_login(sales_rep)

    response = post_move(client, opportunity, "won", value="4800", follow=True)

    assert "Ada Lovelace is won." in response.content.decode()
    after = state(opportunity)
    assert (after["stage"], after["value"]) == ("won", Decimal("4800"))


def test_the_owner_loses_the_deal_with_a_reason(
    client: Client, opportunity: Lead, sales_rep: User
) -> None:
    client.force_login(sales_rep)
    competitor = reason(ReasonKind.LOST, "competitor")

    post_move(client, opportunity, "lost", reason=competitor.pk, note="Went with the cheap one.")

    last = StageChange.objects.filter(lead=opportunity).order_by("-at", "-id").first()
    assert last is not None
    assert (last.kind, last.reason, last.note) == (
        ChangeKind.LOST,
        competitor,
        "Went with the cheap one.",
    )


def test_losing_without_a_reason_is_a_field_error(
    client: Client, opportunity: Lead, sales_rep: User
) -> None:
    before = state(opportunity)
    client.force_login(sales_rep)

    response = post_move(client, opportunity, "lost", reason="")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert state(opportunity) == before


def test_a_reason_of_the_other_kind_is_refused(
    client: Client, opportunity: Lead, sales_rep: User
) -> None:
    before = state(opportunity)
    client.force_login(sales_rep)

    response = post_move(
        client, opportunity, "lost", reason=reason(ReasonKind.RECYCLE, "no-budget").pk
    )

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert state(opportunity) == before


def test_the_owner_recycles_a_lead_and_its_marketing_owner_is_told(
    client: Client, sql: Lead, sales_rep: User, marketer: User
) -> None:
    client.force_login(sales_rep)
    not_ready = reason(ReasonKind.RECYCLE, "not-ready")

    response = post_move(client, sql, "working", reason=not_ready.pk, note="Budget opens in Q3.")

    assert response.status_code == 302
    after = state(sql)
    assert (after["stage"], after["sales_owner"]) == ("working", None)
    last = StageChange.objects.filter(lead=sql).order_by("-at", "-id").first()
    assert last is not None
    assert (last.kind, last.reason) == (ChangeKind.RECYCLED, not_ready)
    mention = Mention.objects.get(user=marketer)
    assert "Budget opens in Q3." in mention.activity.body


def test_a_move_the_funnel_does_not_allow_is_refused_and_changes_nothing(
    client: Client, marketer: User
) -> None:
    lead = LeadFactory.create(marketing_owner=marketer)
    before = state(lead)
    client.force_login(marketer)

    response = post_move(client, lead, "won", follow=True, value="100")

    assert refused_back_on_the_lead(response, lead)
    assert "A lead in New cannot move to Won." in response.content.decode()
    assert state(lead) == before


def test_a_missing_target_stage_is_a_bad_request(
    client: Client, mql: Lead, sales_rep: User
) -> None:
    client.force_login(sales_rep)
    response = client.post(reverse("lead_move", args=[mql.pk]), {"to_stage": "sql"})
    assert response.status_code == 400
    assert state(mql)["stage"] == "mql"


def test_one_missing_field_is_one_to_fill_in(client: Client, marketer: User) -> None:
    lead = LeadFactory.create(marketing_owner=marketer, persona=None)
    client.force_login(marketer)
    body = post_move(client, lead, "mql", follow=True).content.decode()
    edit = reverse("lead_edit", args=[lead.pk])
    assert f'only with: <a href="{edit}#id_persona">persona</a>. Fill it in first.' in body


def test_a_refused_opportunity_keeps_what_was_typed(
    client: Client, sql: Lead, sales_rep: User
) -> None:
    Lead.objects.filter(pk=sql.pk).update(company="")
    client.force_login(sales_rep)

    response = post_move(
        client, sql, "opportunity", follow=True, value="12500", close_date="2031-06-30"
    )

    assert refused_back_on_the_lead(response, sql)
    body = response.content.decode()
    assert "A lead enters Opportunity only with:" in body
    assert f'id="move-{stage("opportunity").pk}" open>' in body
    assert 'value="12500"' in body
    assert 'value="2031-06-30"' in body
    assert state(sql)["stage"] == "sql"


def test_after_qualifying_a_marketer_is_told_what_happens_next_and_may_take_it_back(
    client: Client, marketer: User
) -> None:
    lead = LeadFactory.create(marketing_owner=marketer, persona=PersonaFactory.create())
    client.force_login(marketer)

    body = post_move(client, lead, "mql", follow=True).content.decode()

    assert "It waits for Sales to claim it, within 24 hours by the agreement." in body
    assert 'href="#activity-form">Add a note for Sales</a>' in body
    assert f'href="{reverse("lead_edit", args=[lead.pk])}">Complete its details</a>' in body
    assert f'href="{reverse("lead_create")}">Log another lead</a>' in body
    assert f'href="{reverse("board")}">See it on the board</a>' in body
    assert "Take back to Working" in body
    assert "Recycle to Marketing" not in body


def test_a_rep_reads_an_mql_s_moves_as_before(client: Client, mql: Lead, sales_rep: User) -> None:
    client.force_login(sales_rep)
    body = move_buttons(client, mql)
    assert "It waits for Sales to claim it" not in body
    assert "Claim this lead" in body
