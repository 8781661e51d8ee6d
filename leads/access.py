"""Who may do what with leads and personas. Pages and the API both ask here."""

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role, roles_of
from leads.models import Lead

# What a person refused by the check of the same name reads, from a service or a page.
CREATE_LEAD_REFUSAL = _("Only Marketing and managers log new leads.")
EDIT_LEAD_REFUSAL = _("You may not edit this lead in its current stage.")
ADD_ACTIVITY_REFUSAL = _("Only members of Marketing, Sales or the managers write on leads.")
MANAGE_PERSONAS_REFUSAL = _("Only Marketing and managers edit buyer personas.")
VIEW_CAPTURE_FORMS_REFUSAL = _("Only Marketing and managers see the website forms.")
MANAGE_CAPTURE_FORMS_REFUSAL = _("Only managers set up website forms.")
MERGE_LEADS_REFUSAL = _("Only managers merge leads, and only leads they may edit.")
EXPORT_ALL_REFUSAL = _("Only managers export all the data at once.")
IMPORT_REFUSAL = _("Only Marketing and managers import leads.")
UNDO_IMPORT_REFUSAL = _("Only managers undo an import.")


def can_create_lead(user: User) -> bool:
    return bool(roles_of(user) & {Role.MARKETING, Role.MANAGERS})


def can_edit_lead(user: User, lead: Lead) -> bool:
    """Marketers edit leads in marketing-owned stages; in sales stages only the sales owner
    does; managers edit every lead."""
    roles = roles_of(user)
    if Role.MANAGERS in roles:
        return True
    if lead.stage.marketing_works_it and Role.MARKETING in roles:
        return True
    return lead.stage.sales_works_it and lead.sales_owner_id == user.pk


def can_add_activity(user: User) -> bool:
    """Everyone on either team reads every lead and writes on its timeline: the shared funnel
    is the point."""
    return bool(roles_of(user))


def can_manage_personas(user: User) -> bool:
    return bool(roles_of(user) & {Role.MARKETING, Role.MANAGERS})


def can_view_capture_forms(user: User) -> bool:
    """Marketers read the website forms and copy their snippets onto the pages they build."""
    return bool(roles_of(user) & {Role.MARKETING, Role.MANAGERS})


def can_manage_capture_forms(user: User) -> bool:
    """Managers decide where leads may come from and how fast: they create, change and
    disable website forms."""
    return Role.MANAGERS in roles_of(user)


def can_merge_lead(user: User, lead: Lead) -> bool:
    """A merge removes one lead and rewrites the other: managers do it, on leads they may
    change (each of the two is asked)."""
    return Role.MANAGERS in roles_of(user) and can_edit_lead(user, lead)


def can_export_all(user: User) -> bool:
    """The whole archive holds every person's data and the team's goals: a manager's call.
    Everyone exports the lead list they can see."""
    return Role.MANAGERS in roles_of(user)


def can_import(user: User) -> bool:
    """Bringing leads in from a file is logging leads, many at once."""
    return bool(roles_of(user) & {Role.MARKETING, Role.MANAGERS})


def can_undo_import(user: User) -> bool:
    """Undoing removes leads others may be working on: a manager's call."""
    return Role.MANAGERS in roles_of(user)
