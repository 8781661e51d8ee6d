"""Simulated journeys through the default funnel, for the demo data (`manage.py seed_demo`).

The simulation is pure: it reads nothing and writes nothing, so the caller can turn a million
journeys into COPY rows without a query per lead. `load_demo_funnel` reads the ids it needs once.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal, NamedTuple

from django.db.models import Sum
from django.utils import timezone

from funnel.models import (
    ChangeKind,
    PeriodKind,
    Reason,
    ReasonKind,
    RevenueGoal,
    Stage,
    StageChange,
    WellKnownStage,
)
from funnel.periods import period_containing
from leads.models import ActivityKind

# Notes a rep writes when sending a lead back, by recycle reason; the recycle report is only
# useful to Marketing when it says what to do next.
RECYCLE_NOTES: dict[str, tuple[str, ...]] = {
    "not-ready": (
        "Interested, but budget planning starts next quarter. Nurture and check back in 90 days.",
        "Still comparing options internally; asked us to follow up after their reorg.",
        "Likes the product, but their current CRM contract runs until the end of the year.",
    ),
    "no-budget": (
        "No budget left this year; keep them warm for the next fiscal year.",
        "Budget was cut after a hiring freeze. Worth a case study in the nurture track.",
    ),
    "wrong-persona": (
        "Contact is an individual contributor, not the buyer. Please find the team lead.",
        "They are an agency researching for a client, not a buyer themselves.",
    ),
    "bad-data": (
        "Phone number does not exist and the email bounced. Please verify the contact data.",
        "Company name and domain do not match; looks like a personal address.",
    ),
    "no-response": (
        "Six touches over two weeks (calls and emails), no reply.",
        "Booked a call twice, no-show both times.",
    ),
}
FALLBACK_RECYCLE_NOTE = "Sent back to Marketing for more nurturing before Sales tries again."

# How many times Sales may send one lead back before Marketing closes it, and the chance that a
# lead sent back qualifies again: a benchmark shape with years of history raises both.
MAX_RECYCLES = 2
REQUALIFY = 0.3
# The spread of the team's delays (see _hours): a team that keeps its agreement works most
# leads well within the stages' time limits, and only a few run late.
_STEADY = 0.35
# Why Marketing closes a lead it could not qualify.
NURTURE_LOST_REASONS = ("product-fit", "no-decision", "timing")


@dataclass(frozen=True)
class DemoReason:
    id: int
    slug: str


@dataclass(frozen=True)
class DemoFunnel:
    """The stage and reason ids a simulation writes, read once per run."""

    new: int
    working: int
    mql: int
    sql: int
    opportunity: int
    won: int
    lost: int
    recycle_reasons: tuple[DemoReason, ...]
    lost_reasons: tuple[DemoReason, ...]


@dataclass(frozen=True)
class SalesRep:
    """A rep as the simulation sees them: how often they claim, how well they close."""

    id: int
    claim_weight: float
    win_factor: float
    # How long the rep takes over each step, against the team's usual pace.
    pace: float = 1.0


@dataclass(frozen=True)
class Propensity:
    """How much likelier than average a lead is to qualify and, once claimed, to be won."""

    qualify: float
    win: float


class Move(NamedTuple):
    """One StageChange row, without its id and lead id (known only when the row is written)."""

    kind: str
    from_stage_id: int | None
    to_stage_id: int
    actor_id: int
    at: datetime
    reason_id: int | None
    note: str
    seconds_in_previous_stage: int | None
    # The deal's value on a move to Opportunity, the amount on a win.
    value: Decimal | None = None


FIRST_TOUCHES = (
    (ActivityKind.CALL, "Intro call: walked through their current process and who decides."),
    (ActivityKind.CALL, "Left a voicemail, then reached them: demo booked."),
    (ActivityKind.EMAIL, "Sent the follow-up with pricing and two customer stories."),
    (ActivityKind.EMAIL, "Introduced myself and proposed times for a discovery call."),
)


class Touch(NamedTuple):
    """A call or email by the sales owner after a claim: one Activity row, without its lead."""

    kind: str
    author_id: int
    body: str
    created_at: datetime


@dataclass(frozen=True)
class Journey:
    moves: list[Move]
    sales_owner_id: int | None
    touches: list[Touch]

    def with_deal_value(self, value: Decimal, *, funnel: "DemoFunnel") -> list[Move]:
        """The moves, with the deal's value on its move to Opportunity and its win."""
        return [
            move._replace(value=value)
            if move.to_stage_id in (funnel.opportunity, funnel.won)
            and move.kind != ChangeKind.REOPENED
            else move
            for move in self.moves
        ]

    @property
    def stage_id(self) -> int:
        return self.moves[-1].to_stage_id

    @property
    def stage_entered_at(self) -> datetime:
        return self.moves[-1].at

    @property
    def created_at(self) -> datetime:
        return self.moves[0].at


def load_demo_funnel() -> DemoFunnel:
    """The default stages by slug and the active reasons, most used (lowest position) first."""
    stage_ids = dict(Stage.objects.values_list("slug", "id"))
    reasons = Reason.objects.filter(active=True).order_by("position", "id")
    return DemoFunnel(
        new=stage_ids[WellKnownStage.NEW],
        working=stage_ids[WellKnownStage.WORKING],
        mql=stage_ids[WellKnownStage.MQL],
        sql=stage_ids[WellKnownStage.SQL],
        opportunity=stage_ids[WellKnownStage.OPPORTUNITY],
        won=stage_ids[WellKnownStage.WON],
        lost=stage_ids[WellKnownStage.LOST],
        recycle_reasons=tuple(
            DemoReason(id=reason.id, slug=reason.slug)
            for reason in reasons
            if reason.kind == ReasonKind.RECYCLE
        ),
        lost_reasons=tuple(
            DemoReason(id=reason.id, slug=reason.slug)
            for reason in reasons
            if reason.kind == ReasonKind.LOST
        ),
    )


class _Walk:
    """A lead's path so far. A move that would land after `now` does not happen: the lead is
    still waiting in its stage, which is how recent leads end up part way down the funnel."""

    def __init__(self, *, funnel: DemoFunnel, created_at: datetime, now: datetime, actor_id: int):
        self.now = now
        self.moves = [
            Move(ChangeKind.CREATED.value, None, funnel.new, actor_id, created_at, None, "", None)
        ]
        self.touches: list[Touch] = []

    def journey(self, *, sales_owner_id: int | None) -> Journey:
        return Journey(moves=self.moves, sales_owner_id=sales_owner_id, touches=self.touches)

    def touch(self, *, rep_id: int, pace: float = 1.0) -> None:
        """Most reps call or email soon after a claim; some late, a few never. Drawn from a
        generator of its own, so that the journeys stay what they were before touches."""
        rng = random.Random(int(self.moves[-1].at.timestamp()) * 31 + rep_id)
        if rng.random() < 0.05:
            return
        delay = _hours(rng, median=6 * pace, spread=1.1)
        at = self.moves[-1].at + timedelta(seconds=round(delay))
        if at <= self.now:
            kind, body = rng.choice(FIRST_TOUCHES)
            self.touches.append(Touch(kind.value, rep_id, body, at))

    def move(
        self,
        *,
        kind: ChangeKind,
        to_stage_id: int,
        actor_id: int,
        after_seconds: float,
        reason_id: int | None = None,
        note: str = "",
        value: Decimal | None = None,
    ) -> bool:
        previous = self.moves[-1]
        # Whole seconds keep seconds_in_previous_stage exactly the difference of the timestamps.
        seconds = max(1, round(after_seconds))
        at = previous.at + timedelta(seconds=seconds)
        if at > self.now:
            return False
        self.moves.append(
            # `.value`: COPY would write an enum member by its name.
            Move(
                kind.value,
                previous.to_stage_id,
                to_stage_id,
                actor_id,
                at,
                reason_id,
                note,
                seconds,
                value,
            )
        )
        return True


def _hours(rng: random.Random, *, median: float, spread: float) -> float:
    """A log-normal delay in seconds: most moves are quick, a few take far longer."""
    return 3600 * median * rng.lognormvariate(0, spread)


def _days(rng: random.Random, *, median: float, spread: float) -> float:
    return 24 * _hours(rng, median=median, spread=spread)


def _pick_reason(rng: random.Random, reasons: Sequence[DemoReason]) -> DemoReason:
    # The first reasons of the list are given more often, as with real teams.
    return rng.choices(reasons, weights=range(len(reasons) + 2, 2, -1))[0]


def _recycle(rng: random.Random, walk: _Walk, funnel: DemoFunnel, rep_id: int, days: float) -> bool:
    reason = _pick_reason(rng, funnel.recycle_reasons)
    note = rng.choice(RECYCLE_NOTES.get(reason.slug, (FALLBACK_RECYCLE_NOTE,)))
    return walk.move(
        kind=ChangeKind.RECYCLED,
        to_stage_id=funnel.working,
        actor_id=rep_id,
        after_seconds=_days(rng, median=days, spread=_STEADY),
        reason_id=reason.id,
        note=note,
    )


def _lose(
    rng: random.Random,
    walk: _Walk,
    funnel: DemoFunnel,
    actor_id: int,
    days: float,
    reasons: Sequence[DemoReason] = (),
) -> bool:
    return walk.move(
        kind=ChangeKind.LOST,
        to_stage_id=funnel.lost,
        actor_id=actor_id,
        after_seconds=_days(rng, median=days, spread=_STEADY),
        reason_id=_pick_reason(rng, reasons or funnel.lost_reasons).id,
    )


def _close_nurture(rng: random.Random, walk: _Walk, funnel: DemoFunnel, marketer_id: int) -> None:
    """A lead that will not qualify is closed by its marketer within the nurture stage's month,
    with a reason that says why, so that Working holds the leads still being nurtured."""
    disqualified = [r for r in funnel.lost_reasons if r.slug in NURTURE_LOST_REASONS]
    _lose(rng, walk, funnel, marketer_id, days=22, reasons=disqualified)


def simulate_journey(
    *,
    rng: random.Random,
    funnel: DemoFunnel,
    created_at: datetime,
    now: datetime,
    marketer_id: int,
    reps: Sequence[SalesRep],
    propensity: Propensity,
    max_recycles: int = MAX_RECYCLES,
    requalify: float = REQUALIFY,
) -> Journey:
    """Walk one lead down New -> Working -> MQL -> SQL -> Opportunity -> Won | Lost.

    Marketing moves are made by `marketer_id`, sales moves by the rep who claimed the lead. Sales
    may reject an MQL or recycle a claimed lead to Working, after which it may qualify again and
    be claimed by anyone; a lead left in Working is closed by Marketing within the month.
    The average rates are tuned so that about 40% of leads reach MQL, about 60% of MQLs are
    claimed and about 27% of SQLs are won, once the leads still in progress are counted.
    The team is a healthy one: its moves come well within the stages' time limits, so that the
    leads past a limit today are a handful, the real problems a demo should show.
    """
    walk = _Walk(funnel=funnel, created_at=created_at, now=now, actor_id=marketer_id)
    sales_owner_id = _walk_funnel(
        rng,
        walk,
        funnel,
        marketer_id=marketer_id,
        reps=reps,
        propensity=propensity,
        max_recycles=max_recycles,
        requalify=requalify,
    )
    if walk.moves[-1].to_stage_id == funnel.working:
        _close_nurture(rng, walk, funnel, marketer_id)
    return walk.journey(sales_owner_id=sales_owner_id)


def _walk_funnel(
    rng: random.Random,
    walk: _Walk,
    funnel: DemoFunnel,
    *,
    marketer_id: int,
    reps: Sequence[SalesRep],
    propensity: Propensity,
    max_recycles: int,
    requalify: float,
) -> int | None:
    """The lead's way down the funnel until it closes or waits; its sales owner at the end."""
    if not walk.move(
        kind=ChangeKind.MOVED,
        to_stage_id=funnel.working,
        actor_id=marketer_id,
        after_seconds=_hours(rng, median=5, spread=1.0),
    ):
        return None

    rep_weights = [rep.claim_weight for rep in reps]
    for recycles in range(max_recycles + 1):
        # Working -> MQL: nurturing takes days to weeks; a recycled lead rarely qualifies again.
        qualify_chance = (0.56 if recycles == 0 else requalify) * propensity.qualify
        if not (
            rng.random() < qualify_chance
            and walk.move(
                kind=ChangeKind.MOVED,
                to_stage_id=funnel.mql,
                actor_id=marketer_id,
                after_seconds=_days(rng, median=9, spread=0.6),
            )
        ):
            return None

        # MQL -> SQL: most claims come within hours, some take a day or two; the waiting
        # queue on the dashboard is made of the recent ones.
        rep = rng.choices(reps, weights=rep_weights)[0]
        claim_delay = (
            _hours(rng, median=4, spread=1.0)
            if rng.random() < 0.8
            else _days(rng, median=1.5, spread=_STEADY)
        )
        claimed = rng.random() < 0.7
        if not (
            claimed
            and walk.move(
                kind=ChangeKind.CLAIMED,
                to_stage_id=funnel.sql,
                actor_id=rep.id,
                after_seconds=claim_delay,
            )
        ):
            # Sales turns unwanted MQLs back to Marketing within a day or two; only the recent
            # ones, whose answer would lie in the future, are still waiting in the queue.
            if not claimed and _recycle(rng, walk, funnel, rep.id, days=1.5):
                continue
            return None
        walk.touch(rep_id=rep.id, pace=rep.pace)

        may_recycle = recycles < max_recycles
        outcome = _discover(rng, walk, funnel, rep, may_recycle=may_recycle)
        if outcome == "recycled" or (
            outcome == "opportunity"
            and _decide_deal(
                rng,
                walk,
                funnel,
                rep,
                won_chance=0.5 * propensity.win * rep.win_factor,
                may_recycle=may_recycle,
            )
        ):
            continue
        return rep.id
    return None


def _discover(
    rng: random.Random, walk: _Walk, funnel: DemoFunnel, rep: SalesRep, *, may_recycle: bool
) -> Literal["recycled", "opportunity", "ended"]:
    """SQL: discovery leads, within days, to an opportunity, back to Marketing, or out."""
    roll, days = rng.random(), 1.5 * rep.pace
    if roll < 0.15 and may_recycle:
        return "recycled" if _recycle(rng, walk, funnel, rep.id, days=days) else "ended"
    if roll < 0.30:
        _lose(rng, walk, funnel, rep.id, days=days)
        return "ended"
    if not walk.move(
        kind=ChangeKind.MOVED,
        to_stage_id=funnel.opportunity,
        actor_id=rep.id,
        after_seconds=_days(rng, median=days, spread=_STEADY),
    ):
        return "ended"
    return "opportunity"


def _decide_deal(
    rng: random.Random,
    walk: _Walk,
    funnel: DemoFunnel,
    rep: SalesRep,
    *,
    won_chance: float,
    may_recycle: bool,
) -> bool:
    """Opportunity: the deal is decided within weeks. True when it went back to Marketing."""
    roll = rng.random()
    if roll < won_chance:
        walk.move(
            kind=ChangeKind.WON,
            to_stage_id=funnel.won,
            actor_id=rep.id,
            after_seconds=_days(rng, median=21 * rep.pace, spread=_STEADY),
        )
        return False
    if roll < 0.9 or not may_recycle:
        _lose(rng, walk, funnel, rep.id, days=25 * rep.pace)
        return False
    return _recycle(rng, walk, funnel, rep.id, days=20 * rep.pace)


def ensure_demo_goals(*, now: datetime) -> list[RevenueGoal]:
    """A revenue goal for this quarter and this month where none is set, a fifth above the pace
    of the demo's wins over the last 90 days, so that the dashboard has a target to show."""
    since = now - timedelta(days=90)
    won = StageChange.objects.filter(kind=ChangeKind.WON, at__gte=since).aggregate(
        total=Sum("value")
    )["total"] or Decimal(0)
    per_day = won / 90
    created = []
    for kind in (PeriodKind.QUARTER, PeriodKind.MONTH):
        period = period_containing(timezone.localdate(now), kind=kind)
        if RevenueGoal.objects.filter(kind=kind, starts_on=period.first_day).exists():
            continue
        thousands = (per_day * len(period.days()) * Decimal("1.2") / 1000).quantize(Decimal(1))
        amount = max(Decimal(10_000), thousands * 1000)
        created.append(
            RevenueGoal.objects.create(
                kind=kind,
                starts_on=period.first_day,
                ends_on=period.end_day,
                amount=amount,
                marketing_share=80,
                planned_lead_to_mql=Decimal(40),
                planned_mql_to_sql=Decimal(60),
                planned_sql_to_won=Decimal(25),
            )
        )
    return created
