"""The per-owner stage totals the database keeps (funnel.rollup: the leads each person owns for
Marketing and for Sales, per stage) equal a GROUP BY over the leads after every kind of change,
concurrently or not, folded or not; the home page reads them."""

import contextlib
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, F, Q, Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck
from hypothesis import settings as examples
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from accounts.models import User
from accounts.roles import Role, roles_of
from funnel import rollup
from funnel.models import (
    OwnerStageTotal,
    OwnerStageTotalDelta,
    ReasonKind,
    Stage,
    Team,
)
from funnel.selectors import stage_summaries, unclaimed_mql_queue
from funnel.services import AlreadyClaimed, claim_lead, move_lead, reassign_lead
from leads.models import Lead, Persona
from leads.services import add_details_to_lead, create_lead, update_lead
from smarketing.errors import DomainError
from tests.factories import LeadFactory, PersonaFactory, UserFactory
from tests.funnel.test_rollup import CLOSE, TotalsMachine, reason, stage_id
from tests.threads import at_once

# (team, owner id, stage slug) -> (leads, summed expected value); keys with no leads left out.
Totals = dict[tuple[str, int, str], tuple[int, Decimal]]
EARLIER = timedelta(days=3)
OWNER_FIELDS = {Team.MARKETING: "marketing_owner", Team.SALES: "sales_owner"}


def counted() -> Totals:
    """The full recomputation: the leads grouped by owner and stage, for each team."""
    totals: Totals = {}
    for team, field in OWNER_FIELDS.items():
        groups = (
            Lead.objects.filter(**{f"{field}__isnull": False})
            .values(field, "stage__slug")
            .annotate(n=Count("id"), value=Sum("expected_value"))
        )
        for group in groups:
            totals[team.value, group[field], group["stage__slug"]] = (group["n"], group["value"])
    return totals


def kept() -> Totals:
    """What the rollup says, as the home page reads it, for every user."""
    return {
        (team.value, user.pk, slug): sums
        for user in User.objects.all()
        for team in OWNER_FIELDS
        for slug, sums in mine(user, team).items()
    }


def assert_exact() -> None:
    assert kept() == counted()
    assert_nobody_else_counted()


def assert_nobody_else_counted() -> None:
    """Ids that are no user's (deleted people) add up to nothing, folded and pending together."""
    users = User.objects.values("pk")
    left: dict[tuple[str, int, int], tuple[int, Decimal]] = {}
    for rows in (OwnerStageTotal.objects, OwnerStageTotalDelta.objects):
        for row in rows.exclude(owner__in=users):
            n, value = left.get((row.team, row.owner_id, row.stage_id), (0, Decimal(0)))
            left[row.team, row.owner_id, row.stage_id] = (n + row.lead_count, value + row.value)
    assert {key: sums for key, sums in left.items() if sums != (0, Decimal(0))} == {}


def owner_pending() -> int:
    return OwnerStageTotalDelta.objects.count()


def mine(user: User, team: Team) -> dict[str, tuple[int, Decimal]]:
    """The stages where `user` owns leads for `team`, as the home page reads them."""
    if team is Team.MARKETING:
        summaries = stage_summaries(marketing_owner=user)
    else:
        summaries = stage_summaries(sales_owner=user)
    return {s.stage.slug: (s.count, s.value) for s in summaries if s.count or s.value}


@pytest.fixture
def persona() -> Persona:
    return PersonaFactory.create(name="Ops lead")


@pytest.mark.django_db
def test_every_change_through_the_services_keeps_each_owner_s_totals_exact(
    marketer: User, sales_rep: User, manager: User, persona: Persona
) -> None:
    other_marketer = UserFactory.create(roles=[Role.MARKETING])
    other_rep = UserFactory.create(roles=[Role.SALES])

    def move(lead: Lead, slug: str, actor: User, **details: Any) -> None:
        move_lead(lead_id=lead.pk, to_stage_id=stage_id(slug), actor=actor, **details)
        assert_exact()

    details: dict[str, Any] = {"full_name": "Ada Lovelace", "email": "ada@example.org"}
    details |= {"source": "event", "company": "Engines", "persona": persona}
    lead = create_lead(details=details, actor=marketer)
    assert mine(marketer, Team.MARKETING) == {"new": (1, Decimal(0))}
    other = create_lead(
        details={"full_name": "Alan Turing", "email": "alan@example.org", "source": "event"},
        actor=marketer,
    )
    assert_exact()

    move(lead, "working", marketer)
    move(lead, "mql", marketer)
    claim_lead(lead_id=lead.pk, rep=sales_rep)
    assert mine(sales_rep, Team.SALES) == {"sql": (1, Decimal(0))}
    assert mine(marketer, Team.MARKETING) == {"new": (1, Decimal(0)), "sql": (1, Decimal(0))}
    move(lead, "opportunity", sales_rep, value=Decimal("5000.00"), close_date=CLOSE)
    assert mine(sales_rep, Team.SALES) == {"opportunity": (1, Decimal("5000.00"))}

    reassign_lead(
        lead_id=lead.pk,
        actor=manager,
        marketing_owner_id=other_marketer.pk,
        sales_owner_id=other_rep.pk,
    )
    assert mine(sales_rep, Team.SALES) == {}
    assert mine(other_rep, Team.SALES) == {"opportunity": (1, Decimal("5000.00"))}
    assert mine(other_marketer, Team.MARKETING) == {"opportunity": (1, Decimal("5000.00"))}
    assert_exact()

    move(lead, "won", other_rep, value=Decimal("4800.50"))
    move(lead, "opportunity", manager)  # reopened
    move(lead, "working", other_rep, reason_id=reason(ReasonKind.RECYCLE), note="Not yet")
    # Recycled: back with Marketing, no sales owner any more.
    assert mine(other_rep, Team.SALES) == {}
    assert mine(other_marketer, Team.MARKETING) == {"working": (1, Decimal("4800.50"))}

    update_lead(lead=lead, details={"expected_value": Decimal("7500.25")}, actor=manager)
    assert mine(other_marketer, Team.MARKETING) == {"working": (1, Decimal("7500.25"))}
    # A second capture of Alan's email is merged into his lead and fills his expected value.
    add_details_to_lead(lead=other, details={"expected_value": Decimal("900.00")}, actor=marketer)
    assert mine(marketer, Team.MARKETING) == {"new": (1, Decimal("900.00"))}
    assert_exact()

    # Edits that change no owner, stage or value add nothing to fold.
    before = owner_pending()
    update_lead(lead=lead, details={"company": "Analytical Engines"}, actor=manager)
    assert owner_pending() == before

    lead.delete()
    assert mine(other_marketer, Team.MARKETING) == {}
    assert_exact()


@pytest.mark.django_db
def test_a_deleted_user_s_leads_leave_their_totals_and_the_fold_drops_the_rows(
    marketer: User, sales_rep: User, persona: Persona
) -> None:
    leads = LeadFactory.create_batch(
        3, marketing_owner=marketer, persona=persona, expected_value=Decimal(10)
    )
    move_lead(lead_id=leads[0].pk, to_stage_id=stage_id("working"), actor=marketer)
    move_lead(lead_id=leads[0].pk, to_stage_id=stage_id("mql"), actor=marketer)
    claim_lead(lead_id=leads[0].pk, rep=sales_rep)
    rollup.fold()
    gone = marketer.pk

    marketer.delete()

    assert Lead.objects.filter(marketing_owner__isnull=True).count() == 3
    assert_exact()
    rollup.fold()
    assert not OwnerStageTotal.objects.filter(owner_id=gone).exists()
    assert owner_pending() == 0
    assert mine(sales_rep, Team.SALES) == {"sql": (1, Decimal(10))}
    assert_exact()


@pytest.mark.django_db
def test_statements_on_many_leads_add_one_delta_per_owner_and_stage(
    marketer: User, sales_rep: User
) -> None:
    new, sql = Stage.objects.get(slug="new"), Stage.objects.get(slug="sql")
    second = UserFactory.create(roles=[Role.MARKETING])
    before = owner_pending()
    Lead.objects.bulk_create(
        [
            *LeadFactory.build_batch(
                20, stage=new, marketing_owner=marketer, expected_value=Decimal(100)
            ),
            *LeadFactory.build_batch(10, stage=new, marketing_owner=second),
            *LeadFactory.build_batch(5, stage=sql, marketing_owner=marketer, sales_owner=sales_rep),
            *LeadFactory.build_batch(4, stage=new),  # nobody's
        ]
    )
    # marketing: marketer x new, second x new, marketer x sql; sales: rep x sql
    assert owner_pending() == before + 4
    assert mine(marketer, Team.MARKETING)["new"] == (20, Decimal(2000))
    assert_exact()

    handed = Lead.objects.filter(marketing_owner=marketer, stage=new).order_by("id")[:8]
    Lead.objects.filter(id__in=handed.values("id")).update(
        marketing_owner=second, expected_value=F("expected_value") * 2
    )
    assert owner_pending() == before + 6
    assert mine(second, Team.MARKETING) == {"new": (18, Decimal(1600))}
    assert_exact()

    Lead.objects.filter(stage=sql).update(sales_owner=None)
    assert mine(sales_rep, Team.SALES) == {}
    assert_exact()

    Lead.objects.filter(marketing_owner=second).delete()
    assert mine(second, Team.MARKETING) == {}
    assert_exact()


@pytest.mark.django_db
def test_folding_moves_the_owners_deltas_into_their_totals(marketer: User) -> None:
    rollup.recompute()
    leads = LeadFactory.create_batch(5, marketing_owner=marketer, expected_value=Decimal(10))
    for lead in leads[:3]:
        move_lead(lead_id=lead.pk, to_stage_id=stage_id("working"), actor=marketer)
    waiting = owner_pending()
    assert waiting >= 5 + 3 * 2

    folded = rollup.fold()

    assert folded >= waiting
    assert owner_pending() == 0
    assert OwnerStageTotal.objects.get(owner=marketer, team=Team.MARKETING, stage__slug="new")
    assert mine(marketer, Team.MARKETING) == {
        "new": (2, Decimal(20)),
        "working": (3, Decimal(30)),
    }
    assert_exact()

    # Everyone moves on from New: the fold drops the row left at zero.
    for lead in leads[3:]:
        move_lead(lead_id=lead.pk, to_stage_id=stage_id("working"), actor=marketer)
    assert_exact()
    rollup.fold()
    assert list(OwnerStageTotal.objects.values_list("stage__slug", "lead_count")) == [
        ("working", 5)
    ]
    assert_exact()


@pytest.mark.django_db
def test_recompute_rebuilds_owner_totals_that_went_wrong(marketer: User) -> None:
    LeadFactory.create_batch(4, marketing_owner=marketer, expected_value=Decimal("25.00"))
    rollup.fold()
    OwnerStageTotal.objects.update(lead_count=99, value=Decimal(1))
    assert kept() != counted()

    rollup.recompute()

    assert_exact()
    assert owner_pending() == 0


@pytest.mark.django_db
def test_an_owner_s_summaries_are_one_query_whatever_the_pending_deltas(
    marketer: User, sales_rep: User
) -> None:
    LeadFactory.create_batch(3, marketing_owner=marketer)
    with CaptureQueriesContext(connection) as few:
        stage_summaries(marketing_owner=marketer)
    rollup.fold()
    LeadFactory.create_batch(30, marketing_owner=marketer)
    with CaptureQueriesContext(connection) as many:
        stage_summaries(sales_owner=sales_rep, teams=[Team.SALES])
    assert len(few) == len(many) == 1
    pipeline = stage_summaries(sales_owner=sales_rep, teams=[Team.SALES])
    assert [s.stage.slug for s in pipeline] == ["sql", "opportunity", "won", "lost"]
    assert mine(marketer, Team.MARKETING) == {"new": (33, Decimal(0))}


@pytest.mark.django_db
def test_one_owner_or_one_filter_at_a_time(marketer: User, sales_rep: User) -> None:
    with pytest.raises(ValueError, match="not several"):
        stage_summaries(marketing_owner=marketer, sales_owner=sales_rep)
    with pytest.raises(ValueError, match="not several"):
        stage_summaries(marketing_owner=marketer, leads_filter=Q(leads__source="event"))


@pytest.mark.django_db
def test_the_home_page_shows_each_person_s_own_totals(
    client: Client, marketer: User, sales_rep: User
) -> None:
    LeadFactory.create_batch(2, marketing_owner=marketer, expected_value=Decimal(50))
    LeadFactory.create_batch(3, expected_value=Decimal(7))
    sql = Stage.objects.get(slug="sql")
    LeadFactory.create(stage=sql, sales_owner=sales_rep, expected_value=Decimal(400))

    client.force_login(marketer)
    mine_in_marketing = client.get(reverse("home")).context["my_marketing_funnel"]
    client.force_login(sales_rep)
    mine_in_sales = client.get(reverse("home")).context["my_sales_funnel"]

    assert {s.stage.slug: (s.count, s.value) for s in mine_in_marketing if s.count} == {
        "new": (2, Decimal(100))
    }
    assert next((s.stage.slug, s.count, s.value) for s in mine_in_sales) == (
        "sql",
        1,
        Decimal(400),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_data")
def test_the_migration_counts_the_owned_leads_already_there() -> None:
    marketer = UserFactory.create(roles=[Role.MARKETING])
    LeadFactory.create_batch(6, marketing_owner=marketer, expected_value=Decimal("12.50"))
    # Read now: the stage table of 0009 lacks columns the model has since.
    new = Stage.objects.get(slug="new")
    executor = MigrationExecutor(connection)
    executor.migrate([("funnel", "0009_stage_totals")])
    try:
        LeadFactory.create_batch(2, stage=new, marketing_owner=marketer, expected_value=Decimal(1))
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert mine(marketer, Team.MARKETING) == {"new": (8, Decimal("77.00"))}
    assert_exact()


# Concurrency: real threads on their own connections, released together.

THREADS = 24
ROUNDS = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_data")
def test_concurrent_claims_reassignments_moves_edits_and_folds_end_exact() -> None:
    marketers = [UserFactory.create(roles=[Role.MARKETING]) for _ in range(2)]
    manager = UserFactory.create(roles=[Role.MANAGERS])
    reps = [UserFactory.create(roles=[Role.SALES]) for _ in range(3)]
    for person in [*marketers, manager, *reps]:
        roles_of(person)
    working, mql, opportunity = stage_id("working"), stage_id("mql"), stage_id("opportunity")
    persona = PersonaFactory.create(name="Ops lead")

    for round_ in range(ROUNDS):
        leads = [
            LeadFactory.create(
                email=f"r{round_}-{n}@example.org",
                marketing_owner=marketers[0],
                persona=persona,
                expected_value=Decimal(n * 100),
            )
            for n in range(8)
        ]
        for lead in leads[:4]:
            move_lead(lead_id=lead.pk, to_stage_id=mql, actor=marketers[0])
        claim_lead(lead_id=leads[3].pk, rep=reps[0])
        work: list[Callable[[], object]] = []
        for index in range(THREADS):
            lead = leads[index % 8]
            if index % 8 < 3:  # three reps race for each MQL
                rep = reps[index // 8 % 3]
                work.append(partial(claim_lead, lead_id=lead.pk, rep=rep))
            elif index % 8 == 3:  # the claimed one is reassigned, moved on or recycled
                work.append(
                    [
                        partial(
                            reassign_lead,
                            lead_id=lead.pk,
                            actor=manager,
                            sales_owner_id=reps[1].pk,
                            marketing_owner_id=marketers[1].pk,
                        ),
                        partial(
                            move_lead,
                            lead_id=lead.pk,
                            to_stage_id=opportunity,
                            actor=manager,
                            value=Decimal(700),
                            close_date=CLOSE,
                        ),
                        partial(
                            move_lead,
                            lead_id=lead.pk,
                            to_stage_id=working,
                            actor=manager,
                            reason_id=reason(ReasonKind.RECYCLE),
                        ),
                    ][index // 8]
                )
            elif index % 8 < 6:  # New -> Working, the loser is refused
                work.append(partial(move_lead, lead_id=lead.pk, to_stage_id=working, actor=manager))
            elif index % 8 == 6:
                value = {"expected_value": Decimal(index)}
                work.append(partial(update_lead, lead=lead, details=value, actor=manager))
            else:
                work.append(rollup.fold)

        outcomes = at_once(work)

        unexpected = [
            o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, DomainError)
        ]
        assert unexpected == [], f"round {round_}: {unexpected!r}"
        assert sum(isinstance(o, AlreadyClaimed) for o in outcomes) == 6
        assert_exact()
    rollup.fold()
    assert owner_pending() == 0
    assert_exact()


@pytest.mark.django_db
def test_the_mql_queue_counts_the_unclaimed_mqls_from_the_kept_totals(
    sales_rep: User, persona: Persona
) -> None:
    mql = Stage.objects.get(slug="mql")
    leads = LeadFactory.create_batch(4, stage=mql, persona=persona)
    Lead.objects.filter(pk=leads[0].pk).update(
        stage_entered_at=F("stage_entered_at") - EARLIER, created_at=F("created_at") - EARLIER
    )
    # A rep owning a lead still in MQL (as a bulk update may leave it) does not make it wait.
    Lead.objects.filter(pk=leads[1].pk).update(
        sales_owner=sales_rep,
        stage_entered_at=F("stage_entered_at") - EARLIER * 2,
        created_at=F("created_at") - EARLIER * 2,
    )
    claim_lead(lead_id=leads[2].pk, rep=sales_rep)
    rollup.fold()
    LeadFactory.create(stage=mql, persona=persona)  # pending, not folded

    with CaptureQueriesContext(connection) as queries:
        queue = unclaimed_mql_queue()

    assert len(queries) == 1
    waiting = Lead.objects.filter(stage=mql, sales_owner__isnull=True)
    assert queue.count == waiting.count() == 3
    assert queue.oldest_since == Lead.objects.get(pk=leads[0].pk).stage_entered_at


# Random sequences of changes, with owners, the totals checked after every step.


class OwnerTotalsMachine(TotalsMachine):
    def __init__(self) -> None:
        super().__init__()
        self.marketers = [UserFactory.create(roles=[Role.MARKETING]) for _ in range(2)]
        self.reps = [UserFactory.create(roles=[Role.SALES]) for _ in range(2)]

    @rule(data=st.data(), value=st.integers(min_value=0, max_value=10_000))
    def create_owned(self, data: st.DataObject, value: int) -> None:
        lead = LeadFactory.create(
            persona=self.persona,
            marketing_owner=data.draw(st.sampled_from(self.marketers)),
            expected_value=Decimal(value),
        )
        self.leads.append(lead.pk)

    @rule(data=st.data(), rep=st.integers(0, 1))
    def claim(self, data: st.DataObject, rep: int) -> None:
        if self.leads:
            with contextlib.suppress(DomainError):
                claim_lead(lead_id=data.draw(st.sampled_from(self.leads)), rep=self.reps[rep])

    @rule(data=st.data(), marketer=st.integers(0, 1), rep=st.integers(0, 1))
    def reassign(self, data: st.DataObject, marketer: int, rep: int) -> None:
        if self.leads:
            with contextlib.suppress(DomainError):
                reassign_lead(
                    lead_id=data.draw(st.sampled_from(self.leads)),
                    actor=self.manager,
                    marketing_owner_id=self.marketers[marketer].pk,
                    sales_owner_id=self.reps[rep].pk,
                )

    @rule(marketer=st.sampled_from([0, 1, None]))
    def bulk_hand_over(self, marketer: int | None) -> None:
        owner = None if marketer is None else self.marketers[marketer]
        Lead.objects.filter(pk__in=self.leads[1::2]).update(marketing_owner=owner, sales_owner=None)

    @invariant()
    def owner_totals_are_exact(self) -> None:
        assert_exact()


@pytest.mark.django_db
def test_random_sequences_of_changes_keep_each_owner_s_totals_exact() -> None:
    run_state_machine_as_test(
        OwnerTotalsMachine,
        settings=examples(
            max_examples=8,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
