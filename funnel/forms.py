"""The forms of a lead's moves (each asks only for what its move needs) and what a person reads
once one is made; a manager's handover of a lead; revenue goals."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import active_members
from funnel.goals import GoalTerms
from funnel.models import ChangeKind, PeriodKind, RevenueGoal, Team
from funnel.periods import Period, parse_period, period_containing
from funnel.selectors import Move, moves_for
from leads.activities import NOTE_MAX_LENGTH
from leads.models import Lead
from smarketing.bounds import (
    CENTS,
    DEAL_AMOUNT,
    GOAL_AMOUNT,
    GOAL_DIGITS,
    MONEY_DIGITS,
    OBJECT_ID,
    PERCENT,
    PLANNING_RATE,
)


class MoveForm(forms.Form):
    """One move of a lead: the stage it goes to and, by kind, a reason and note (recycle, lost),
    an expected value and close date (opportunity) or the amount (won).

    Field names are the same in every move's form; the ids carry the target stage, so that
    several forms live on one page."""

    to_stage = forms.IntegerField(widget=forms.HiddenInput, **OBJECT_ID.limits())
    reason = forms.TypedChoiceField(label=_("Reason"), coerce=int, empty_value=None)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    value = forms.DecimalField(
        label=_("Expected value"),
        max_digits=MONEY_DIGITS,
        decimal_places=CENTS,
        **DEAL_AMOUNT.limits(),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        error_messages={"min_value": _("Enter an amount above zero.")},
    )
    close_date = forms.DateField(
        label=_("Expected close date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: Any = None, *, move: Move, lead: Lead | None = None) -> None:
        super().__init__(
            data,
            initial={"to_stage": move.to_stage.pk, **_deal_initial(move, lead)},
            auto_id=f"id_move{move.to_stage.pk}_%s",
        )
        self.move = move
        if move.reason_kind is None:
            del self.fields["reason"], self.fields["note"]
        else:
            reason: forms.TypedChoiceField = self.fields["reason"]  # type: ignore[assignment]
            reason.choices = [
                ("", _("Pick a reason")),
                *((reason.pk, reason.shown_label) for reason in move.reasons),
            ]
            self.fields["note"].help_text = _("What the next person should know.")
        if move.is_win:
            self.fields["value"].label = _("Amount won")
        elif not move.is_opportunity:
            del self.fields["value"]
        if not move.is_opportunity:
            del self.fields["close_date"]


def _deal_initial(move: Move, lead: Lead | None) -> dict[str, Any]:
    """What the lead already says of its deal: a win's amount starts from the opportunity's
    value, an opportunity from the value and close date the lead has."""
    if lead is None or not (move.is_win or move.is_opportunity):
        return {}
    initial: dict[str, Any] = {}
    if lead.expected_value:
        initial["value"] = lead.expected_value
    if move.is_opportunity and lead.expected_close_date is not None:
        initial["close_date"] = lead.expected_close_date
    return initial


def move_forms(moves: list[Move], *, lead: Lead, bound: MoveForm | None = None) -> list[MoveForm]:
    """A form per move, started from what `lead` says; `bound` (a submitted form that came
    back) takes its move's place."""
    return [
        bound
        if bound is not None and bound.move.to_stage.pk == move.to_stage.pk
        else MoveForm(move=move, lead=lead)
        for move in moves
    ]


def requested_move(data: QueryDict, *, lead: Lead, user: User) -> tuple[int, Move | None]:
    """The stage a posted move asks for, and the move to it if `user` is offered one. A move
    not offered still goes to the service, which says why it is refused."""
    try:
        to_stage_id = int(data.get("to_stage", ""))
    except ValueError:
        raise BadRequest("to_stage must be a stage id") from None
    offered = (move for move in moves_for(lead, user) if move.to_stage.pk == to_stage_id)
    return to_stage_id, next(offered, None)


def criteria_refusal(stage: str, missing: dict[str, str], links: dict[str, str]) -> SafeString:
    """The refusal of a move whose entry criteria do not hold (EntryCriteriaNotMet's sentence),
    with each missing field that has an address in `links` (by field name) as a link to it."""
    named = format_html_join(
        ", ",
        "{}",
        (
            (format_html('<a href="{}">{}</a>', links[name], label) if name in links else label,)
            for name, label in missing.items()
        ),
    )
    sentence = ngettext(
        "A lead enters %(stage)s only with: %(missing)s. Fill it in first.",
        "A lead enters %(stage)s only with: %(missing)s. Fill them in first.",
        len(missing),
    )
    return format_html(
        conditional_escape(sentence).replace("%(stage)s", "{}").replace("%(missing)s", "{}"),
        stage,
        named,
    )


def claimed_message(lead: Lead) -> str:
    return gettext("It's yours: %(name)s is now in %(stage)s.") % {
        "name": lead.full_name,
        "stage": lead.stage.shown_name,
    }


def moved_message(lead: Lead, kind: str) -> str:
    """What the person who moved `lead` reads, by the kind of move."""
    names = {"name": lead.full_name, "stage": lead.stage.shown_name}
    if kind == ChangeKind.CLAIMED:
        return claimed_message(lead)
    if kind == ChangeKind.RECYCLED:
        return gettext("%(name)s is back with Marketing, in %(stage)s.") % names
    if kind == ChangeKind.WON:
        return gettext("%(name)s is won. Well done.") % names
    if kind == ChangeKind.LOST:
        return gettext("%(name)s is marked as lost.") % names
    return gettext("%(name)s moved to %(stage)s.") % names


class ReassignForm(forms.Form):
    """A manager's handover of a lead: a new marketing owner, a new sales owner, or both.
    A field left empty keeps that owner."""

    marketing_owner = forms.ModelChoiceField(
        label=_("New marketing owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Keep as it is"),
    )
    sales_owner = forms.ModelChoiceField(
        label=_("New sales owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Keep as it is"),
    )

    def __init__(self, data: Any = None, *, lead: Lead) -> None:
        super().__init__(data, auto_id="id_reassign_%s")
        marketing: forms.ModelChoiceField = self.fields["marketing_owner"]  # type: ignore[assignment]
        marketing.queryset = _others(Role.MARKETING, lead.marketing_owner_id)
        if lead.stage.team == Team.SALES:
            sales: forms.ModelChoiceField = self.fields["sales_owner"]  # type: ignore[assignment]
            sales.queryset = _others(Role.SALES, lead.sales_owner_id)
        else:
            del self.fields["sales_owner"]


def _others(role: Role, owner_id: int | None) -> QuerySet[User]:
    """Members of `role` other than the current owner: the people a lead may go to."""
    members = active_members(role)
    return members if owner_id is None else members.exclude(pk=owner_id)


def goal_periods(*, around: date) -> list[tuple[str, list[tuple[str, str]]]]:
    """The months and quarters a goal may be set for: a year back, two years ahead."""
    quarters, months = [], []
    for offset in range(-12, 25):
        year, month_index = divmod(around.month - 1 + offset, 12)
        first = date(around.year + year, month_index + 1, 1)
        month_period = period_containing(first, kind=PeriodKind.MONTH)
        months.append((month_period.key, month_period.label))
        if first.month % 3 == 1:
            quarter_period = period_containing(first, kind=PeriodKind.QUARTER)
            quarters.append((quarter_period.key, quarter_period.label))
    return [(str(_("Quarters")), quarters), (str(_("Months")), months)]


def _rate_field(label: StrOrPromise) -> forms.DecimalField:
    """A percentage a manager plans with: optional, above 0, at most 100."""
    return forms.DecimalField(
        label=label, required=False, max_digits=5, decimal_places=CENTS, **PLANNING_RATE.limits()
    )


class GoalForm(forms.Form):
    """A revenue goal for a month or a quarter, and what to plan with while history is thin."""

    period = forms.ChoiceField(label=_("Period"))
    amount = forms.DecimalField(
        label=_("Revenue goal"),
        max_digits=GOAL_DIGITS,
        decimal_places=CENTS,
        **GOAL_AMOUNT.limits(),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        error_messages={"min_value": _("The goal must be an amount above zero.")},
    )
    marketing_share = forms.IntegerField(
        label=_("Share from marketing-sourced leads (%)"), **PERCENT.limits(), initial=100
    )
    average_deal = forms.DecimalField(
        label=_("Average won deal"),
        required=False,
        max_digits=MONEY_DIGITS,
        decimal_places=CENTS,
        **DEAL_AMOUNT.limits(),
        help_text=_("Empty: the average of the deals won in the last 180 days."),
    )
    planned_lead_to_mql = _rate_field(_("Planned lead → MQL rate (%)"))
    planned_mql_to_sql = _rate_field(_("Planned MQL → SQL rate (%)"))
    planned_sql_to_won = _rate_field(_("Planned SQL → won rate (%)"))

    def __init__(
        self, data: Any = None, *, today: date, current: Period | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        choices = goal_periods(around=today)
        if current is not None and all(
            current.key != key for _, group in choices for key, _ in group
        ):
            # A goal older than the list still shows, and saves, its own period.
            choices.insert(0, (str(_("This goal")), [(current.key, current.label)]))
        period: forms.ChoiceField = self.fields["period"]  # type: ignore[assignment]
        period.choices = choices

    def chosen_period(self) -> Period:
        chosen = parse_period(self.cleaned_data["period"])
        if chosen is None:  # the choices hold only periods that parse
            raise ValidationError(_("Choose a month or a quarter."))
        return chosen

    def terms(self) -> GoalTerms:
        data = self.cleaned_data
        return GoalTerms(
            amount=data["amount"],
            marketing_share=data["marketing_share"],
            average_deal=data.get("average_deal"),
            planned_lead_to_mql=data.get("planned_lead_to_mql"),
            planned_mql_to_sql=data.get("planned_mql_to_sql"),
            planned_sql_to_won=data.get("planned_sql_to_won"),
        )

    @classmethod
    def for_goal(cls, goal: RevenueGoal, *, data: Any = None, today: date) -> "GoalForm":
        period = goal_period(goal)
        initial = {
            "period": period.key,
            "amount": goal.amount,
            "marketing_share": goal.marketing_share,
            "average_deal": goal.average_deal,
            "planned_lead_to_mql": goal.planned_lead_to_mql,
            "planned_mql_to_sql": goal.planned_mql_to_sql,
            "planned_sql_to_won": goal.planned_sql_to_won,
        }
        return cls(data, initial=initial, today=today, current=period)


def goal_period(goal: RevenueGoal) -> Period:
    return Period(kind=goal.kind, first_day=goal.starts_on, end_day=goal.ends_on)
