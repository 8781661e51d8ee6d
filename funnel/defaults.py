"""The funnel every installation starts with. Admins may rename, reorder and extend it."""

from typing import Any

from django.db.models import Max

from funnel.models import ChangeKind, Outcome, WellKnownStage

DEFAULT_STAGES: list[dict[str, Any]] = [
    {
        "slug": WellKnownStage.NEW,
        "name": "New",
        "team": "marketing",
        "probability": 1,
        "sla_hours": 48,
        "required_fields": [],
    },
    {
        "slug": WellKnownStage.WORKING,
        "name": "Working",
        "team": "marketing",
        "probability": 3,
        "sla_hours": 24 * 30,
        "required_fields": [],
    },
    {
        "slug": WellKnownStage.MQL,
        "name": "MQL",
        "team": "both",
        "probability": 10,
        "sla_hours": 24,
        "required_fields": ["company", "persona"],
    },
    {
        "slug": WellKnownStage.SQL,
        "name": "SQL",
        "team": "sales",
        "probability": 20,
        "sla_hours": 72,
        "first_touch_hours": 24,
        "required_fields": ["company", "persona"],
    },
    {
        "slug": WellKnownStage.OPPORTUNITY,
        "name": "Opportunity",
        "team": "sales",
        "probability": 50,
        "sla_hours": 24 * 45,
        "required_fields": ["company", "persona", "expected_value"],
    },
    {
        "slug": WellKnownStage.WON,
        "name": "Won",
        "team": "sales",
        "probability": 100,
        "sla_hours": None,
        "required_fields": [],
        "outcome": Outcome.WON,
    },
    {
        "slug": WellKnownStage.LOST,
        "name": "Lost",
        "team": "sales",
        "probability": 0,
        "sla_hours": None,
        "required_fields": [],
        "outcome": Outcome.LOST,
    },
]

DEFAULT_REASONS: list[dict[str, str]] = [
    {"kind": "recycle", "slug": "not-ready", "label": "Not ready to buy"},
    {"kind": "recycle", "slug": "no-budget", "label": "No budget"},
    {"kind": "recycle", "slug": "wrong-persona", "label": "Wrong persona"},
    {"kind": "recycle", "slug": "bad-data", "label": "Bad contact data"},
    {"kind": "recycle", "slug": "no-response", "label": "No response"},
    {"kind": "lost", "slug": "price", "label": "Price too high"},
    {"kind": "lost", "slug": "competitor", "label": "Chose a competitor"},
    {"kind": "lost", "slug": "no-decision", "label": "No decision made"},
    {"kind": "lost", "slug": "timing", "label": "Bad timing"},
    {"kind": "lost", "slug": "product-fit", "label": "Product does not fit"},
]


# (from, to, kind): the moves of the default funnel. Closed leads reopen only by a manager.
DEFAULT_TRANSITIONS: list[tuple[WellKnownStage, WellKnownStage, ChangeKind]] = [
    (WellKnownStage.NEW, WellKnownStage.WORKING, ChangeKind.MOVED),
    (WellKnownStage.NEW, WellKnownStage.MQL, ChangeKind.MOVED),
    (WellKnownStage.WORKING, WellKnownStage.MQL, ChangeKind.MOVED),
    # Marketing closes a lead it cannot qualify, with a reason, rather than nurture it forever.
    (WellKnownStage.WORKING, WellKnownStage.LOST, ChangeKind.LOST),
    (WellKnownStage.MQL, WellKnownStage.SQL, ChangeKind.CLAIMED),
    (WellKnownStage.MQL, WellKnownStage.WORKING, ChangeKind.RECYCLED),
    (WellKnownStage.SQL, WellKnownStage.OPPORTUNITY, ChangeKind.MOVED),
    (WellKnownStage.SQL, WellKnownStage.WORKING, ChangeKind.RECYCLED),
    (WellKnownStage.SQL, WellKnownStage.LOST, ChangeKind.LOST),
    (WellKnownStage.OPPORTUNITY, WellKnownStage.WON, ChangeKind.WON),
    (WellKnownStage.OPPORTUNITY, WellKnownStage.LOST, ChangeKind.LOST),
    (WellKnownStage.OPPORTUNITY, WellKnownStage.WORKING, ChangeKind.RECYCLED),
    (WellKnownStage.WON, WellKnownStage.OPPORTUNITY, ChangeKind.REOPENED),
    (WellKnownStage.LOST, WellKnownStage.WORKING, ChangeKind.REOPENED),
]


def ensure_default_transitions(stage_model: Any, transition_model: Any) -> None:
    """Create the default moves between the default stages that exist and lack them."""
    stages = {stage.slug: stage for stage in stage_model.objects.all()}
    for source, target, kind in DEFAULT_TRANSITIONS:
        if source in stages and target in stages:
            transition_model.objects.get_or_create(
                from_stage=stages[source], to_stage=stages[target], defaults={"kind": kind}
            )


def ensure_default_funnel(
    stage_model: Any, reason_model: Any, transition_model: Any | None = None
) -> None:
    """Create the default stages, reasons (and moves, given their model) that are missing;
    leave existing ones as edited.

    Takes the model classes so that data migrations can pass their historical models.
    """
    # A data migration's historical model may predate some of the fields.
    known = {field.name for field in stage_model._meta.get_fields()}
    for position, stage in enumerate(DEFAULT_STAGES, start=1):
        if not stage_model.objects.filter(slug=stage["slug"]).exists():
            fields = {name: value for name, value in stage.items() if name in known}
            stage_model.objects.create(
                position=_free_position(stage_model, position), **{"outcome": "open", **fields}
            )
    for position, reason in enumerate(DEFAULT_REASONS, start=1):
        reason_model.objects.get_or_create(
            kind=reason["kind"],
            slug=reason["slug"],
            defaults={"label": reason["label"], "position": position},
        )
    if transition_model is not None:
        ensure_default_transitions(stage_model, transition_model)


def _free_position(stage_model: Any, wanted: int) -> int:
    if not stage_model.objects.filter(position=wanted).exists():
        return wanted
    highest = stage_model.objects.aggregate(highest=Max("position"))["highest"]
    return int(highest or 0) + 1
