"""The funnel as a board: one column per stage with its count and summed expected value, and the
leads that have waited longest in it as cards.

A fixed number of queries, whatever the number of leads: one grouped query for the counts and
sums, one query for the top cards of every stage (and, for the page, one for the moves a card
may make from each column, which its keyboard menu offers). The API's board carries each card's
whole lead (board_columns); the page's cards carry only what they show (board_page_columns),
which spares building 560 model objects for 140 cards: 3 ms, as long as rendering them.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import User
from funnel.models import Stage, Transition
from funnel.selectors import LeadInStage, stage_summaries
from leads.models import Lead

CARDS_PER_STAGE = 20


@dataclass(frozen=True)
class BoardCard(LeadInStage):
    """A lead on the board, and how long it has been in its stage."""

    in_stage: timedelta

    @property
    def owner(self) -> User | None:
        """The sales owner once there is one, else the marketer who owns the lead."""
        return self.lead.sales_owner or self.lead.marketing_owner


@dataclass(frozen=True)
class ShownCard:
    """A card as the board page shows it. `owner` is the sales owner's name once there is
    one, else the marketer's, or empty; `persona` and `company` are empty when unknown."""

    lead_id: int
    full_name: str
    company: str
    persona: str
    owner: str
    stage_entered_at: datetime
    past_sla: bool


@dataclass(frozen=True)
class BoardColumn[Card: (BoardCard, ShownCard)]:
    stage: Stage
    count: int
    value: Decimal
    cards: list[Card]
    # The stages a card of this column may be moved to, for the keyboard's "Move to" menu.
    targets: tuple[Stage, ...] = ()

    @property
    def more(self) -> int:
        """How many of the stage's leads the column leaves out."""
        return self.count - len(self.cards)


def _top_leads(per_stage: int, *, also: int | None = None) -> QuerySet[Lead]:
    """Up to `per_stage` leads of every stage, by stage and longest in the stage first, and the
    lead `also` wherever it stands (a lead just moved is the newest of its stage, and would
    otherwise vanish from a full column).

    The top leads of each stage come from a LATERAL subquery that reads the
    (stage, stage_entered_at) index a few rows deep per stage: 5 ms at a million leads, where
    numbering every lead with a window function and filtering on the number took 920 ms."""
    # Table names come from the models and the limit is a parameter: no outside input.
    top_ids = RawSQL(  # noqa: S611
        f"SELECT top.id FROM {Stage._meta.db_table} AS stage CROSS JOIN LATERAL ("  # noqa: S608
        f" SELECT id FROM {Lead._meta.db_table} WHERE stage_id = stage.id"
        " ORDER BY stage_entered_at, id LIMIT %s) AS top",
        [per_stage],
    )
    shown = Q(pk__in=top_ids) if also is None else Q(pk__in=top_ids) | Q(pk=also)
    return Lead.objects.filter(shown).order_by("stage_id", "stage_entered_at", "id")


def _in_stage(stage: Stage, entered_at: datetime, now: datetime) -> tuple[timedelta, bool]:
    """How long a lead has been in `stage`, and whether that is past the stage's limit."""
    in_stage = max(now - entered_at, timedelta(0))
    return in_stage, stage.is_past_limit(entered_at=entered_at, now=now)


def top_cards(
    *, stages: Mapping[int, Stage], now: datetime, per_stage: int = CARDS_PER_STAGE
) -> dict[int, list[BoardCard]]:
    """Up to `per_stage` leads of each of `stages` (by id), longest in the stage first, by stage id.

    One query. Each lead's stage is the one given rather than joined again to every lead."""
    cards: dict[int, list[BoardCard]] = {}
    for lead in _top_leads(per_stage).select_related("persona", "sales_owner", "marketing_owner"):
        stage = stages.get(lead.stage_id)
        if stage is None:  # a stage added since `stages` were read
            continue
        lead.stage = stage
        in_stage, past_sla = _in_stage(stage, lead.stage_entered_at, now)
        cards.setdefault(lead.stage_id, []).append(
            BoardCard(lead=lead, past_sla=past_sla, in_stage=in_stage)
        )
    return cards


_PERSON = ("id", "first_name", "last_name", "username")


def shown_cards(
    *,
    stages: Mapping[int, Stage],
    now: datetime,
    per_stage: int = CARDS_PER_STAGE,
    also: int | None = None,
) -> dict[int, list[ShownCard]]:
    """The cards of top_cards (and lead `also`), as plain values for the page. One query."""
    rows = _top_leads(per_stage, also=also).values_list(
        "id",
        "full_name",
        "company",
        "persona__name",
        "stage_id",
        "stage_entered_at",
        *(f"sales_owner__{field}" for field in _PERSON),
        *(f"marketing_owner__{field}" for field in _PERSON),
    )
    names: dict[int, str] = {}
    cards: dict[int, list[ShownCard]] = {}
    for lead_id, full_name, company, persona, stage_id, entered_at, *people in rows:
        stage = stages.get(stage_id)
        if stage is None:  # a stage added since `stages` were read
            continue
        sales_owner, marketer = people[: len(_PERSON)], people[len(_PERSON) :]
        owner = sales_owner if sales_owner[0] is not None else marketer
        cards.setdefault(stage_id, []).append(
            ShownCard(
                lead_id=lead_id,
                full_name=full_name,
                company=company,
                persona=persona or "",
                owner=_name(owner, names),
                stage_entered_at=entered_at,
                past_sla=_in_stage(stage, entered_at, now)[1],
            )
        )
    return cards


def _name(person: list[object], names: dict[int, str]) -> str:
    """The name a colleague goes by (User.__str__), worked out once per person."""
    person_id = person[0]
    if not isinstance(person_id, int):
        return ""
    if person_id not in names:
        names[person_id] = str(User(**dict(zip(_PERSON, person, strict=True))))
    return names[person_id]


def _columns[Card: (BoardCard, ShownCard)](
    cards_of: Callable[..., dict[int, list[Card]]],
    *,
    now: datetime,
    per_stage: int,
    targets: Mapping[int, tuple[Stage, ...]] | None = None,
    **options: object,
) -> list[BoardColumn[Card]]:
    summaries = stage_summaries()
    stages = {summary.stage.pk: summary.stage for summary in summaries}
    cards = cards_of(stages=stages, now=now, per_stage=per_stage, **options)
    return [
        BoardColumn(
            stage=summary.stage,
            count=summary.count,
            value=summary.value,
            cards=cards.get(summary.stage.pk, []),
            targets=(targets or {}).get(summary.stage.pk, ()),
        )
        for summary in summaries
    ]


def move_targets() -> dict[int, tuple[Stage, ...]]:
    """By stage id, the stages the funnel's allowed moves lead to from it, in funnel order.
    One query. Whether a person may make a move is the service's to say on the drop."""
    targets: dict[int, tuple[Stage, ...]] = {}
    moves = Transition.objects.select_related("to_stage").order_by("to_stage__position")
    for move in moves:
        targets[move.from_stage_id] = (*targets.get(move.from_stage_id, ()), move.to_stage)
    return targets


def board_columns(
    *, now: datetime, per_stage: int = CARDS_PER_STAGE
) -> list[BoardColumn[BoardCard]]:
    """Every stage in order, with its count, summed expected value and top cards, each with
    its lead. Two queries."""
    return _columns(top_cards, now=now, per_stage=per_stage)


def board_page_columns(
    *, now: datetime, per_stage: int = CARDS_PER_STAGE, also: int | None = None
) -> list[BoardColumn[ShownCard]]:
    """board_columns with the cards as the page shows them, each column with the stages its
    cards may move to, and lead `also` on its column whatever its place. Three queries."""
    return _columns(shown_cards, now=now, per_stage=per_stage, targets=move_targets(), also=also)
