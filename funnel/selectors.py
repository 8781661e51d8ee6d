"""Reads of the funnel, aggregated in SQL."""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, Expression, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import ngettext

from accounts.models import User
from funnel.access import can_make_move
from funnel.models import ChangeKind, Reason, Stage, StageChange, Team, Transition, WellKnownStage
from funnel.periods import local_midnight
from funnel.rollup import owned_stage_totals, owner_stage_totals, stage_totals
from leads.models import Activity, ActivityKind, Lead
from smarketing.pagination import Keyset, Page, paginate


@dataclass(frozen=True)
class StageSummary:
    stage: Stage
    count: int
    value: Decimal


def stage_summaries(
    *,
    leads_filter: Q | None = None,
    teams: Collection[str] | None = None,
    marketing_owner: User | None = None,
    sales_owner: User | None = None,
) -> list[StageSummary]:
    """The stages in order (all, or those owned by `teams`), with the number and summed expected
    value of their leads: all of them, those `marketing_owner` or `sales_owner` owns, or those
    `leads_filter` selects (at most one of the three).

    `leads_filter` narrows the leads counted, written from the stage (`leads__persona=...`).
    One query. Without a filter, the totals the database keeps per stage or per owner
    (funnel.rollup), which are exact and cost the same whatever the number of leads; with one,
    a count over the leads it selects.
    """
    lead_count, lead_value = _lead_totals(leads_filter, marketing_owner, sales_owner)
    stages = Stage.objects.filter(team__in=teams) if teams is not None else Stage.objects.all()
    stages = stages.annotate(lead_count=lead_count, lead_value=lead_value).order_by("position")
    return [
        StageSummary(stage=stage, count=stage.lead_count, value=stage.lead_value)
        for stage in stages
    ]


def _lead_totals(
    leads_filter: Q | None, marketing_owner: User | None, sales_owner: User | None
) -> tuple[Expression, Expression]:
    """A stage's lead count and value as `stage_summaries` asks for them."""
    chosen = [leads_filter, marketing_owner, sales_owner]
    if len(chosen) - chosen.count(None) > 1:
        raise ValueError("Count the leads of one filter or one owner, not several.")
    if marketing_owner is not None:
        return owner_stage_totals(team=Team.MARKETING, owner=marketing_owner)
    if sales_owner is not None:
        return owner_stage_totals(team=Team.SALES, owner=sales_owner)
    if leads_filter is not None:
        return (
            Count("leads", filter=leads_filter),
            Coalesce(Sum("leads__expected_value", filter=leads_filter), Decimal(0)),
        )
    return stage_totals()


def past_limit(stages: Iterable[Stage], *, now: datetime) -> Q:
    """Leads that have outstayed their stage's time limit (Stage.late_since), as a condition on
    leads; empty when none of `stages` has a limit.

    Written per stage (stage = s AND stage_entered_at < s's limit, OR ...), so that the
    (stage, stage_entered_at) index answers it."""
    condition = Q()
    for stage, late_since in _limits(stages, now=now):
        condition |= Q(stage=stage, stage_entered_at__lt=late_since)
    return condition


def past_limit_parts(stages: Iterable[Stage], *, now: datetime) -> list[Q]:
    """past_limit's condition, one part per stage with a limit: for a list that reads each
    stage's late leads in its own order and merges them. A lead late in its stage was created
    before its limit began (it entered the stage once created), which lets the index on the
    stage and the creation time skip the stage's leads too new to be late."""
    return [
        Q(stage=stage, stage_entered_at__lt=late_since, created_at__lt=late_since)
        for stage, late_since in _limits(stages, now=now)
    ]


def _limits(stages: Iterable[Stage], *, now: datetime) -> Iterator[tuple[Stage, datetime]]:
    """Each of `stages` with a time limit, and since when a lead in it is late."""
    for stage in stages:
        late_since = stage.late_since(now)
        if late_since is not None:
            yield stage, late_since


@dataclass(frozen=True)
class Queue:
    count: int
    oldest_since: datetime | None
    # The stage the queue's leads wait in, for a link to them in the lead list.
    stage: WellKnownStage = WellKnownStage.MQL


def waits_for_sales(lead: Lead) -> bool:
    """Whether the lead is one of the MQL queue's: an MQL no sales rep has claimed."""
    return lead.stage.slug == WellKnownStage.MQL and lead.sales_owner_id is None


def unclaimed_mql_queue() -> Queue:
    """MQLs that no sales rep has claimed yet, and since when the oldest has waited.

    One query, whatever the number of leads: the MQL stage's kept total less its leads with a
    sales owner (funnel.rollup), and the oldest waiting lead first in the (stage, entered)
    index."""
    all_leads, _ = stage_totals()
    claimed, _ = owned_stage_totals(team=Team.SALES)
    waiting = Lead.objects.filter(stage=OuterRef("pk"), sales_owner__isnull=True)
    queue = (
        Stage.objects.filter(slug=WellKnownStage.MQL)
        .annotate(
            waiting=all_leads - claimed,
            oldest=Subquery(waiting.order_by("stage_entered_at").values("stage_entered_at")[:1]),
        )
        .values("waiting", "oldest")
        .first()
    )
    if queue is None:
        return Queue(count=0, oldest_since=None)
    return Queue(count=queue["waiting"], oldest_since=queue["oldest"])


# A page of the "MQLs waiting" queue: longest waiting first, then by id for a total order.
QUEUE_KEYSET = Keyset(fields=("stage_entered_at", "id"))
QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class LeadInStage:
    """A lead, and whether it has stayed in its stage longer than the stage's time limit when it
    was read (Stage.is_past_limit): what every list, page and API answer shows of a lead. The
    queue's rows, the board's cards and the lead list's rows are each one, with more."""

    lead: Lead
    past_sla: bool


@dataclass(frozen=True)
class WaitingMql(LeadInStage):
    """An unclaimed MQL, how long it has waited (since it entered the stage, as its last stage
    change says) and how that compares with the stage's claim limit."""

    waited: timedelta
    limit_hours: int | None
    past_sla: bool

    @classmethod
    def of(cls, lead: Lead, *, now: datetime) -> "WaitingMql":
        """`lead` as the queue shows it at `now`; its stage must be loaded."""
        stage, entered_at = lead.stage, lead.stage_entered_at
        return cls(
            lead=lead,
            waited=max(now - entered_at, timedelta(0)),
            limit_hours=stage.sla_hours,
            past_sla=stage.is_past_limit(entered_at=entered_at, now=now),
        )

    @property
    def limit(self) -> timedelta | None:
        return None if self.limit_hours is None else timedelta(hours=self.limit_hours)

    @property
    def waited_text(self) -> str:
        return in_one_unit(self.waited)

    @property
    def margin_text(self) -> str:
        """How far past the limit, or how much of it is left, in the unit of the wait."""
        if self.limit is None:
            return ""
        return in_one_unit(abs(self.waited - self.limit), unit_of=self.waited)


@dataclass(frozen=True)
class MqlQueuePage:
    rows: list[WaitingMql]
    leads: Page[Lead]

    @property
    def next_cursor(self) -> str | None:
        return self.leads.next_cursor


def waiting_mqls() -> QuerySet[Lead]:
    """The leads of the MQL queue: MQLs no sales rep has claimed.

    The MQL stage is named by a subquery the database runs first, not by a join on its slug:
    knowing the stage, the planner reads the (stage, entered) index; through the join it guessed
    a seventh of all leads and walked every lead by entry time (7.7 s to 14 ms at 300,000 leads
    with 348 waiting)."""
    mql = Stage.objects.filter(slug=WellKnownStage.MQL).values("pk")[:1]
    return Lead.objects.filter(stage=Subquery(mql), sales_owner__isnull=True)


def mql_queue_page(
    *, after: str | None, now: datetime, per_page: int = QUEUE_PAGE_SIZE
) -> MqlQueuePage:
    """Unclaimed MQLs, longest waiting first, with what each row of the queue shows.

    One query, whatever the length of the queue. Raises InvalidCursor for a cursor this queue
    did not write."""
    leads = waiting_mqls().select_related("stage", "persona", "marketing_owner")
    page = paginate(leads, keyset=QUEUE_KEYSET, cursor=after, per_page=per_page)
    rows = [WaitingMql.of(lead, now=now) for lead in page.rows]
    return MqlQueuePage(rows=rows, leads=page)


def in_one_unit(delta: timedelta, *, unit_of: timedelta | None = None) -> str:
    """'45 minutes', '30 hours', '4 days': hours up to three days, because limits are counted
    in hours.

    `unit_of`, the longer of two durations read together, writes `delta` in days too when both
    are a day or more: "waiting 3 days, 2 days past the limit", not "3 days, 58 hours"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    scale = minutes
    if unit_of is not None and minutes >= 24 * 60:
        # Days as soon as either reads in days; never "0 days" for a short margin.
        scale = max(int(unit_of.total_seconds() // 60), minutes)
    if scale < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = minutes // 60
    if scale < 72 * 60:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


@dataclass(frozen=True)
class Move:
    """A move the signed-in person may make on a lead, with what its form asks for."""

    transition: Transition
    reasons: tuple[Reason, ...] = ()

    @property
    def kind(self) -> str:
        return self.transition.kind

    @property
    def to_stage(self) -> Stage:
        return self.transition.to_stage

    @property
    def reason_kind(self) -> str | None:
        return self.transition.reason_kind

    @property
    def is_opportunity(self) -> bool:
        return self.transition.makes_opportunity

    @property
    def is_claim(self) -> bool:
        return self.kind == ChangeKind.CLAIMED

    @property
    def is_recycle(self) -> bool:
        return self.kind == ChangeKind.RECYCLED

    @property
    def is_win(self) -> bool:
        return self.kind == ChangeKind.WON

    @property
    def is_loss(self) -> bool:
        return self.kind == ChangeKind.LOST

    @property
    def is_reopening(self) -> bool:
        return self.kind == ChangeKind.REOPENED

    @property
    def needs_details(self) -> bool:
        return self.reason_kind is not None or self.is_opportunity or self.is_win


def moves_for(lead: Lead, user: User) -> list[Move]:
    """The moves from the lead's stage that `user` may make, in the order of the stages they
    lead to; a claim only while nobody has claimed the lead.

    One query for the moves and their stages, and one for the reasons when a move needs one.
    """
    return _offered(lead, user, _moves_from(lead))


def offered_move(
    lead: Lead,
    user: User,
    *,
    to_stage_id: int | None = None,
    kind: str | None = None,
    slug: str | None = None,
) -> Move | None:
    """The move of moves_for to the stage `to_stage_id`, or the first of `kind` (to the stage
    `slug`); None when `user` is not offered one. Reads only that move's reasons."""
    transitions = _moves_from(lead)
    if to_stage_id is not None:
        transitions = transitions.filter(to_stage_id=to_stage_id)
    if kind is not None:
        transitions = transitions.filter(kind=kind)
    if slug is not None:
        transitions = transitions.filter(to_stage__slug=slug)
    return next(iter(_offered(lead, user, transitions)), None)


def _moves_from(lead: Lead) -> QuerySet[Transition]:
    return (
        Transition.objects.filter(from_stage_id=lead.stage_id)
        .select_related("from_stage", "to_stage")
        .order_by("to_stage__position")
    )


def _offered(lead: Lead, user: User, transitions: QuerySet[Transition]) -> list[Move]:
    allowed = [
        transition
        for transition in transitions
        if can_make_move(user, lead, transition)
        and not (transition.kind == ChangeKind.CLAIMED and lead.sales_owner_id is not None)
    ]
    kinds = {t.reason_kind for t in allowed if t.reason_kind is not None}
    reasons = list(Reason.objects.filter(kind__in=kinds, active=True)) if kinds else []
    return [
        Move(
            transition=transition,
            reasons=tuple(reason for reason in reasons if reason.kind == transition.reason_kind),
        )
        for transition in allowed
    ]


# What counts as a touch: a conversation or an attempt at one, not a note.
TOUCHES = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING)

# The first-touch limit measures the hand-off to Sales: how soon after a claim someone spoke
# to the lead. Its clock starts at the lead's last claim and stops at the first call, email or
# meeting logged on the lead since, whoever logged it. A manager's reassignment starts no new
# clock: a lead touched in time stays touched in time, and one left untouched stays late, for
# the new owner too. A new claim (after a recycle) is a new hand-off with a clock of its own.
# The lead page (first_touch_clock), the dashboard's rollup (dashboard.rollup) and the digest
# (digests.selectors.untouched_sqls) all read it so.


@dataclass(frozen=True)
class FirstTouchClock:
    """Since the lead's last claim: when it was first touched, against the limit of the stage
    the claim led to. Read from the history, so it cannot drift from it."""

    claimed_at: datetime
    first_touch_at: datetime | None
    due_at: datetime | None
    late: bool


def first_touch_clock(lead: Lead, *, now: datetime) -> FirstTouchClock | None:
    """None for a lead never claimed. Two queries."""
    claim = (
        StageChange.objects.filter(lead=lead, kind=ChangeKind.CLAIMED)
        .select_related("to_stage")
        .order_by("-at", "-id")
        .first()
    )
    if claim is None:
        return None
    first_touch = (
        Activity.objects.filter(lead=lead, kind__in=TOUCHES, created_at__gte=claim.at)
        .order_by("created_at", "id")
        .values_list("created_at", flat=True)
        .first()
    )
    limit = claim.to_stage.first_touch_hours
    due = claim.at + timedelta(hours=limit) if limit is not None else None
    return FirstTouchClock(
        claimed_at=claim.at,
        first_touch_at=first_touch,
        due_at=due,
        late=due is not None and (first_touch or now) > due,
    )


def awaiting_first_touch(stages: Iterable[Stage]) -> QuerySet[Lead]:
    """Claimed leads still in the stage their claim led to (one with a first-touch limit) with
    no call, email or meeting logged since: first_touch_clock for many leads at once. In that
    stage the claim's time is the time the lead entered it."""
    touched = Activity.objects.filter(
        lead=OuterRef("pk"), kind__in=TOUCHES, created_at__gte=OuterRef("stage_entered_at")
    )
    claimed_into = [stage for stage in stages if stage.first_touch_hours is not None]
    return Lead.objects.filter(stage__in=claimed_into, sales_owner__isnull=False).exclude(
        Exists(touched)
    )


# How many leads each list of a rep's day shows; the lead list has the rest.
DAY_LIST_LIMIT = 8


@dataclass(frozen=True)
class DueLead(LeadInStage):
    """A lead on a rep's list for the day, with the moment its clock runs or ran out: the
    first touch's, the stage's time limit, or the expected close. `past_sla` says it has."""

    due_at: datetime | None


@dataclass(frozen=True)
class RepDay:
    """What a sales rep starts the day with. Each list holds at most DAY_LIST_LIMIT leads;
    `more_*` says there are others (the lead list, filtered, shows them all)."""

    untouched: list[DueLead]
    late: list[DueLead]
    opportunities: list[DueLead]
    more_untouched: bool
    more_late: bool
    more_opportunities: bool


def rep_day(*, rep: User, now: datetime, limit: int = DAY_LIST_LIMIT) -> RepDay:
    """The rep's claimed leads still waiting for a first touch (oldest claim first), their
    leads past their stage's time limit (longest in stage first) and their open opportunities
    by expected close date (soonest first, undated last). Four queries, whatever the number
    of leads: the stages, then one per list."""
    stages = list(Stage.objects.all())
    mine = Lead.objects.filter(sales_owner=rep).select_related("stage")
    untouched, more_untouched = _first(
        awaiting_first_touch(stages)
        .filter(sales_owner=rep)
        .select_related("stage")
        .order_by("stage_entered_at", "id"),
        limit,
    )
    late_condition = past_limit(stages, now=now)
    late, more_late = _first(
        mine.filter(late_condition or Q(pk__in=[])).order_by("stage_entered_at", "id"), limit
    )
    opportunities, more_opportunities = _first(
        mine.filter(stage__slug=WellKnownStage.OPPORTUNITY).order_by(
            F("expected_close_date").asc(nulls_last=True), "stage_entered_at", "id"
        ),
        limit,
    )
    return RepDay(
        untouched=[_due(lead, hours=lead.stage.first_touch_hours, now=now) for lead in untouched],
        late=[_due(lead, hours=lead.stage.sla_hours, now=now) for lead in late],
        opportunities=[_close_due(lead, now=now) for lead in opportunities],
        more_untouched=more_untouched,
        more_late=more_late,
        more_opportunities=more_opportunities,
    )


def _first(leads: QuerySet[Lead], limit: int) -> tuple[list[Lead], bool]:
    """The first `limit` leads, and whether there are more. One query."""
    rows = list(leads[: limit + 1])
    return rows[:limit], len(rows) > limit


def _due(lead: Lead, *, hours: int | None, now: datetime) -> DueLead:
    due_at = None if hours is None else lead.stage_entered_at + timedelta(hours=hours)
    return DueLead(lead=lead, past_sla=due_at is not None and now > due_at, due_at=due_at)


def _close_due(lead: Lead, *, now: datetime) -> DueLead:
    """An opportunity is overdue once its expected close date has passed (local time)."""
    close = lead.expected_close_date
    due_at = local_midnight(close + timedelta(days=1)) if close is not None else None
    return DueLead(lead=lead, past_sla=due_at is not None and now >= due_at, due_at=due_at)
