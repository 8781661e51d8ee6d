"""The funnel board: columns with exact counts and sums, the longest waiting cards of each stage
in one query, and the drop of a card, which the funnel service decides."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from funnel import services
from funnel.board import board_columns, board_page_columns
from funnel.models import Reason, ReasonKind, Stage, StageChange
from leads.models import Lead, Persona
from tests.factories import LeadFactory, PersonaFactory, UserFactory
from tests.funnel.test_queue import clock_at, stage

pytestmark = pytest.mark.django_db

# The moves that bring a new lead to each stage, through funnel.services.
ROUTES = {
    "new": [],
    "working": ["working"],
    "mql": ["mql"],
    "sql": ["mql", "sql"],
    "opportunity": ["mql", "sql", "opportunity"],
    "won": ["mql", "sql", "opportunity", "won"],
    "lost": ["mql", "sql", "lost"],
}


@dataclass(frozen=True)
class Funnel:
    """Builds leads where a test wants them, moving them there through funnel.services."""

    marketer: User
    rep: User

    def lead_in(
        self,
        slug: str,
        *,
        hours_ago: float = 1,
        value: str = "1000.00",
        persona: Persona | None = None,
        **fields: object,
    ) -> Lead:
        """A lead moved into stage `slug` `hours_ago`; opportunities and wins carry `value`."""
        marketer, rep = self.marketer, self.rep
        moment = timezone.now() - timedelta(hours=hours_ago)
        route = ROUTES[slug]
        lead = LeadFactory.create(
            marketing_owner=marketer,
            persona=persona or PersonaFactory.create(name="Engineering lead"),
            created_at=moment - timedelta(minutes=5) if route else moment,
            **fields,
        )
        with clock_at(moment):
            for step in route:
                to_stage = stage(step)
                if step == "sql":
                    services.claim_lead(lead_id=lead.pk, rep=rep)
                elif step == "lost":
                    reason = Reason.objects.filter(kind=ReasonKind.LOST, active=True).first()
                    assert reason is not None
                    services.move_lead(
                        lead_id=lead.pk, to_stage_id=to_stage.pk, actor=rep, reason_id=reason.pk
                    )
                elif step in {"opportunity", "won"}:
                    services.move_lead(
                        lead_id=lead.pk,
                        to_stage_id=to_stage.pk,
                        actor=rep,
                        value=Decimal(value),
                        close_date=moment.date() + timedelta(days=30),
                    )
                else:
                    services.move_lead(lead_id=lead.pk, to_stage_id=to_stage.pk, actor=marketer)
        return Lead.objects.select_related("stage").get(pk=lead.pk)


@pytest.fixture
def funnel(marketer: User, sales_rep: User) -> Funnel:
    return Funnel(marketer=marketer, rep=sales_rep)


def test_each_column_has_its_exact_count_and_sum_and_its_longest_waiting_cards(
    funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    news = [funnel.lead_in("new", hours_ago=hours) for hours in (1, 5, 3, 80, 2)]
    funnel.lead_in("working", hours_ago=10)
    funnel.lead_in("mql", hours_ago=30)
    funnel.lead_in("sql", hours_ago=4)
    funnel.lead_in("sql", hours_ago=6)
    funnel.lead_in("opportunity", value="1000.00")
    funnel.lead_in("opportunity", value="2500.50")
    funnel.lead_in("won", value="4000.00")
    funnel.lead_in("lost")

    columns = board_columns(now=timezone.now(), per_stage=3)

    assert [c.stage.slug for c in columns] == list(
        Stage.objects.order_by("position").values_list("slug", flat=True)
    )
    by_slug = {column.stage.slug: column for column in columns}
    assert {slug: c.count for slug, c in by_slug.items()} == {
        "new": 5,
        "working": 1,
        "mql": 1,
        "sql": 2,
        "opportunity": 2,
        "won": 1,
        "lost": 1,
    }
    assert by_slug["opportunity"].value == Decimal("3500.50")
    assert by_slug["won"].value == Decimal("4000.00")
    assert by_slug["new"].value == Decimal(0)
    # At most per_stage cards, longest in the stage first; the rest are counted, not shown.
    new = by_slug["new"]
    assert [card.lead.pk for card in new.cards] == [news[3].pk, news[1].pk, news[2].pk]
    assert new.more == 2
    # New's limit is 48 hours: only the lead 80 hours in it is past it. MQL's is 24.
    assert [card.past_sla for card in new.cards] == [True, False, False]
    assert by_slug["mql"].cards[0].past_sla
    assert [c.lead.full_name for c in by_slug["sql"].cards] == [
        lead.full_name
        for lead in Lead.objects.filter(stage__slug="sql").order_by("stage_entered_at")
    ]
    # The owner shown is the sales owner once there is one, else the marketer.
    assert by_slug["sql"].cards[0].owner == sales_rep
    assert new.cards[0].owner == marketer


def test_the_page_cards_show_what_the_leads_and_their_owners_say(
    funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    nameless = UserFactory.create(username="kim", first_name="", last_name="")
    funnel.lead_in("sql", hours_ago=30, company="Engines")
    funnel.lead_in("new", hours_ago=60)
    bare = funnel.lead_in("new", hours_ago=3)
    Lead.objects.filter(pk=bare.pk).update(persona=None, marketing_owner=None, company="")
    by_kim = funnel.lead_in("working", hours_ago=2)
    Lead.objects.filter(pk=by_kim.pk).update(marketing_owner=nameless)
    now = timezone.now()

    shown = board_page_columns(now=now)

    # What the API's cards say of their leads, the page's cards say with plain values.
    assert [
        [
            (c.lead_id, c.full_name, c.company, c.persona, c.owner, c.stage_entered_at, c.past_sla)
            for c in column.cards
        ]
        for column in shown
    ] == [
        [
            (
                card.lead.pk,
                card.lead.full_name,
                card.lead.company,
                str(card.lead.persona or ""),
                str(card.owner or ""),
                card.lead.stage_entered_at,
                card.past_sla,
            )
            for card in column.cards
        ]
        for column in board_columns(now=now)
    ]
    owners = {card.lead_id: card.owner for column in shown for card in column.cards}
    assert owners[bare.pk] == ""
    assert owners[by_kim.pk] == "kim"
    assert str(sales_rep) in owners.values()
    assert [c.stage.slug for c in shown if c.cards] == ["new", "working", "sql"]


def test_a_card_without_owner_company_or_persona_says_so(
    client: Client, funnel: Funnel, marketer: User
) -> None:
    bare = funnel.lead_in("new", hours_ago=3, full_name="Ada <b>Bare</b>")
    Lead.objects.filter(pk=bare.pk).update(persona=None, marketing_owner=None, company="")
    client.force_login(marketer)

    page = client.get(reverse("board")).content.decode()

    card = page[page.index(f'data-lead="{bare.pk}"') :].split("</li>")[0]
    assert "Ada &lt;b&gt;Bare&lt;/b&gt;</a>" in card
    assert card.count('class="board-card-line">—</span>') == 1
    assert card.count('class="board-card-line muted">—</span>') == 1
    assert '<span class="board-card-owner">No owner</span>' in card
    assert f'data-move-url="{reverse("board_move", args=[bare.pk])}"' in card


def board_queries(client: Client) -> tuple[int, int]:
    """The queries of the board's columns, and of the whole page."""
    with CaptureQueriesContext(connection) as columns:
        board_columns(now=timezone.now())
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("board"))
    assert response.status_code == 200
    return len(columns), len(page)


def test_the_board_takes_as_many_queries_for_50_leads_as_for_5(
    client: Client, funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    client.force_login(marketer)
    client.get(reverse("board"))  # the first page after logging in also stamps the session
    persona = PersonaFactory.create(name="Engineering lead")
    for slug in ("new", "working", "mql", "sql", "opportunity"):
        funnel.lead_in(slug, persona=persona)
    small = board_queries(client)

    for index in range(45):
        slug = "new" if index < 25 else ("sql", "opportunity", "mql", "working")[index % 4]
        funnel.lead_in(slug, hours_ago=index + 1, persona=persona)
    large = board_queries(client)

    assert small == large
    # session, user, the allowed moves, the totals, the top cards, the menu's count of unread
    # mentions, roles: no session write
    assert small[1] == 7
    assert small[0] == 2  # the grouped counts and sums, and the top cards
    columns = {c.stage.slug: c for c in board_columns(now=timezone.now())}
    assert columns["new"].count == 26
    assert len(columns["new"].cards) == 20
    assert columns["new"].more == 6
    waited = [card.in_stage for card in columns["new"].cards]
    assert waited == sorted(waited, reverse=True)


def test_the_page_shows_columns_cards_and_a_link_to_the_rest(
    client: Client, funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    funnel.lead_in("opportunity", value="148800.00", full_name="Ada Lovelace", company="Engines")
    late = funnel.lead_in("new", hours_ago=60, full_name="Grace Hopper")
    client.force_login(marketer)

    funnel.lead_in("new", hours_ago=2)
    one_card_each = mock.patch(
        "funnel.views.board_page_columns",
        lambda now, also: board_page_columns(now=now, per_stage=1, also=also),
    )

    with one_card_each:
        page = client.get(reverse("board")).content.decode()

    assert "1 lead · €148,800 expected" in page
    assert "2 leads · €0 expected" in page
    assert f'href="{reverse("lead_detail", args=[late.pk])}">Grace Hopper</a>' in page
    for shown in ("Engines", "Engineering lead", "Sam"):
        assert shown in page
    assert 'class="board-card past-sla"' in page
    assert f'href="{reverse("lead_list")}?stage=new">and 1 more</a>' in page
    assert 'src="/static/sortablejs/Sortable.min.js"' in page


def drop(client: Client, lead: Lead, slug: str) -> HttpResponseBase:
    url = reverse("board_move", args=[lead.pk])
    return client.post(url, {"to_stage": stage(slug).pk}, headers={"HX-Request": "true"})


def test_a_drop_moves_the_lead_through_the_service_and_answers_with_the_board(
    client: Client, funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    lead = funnel.lead_in("new")
    client.force_login(marketer)

    with mock.patch("funnel.views.move_lead", wraps=services.move_lead) as move:
        response = client.post(
            reverse("board_move", args=[lead.pk]),
            {"to_stage": stage("working").pk},
            headers={"HX-Request": "true"},
        )

    move.assert_called_once_with(lead_id=lead.pk, to_stage_id=stage("working").pk, actor=marketer)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert f"{lead.full_name} moved to Working." in html
    assert Lead.objects.get(pk=lead.pk).stage.slug == "working"
    assert StageChange.objects.filter(lead=lead).count() == 2


def test_a_refused_drop_changes_nothing_and_says_why(client: Client, marketer: User) -> None:
    lead = LeadFactory.create(company="", persona=None, marketing_owner=marketer)
    client.force_login(marketer)

    with mock.patch("funnel.views.move_lead", wraps=services.move_lead) as move:
        response = client.post(
            reverse("board_move", args=[lead.pk]),
            {"to_stage": stage("mql").pk},
            headers={"HX-Request": "true"},
        )

    assert move.call_count == 1
    assert response.status_code == 400
    assert (
        "A lead enters MQL only with: company, persona. Fill them in first."
        in response.content.decode()
    )
    assert Lead.objects.get(pk=lead.pk).stage.slug == "new"
    assert StageChange.objects.filter(lead=lead).count() == 1


def test_a_drop_along_no_allowed_move_is_refused(
    client: Client, funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    lead = funnel.lead_in("new")
    client.force_login(marketer)

    response = drop(client, lead, "won")

    assert response.status_code == 409
    assert Lead.objects.get(pk=lead.pk).stage.slug == "new"


@pytest.mark.parametrize(("start", "target"), [("sql", "opportunity"), ("sql", "lost")])
def test_a_drop_that_needs_details_goes_to_the_lead_page_instead(
    client: Client, funnel: Funnel, sales_rep: User, start: str, target: str
) -> None:
    lead = funnel.lead_in(start)
    client.force_login(sales_rep)

    with mock.patch("funnel.views.move_lead") as move:
        response = drop(client, lead, target)

    move.assert_not_called()
    to = stage(target).pk
    url = f"{reverse('lead_detail', args=[lead.pk])}?move={to}#move-{to}"
    assert response["HX-Redirect"] == url
    assert Lead.objects.get(pk=lead.pk).stage.slug == start
    page = client.get(url).content.decode()
    assert "takes a few details: fill them in below." in page
    # The form of that move is open on the page, the others closed.
    assert f'id="move-{to}" open>' in page
    assert page.count(" open>") == 1


def test_a_rep_claims_an_mql_by_dropping_it_on_sql(
    client: Client, funnel: Funnel, sales_rep: User
) -> None:
    lead = funnel.lead_in("mql")
    client.force_login(sales_rep)

    with mock.patch("funnel.views.claim_lead", wraps=services.claim_lead) as claim:
        response = drop(client, lead, "sql")

    claim.assert_called_once_with(lead_id=lead.pk, rep=sales_rep)
    assert response.status_code == 200
    assert isinstance(response, HttpResponse)
    assert f"It&#x27;s yours: {lead.full_name} is now in SQL." in response.content.decode()
    claimed = Lead.objects.get(pk=lead.pk)
    assert (claimed.stage.slug, claimed.sales_owner) == ("sql", sales_rep)


def test_a_second_drop_of_a_claimed_mql_is_refused_and_keeps_the_first_claim(
    client: Client, funnel: Funnel, sales_rep: User
) -> None:
    lead = funnel.lead_in("mql")
    other = UserFactory.create(username="riley", roles=[Role.SALES])
    services.claim_lead(lead_id=lead.pk, rep=other)
    client.force_login(sales_rep)

    response = drop(client, lead, "sql")

    assert response.status_code >= 400
    claimed = Lead.objects.get(pk=lead.pk)
    assert (claimed.stage.slug, claimed.sales_owner) == ("sql", other)
    assert StageChange.objects.filter(lead=lead, to_stage__slug="sql").count() == 1


def test_a_lead_moved_into_a_full_column_is_shown_on_it(
    client: Client, funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    for hours in range(3):
        funnel.lead_in("working", hours_ago=100 + hours)
    lead = funnel.lead_in("new", full_name="Newest Arrival")
    client.force_login(marketer)
    two_cards_each = mock.patch(
        "funnel.views.board_page_columns",
        lambda now, also: board_page_columns(now=now, per_stage=2, also=also),
    )

    with two_cards_each:
        dropped = drop(client, lead, "working")
        later = client.get(reverse("board")).content.decode()
    assert isinstance(dropped, HttpResponse)
    html = dropped.content.decode()

    working = html[html.index('data-column="working"') :].split("</section>")[0]
    assert f'id="card-{lead.pk}"' in working
    assert "board-card-moved" in working
    assert "and 1 more" in working  # four leads, three cards shown: the count stays true
    assert f'id="card-{lead.pk}"' not in later  # on the next visit, the column is as usual


def test_every_card_has_a_menu_of_the_columns_it_may_move_to(
    client: Client, funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    lead = funnel.lead_in("new", full_name="Ada Lovelace")
    client.force_login(marketer)

    page = client.get(reverse("board")).content.decode()

    card = page[page.index(f'id="card-{lead.pk}"') :].split("</li>")[0]
    assert '<summary aria-label="Move to… (Ada Lovelace)">Move to…</summary>' in card
    url = reverse("board_move", args=[lead.pk])
    for target in ("working", "mql"):
        assert (
            f'formaction="{url}" name="to_stage" value="{stage(target).pk}">'
            f"{stage(target).name}</button>"
        ) in card
    assert card.count("<button") == 2


def test_the_menu_works_without_javascript(
    client: Client, funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    lead = funnel.lead_in("new", full_name="Ada Lovelace")
    client.force_login(marketer)

    response = client.post(
        reverse("board_move", args=[lead.pk]), {"to_stage": stage("working").pk}, follow=True
    )

    assert response.redirect_chain == [(f"{reverse('board')}?moved={lead.pk}#card-{lead.pk}", 302)]
    page = response.content.decode()
    assert "Ada Lovelace moved to Working." in page
    assert f'board-card-moved" id="card-{lead.pk}"' in page


@pytest.mark.parametrize("moved", ["x", "-1", "99999999999999999999999", ""])
def test_a_mangled_moved_address_shows_the_board_as_usual(
    client: Client, marketer: User, moved: str
) -> None:
    client.force_login(marketer)
    response = client.get(reverse("board"), {"moved": moved})
    assert response.status_code == 200
    assert "board-card-moved" not in response.content.decode()


def test_without_htmx_a_drop_comes_back_to_the_board_with_a_message(
    client: Client, marketer: User
) -> None:
    lead = LeadFactory.create(company="", persona=None, marketing_owner=marketer)
    client.force_login(marketer)

    response = client.post(
        reverse("board_move", args=[lead.pk]), {"to_stage": stage("mql").pk}, follow=True
    )

    assert response.redirect_chain == [(reverse("board"), 302)]
    assert "A lead enters MQL only with" in response.content.decode()


def test_the_nav_links_to_the_board(client: Client, sales_rep: User) -> None:
    client.force_login(sales_rep)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("board")}"' in page


def test_closed_columns_say_won_and_lost_rather_than_expected(
    client: Client, funnel: Funnel, marketer: User, sales_rep: User
) -> None:
    funnel.lead_in("won", value="9000.00")
    funnel.lead_in("lost")
    funnel.lead_in("opportunity", value="5000.00")
    client.force_login(marketer)

    page = client.get(reverse("board")).content.decode()
    home = client.get(reverse("home")).content.decode()

    def sums(slug: str) -> str:
        column = page[page.index(f'data-column="{slug}"') :]
        return column[column.index('class="board-column-sums">') :].split("</p>")[0]

    assert "1 lead · €9,000 won" in sums("won")
    assert "1 lead · €0 lost" in sums("lost")
    assert "1 lead · €5,000 expected" in sums("opportunity")
    assert "€9,000 won" in home
    assert "€9,000 expected" not in home
