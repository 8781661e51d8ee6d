"""Reads of buyer personas for their pages: the list, a persona's leads and its conversion."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from funnel.models import Outcome, Stage, WellKnownStage
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
    """How the persona's leads went through the funnel, in one query that reads an index of the
    persona's leads (`lead_persona_path`), never their history.

    A lead counts as having reached MQL, SQL or Opportunity once it has been in that stage or
    in an open or won stage after it (Lead.stages_entered), so a lead recycled since, or one
    that skipped a stage, still counts. Won and Lost are where leads ended: their current
    stage's outcome.
    """
    stage = connection.ops.quote_name(Stage._meta.db_table)
    lead = connection.ops.quote_name(Lead._meta.db_table)
    # The leads are grouped by stage and path first: a few dozen groups, whatever the number
    # of leads, are all the sums below read. Table names are the models', not user input.
    sql = f"""
        WITH paths AS (
            SELECT stage_id, stages_entered, count(*) AS leads
            FROM {lead} WHERE persona_id = %(persona)s
            GROUP BY stage_id, stages_entered
        ), reached AS (
            SELECT
                ({_REACHED.format(stage=stage, slug="%(mql)s")}) AS mql,
                ({_REACHED.format(stage=stage, slug="%(sql)s")}) AS sql,
                ({_REACHED.format(stage=stage, slug="%(opportunity)s")}) AS opportunity,
                ARRAY(SELECT id FROM {stage} WHERE outcome = %(won)s) AS won,
                ARRAY(SELECT id FROM {stage} WHERE outcome = %(lost)s) AS lost
        )
        SELECT
            coalesce(sum(leads), 0),
            coalesce(sum(leads) FILTER (WHERE stages_entered && reached.mql), 0),
            coalesce(sum(leads) FILTER (WHERE stages_entered && reached.sql), 0),
            coalesce(sum(leads) FILTER (WHERE stages_entered && reached.opportunity), 0),
            coalesce(sum(leads) FILTER (WHERE stage_id = ANY(reached.won)), 0),
            coalesce(sum(leads) FILTER (WHERE stage_id = ANY(reached.lost)), 0)
        FROM paths, reached
    """  # noqa: S608
    params: dict[str, int | str] = {
        "persona": persona.pk,
        "mql": WellKnownStage.MQL.value,
        "sql": WellKnownStage.SQL.value,
        "opportunity": WellKnownStage.OPPORTUNITY.value,
        "won": Outcome.WON.value,
        "lost": Outcome.LOST.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        entered, mql, sql_, opportunity, won, lost = (int(n) for n in cursor.fetchone())
    steps = []
    previous: int | None = None
    for label, count in [
        (_("Entered the funnel"), entered),
        (_("Reached MQL"), mql),
        (_("Claimed by Sales (SQL)"), sql_),
        (_("Reached Opportunity"), opportunity),
        (_("Won"), won),
    ]:
        steps.append(ConversionStep(label=label, count=count, rate=_rate(count, previous)))
        previous = count
    return Conversion(steps=steps, won=won, lost=lost, win_rate=_rate(won, won + lost))


# The stages that count as having reached the stage `slug`: it, and every open or won stage
# after it.
_REACHED = """
    ARRAY(
        SELECT id FROM {stage}
        WHERE position >= (SELECT position FROM {stage} WHERE slug = {slug})
          AND outcome <> %(lost)s
    )
"""


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
