"""Random sequences of legal and illegal moves, claims, recycles and edits, with the funnel's
invariants checked after every step (issue 4), on real PostgreSQL.

Each example runs inside its own transaction, rolled back when it ends, so examples never see
each other's rows. Derandomized and without an example database: CI runs the same sequences.
"""

import itertools
from collections import Counter
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts.models import User
from accounts.roles import Role
from funnel.models import ChangeKind, Reason, ReasonKind, Stage, StageChange, Transition
from funnel.services import MoveNotAllowed, claim_lead, move_lead
from leads.models import Lead, Mention
from leads.services import update_lead
from smarketing.errors import DomainError
from tests.factories import LeadFactory, PersonaFactory, UserFactory

pytestmark = pytest.mark.django_db

# Choices a sequence needs to go far come first: Hypothesis leans towards the first ones.
LEADS = 3
ACTORS = ["rep A", "marketer", "manager", "rep B"]
SLUGS = ["new", "working", "mql", "sql", "opportunity", "won", "lost"]
WITH_SALES_OWNER = {"sql", "opportunity", "won", "lost"}
WITHOUT_SALES_OWNER = {"new", "working", "mql"}
CLOSE = date(2031, 6, 30)

leads = st.integers(min_value=0, max_value=LEADS - 1)
actors = st.sampled_from(ACTORS)
reasons = st.sampled_from(["recycle", "lost", None, "retired"])
amounts = st.one_of(
    st.decimals(min_value=1, max_value=1_000_000, places=2),
    st.none(),
    st.sampled_from([Decimal(0), Decimal(-50), Decimal("1e10"), Decimal("0.001")]),
)
close_dates = st.one_of(st.just(CLOSE), st.none())


# The legal way to each stage from New; "claim" is the claim into SQL.
PATHS: dict[str, list[str]] = {
    "new": [],
    "working": ["working"],
    "mql": ["mql"],
    "sql": ["mql", "claim"],
    "opportunity": ["mql", "claim", "opportunity"],
    "won": ["mql", "claim", "opportunity", "won"],
    "lost": ["mql", "claim", "lost"],
}
STEP_DETAILS: dict[str, dict[str, Any]] = {
    "opportunity": {"value": Decimal(5000), "close_date": CLOSE},
    "won": {"value": Decimal(4800)},
}


def _is_money(value: Decimal | None) -> bool:
    return value is not None and 0 < value < Decimal(10) ** 10 and value == round(value, 2)


class FunnelMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._transaction = transaction.atomic()
        self._transaction.__enter__()
        self.people: dict[str, User] = {
            "marketer": UserFactory.create(roles=[Role.MARKETING]),
            "rep A": UserFactory.create(roles=[Role.SALES]),
            "rep B": UserFactory.create(roles=[Role.SALES]),
            "manager": UserFactory.create(roles=[Role.MANAGERS]),
        }
        self.persona = PersonaFactory.create(name="Ops lead")
        # The last lead lacks a persona until someone gives it one: qualifying it is refused.
        self.leads = [
            LeadFactory.create(
                persona=self.persona if number < LEADS - 1 else None,
                marketing_owner=self.people["marketer"],
            ).pk
            for number in range(LEADS)
        ]
        self.stages = {stage.pk: stage.slug for stage in Stage.objects.all()}
        self._working_id = next(pk for pk, slug in self.stages.items() if slug == "working")
        self.stage_ids = {slug: pk for pk, slug in self.stages.items()}
        self.transitions: dict[tuple[int | None, int], str] = {
            (t.from_stage_id, t.to_stage_id): t.kind for t in Transition.objects.all()
        }
        retired = Reason.objects.filter(kind=ReasonKind.RECYCLE).last()
        assert retired is not None
        Reason.objects.filter(pk=retired.pk).update(active=False)
        retired.active = False
        self.reasons: dict[str, Reason] = {
            "recycle": Reason.objects.filter(kind=ReasonKind.RECYCLE, active=True)[0],
            "lost": Reason.objects.filter(kind=ReasonKind.LOST, active=True)[0],
            "retired": retired,
        }
        self.history_length = dict.fromkeys(self.leads, 1)
        self.outcomes: Counter[str] = Counter()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._transaction.__exit__(None, None, None)

    @initialize(
        stages=st.lists(st.sampled_from(SLUGS), min_size=LEADS, max_size=LEADS),
        owner=st.sampled_from(["rep A", "rep B"]),
    )
    def start_along_the_funnel(self, stages: list[str], owner: str) -> None:
        """Walk the leads to random stages the legal way, so that sequences start deep in the
        funnel as often as at its top. The lead without a persona gets no further than Working."""
        for lead_id, slug in zip(self.leads, stages, strict=True):
            path = PATHS[slug] if lead_id != self.leads[-1] else ["working"][: len(PATHS[slug])]
            for step in path:
                details = STEP_DETAILS.get(step, {})
                if step == "claim":
                    claim_lead(lead_id=lead_id, rep=self.people[owner])
                else:
                    actor = "marketer" if step in {"working", "mql"} else owner
                    move_lead(
                        lead_id=lead_id,
                        to_stage_id=self.stage_ids[step],
                        actor=self.people[actor],
                        reason_id=self.reasons["lost"].pk if step == "lost" else None,
                        **details,
                    )
                self.history_length[lead_id] += 1

    # Rules: what people try

    @rule(
        lead=leads,
        actor=actors,
        to=st.sampled_from(SLUGS),
        reason=reasons,
        value=amounts,
        close_date=close_dates,
    )
    def move(
        self,
        lead: int,
        actor: str,
        to: str,
        reason: str | None,
        value: Decimal | None,
        close_date: date | None,
    ) -> None:
        self._attempt(lead, actor, to, reason=reason, value=value, close_date=close_date)

    @rule(lead=leads, actor=actors, value=amounts, close_date=close_dates)
    def advance(
        self, lead: int, actor: str, value: Decimal | None, close_date: date | None
    ) -> None:
        self._attempt(lead, actor, "opportunity", value=value, close_date=close_date)

    @rule(lead=leads, actor=actors, value=amounts, reason=reasons)
    def close(self, lead: int, actor: str, value: Decimal | None, reason: str | None) -> None:
        self._attempt(
            lead, actor, "won" if value is not None else "lost", value=value, reason=reason
        )

    @rule(lead=leads, actor=actors)
    def qualify(self, lead: int, actor: str) -> None:
        self._attempt(lead, actor, "mql")

    @rule(lead=leads, actor=actors, reason=reasons)
    def recycle(self, lead: int, actor: str, reason: str | None) -> None:
        self._attempt(lead, actor, "working", reason=reason, note="Back to nurture")

    @rule(lead=leads, actor=actors)
    def claim(self, lead: int, actor: str) -> None:
        self._attempt(lead, actor, "sql", claim=True)

    @rule(lead=leads, with_persona=st.sampled_from([True, False]))
    def edit_persona(self, lead: int, with_persona: bool) -> None:
        update_lead(
            lead=Lead.objects.get(pk=self.leads[lead]),
            details={"persona": self.persona if with_persona else None},
            actor=self.people["manager"],
        )

    def _attempt(
        self,
        index: int,
        actor_name: str,
        target: str,
        *,
        reason: str | None = None,
        value: Decimal | None = None,
        close_date: date | None = None,
        note: str = "",
        claim: bool = False,
    ) -> None:
        lead_id = self.leads[index]
        actor = self.people[actor_name]
        before = Lead.objects.filter(pk=lead_id).values().get()
        changes_before = StageChange.objects.count()
        mentions_before = Mention.objects.count()
        source = self.stages[before["stage_id"]]
        kind = self.transitions.get((before["stage_id"], self.stage_ids[target]))
        chosen = self.reasons[reason] if reason else None
        try:
            if claim:
                claim_lead(lead_id=lead_id, rep=actor)
            else:
                move_lead(
                    lead_id=lead_id,
                    to_stage_id=self.stage_ids[target],
                    actor=actor,
                    reason_id=chosen.pk if chosen else None,
                    note=note,
                    value=value,
                    close_date=close_date,
                )
        except DomainError as error:
            refusal: DomainError | None = error
        else:
            refusal = None
        if refusal is not None:
            self.outcomes[type(refusal).__name__] += 1
            # A refusal changes nothing at all.
            assert Lead.objects.filter(pk=lead_id).values().get() == before
            assert StageChange.objects.count() == changes_before
            assert Mention.objects.count() == mentions_before
            if kind is None and not claim:
                assert isinstance(refusal, MoveNotAllowed)
            if actor_name == "manager":
                assert not self._manager_succeeds(
                    before, kind, target, chosen, value, close_date
                ), f"a manager was refused {source} -> {target}: {refusal}"
            return

        self.outcomes["moved"] += 1
        # A move that the Transition table does not list never succeeds.
        assert kind is not None, f"{source} -> {target} succeeded without a transition"
        assert StageChange.objects.count() == changes_before + 1
        self.history_length[lead_id] += 1
        change = StageChange.objects.filter(lead_id=lead_id).latest("id")
        assert (change.from_stage_id, change.to_stage_id, change.kind, change.actor_id) == (
            before["stage_id"],
            self.stage_ids[target],
            kind,
            actor.pk,
        )
        assert self._may(actor_name, source, kind, before["sales_owner_id"])
        if kind == ChangeKind.RECYCLED:
            assert chosen is not None
            assert (change.reason_id, chosen.kind, chosen.active) == (
                chosen.pk,
                ReasonKind.RECYCLE,
                True,
            )
            told = actor_name != "marketer"
            assert Mention.objects.count() == mentions_before + int(told)
        if kind == ChangeKind.LOST:
            assert chosen is not None
            assert (chosen.kind, chosen.active) == (ReasonKind.LOST, True)
        if kind == ChangeKind.WON or (kind == ChangeKind.MOVED and target == "opportunity"):
            assert change.value == value
            assert _is_money(value)

    def _may(self, actor: str, source: str, kind: str, owner_id: int | None) -> bool:
        """The rule, written by hand: the team owning the stage left makes the move."""
        if actor == "manager":
            return True
        if kind == ChangeKind.REOPENED:
            return False
        if kind == ChangeKind.CLAIMED:
            return actor.startswith("rep")
        if source in {"new", "working"}:
            return actor == "marketer"
        if source == "mql":
            return True
        return owner_id == self.people[actor].pk

    def _manager_succeeds(
        self,
        before: Mapping[str, Any],
        kind: str | None,
        target: str,
        reason: Reason | None,
        value: Decimal | None,
        close_date: date | None,
    ) -> bool:
        """Whether a manager's attempt has everything it needs, so must not be refused."""
        if kind is None:
            return False
        needs_persona = target in {"mql", "sql", "opportunity"}
        if needs_persona and (before["persona_id"] is None or not before["company"]):
            return False
        if kind == ChangeKind.CLAIMED:
            return before["sales_owner_id"] is None
        if kind == ChangeKind.RECYCLED:
            return reason is not None and reason.kind == ReasonKind.RECYCLE and reason.active
        if kind == ChangeKind.LOST:
            return reason is not None and reason.kind == ReasonKind.LOST and reason.active
        if kind == ChangeKind.WON:
            return _is_money(value)
        if kind == ChangeKind.MOVED and target == "opportunity":
            return _is_money(value) and close_date is not None
        return True

    # Invariants: after every step

    @invariant()
    def history_explains_every_lead(self) -> None:
        histories: dict[int, list[StageChange]] = {pk: [] for pk in self.leads}
        for change in StageChange.objects.filter(lead__in=self.leads).order_by("id"):
            histories[change.lead_id].append(change)
        for lead in Lead.objects.filter(pk__in=self.leads):
            history = histories[lead.pk]
            # Grew by one on each success, by nothing on each refusal.
            assert len(history) == self.history_length[lead.pk]
            last = history[-1]
            assert (lead.stage_id, lead.stage_entered_at) == (last.to_stage_id, last.at)
            for previous, change in itertools.pairwise(history):
                # Only moves the Transition table lists, one after the other.
                assert self.transitions.get((change.from_stage_id, change.to_stage_id)) == (
                    change.kind
                )
                assert change.from_stage_id == previous.to_stage_id
                assert change.at >= previous.at
                assert change.seconds_in_previous_stage is not None
                assert change.seconds_in_previous_stage >= 0
                assert change.seconds_in_previous_stage == int(
                    (change.at - previous.at).total_seconds()
                )
            slug = self.stages[lead.stage_id]
            # Marketing closes a lead it cannot qualify: lost, without a sales owner.
            closed_by_marketing = slug == "lost" and last.from_stage_id == self._working_id
            if slug in WITHOUT_SALES_OWNER or closed_by_marketing:
                assert lead.sales_owner_id is None, f"{slug} lead has a sales owner"
            else:
                assert slug in WITH_SALES_OWNER
                claims = [change for change in history if change.kind == ChangeKind.CLAIMED]
                assert claims, f"{slug} lead was never claimed"
                assert lead.sales_owner_id == claims[-1].actor_id


SETTINGS = settings(
    max_examples=50,
    stateful_step_count=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_random_moves_claims_and_recycles_keep_the_funnel_consistent() -> None:
    outcomes: Counter[str] = Counter()
    reached: set[str] = set()

    class Watched(FunnelMachine):
        """Also notes what happened, so that a machine that only ever gets refused fails."""

        def teardown(self) -> None:
            outcomes.update(self.outcomes)
            reached.update(
                StageChange.objects.filter(lead__in=self.leads).values_list(
                    "to_stage__slug", flat=True
                )
            )
            super().teardown()

    run_state_machine_as_test(Watched, settings=SETTINGS)

    assert reached == set(SLUGS), outcomes
    assert {
        "moved",
        "MoveNotAllowed",
        "NotAllowed",
        "DetailsRequired",
        "EntryCriteriaNotMet",
        "AlreadyClaimed",
    } <= set(outcomes)
