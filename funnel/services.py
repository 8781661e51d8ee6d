"""Every change of a lead's place in the funnel, each with its history row.

Only these functions write a lead's stage, its sales owner by claim, or a StageChange; each
successful move writes exactly one StageChange in the same transaction as the lead's new stage.
"""

from datetime import date
from decimal import Decimal
from typing import TypeGuard

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import active_members
from funnel.access import (
    CLAIM_REFUSAL,
    MAKE_MOVE_REFUSAL,
    REASSIGN_REFUSAL,
    can_claim,
    can_make_move,
    can_reassign,
)
from funnel.models import (
    ChangeKind,
    Reason,
    Stage,
    StageChange,
    Team,
    Transition,
    in_each_language,
)
from funnel.stages import load_funnel
from leads.activities import add_activity
from leads.messages import line
from leads.models import ActivityKind, Lead
from smarketing.errors import Conflict, DomainError, NotAllowed

# What the money columns (Lead.expected_value, StageChange.value: 12 digits, 2 after the point)
# store exactly; anything else would be rounded or refused by the database.
CENT = Decimal("0.01")
MONEY_LIMIT = Decimal(10) ** 10


class MoveNotAllowed(Conflict):
    code = "move_not_allowed"


class AlreadyClaimed(Conflict):
    code = "already_claimed"

    def __init__(self, claimed_by: User | None) -> None:
        super().__init__(
            _("%(name)s claimed this lead a moment earlier.") % {"name": claimed_by}
            if claimed_by
            else _("This lead is no longer waiting to be claimed.")
        )
        self.claimed_by = claimed_by


class EntryCriteriaNotMet(DomainError):
    code = "entry_criteria_not_met"

    def __init__(self, stage: Stage, missing: dict[str, str]) -> None:
        """`missing`: the label of each missing field, by the field's name."""
        super().__init__(
            ngettext(
                "A lead enters %(stage)s only with: %(missing)s. Fill it in first.",
                "A lead enters %(stage)s only with: %(missing)s. Fill them in first.",
                len(missing),
            )
            % {"stage": stage.shown_name, "missing": ", ".join(missing.values())}
        )
        self.missing = list(missing.values())
        # The names and labels of the lead's fields to fill in, for a page to link to them.
        self.fields = dict(missing)
        self.stage_name = stage.name


class DetailsRequired(DomainError):
    code = "details_required"


@transaction.atomic
def enter_funnel(*, lead: Lead, actor: User | None) -> Lead:
    """Save a new lead into the funnel's first stage, with the history row that says so.

    The caller builds the unsaved record; saving it here keeps the lead's first stage and its
    first StageChange in one transaction.
    """
    now = timezone.now()
    lead.stage = load_funnel().first()
    lead.stage_entered_at = now
    lead.created_at = now
    lead.save(force_insert=True)
    StageChange.objects.create(
        lead=lead, kind=ChangeKind.CREATED, to_stage=lead.stage, actor=actor, at=now
    )
    return lead


@transaction.atomic
def move_lead(
    *,
    lead_id: int,
    to_stage_id: int,
    actor: User,
    reason_id: int | None = None,
    note: str = "",
    value: Decimal | None = None,
    close_date: date | None = None,
) -> Lead:
    """Move a lead along an allowed transition, with what that move needs: a reason to recycle
    or lose it, a value and close date to make it an opportunity, the amount to win it.

    Raises MoveNotAllowed, NotAllowed, EntryCriteriaNotMet, DetailsRequired or AlreadyClaimed;
    nothing changes when it raises."""
    lead = Lead.objects.locked(lead_id)
    transition = _transition(lead, to_stage_id)
    if transition.kind == ChangeKind.CLAIMED:
        return _claim(lead, actor)
    if not can_make_move(actor, lead, transition):
        raise NotAllowed(
            str(MAKE_MOVE_REFUSAL)
            % {"from": transition.from_stage.shown_name, "to": transition.to_stage.shown_name}
        )
    reason = _reason(transition, reason_id)
    recorded_value = _apply_deal_details(lead, transition, value=value, close_date=close_date)
    if transition.kind == ChangeKind.RECYCLED or transition.to_stage.team == Team.MARKETING:
        # Back with Marketing, the lead waits to be qualified and claimed again, by anyone.
        lead.sales_owner = None
    _check_entry_criteria(lead, transition.to_stage)
    _record(lead, transition, actor=actor, reason=reason, note=note, value=recorded_value)
    if transition.kind == ChangeKind.RECYCLED:
        _tell_marketing_owner(lead, actor=actor, reason=reason, note=note)
    return lead


@transaction.atomic
def claim_lead(*, lead_id: int, rep: User) -> Lead:
    """Give an unclaimed MQL to `rep`, moving it to SQL; exactly one concurrent caller wins.

    The lead's row is locked for the transaction: a second claimant waits, then finds it taken
    and is told by whom (AlreadyClaimed). A lead with no sales owner that is not waiting in the
    MQL queue (never qualified, or sent back to Marketing) is refused with MoveNotAllowed."""
    return _claim(Lead.objects.locked(lead_id), rep)


def _claim(lead: Lead, rep: User) -> Lead:
    if not can_claim(rep):
        raise NotAllowed(str(CLAIM_REFUSAL))
    if lead.sales_owner_id is not None:
        raise AlreadyClaimed(lead.sales_owner)
    claim = (
        Transition.objects.select_related("to_stage")
        .filter(from_stage_id=lead.stage_id, kind=ChangeKind.CLAIMED)
        .first()
    )
    if claim is None:
        raise MoveNotAllowed(
            _("Only MQLs waiting for Sales are claimed; this lead is in %(stage)s.")
            % {"stage": lead.stage.shown_name}
        )
    _check_entry_criteria(lead, claim.to_stage)
    lead.sales_owner = rep
    _record(lead, claim, actor=rep, reason=None, note="", value=None)
    return lead


def _transition(lead: Lead, to_stage_id: int) -> Transition:
    transition = (
        Transition.objects.select_related("from_stage", "to_stage")
        .filter(from_stage_id=lead.stage_id, to_stage_id=to_stage_id)
        .first()
    )
    if transition is None:
        target = Stage.objects.filter(pk=to_stage_id).first()
        raise MoveNotAllowed(
            _("A lead in %(from)s cannot move to %(to)s.")
            % {
                "from": lead.stage.shown_name,
                "to": target.shown_name if target else _("that stage"),
            }
        )
    return transition


def move_destination(lead: Lead, *, kind: ChangeKind, slug: str | None = None) -> int:
    """The stage a named move (win, lose, recycle, ...) takes this lead to from its stage; a
    stage with no such move is a conflict, since the lead may have moved meanwhile."""
    moves = Transition.objects.filter(from_stage_id=lead.stage_id, kind=kind)
    if slug is not None:
        moves = moves.filter(to_stage__slug=slug)
    to_stage_id = moves.values_list("to_stage_id", flat=True).first()
    if to_stage_id is None:
        raise MoveNotAllowed(
            _("A lead in %(stage)s cannot make this move.") % {"stage": lead.stage.shown_name}
        )
    return to_stage_id


def _reason(transition: Transition, reason_id: int | None) -> Reason | None:
    kind = transition.reason_kind
    if kind is None:
        return None
    reason = (
        None
        if reason_id is None
        else Reason.objects.filter(pk=reason_id, kind=kind, active=True).first()
    )
    if reason is None:
        raise DetailsRequired(_("Pick a reason from the list."))
    return reason


def _apply_deal_details(
    lead: Lead, transition: Transition, *, value: Decimal | None, close_date: date | None
) -> Decimal | None:
    """Opportunities carry an expected value and close date; a win carries its amount."""
    if transition.kind == ChangeKind.WON:
        if not _is_money(value):
            raise DetailsRequired(_("Enter the amount the deal was won for."))
        lead.expected_value = value
        return value
    if transition.makes_opportunity:
        if not _is_money(value) or close_date is None:
            raise DetailsRequired(
                _("An opportunity needs an expected value above zero and a close date.")
            )
        lead.expected_value = value
        lead.expected_close_date = close_date
        return value
    return None


def _is_money(value: Decimal | None) -> TypeGuard[Decimal]:
    """An amount above zero that the money columns store as given."""
    return (
        value is not None
        and value.is_finite()
        and 0 < value < MONEY_LIMIT
        and value == value.quantize(CENT)
    )


def _check_entry_criteria(lead: Lead, stage: Stage) -> None:
    fields = [Lead._meta.get_field(name) for name in stage.required_fields]
    missing = {
        field.name: str(getattr(field, "verbose_name", field.name))
        for field in fields
        # The column's own value (persona_id, not the persona): no query per related field.
        if getattr(lead, getattr(field, "attname", field.name), None) in (None, "", Decimal(0))
    }
    if missing:
        raise EntryCriteriaNotMet(stage, missing)


def _record(
    lead: Lead,
    transition: Transition,
    *,
    actor: User,
    reason: Reason | None,
    note: str,
    value: Decimal | None,
) -> StageChange:
    now = timezone.now()
    from_stage_id = lead.stage_id
    waited = max(0, int((now - lead.stage_entered_at).total_seconds()))
    lead.stage = transition.to_stage
    lead.stage_entered_at = now
    # The lead before its history: its row then already holds the stage the move records, and
    # the history's trigger (leads/sql/stages_entered.py) has nothing to add to it.
    lead.save()
    return StageChange.objects.create(
        lead=lead,
        kind=transition.kind,
        from_stage_id=from_stage_id,
        to_stage=transition.to_stage,
        actor=actor,
        at=now,
        reason=reason,
        note=note.strip(),
        value=value,
        seconds_in_previous_stage=waited,
    )


def _tell_marketing_owner(lead: Lead, *, actor: User, reason: Reason | None, note: str) -> None:
    """A recycled lead's marketing owner finds it on their mentions list, with the reason."""
    if lead.marketing_owner_id is None or lead.marketing_owner_id == actor.pk:
        return
    owner = lead.marketing_owner
    if owner is None:
        return
    said = line(
        "back_with_marketing",
        owner=owner.username,
        reason=in_each_language(reason.label, reason.label_es) if reason else "",
    )
    add_activity(lead=lead, kind=ActivityKind.NOTE, body=note, message=[said], author=actor)


class NothingToReassign(DomainError):
    code = "nothing_to_reassign"


class OwnerNotInTeam(DomainError):
    code = "owner_not_in_team"


class SalesOwnerOutsideSales(MoveNotAllowed):
    code = "sales_owner_outside_sales"


@transaction.atomic
def reassign_lead(
    *,
    lead_id: int,
    actor: User,
    marketing_owner_id: int | None = None,
    sales_owner_id: int | None = None,
) -> Lead:
    """Hand a lead to another marketer and/or sales rep; None keeps that owner as it is.

    Managers only. The new marketing owner must be an active member of Marketing, the new sales
    owner an active member of Sales, and a sales owner is given only to a lead in a Sales stage
    (an MQL is claimed from the queue). The timeline says who handed what from whom to whom and
    mentions the new owners. Raises NotAllowed, OwnerNotInTeam, SalesOwnerOutsideSales or
    NothingToReassign; nothing changes when it raises."""
    if not can_reassign(actor):
        raise NotAllowed(str(REASSIGN_REFUSAL))
    lead = Lead.objects.locked(lead_id)
    changes: list[tuple[str, User | None, User]] = []  # (role, old owner, new owner)
    if marketing_owner_id is not None and marketing_owner_id != lead.marketing_owner_id:
        new_marketer = _team_member(marketing_owner_id, Role.MARKETING)
        changes.append(("marketing_owner", lead.marketing_owner, new_marketer))
        lead.marketing_owner = new_marketer
    if sales_owner_id is not None and sales_owner_id != lead.sales_owner_id:
        if lead.stage.team != Team.SALES:
            raise SalesOwnerOutsideSales(
                _("A lead in %(stage)s has no sales owner yet; Sales claims it from the queue.")
                % {"stage": lead.stage.shown_name}
            )
        new_rep = _team_member(sales_owner_id, Role.SALES)
        changes.append(("sales_owner", lead.sales_owner, new_rep))
        lead.sales_owner = new_rep
    if not changes:
        raise NothingToReassign(_("Pick a new owner: these are the lead's owners already."))
    lead.save(update_fields=["marketing_owner", "sales_owner", "updated_at"])
    said = [
        line("reassigned", who=str(actor)),
        *(
            line(
                "owner_changed",
                role=role,
                old=str(old) if old is not None else None,
                new=str(new),
                username=new.username,
            )
            for role, old, new in changes
        ),
    ]
    add_activity(lead=lead, kind=ActivityKind.DETAILS, message=said, author=actor)
    return lead


def _team_member(user_id: int, role: Role) -> User:
    member = active_members(role).filter(pk=user_id).first()
    if member is None:
        raise OwnerNotInTeam(
            _("Pick an active member of %(team)s.")
            % {"team": Team.SALES.label if role is Role.SALES else Team.MARKETING.label}
        )
    return member


class HistoryAfterSurvivor(Conflict):
    code = "merge_history_after_survivor"


def take_over_history(*, survivor: Lead, other: Lead) -> int:
    """Make `other`'s stage changes the beginning of `survivor`'s history, for a merge of the
    two (leads.merge); returns how many moved.

    The survivor keeps its stage, so its last change must stay its last: when `other` moved
    after the survivor's last move, nothing changes and HistoryAfterSurvivor asks to keep the
    other lead instead. Moved changes keep their times, kinds and values, so every move the
    person made is counted once on its own day, and the dashboard's count of leads making a
    move in a period counts the person once; the rollups' triggers mark the days concerned.
    The stages the other lead went through join the survivor's stages entered (persona
    conversion). The caller holds both leads' row locks."""
    last = dict(
        StageChange.objects.filter(lead__in=[survivor, other])
        .values("lead")
        .annotate(last=Max("at"))
        .values_list("lead", "last")
    )
    survivor_last, other_last = last.get(survivor.pk), last.get(other.pk)
    if other_last is not None and survivor_last is not None and other_last >= survivor_last:
        raise HistoryAfterSurvivor(
            _(
                "%(other)s moved in the funnel after %(survivor)s last did: keep %(other)s "
                "instead, so that the lead's stage stays its latest move."
            )
            % {"other": other.full_name, "survivor": survivor.full_name}
        )
    moved = StageChange.objects.filter(lead=other).update(lead=survivor)
    # The database joins what is written here to what the survivor's row holds.
    Lead.objects.filter(pk=survivor.pk).update(stages_entered=other.stages_entered)
    return moved
