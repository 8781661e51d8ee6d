"""What a digest says, read in SQL.

Each section is a small JSON-ready dict, so that a digest stores exactly the figures it was built
with. Every section costs a fixed number of queries, whatever the number of leads: lists stop at
LIST_LIMIT rows, counts are aggregates.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import User
from accounts.roles import Role
from dashboard.figures import Breakdown
from dashboard.selectors import dashboard, goal_period, review
from digests.access import can_read
from digests.models import Digest, DigestRole
from funnel.models import ChangeKind, StageChange, Team, WellKnownStage, in_each_language
from funnel.periods import Period, week
from funnel.selectors import (
    awaiting_first_touch,
    mql_queue_page,
    past_limit,
    unclaimed_mql_queue,
)
from funnel.stages import Funnel, load_funnel
from leads.models import Lead
from smarketing.pagination import Keyset, Page, paginate

Section = dict[str, Any]
LIST_LIMIT = 10
QUEUE_ROWS = 5
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Week:
    """The week a digest looks back on, and the moment its figures were read."""

    period: Period
    now: datetime
    funnel: Funnel

    @property
    def monday(self) -> date:
        return self.period.first_day

    @property
    def start(self) -> datetime:
        return self.period.start

    @property
    def end(self) -> datetime:
        return self.period.end


def week_of(monday: date, *, now: datetime) -> Week:
    """One query: the stages, which every section needs for its time limits."""
    return Week(period=week(monday), now=now, funnel=load_funnel())


def digest_recipients() -> QuerySet[User]:
    """Everyone who gets a digest: active people on a team or managing them."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[role.value for role in Role])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# A person's digests, newest week first.
DIGEST_KEYSET = Keyset(fields=("week", "id"), descending=True)
DIGEST_PAGE_SIZE = 20


def digest_page(*, user: User, after: str | None, per_page: int = DIGEST_PAGE_SIZE) -> Page[Digest]:
    """One page of a person's digests, with their person (whose name the page shows). One
    query. Raises InvalidCursor for a cursor this list did not write."""
    digests = Digest.objects.filter(user=user).select_related("user")
    return paginate(digests, keyset=DIGEST_KEYSET, cursor=after, per_page=per_page)


def own_digest(*, user: User, week: str) -> Digest | None:
    """The person's digest of the week whose Monday `week` names (2026-11-16), with its person;
    None for a week that is not a date or not theirs. One query."""
    try:
        monday = date.fromisoformat(week)
    except ValueError:
        return None
    digest = Digest.objects.filter(user=user, week=monday).select_related("user").first()
    return digest if digest is not None and can_read(user, digest) else None


def readable_digest(*, reader: User, user_id: int, week: str) -> Digest | None:
    """The digest of person `user_id` for the week `week` names, with its person, if `reader`
    may read it (digests.access.can_read); None otherwise. One query."""
    try:
        monday = date.fromisoformat(week)
    except ValueError:
        return None
    digest = Digest.objects.filter(user_id=user_id, week=monday).select_related("user").first()
    return digest if digest is not None and can_read(reader, digest) else None


def _hours(delta: timedelta) -> int:
    return max(int(delta / _HOUR), 0)


def _lead_row(lead: Lead, *, now: datetime, limit_hours: int | None) -> Section:
    """A lead as a digest lists it: who, where, for how long, and how far past its limit."""
    waited = now - lead.stage_entered_at
    return {
        "id": lead.pk,
        "name": lead.full_name,
        "company": lead.company,
        "stage": in_each_language(lead.stage.name, lead.stage.name_es),
        "hours": _hours(waited),
        "late_hours": None if limit_hours is None else _hours(waited - limit_hours * _HOUR),
    }


def mql_queue(week: Week, *, late: int) -> Section:
    """The shared queue of MQLs no rep has claimed: its size, how many have waited past the
    claim limit (`late`, which the dashboard's agreement has read already), and the longest
    waiting. Two queries."""
    queue = unclaimed_mql_queue()
    rows = mql_queue_page(after=None, now=week.now, per_page=QUEUE_ROWS).rows
    mql = week.funnel.by_slug(WellKnownStage.MQL)
    return {
        "count": queue.count,
        "late": late,
        "limit_hours": mql.sla_hours if mql is not None else None,
        "oldest_hours": _hours(week.now - queue.oldest_since) if queue.oldest_since else None,
        "leads": [_lead_row(row.lead, now=week.now, limit_hours=row.limit_hours) for row in rows],
    }


def untouched_sqls(week: Week, *, rep: User | None = None) -> Section:
    """funnel.selectors.awaiting_first_touch: claimed leads with no call, email or meeting
    since the claim (a touch counts whoever made it, so a reassigned lead that was touched is
    not listed), with how many are past the limit. `rep` narrows to one person's leads. Two
    queries."""
    limits = {
        stage: stage.first_touch_hours
        for stage in week.funnel.stages
        if stage.first_touch_hours is not None
    }
    leads = awaiting_first_touch(week.funnel.stages)
    if rep is not None:
        leads = leads.filter(sales_owner=rep)
    overdue = Q(pk__in=[])
    for stage, hours in limits.items():
        overdue |= Q(stage=stage, stage_entered_at__lt=week.now - hours * _HOUR)
    totals = leads.aggregate(count=Count("pk"), overdue=Count("pk", filter=overdue))
    rows = leads.select_related("stage").order_by("stage_entered_at", "id")[:LIST_LIMIT]
    return {
        "count": totals["count"],
        "overdue": totals["overdue"],
        "leads": [
            _lead_row(lead, now=week.now, limit_hours=lead.stage.first_touch_hours) for lead in rows
        ],
    }


def stuck_leads(
    week: Week, *, teams: Iterable[str] | None = None, owner: Q | None = None
) -> Section:
    """Leads that have outstayed their stage's time limit, by stage, longest in stage first.

    `teams` keeps the stages those teams own; `owner` narrows the leads (marketing_owner=...).
    Two queries, or none when no stage has a limit."""
    stages = [s for s in week.funnel.stages if teams is None or s.team in set(teams)]
    condition = past_limit(stages, now=week.now)
    if not condition:
        return {"count": 0, "by_stage": [], "leads": []}
    leads = Lead.objects.filter(condition)
    if owner is not None:
        leads = leads.filter(owner)
    counts = dict(
        leads.order_by()
        .values_list("stage")
        .annotate(count=Count("pk"))
        .values_list("stage", "count")
    )
    rows = leads.select_related("stage").order_by("stage_entered_at", "id")[:LIST_LIMIT]
    return {
        "count": sum(counts.values()),
        "by_stage": [
            {"stage": in_each_language(stage.name, stage.name_es), "count": counts[stage.pk]}
            for stage in stages
            if counts.get(stage.pk)
        ],
        "leads": [_lead_row(lead, now=week.now, limit_hours=lead.stage.sla_hours) for lead in rows],
    }


def _money(value: Decimal | None) -> str:
    return str(value if value is not None else Decimal("0.00"))


_WON = Q(kind=ChangeKind.WON)


def _changes_in(week: Week, *, owner: Q) -> QuerySet[StageChange]:
    """The week's stage changes of the leads `owner` selects (lead__sales_owner=...)."""
    return StageChange.objects.filter(owner, at__gte=week.start, at__lt=week.end)


def _reason_counts(changes: QuerySet[StageChange], *, kind: str) -> list[Section]:
    """The changes of `kind` per reason, most first. One query."""
    rows = (
        changes.filter(kind=kind)
        .order_by()
        .values("reason__label", "reason__label_es")
        .annotate(count=Count("pk"))
        .order_by("-count", "reason__label")
    )
    return [
        {
            "reason": in_each_language(row["reason__label"], row["reason__label_es"])
            if row["reason__label"]
            else "",
            "count": row["count"],
        }
        for row in rows
    ]


def closed_deals(week: Week, *, rep: User) -> Section:
    """What a rep won and lost in the week, with the reasons for the losses. Two queries."""
    changes = _changes_in(week, owner=Q(lead__sales_owner=rep))
    totals = changes.aggregate(
        won=Count("pk", filter=_WON),
        won_value=Sum("value", filter=_WON),
        lost=Count("pk", filter=Q(kind=ChangeKind.LOST)),
    )
    return {
        **totals,
        "won_value": _money(totals["won_value"]),
        "lost_reasons": _reason_counts(changes, kind=ChangeKind.LOST),
    }


def handed_over(week: Week, *, marketer: User) -> Section:
    """What happened in the week to the leads a marketer owns: how many became MQLs, and what
    Sales did with them (claimed, sent back and why, won). Two queries."""
    changes = _changes_in(week, owner=Q(lead__marketing_owner=marketer))
    mql = week.funnel.by_slug(WellKnownStage.MQL)
    totals = changes.aggregate(
        qualified=Count(
            "pk", filter=Q(to_stage=mql, kind=ChangeKind.MOVED) if mql else Q(pk__in=[])
        ),
        claimed=Count("pk", filter=Q(kind=ChangeKind.CLAIMED)),
        recycled=Count("pk", filter=Q(kind=ChangeKind.RECYCLED)),
        won=Count("pk", filter=_WON),
        won_value=Sum("value", filter=_WON),
    )
    return {
        **totals,
        "won_value": _money(totals["won_value"]),
        "recycle_reasons": _reason_counts(changes, kind=ChangeKind.RECYCLED),
    }


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _breakdowns(rows: list[Breakdown], *, limit: int = QUEUE_ROWS) -> list[Section]:
    return [
        {
            "label": row.labels or row.label,
            "leads": row.leads,
            "new": row.new,
            "mqls": row.mqls,
            "won": row.won,
            "revenue": str(row.revenue),
        }
        for row in rows[:limit]
    ]


def agenda(week: Week) -> Section:
    """The meeting's figures, all from the dashboard's selectors: goal progress and forecast
    for the month or quarter the week's last day belongs to (as of now), both sides of the
    agreement, the funnel of the week against the week before, why leads came back or were
    lost, and which sources and personas turned into MQLs and revenue. Fifteen queries."""
    goal_in = goal_period(week.period.last_day)
    figures = dashboard(period=goal_in, now=week.now, funnel=week.funnel)
    # The week's tables name reasons, sources and personas, which the dashboard has read.
    seen = review(week.period, funnel=figures.funnel, names=figures.names)
    progress, promise, mql = (
        figures.progress,
        figures.agreement,
        figures.funnel.by_slug(WellKnownStage.MQL),
    )

    def converted(rows: list[Breakdown]) -> list[Section]:
        return _breakdowns([row for row in rows if row.won or row.mqls])

    return {
        "goal": {
            "period": goal_in.label,
            "amount": _amount(progress.goal.amount if progress.goal else None),
            "won": str(progress.won),
            "deals": progress.deals,
            "expected_by_now": _amount(progress.expected_by_now),
            "open_weighted": str(progress.open_weighted),
            "forecast": str(progress.forecast),
            "share": progress.share_of_goal,
            "behind": progress.expected_by_now is not None
            and progress.won < progress.expected_by_now,
            "forecast_share": progress.forecast_share,
        },
        "agreement": {
            "mqls_delivered": promise.mqls_delivered,
            "mqls_needed": promise.mqls_needed,
            "mqls_expected_by_now": promise.mqls_expected_by_now,
            "claims": promise.claims,
            "claimed_in_time": promise.claimed_in_time,
            "claimed_in_time_share": promise.claimed_in_time_share,
            "claim_limit_hours": promise.claim_limit_hours,
            "touched_in_time": promise.touched_in_time,
            "touched_in_time_share": promise.touched_in_time_share,
            "first_touch_limit_hours": promise.first_touch_limit_hours,
            "waiting_past_limit": promise.waiting_past_limit,
        },
        "week": {
            "mqls": seen.this.entries(mql.pk) if mql else 0,
            "mqls_before": seen.before.entries(mql.pk) if mql else 0,
            "claims": seen.this.moves(kind=ChangeKind.CLAIMED),
            "claimed_in_time": seen.this.claimed_in_time(),
            "touched_in_time": seen.this.touched_in_time(),
            "won_value": str(seen.this.value(kind=ChangeKind.WON)),
            "won_value_before": str(seen.before.value(kind=ChangeKind.WON)),
        },
        "stages": [
            {
                "stage": in_each_language(this.stage.name, this.stage.name_es),
                "entered": this.entered,
                "entered_before": last.entered,
            }
            for this, last in seen.stages
        ],
        "recycle_reasons": _breakdowns(seen.recycled_by_reason),
        "lost_reasons": _breakdowns(seen.lost_by_reason),
        "sources": converted(seen.by_source),
        "personas": converted(seen.by_persona),
    }


def team_sections(week: Week) -> Section:
    """What everyone's digest shares about the team: the same for every person in a week."""
    figures = agenda(week)
    return {
        **figures,
        "queue": mql_queue(week, late=figures["agreement"]["waiting_past_limit"]),
        "untouched": untouched_sqls(week),
        "stuck": stuck_leads(week),
    }


def personal_sections(week: Week, *, user: User, role: DigestRole) -> Section:
    """The part of a digest about the person's own work. A fixed number of queries per role."""
    if role == DigestRole.SALES:
        return {
            "untouched": untouched_sqls(week, rep=user),
            "stuck": stuck_leads(week, teams=[Team.SALES], owner=Q(sales_owner=user)),
            "closed": closed_deals(week, rep=user),
        }
    if role == DigestRole.MARKETING:
        return {
            "handed_over": handed_over(week, marketer=user),
            "stuck": stuck_leads(week, teams=[Team.MARKETING], owner=Q(marketing_owner=user)),
        }
    return {}
