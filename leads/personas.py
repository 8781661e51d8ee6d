"""Reads of buyer personas for their pages: the list, a persona's leads and its conversion."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from funnel.models import ChangeKind, Outcome, Stage, StageChange, WellKnownStage
from leads.models import Lead, Persona

LATEST_LEADS = 20


def personas_with_lead_counts() -> QuerySet[Persona]:
    """Every persona by name, each with `lead_count`; one query."""
    return Persona.objects.annotate(lead_count=Count("leads")).order_by("name")


def persona_latest_leads(persona: Persona, *, limit: int = LATEST_LEADS) -> QuerySet[Lead]:
    """The persona's newest leads, with what their rows show."""
    return (
        Lead.objects.filter(persona=persona)
        .select_related("stage")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class ConversionStep:
    label: str | Promise
    count: int
    # The share of the previous step's leads that got this far; None where there were none.
    rate: Decimal | None


@dataclass(frozen=True)
class Conversion:
    steps: list[ConversionStep]
    won: int
    lost: int
    # won / (won + lost); None while nothing has closed.
    win_rate: Decimal | None

    @property
    def entered(self) -> int:
        return self.steps[0].count


def persona_conversion(persona: Persona) -> Conversion:
    """How the persona's leads went through the funnel, from its history, in one query.

    A lead counts as having reached MQL, SQL or Opportunity once any of its moves took it to
    that stage or to an open or won stage after it, so a lead recycled since, or one that skipped
    a stage, still counts. Won and Lost are where leads ended: their current stage's outcome.
    """
    counts = StageChange.objects.filter(lead__persona=persona).aggregate(
        entered=_leads(Q(kind=ChangeKind.CREATED)),
        mql=_leads(_reached(WellKnownStage.MQL)),
        sql=_leads(_reached(WellKnownStage.SQL)),
        opportunity=_leads(_reached(WellKnownStage.OPPORTUNITY)),
        won=_leads(Q(lead__stage__outcome=Outcome.WON)),
        lost=_leads(Q(lead__stage__outcome=Outcome.LOST)),
    )
    labels = [
        ("entered", _("Entered the funnel")),
        ("mql", _("Reached MQL")),
        ("sql", _("Claimed by Sales (SQL)")),
        ("opportunity", _("Reached Opportunity")),
        ("won", _("Won")),
    ]
    steps = []
    previous: int | None = None
    for key, label in labels:
        count = counts[key]
        steps.append(ConversionStep(label=label, count=count, rate=_rate(count, previous)))
        previous = count
    won, lost = counts["won"], counts["lost"]
    return Conversion(steps=steps, won=won, lost=lost, win_rate=_rate(won, won + lost))


def _leads(condition: Q) -> Count:
    return Count("lead", distinct=True, filter=condition)


def _reached(slug: WellKnownStage) -> Q:
    """Moves into the stage `slug`, or into any open or won stage after it."""
    position = Subquery(Stage.objects.filter(slug=slug).values("position")[:1])
    return Q(to_stage__position__gte=position) & ~Q(to_stage__outcome=Outcome.LOST)


def _rate(part: int, whole: int | None) -> Decimal | None:
    if not whole:
        return None
    return Decimal(part * 100) / Decimal(whole)


@dataclass(frozen=True)
class PersonaDetail:
    """A persona (with `lead_count`) and how its leads went through the funnel."""

    persona: Persona
    conversion: Conversion


def persona_detail(pk: int) -> PersonaDetail:
    """The persona and its conversion; Persona.DoesNotExist if there is none. Two queries."""
    persona = personas_with_lead_counts().get(pk=pk)
    return PersonaDetail(persona=persona, conversion=persona_conversion(persona))
