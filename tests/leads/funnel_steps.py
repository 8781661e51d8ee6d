"""Moving test leads along the funnel by hand, for the leads tests that need leads in a stage
but not the funnel's rules: no roles, entry criteria or deal details are checked, and each
move lands one second after the last, so timelines and histories come out the same every run.

Each step writes the history row and the lead's new stage together, as funnel.services does:
a lead's stage always equals its last StageChange.
"""

from datetime import timedelta

from accounts.models import User
from funnel.models import ChangeKind, Outcome, Stage, StageChange
from leads.models import Lead


def move(lead: Lead, slug: str, *, actor: User | None = None) -> Lead:
    """Move `lead` to the stage `slug`, one second after its last move; a move into SQL is a
    claim by `actor`, who becomes the sales owner; a move back is a recycle."""
    lead.refresh_from_db()
    to_stage = Stage.objects.get(slug=slug)
    at = lead.stage_entered_at + timedelta(seconds=1)
    StageChange.objects.create(
        lead=lead,
        kind=_kind(lead.stage, to_stage),
        from_stage=lead.stage,
        to_stage=to_stage,
        actor=actor,
        at=at,
        seconds_in_previous_stage=1,
    )
    lead.stage = to_stage
    lead.stage_entered_at = at
    if to_stage.slug == "sql" and actor is not None:
        lead.sales_owner = actor
    lead.save(update_fields=["stage", "stage_entered_at", "sales_owner"])
    return lead


def walk(lead: Lead, *slugs: str, actor: User | None = None) -> Lead:
    for slug in slugs:
        lead = move(lead, slug, actor=actor)
    return lead


def _kind(from_stage: Stage, to_stage: Stage) -> ChangeKind:
    if to_stage.position < from_stage.position and to_stage.outcome == Outcome.OPEN:
        return ChangeKind.RECYCLED
    if to_stage.outcome == Outcome.WON:
        return ChangeKind.WON
    if to_stage.outcome == Outcome.LOST:
        return ChangeKind.LOST
    if to_stage.slug == "sql":
        return ChangeKind.CLAIMED
    return ChangeKind.MOVED
