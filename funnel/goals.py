"""Setting the revenue goals both teams answer to (managers only)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record_change, snapshot
from funnel.access import SET_GOALS_REFUSAL, can_set_goals
from funnel.models import PeriodKind, RevenueGoal
from funnel.periods import Period, period_containing
from smarketing.errors import Conflict, DomainError, NotAllowed


@dataclass(frozen=True)
class GoalTerms:
    """What a manager commits both teams to for a period. Rates are percentages."""

    amount: Decimal
    marketing_share: int = 100
    average_deal: Decimal | None = None
    planned_lead_to_mql: Decimal | None = None
    planned_mql_to_sql: Decimal | None = None
    planned_sql_to_won: Decimal | None = None


# What the history of changes keeps of a goal.
GOAL_FIELDS = (
    "kind",
    "starts_on",
    "ends_on",
    "amount",
    "marketing_share",
    "average_deal",
    "planned_lead_to_mql",
    "planned_mql_to_sql",
    "planned_sql_to_won",
)

# The exclusion constraint on RevenueGoal that keeps periods of a kind from overlapping.
_OVERLAP = "goal_periods_do_not_overlap"


def _check(actor: User, period: Period, terms: GoalTerms) -> None:
    """Every rule the database would refuse, as a sentence, bar the overlap it alone can see."""
    if not can_set_goals(actor):
        raise NotAllowed(str(SET_GOALS_REFUSAL))
    if period.kind not in PeriodKind.values:
        raise DomainError(_("A goal is set for a month or a quarter."))
    if terms.amount <= 0:
        raise DomainError(_("The goal must be an amount above zero."))
    if not 0 <= terms.marketing_share <= 100:
        raise DomainError(_("Marketing's share is a percentage from 0 to 100."))
    if terms.average_deal is not None and terms.average_deal <= 0:
        raise DomainError(_("The average won deal must be an amount above zero."))
    rates = (terms.planned_lead_to_mql, terms.planned_mql_to_sql, terms.planned_sql_to_won)
    if any(rate is not None and not 0 < rate <= 100 for rate in rates):
        raise DomainError(_("A planned rate is a percentage above 0, at most 100."))


def _save(goal: RevenueGoal, period: Period) -> RevenueGoal:
    """Save; the database refuses a period that overlaps another goal's of the same kind, also
    one saved by another manager a moment earlier, and that refusal becomes a sentence."""
    try:
        with transaction.atomic():
            goal.save()
    except IntegrityError as error:
        if getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) != _OVERLAP:
            raise
        holder = _goal_holding(period, other_than=goal.pk)
        raise GoalPeriodTaken(period, holder.pk if holder is not None else None) from error
    return goal


class GoalPeriodTaken(Conflict):
    """Another goal of the same kind covers the period; `goal_id` is that goal (None if it
    has been removed since)."""

    code = "goal_period_taken"

    def __init__(self, period: Period, goal_id: int | None) -> None:
        super().__init__(
            _("There is already a goal for %(period)s; change that one instead.")
            % {"period": period.label}
        )
        self.goal_id = goal_id


def _goal_holding(period: Period, *, other_than: int | None) -> RevenueGoal | None:
    overlapping = RevenueGoal.objects.filter(
        kind=period.kind, starts_on__lt=period.end_day, ends_on__gt=period.first_day
    )
    return overlapping.exclude(pk=other_than).first() if other_than else overlapping.first()


def first_free_period(*, today: date, kind: str = PeriodKind.QUARTER) -> Period:
    """The period of `kind` containing `today`, or the first after it that no goal holds yet:
    where a manager setting a goal most likely means to. Two years ahead at most, then today's.
    One query."""
    held = set(RevenueGoal.objects.filter(kind=kind).values_list("starts_on", flat=True))
    current = period = period_containing(today, kind=kind)
    for _step in range(9 if kind == PeriodKind.QUARTER else 25):
        if period.first_day not in held:
            return period
        period = period_containing(period.end_day, kind=kind)
    return current


def _apply(goal: RevenueGoal, period: Period, terms: GoalTerms) -> None:
    goal.kind, goal.starts_on, goal.ends_on = period.kind, period.first_day, period.end_day
    goal.amount = terms.amount
    goal.marketing_share = terms.marketing_share
    goal.average_deal = terms.average_deal
    goal.planned_lead_to_mql = terms.planned_lead_to_mql
    goal.planned_mql_to_sql = terms.planned_mql_to_sql
    goal.planned_sql_to_won = terms.planned_sql_to_won


@transaction.atomic
def set_revenue_goal(*, actor: User, period: Period, terms: GoalTerms) -> RevenueGoal:
    """A new goal for a month or quarter that has none. Raises Conflict when it has one."""
    _check(actor, period, terms)
    goal = RevenueGoal(created_by=actor)
    _apply(goal, period, terms)
    _save(goal, period)
    record_change(actor=actor, obj=goal, before=None, after=snapshot(goal, GOAL_FIELDS))
    return goal


@transaction.atomic
def change_revenue_goal(
    *, goal_id: int, actor: User, period: Period, terms: GoalTerms
) -> RevenueGoal:
    _check(actor, period, terms)
    goal = RevenueGoal.objects.select_for_update().get(pk=goal_id)
    before = snapshot(goal, GOAL_FIELDS)
    _apply(goal, period, terms)
    _save(goal, period)
    record_change(actor=actor, obj=goal, before=before, after=snapshot(goal, GOAL_FIELDS))
    return goal


@transaction.atomic
def delete_revenue_goal(*, goal_id: int, actor: User) -> None:
    if not can_set_goals(actor):
        raise NotAllowed(str(SET_GOALS_REFUSAL))
    goal = RevenueGoal.objects.select_for_update().filter(pk=goal_id).first()
    if goal is None:
        return
    record_change(actor=actor, obj=goal, before=snapshot(goal, GOAL_FIELDS), after=None)
    goal.delete()
