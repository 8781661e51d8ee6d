"""Who may move, claim and reassign leads and set the revenue goals. Pages, the board and the
API all ask here."""

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role, roles_of
from funnel.models import ChangeKind, Team, Transition
from leads.models import Lead

# What a person refused by the check of the same name reads, from a service or a page.
MAKE_MOVE_REFUSAL = _("You may not move this lead from %(from)s to %(to)s.")
CLAIM_REFUSAL = _("Only Sales and managers claim leads.")
REASSIGN_REFUSAL = _("Only managers reassign leads.")
SET_GOALS_REFUSAL = _("Only managers set revenue goals.")


def can_make_move(user: User, lead: Lead, transition: Transition) -> bool:
    """Moves follow the owning team of the stage a lead leaves: marketers move leads in
    marketing stages, either team moves an MQL (Sales claims or rejects it, Marketing may take
    it back), only the sales owner moves a lead in a sales stage. Managers make every move, and
    only they reopen a closed lead."""
    roles = roles_of(user)
    if Role.MANAGERS in roles:
        return True
    if transition.kind == ChangeKind.REOPENED:
        return False
    if transition.kind == ChangeKind.CLAIMED:
        return Role.SALES in roles
    team = transition.from_stage.team
    if team == Team.MARKETING:
        return Role.MARKETING in roles
    if team == Team.BOTH:
        return bool(roles & {Role.MARKETING, Role.SALES})
    return Role.SALES in roles and lead.sales_owner_id == user.pk


def can_claim(user: User) -> bool:
    return bool(roles_of(user) & {Role.SALES, Role.MANAGERS})


def can_reassign(user: User) -> bool:
    """Only managers hand a lead to another marketer or sales rep."""
    return Role.MANAGERS in roles_of(user)


def can_set_goals(user: User) -> bool:
    """Managers set the revenue goals both teams answer to; everyone sees them."""
    return Role.MANAGERS in roles_of(user)


CONFIGURE_FUNNEL_REFUSAL = _("Only managers change the funnel's stages, reasons and allowed moves.")


def can_configure_funnel(user: User, action: str, model: type[Model]) -> bool:
    """`action` (add, change, delete) on a stage, reason or allowed move takes the admin's
    permission of that name: the Managers group adds and changes (funnel.permissions); only
    superusers delete."""
    return user.has_perm(f"funnel.{action}_{model._meta.model_name}")
