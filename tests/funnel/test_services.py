"""The funnel services: every move of the default funnel, what each writes, and every refusal.

Leads are moved only through funnel.services, as users move them. A refusal must leave the lead's
row, its history, its timeline and everyone's mentions exactly as they were.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from funnel.models import ChangeKind, Reason, ReasonKind, Stage, StageChange
from funnel.services import (
    AlreadyClaimed,
    DetailsRequired,
    EntryCriteriaNotMet,
    MoveNotAllowed,
    claim_lead,
    enter_funnel,
    move_destination,
    move_lead,
)
from leads.models import Activity, Lead, Mention, Source
from smarketing.errors import NotAllowed
from tests.factories import LeadFactory, PersonaFactory, UserFactory

pytestmark = pytest.mark.django_db

# The lead was created this long ago: moves out of New record it in whole seconds.
AGE = timedelta(hours=1, minutes=2, seconds=5, microseconds=600_000)
CLOSE = date(2031, 3, 31)


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def reason(kind: ReasonKind, slug: str) -> Reason:
    return Reason.objects.get(kind=kind, slug=slug)


def fresh(user: User) -> User:
    """The user as a new request sees them: roles not read yet."""
    return User.objects.get(pk=user.pk)


def move(lead: Lead, slug: str, actor: User, **details: Any) -> Lead:
    return move_lead(lead_id=lead.pk, to_stage_id=stage(slug).pk, actor=actor, **details)


@pytest.fixture
def new_lead(marketer: User) -> Lead:
    """A lead in New with everything qualification asks for, logged a while ago."""
    return LeadFactory.create(
        full_name="Ada Lovelace",
        company="Analytical Engines",
        persona=PersonaFactory.create(name="Ops lead"),
        marketing_owner=marketer,
        created_at=timezone.now() - AGE,
    )


@pytest.fixture
def mql(new_lead: Lead, marketer: User) -> Lead:
    return move(new_lead, "mql", marketer)


@pytest.fixture
def sql(mql: Lead, sales_rep: User) -> Lead:
    return claim_lead(lead_id=mql.pk, rep=sales_rep)


@pytest.fixture
def opportunity(sql: Lead, sales_rep: User) -> Lead:
    return move(sql, "opportunity", sales_rep, value=Decimal("12000.00"), close_date=CLOSE)


@pytest.fixture
def won(opportunity: Lead, sales_rep: User) -> Lead:
    return move(opportunity, "won", sales_rep, value=Decimal("11500.00"))


@pytest.fixture
def lost(opportunity: Lead, sales_rep: User) -> Lead:
    return move(opportunity, "lost", sales_rep, reason_id=reason(ReasonKind.LOST, "competitor").pk)


def state(lead: Lead) -> dict[str, Any]:
    """Everything a refused move must leave alone."""
    return {
        "row": Lead.objects.filter(pk=lead.pk).values().get(),
        "history": list(StageChange.objects.filter(lead=lead).order_by("id").values()),
        "activities": Activity.objects.count(),
        "mentions": Mention.objects.count(),
    }


def last_change(lead: Lead) -> StageChange:
    return StageChange.objects.filter(lead=lead).select_related("reason").latest("id")


def assert_recorded(
    lead: Lead,
    before: dict[str, Any],
    *,
    kind: ChangeKind,
    actor: User,
    from_slug: str,
    to_slug: str,
    started: datetime,
    reason: Reason | None = None,
    note: str = "",
    value: Decimal | None = None,
) -> StageChange:
    """The move wrote exactly one history row saying who, when, from, to, why and for how much,
    and the lead's stage is that row's."""
    history = list(StageChange.objects.filter(lead=lead).order_by("id"))
    assert len(history) == len(before["history"]) + 1
    previous, change = history[-2], history[-1]
    assert (change.kind, change.actor, change.from_stage, change.to_stage) == (
        kind,
        actor,
        stage(from_slug),
        stage(to_slug),
    )
    assert (change.reason, change.note, change.value) == (reason, note, value)
    assert started <= change.at <= timezone.now()
    assert change.seconds_in_previous_stage == int((change.at - previous.at).total_seconds())
    lead.refresh_from_db()
    assert (lead.stage, lead.stage_entered_at) == (change.to_stage, change.at)
    return change


def assert_refused(lead: Lead, before: dict[str, Any]) -> None:
    assert state(lead) == before


# Into the funnel


def test_entering_the_funnel_saves_the_lead_in_new_with_its_first_history_row(
    marketer: User,
) -> None:
    lead = enter_funnel(
        lead=Lead(full_name="Ada", email="ada@example.org", source=Source.WEBSITE),
        actor=marketer,
    )

    change = StageChange.objects.get(lead=lead)
    assert (change.kind, change.from_stage, change.to_stage, change.actor) == (
        ChangeKind.CREATED,
        None,
        stage("new"),
        marketer,
    )
    assert change.seconds_in_previous_stage is None
    lead.refresh_from_db()
    assert (lead.stage, lead.stage_entered_at, lead.created_at) == (
        stage("new"),
        change.at,
        change.at,
    )


# Every allowed move, by the right person


def test_a_marketer_starts_working_a_new_lead(new_lead: Lead, marketer: User) -> None:
    before, started = state(new_lead), timezone.now()

    move(new_lead, "working", marketer, note="  Nurture with the webinar  ")

    change = assert_recorded(
        new_lead,
        before,
        kind=ChangeKind.MOVED,
        actor=marketer,
        from_slug="new",
        to_slug="working",
        started=started,
        note="Nurture with the webinar",
    )
    # Whole seconds since the lead was logged (the move takes well under 0.4 s).
    assert change.seconds_in_previous_stage == int(AGE.total_seconds())


def test_a_marketer_qualifies_a_working_lead_to_mql(new_lead: Lead, marketer: User) -> None:
    move(new_lead, "working", marketer)
    before, started = state(new_lead), timezone.now()

    lead = move(new_lead, "mql", marketer)

    assert_recorded(
        new_lead,
        before,
        kind=ChangeKind.MOVED,
        actor=marketer,
        from_slug="working",
        to_slug="mql",
        started=started,
    )
    assert lead.sales_owner is None


def test_claiming_an_mql_makes_the_rep_its_sales_owner_in_sql(mql: Lead, sales_rep: User) -> None:
    before, started = state(mql), timezone.now()

    lead = claim_lead(lead_id=mql.pk, rep=sales_rep)

    assert lead.sales_owner == sales_rep
    assert_recorded(
        mql,
        before,
        kind=ChangeKind.CLAIMED,
        actor=sales_rep,
        from_slug="mql",
        to_slug="sql",
        started=started,
    )
    assert mql.sales_owner == sales_rep


def test_moving_an_mql_to_sql_is_a_claim(mql: Lead, sales_rep: User) -> None:
    before, started = state(mql), timezone.now()

    move(mql, "sql", sales_rep)

    assert_recorded(
        mql,
        before,
        kind=ChangeKind.CLAIMED,
        actor=sales_rep,
        from_slug="mql",
        to_slug="sql",
        started=started,
    )
    assert mql.sales_owner == sales_rep


def test_sales_rejects_an_mql_back_to_working_and_marketing_is_told(
    mql: Lead, sales_rep: User, marketer: User
) -> None:
    not_ready = reason(ReasonKind.RECYCLE, "not-ready")
    before, started = state(mql), timezone.now()

    move(mql, "working", sales_rep, reason_id=not_ready.pk, note="Call again in spring")

    assert_recorded(
        mql,
        before,
        kind=ChangeKind.RECYCLED,
        actor=sales_rep,
        from_slug="mql",
        to_slug="working",
        started=started,
        reason=not_ready,
        note="Call again in spring",
    )
    assert mql.sales_owner is None
    mention = Mention.objects.select_related("activity").get()
    assert (mention.user, mention.activity.lead, mention.activity.author) == (
        marketer,
        mql,
        sales_rep,
    )
    assert "Not ready to buy" in mention.activity.text
    assert "Call again in spring" in mention.activity.text


def test_the_sales_owner_makes_an_sql_an_opportunity_with_value_and_close_date(
    sql: Lead, sales_rep: User
) -> None:
    before, started = state(sql), timezone.now()

    move(sql, "opportunity", sales_rep, value=Decimal("12000.00"), close_date=CLOSE)

    assert_recorded(
        sql,
        before,
        kind=ChangeKind.MOVED,
        actor=sales_rep,
        from_slug="sql",
        to_slug="opportunity",
        started=started,
        value=Decimal("12000.00"),
    )
    assert (sql.expected_value, sql.expected_close_date, sql.sales_owner) == (
        Decimal("12000.00"),
        CLOSE,
        sales_rep,
    )


def test_winning_records_the_amount_which_becomes_the_expected_value(
    opportunity: Lead, sales_rep: User
) -> None:
    before, started = state(opportunity), timezone.now()

    move(opportunity, "won", sales_rep, value=Decimal("11500.00"), note="Signed")

    assert_recorded(
        opportunity,
        before,
        kind=ChangeKind.WON,
        actor=sales_rep,
        from_slug="opportunity",
        to_slug="won",
        started=started,
        note="Signed",
        value=Decimal("11500.00"),
    )
    assert (opportunity.expected_value, opportunity.sales_owner) == (
        Decimal("11500.00"),
        sales_rep,
    )


@pytest.mark.parametrize("from_slug", ["sql", "opportunity"])
def test_losing_records_the_lost_reason(
    request: pytest.FixtureRequest, from_slug: str, sales_rep: User
) -> None:
    lead: Lead = request.getfixturevalue(from_slug)
    price = reason(ReasonKind.LOST, "price")
    before, started = state(lead), timezone.now()

    move(lead, "lost", sales_rep, reason_id=price.pk, note="Went with the cheaper one")

    assert_recorded(
        lead,
        before,
        kind=ChangeKind.LOST,
        actor=sales_rep,
        from_slug=from_slug,
        to_slug="lost",
        started=started,
        reason=price,
        note="Went with the cheaper one",
    )
    assert lead.sales_owner == sales_rep


@pytest.mark.parametrize("from_slug", ["sql", "opportunity"])
def test_the_sales_owner_recycles_a_lead_to_marketing_who_is_told(
    request: pytest.FixtureRequest, from_slug: str, sales_rep: User, marketer: User
) -> None:
    lead: Lead = request.getfixturevalue(from_slug)
    no_budget = reason(ReasonKind.RECYCLE, "no-budget")
    before, started = state(lead), timezone.now()

    move(lead, "working", sales_rep, reason_id=no_budget.pk, note="Budget frozen until Q3")

    assert_recorded(
        lead,
        before,
        kind=ChangeKind.RECYCLED,
        actor=sales_rep,
        from_slug=from_slug,
        to_slug="working",
        started=started,
        reason=no_budget,
        note="Budget frozen until Q3",
    )
    assert lead.sales_owner is None
    note = Activity.objects.get()
    assert (note.lead, note.author, note.kind) == (lead, sales_rep, "note")
    assert note.text.startswith(f"@{marketer.username} ")
    assert "No budget" in note.text
    assert "Budget frozen until Q3" in note.text
    assert list(Mention.objects.values_list("user", "activity")) == [(marketer.pk, note.pk)]


def test_a_marketer_who_takes_back_their_own_mql_is_not_told_about_it(
    mql: Lead, marketer: User
) -> None:
    move(mql, "working", marketer, reason_id=reason(ReasonKind.RECYCLE, "bad-data").pk)

    mql.refresh_from_db()
    assert mql.stage == stage("working")
    assert not Activity.objects.exists()
    assert not Mention.objects.exists()


def test_a_manager_reopens_a_won_deal_as_an_opportunity(
    won: Lead, manager: User, sales_rep: User
) -> None:
    before, started = state(won), timezone.now()

    move(won, "opportunity", manager, note="Invoice bounced")

    assert_recorded(
        won,
        before,
        kind=ChangeKind.REOPENED,
        actor=manager,
        from_slug="won",
        to_slug="opportunity",
        started=started,
        note="Invoice bounced",
    )
    assert (won.sales_owner, won.expected_value) == (sales_rep, Decimal("11500.00"))


def test_a_manager_reopens_a_lost_lead_for_marketing_without_a_sales_owner(
    lost: Lead, manager: User, riley: User
) -> None:
    before, started = state(lost), timezone.now()

    move(lost, "working", manager)

    assert_recorded(
        lost,
        before,
        kind=ChangeKind.REOPENED,
        actor=manager,
        from_slug="lost",
        to_slug="working",
        started=started,
    )
    # Back with Marketing, it waits to be qualified and then claimed again, by anyone.
    assert lost.sales_owner is None
    move(lost, "mql", manager)
    assert claim_lead(lead_id=lost.pk, rep=riley).sales_owner == riley


def test_a_recycled_lead_is_qualified_and_claimed_again_by_another_rep(
    sql: Lead, sales_rep: User, marketer: User, riley: User
) -> None:
    move(sql, "working", sales_rep, reason_id=reason(ReasonKind.RECYCLE, "not-ready").pk)
    move(sql, "mql", marketer)

    lead = claim_lead(lead_id=sql.pk, rep=riley)

    assert lead.sales_owner == riley
    kinds = list(StageChange.objects.filter(lead=sql).order_by("id").values_list("kind"))
    assert [kind for (kind,) in kinds] == [
        ChangeKind.CREATED,
        ChangeKind.MOVED,
        ChangeKind.CLAIMED,
        ChangeKind.RECYCLED,
        ChangeKind.MOVED,
        ChangeKind.CLAIMED,
    ]


# Refusals: a message, a stable code, and nothing changed


def test_a_move_the_funnel_does_not_allow_is_refused_naming_both_stages(
    new_lead: Lead, manager: User
) -> None:
    before = state(new_lead)

    with pytest.raises(MoveNotAllowed) as refused:
        move(new_lead, "won", manager, value=Decimal(100))

    assert refused.value.code == "move_not_allowed"
    assert "New" in refused.value.message
    assert "Won" in refused.value.message
    assert_refused(new_lead, before)


def test_moving_a_lead_to_the_stage_it_is_in_is_refused(new_lead: Lead, marketer: User) -> None:
    before = state(new_lead)

    with pytest.raises(MoveNotAllowed):
        move(new_lead, "new", marketer)

    assert_refused(new_lead, before)


@pytest.mark.parametrize(
    ("lead_fixture", "to_slug", "actor_fixture", "details"),
    [
        ("new_lead", "mql", "sales_rep", {}),
        ("new_lead", "working", "sales_rep", {}),
        ("sql", "opportunity", "marketer", {"value": Decimal(1), "close_date": CLOSE}),
        ("sql", "opportunity", "riley", {"value": Decimal(1), "close_date": CLOSE}),
        ("opportunity", "won", "riley", {"value": Decimal(1)}),
        ("won", "opportunity", "sales_rep", {}),
        ("lost", "working", "sales_rep", {}),
        ("lost", "working", "marketer", {}),
    ],
)
def test_a_move_by_someone_not_allowed_to_make_it_is_refused(
    request: pytest.FixtureRequest,
    lead_fixture: str,
    to_slug: str,
    actor_fixture: str,
    details: dict[str, Any],
) -> None:
    lead: Lead = request.getfixturevalue(lead_fixture)
    actor: User = request.getfixturevalue(actor_fixture)
    before = state(lead)

    with pytest.raises(NotAllowed) as refused:
        move(lead, to_slug, actor, **details)

    assert refused.value.code == "not_allowed"
    assert_refused(lead, before)


def test_someone_without_a_role_moves_nothing(new_lead: Lead) -> None:
    before = state(new_lead)

    with pytest.raises(NotAllowed):
        move(new_lead, "working", UserFactory.create())

    assert_refused(new_lead, before)


def test_qualifying_without_company_and_persona_lists_exactly_what_is_missing(
    marketer: User,
) -> None:
    lead = LeadFactory.create(company="", persona=None, marketing_owner=marketer)
    before = state(lead)

    with pytest.raises(EntryCriteriaNotMet) as refused:
        move(lead, "mql", marketer)

    assert refused.value.code == "entry_criteria_not_met"
    assert refused.value.missing == ["company", "persona"]
    assert "MQL" in refused.value.message
    assert "company, persona" in refused.value.message
    assert_refused(lead, before)


def test_qualifying_without_a_persona_names_only_the_persona(marketer: User) -> None:
    lead = LeadFactory.create(company="Analytical Engines", persona=None)
    before = state(lead)

    with pytest.raises(EntryCriteriaNotMet) as refused:
        move(lead, "mql", marketer)

    assert refused.value.missing == ["persona"]
    assert_refused(lead, before)


def test_claiming_an_mql_that_lost_its_persona_is_refused(mql: Lead, sales_rep: User) -> None:
    Lead.objects.filter(pk=mql.pk).update(persona=None)
    before = state(mql)

    with pytest.raises(EntryCriteriaNotMet) as refused:
        claim_lead(lead_id=mql.pk, rep=sales_rep)

    assert refused.value.missing == ["persona"]
    assert_refused(mql, before)


@pytest.mark.parametrize(
    ("lead_fixture", "to_slug", "reason_of"),
    [
        ("mql", "working", None),
        ("sql", "working", None),
        ("sql", "working", (ReasonKind.LOST, "price")),
        ("opportunity", "working", (ReasonKind.LOST, "timing")),
        ("sql", "lost", None),
        ("sql", "lost", (ReasonKind.RECYCLE, "not-ready")),
        ("opportunity", "lost", (ReasonKind.RECYCLE, "bad-data")),
    ],
)
def test_recycling_or_losing_needs_a_reason_of_its_own_kind(
    request: pytest.FixtureRequest,
    lead_fixture: str,
    to_slug: str,
    reason_of: tuple[ReasonKind, str] | None,
    sales_rep: User,
) -> None:
    lead: Lead = request.getfixturevalue(lead_fixture)
    reason_id = reason(*reason_of).pk if reason_of else None
    before = state(lead)

    with pytest.raises(DetailsRequired) as refused:
        move(lead, to_slug, sales_rep, reason_id=reason_id, note="Why not")

    assert refused.value.code == "details_required"
    assert_refused(lead, before)


def test_a_retired_reason_is_refused(sql: Lead, sales_rep: User) -> None:
    retired = reason(ReasonKind.RECYCLE, "no-response")
    Reason.objects.filter(pk=retired.pk).update(active=False)
    before = state(sql)

    with pytest.raises(DetailsRequired):
        move(sql, "working", sales_rep, reason_id=retired.pk)

    assert_refused(sql, before)


def test_a_reason_that_does_not_exist_is_refused(sql: Lead, sales_rep: User) -> None:
    before = state(sql)

    with pytest.raises(DetailsRequired):
        move(sql, "lost", sales_rep, reason_id=999_999)

    assert_refused(sql, before)


@pytest.mark.parametrize(
    "details",
    [
        {},
        {"value": Decimal(5000)},
        {"close_date": CLOSE},
        {"value": Decimal(0), "close_date": CLOSE},
        {"value": Decimal(-1), "close_date": CLOSE},
        {"value": Decimal("1e10"), "close_date": CLOSE},
        {"value": Decimal("10.005"), "close_date": CLOSE},
        {"value": Decimal("NaN"), "close_date": CLOSE},
    ],
)
def test_an_opportunity_needs_a_value_that_fits_and_a_close_date(
    sql: Lead, sales_rep: User, details: dict[str, Any]
) -> None:
    before = state(sql)

    with pytest.raises(DetailsRequired):
        move(sql, "opportunity", sales_rep, **details)

    assert_refused(sql, before)


@pytest.mark.parametrize(
    "value",
    [None, Decimal(0), Decimal(-5), Decimal("1e10"), Decimal("0.001"), Decimal("Infinity")],
)
def test_a_win_needs_the_amount_it_was_won_for(
    opportunity: Lead, sales_rep: User, value: Decimal | None
) -> None:
    before = state(opportunity)

    with pytest.raises(DetailsRequired):
        move(opportunity, "won", sales_rep, value=value)

    assert_refused(opportunity, before)


def test_claiming_a_claimed_lead_names_who_claimed_it(
    sql: Lead, riley: User, sales_rep: User
) -> None:
    before = state(sql)

    with pytest.raises(AlreadyClaimed) as refused:
        claim_lead(lead_id=sql.pk, rep=riley)

    assert refused.value.code == "already_claimed"
    assert refused.value.claimed_by == sales_rep
    assert "Sam" in refused.value.message
    assert_refused(sql, before)


def test_claiming_a_lead_a_colleague_took_further_still_names_its_owner(
    opportunity: Lead, riley: User, sales_rep: User
) -> None:
    before = state(opportunity)

    with pytest.raises(AlreadyClaimed) as refused:
        claim_lead(lead_id=opportunity.pk, rep=riley)

    assert refused.value.claimed_by == sales_rep
    assert_refused(opportunity, before)


@pytest.mark.parametrize("lead_fixture", ["new_lead", "recycled"])
def test_claiming_a_lead_not_waiting_in_mql_is_refused_without_blaming_anyone(
    request: pytest.FixtureRequest, lead_fixture: str, riley: User
) -> None:
    lead: Lead = request.getfixturevalue(lead_fixture)
    before = state(lead)

    with pytest.raises(MoveNotAllowed) as refused:
        claim_lead(lead_id=lead.pk, rep=riley)

    assert lead.stage.name in refused.value.message
    assert_refused(lead, before)


@pytest.fixture
def recycled(sql: Lead, sales_rep: User) -> Lead:
    """Claimed by Sam, then sent back to Marketing: nobody owns it now."""
    return move(sql, "working", sales_rep, reason_id=reason(ReasonKind.RECYCLE, "not-ready").pk)


def test_a_marketer_cannot_claim(mql: Lead, marketer: User) -> None:
    before = state(mql)

    with pytest.raises(NotAllowed):
        claim_lead(lead_id=mql.pk, rep=marketer)
    with pytest.raises(NotAllowed):
        move(mql, "sql", marketer)

    assert_refused(mql, before)


def test_a_manager_may_claim(mql: Lead, manager: User) -> None:
    assert claim_lead(lead_id=mql.pk, rep=manager).sales_owner == manager


# Cost: a fixed number of queries, all inside the service's own transaction


def assert_one_transaction(queries: list[dict[str, str]]) -> None:
    """The history row and the lead's new stage are written between the savepoint the service
    opens and its release: they commit or roll back together."""
    sql = [query["sql"] for query in queries]
    assert sql[0].startswith("SAVEPOINT")
    assert sql[-1].startswith("RELEASE SAVEPOINT")
    assert sql[0].split()[-1] == sql[-1].split()[-1]
    assert sum('INSERT INTO "funnel_stagechange"' in query for query in sql) == 1
    assert sum('UPDATE "leads_lead"' in query for query in sql) == 1


def test_a_claim_costs_a_fixed_number_of_queries(
    mql: Lead, sales_rep: User, django_assert_num_queries: Any
) -> None:
    rep = fresh(sales_rep)
    # savepoint, lock the lead, the rep's roles, the claim transition, the history row,
    # the lead, release
    with django_assert_num_queries(7) as captured:
        claim_lead(lead_id=mql.pk, rep=rep)

    assert_one_transaction(captured.captured_queries)


def test_a_move_costs_a_fixed_number_of_queries(
    sql: Lead, sales_rep: User, django_assert_num_queries: Any
) -> None:
    rep, opportunity = fresh(sales_rep), stage("opportunity")
    # savepoint, lock the lead, the transition, the rep's roles, the history row, the lead,
    # release
    with django_assert_num_queries(7) as captured:
        move_lead(
            lead_id=sql.pk,
            to_stage_id=opportunity.pk,
            actor=rep,
            value=Decimal(900),
            close_date=CLOSE,
        )

    assert_one_transaction(captured.captured_queries)


def test_a_losing_move_with_its_reason_costs_one_query_more(
    sql: Lead, sales_rep: User, django_assert_num_queries: Any
) -> None:
    rep, price, lost = fresh(sales_rep), reason(ReasonKind.LOST, "price"), stage("lost")
    with django_assert_num_queries(8) as captured:
        move_lead(lead_id=sql.pk, to_stage_id=lost.pk, actor=rep, reason_id=price.pk)

    assert_one_transaction(captured.captured_queries)


def test_query_counts_do_not_depend_on_the_history(
    sales_rep: User, marketer: User, manager: User
) -> None:
    """A lead recycled many times costs the same to claim as a fresh one."""
    lead = LeadFactory.create(persona=PersonaFactory.create(), marketing_owner=marketer)
    not_ready = reason(ReasonKind.RECYCLE, "not-ready")
    for _ in range(5):
        move(lead, "mql", marketer)
        claim_lead(lead_id=lead.pk, rep=sales_rep)
        move(lead, "working", sales_rep, reason_id=not_ready.pk)
    move(lead, "mql", marketer)
    rep = fresh(UserFactory.create(roles=[Role.SALES]))

    with CaptureQueriesContext(connection) as captured:
        claim_lead(lead_id=lead.pk, rep=rep)

    assert len(captured.captured_queries) == 7


def test_a_named_move_goes_to_the_stage_the_funnel_gives_it(new_lead: Lead) -> None:
    """The API's qualify, win, lose and recycle name a kind of move, not a stage."""
    assert move_destination(new_lead, kind=ChangeKind.MOVED, slug="mql") == stage("mql").pk
    with pytest.raises(MoveNotAllowed, match=r"A lead in New cannot make this move\."):
        move_destination(new_lead, kind=ChangeKind.WON)
