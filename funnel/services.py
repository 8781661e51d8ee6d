"""Every change of a lead's place in the funnel, each with its history row."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from funnel.models import ChangeKind, Stage, StageChange
from leads.models import Lead


def first_stage() -> Stage:
    return Stage.objects.order_by("position").first() or Stage.objects.get()


@transaction.atomic
def enter_funnel(*, lead: Lead, actor: User | None) -> Lead:
    """Save a new lead into the funnel's first stage, with the history row that says so.

    The caller builds the unsaved record; saving it here keeps the lead's first stage and its
    first StageChange in one transaction.
    """
    now = timezone.now()
    lead.stage = first_stage()
    lead.stage_entered_at = now
    lead.created_at = now
    lead.save(force_insert=True)
    StageChange.objects.create(
        lead=lead, kind=ChangeKind.CREATED, to_stage=lead.stage, actor=actor, at=now
    )
    return lead
