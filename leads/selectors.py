"""Reads of leads, shaped for the pages that show them."""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet, TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import lead_owners
from funnel.models import (
    MARKETING_OWNED,
    SALES_OWNED,
    ChangeKind,
    Reason,
    Stage,
    StageChange,
    Team,
)
from funnel.periods import Period, local_midnight
from funnel.selectors import LeadInStage, past_limit, past_limit_parts
from leads.models import Lead, Persona, Source
from leads.pickers import campaign_spellings
from leads.search import Search, read_search, search_condition
from smarketing.pagination import Keyset, paginate

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LIST_PAGE_SIZE = 50


def recent_leads_owned_by(*, marketer: User, limit: int = 10) -> QuerySet[Lead]:
    return (
        Lead.objects.filter(marketing_owner=marketer)
        .select_related("stage", "persona")
        .order_by("-created_at", "-id")[:limit]
    )


class LeadSort(TextChoices):
    NEWEST = "newest", _("Newest first")
    OLDEST = "oldest", _("Oldest first")
    NAME = "name", _("Name")
    VALUE = "value", _("Expected value")
    LONGEST_IN_STAGE = "in_stage", _("Longest in stage")


# Each order has an index on exactly these columns (see Lead.Meta.indexes).
LEAD_SORTS: dict[LeadSort, Keyset] = {
    LeadSort.NEWEST: Keyset(("created_at", "id"), descending=True),
    LeadSort.OLDEST: Keyset(("created_at", "id")),
    LeadSort.NAME: Keyset(("full_name", "id")),
    LeadSort.VALUE: Keyset(("expected_value", "id"), descending=True),
    LeadSort.LONGEST_IN_STAGE: Keyset(("stage_entered_at", "id")),
}

# A team's leads are those in the stages it owns; MQL belongs to both teams.
TEAM_STAGES: dict[str, frozenset[str]] = {
    Team.MARKETING: MARKETING_OWNED,
    Team.SALES: SALES_OWNED,
    Team.BOTH: frozenset({Team.BOTH}),
}


@dataclass(frozen=True)
class LeadListOptions:
    """What the lead list's filters offer: small lists, read once per request. Campaigns are
    not one of them: they grow with the data, and the page's picker asks for a few as one types
    (leads.pickers)."""

    stages: list[Stage]
    personas: list[Persona]
    owners: list[User]


def lead_list_options() -> LeadListOptions:
    """The stages, personas and people who may own leads: three queries."""
    return LeadListOptions(
        stages=list(Stage.objects.order_by("position")),
        personas=list(Persona.objects.order_by("name")),
        owners=list(lead_owners()),
    )


_ENTERED_SENTENCE = _("Leads that entered %(stage)s in %(period)s")
_MOVED_SENTENCES: dict[str, "StrOrPromise"] = {
    ChangeKind.CREATED: _("New leads in %(period)s"),
    ChangeKind.CLAIMED: _("Leads claimed in %(period)s"),
    ChangeKind.RECYCLED: _("Leads recycled to Marketing in %(period)s"),
    ChangeKind.WON: _("Leads won in %(period)s"),
    ChangeKind.LOST: _("Leads lost in %(period)s"),
    ChangeKind.REOPENED: _("Leads reopened in %(period)s"),
}


@dataclass(frozen=True)
class MovedFilter:
    """Leads that made a move in a period: into `stage` (by a move of `kind`, or by any move
    when `kind` is empty). With a reason or a person, the lead's first such move in the period
    must have had that reason or been made by that person: the dashboard counts each lead once,
    under its first move, and its numbers open this list."""

    stage: Stage
    period: Period
    kind: str = ""
    reason: Reason | None = None
    actor: User | None = None

    def condition(self) -> Q:
        moves = StageChange.objects.filter(
            lead=OuterRef("pk"),
            to_stage=self.stage,
            at__gte=self.period.start,
            at__lt=self.period.end,
        )
        if self.kind:
            moves = moves.filter(kind=self.kind)
        if self.reason is None and self.actor is None:
            return Q(Exists(moves))
        earlier = StageChange.objects.filter(
            Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")),
            lead=OuterRef("lead"),
            kind=OuterRef("kind"),
            to_stage=OuterRef("to_stage"),
            at__gte=self.period.start,
        )
        first = moves.exclude(Exists(earlier))
        if self.reason is not None:
            first = first.filter(reason=self.reason)
        if self.actor is not None:
            first = first.filter(actor=self.actor)
        return Q(Exists(first))

    def description(self) -> str:
        """The drill-down in a sentence, for the list's heading."""
        sentence = _MOVED_SENTENCES.get(self.kind, _ENTERED_SENTENCE)
        parts = [sentence % {"stage": self.stage.shown_name, "period": self.period.label}]
        if self.reason is not None:
            parts.append(gettext("reason: %(reason)s") % {"reason": self.reason.shown_label})
        if self.actor is not None:
            who = self.actor.get_full_name() or self.actor.username
            parts.append(gettext("by %(person)s") % {"person": who})
        return ", ".join(parts)


@dataclass(frozen=True)
class LeadFilters:
    """What a person narrowed the list to; the defaults filter nothing."""

    query: str = ""
    # The query with its words' near misses, when the caller read them once for the page and
    # its count (None: read them here).
    search: Search | None = None
    stage: Stage | None = None
    owner: User | None = None
    team: str = ""
    source: str = ""
    campaign: str = ""
    # The campaigns in use that are `campaign` in any letter case, when the caller read them
    # once for the page and its count (None: read them here).
    campaign_spellings: tuple[str, ...] | None = None
    persona: Persona | None = None
    created_from: date | None = None
    created_to: date | None = None
    needs_attention: bool = False
    moved: MovedFilter | None = None
    import_batch: int | None = None


def _filtered(filters: LeadFilters, *, options: LeadListOptions, now: datetime) -> Q:
    """The leads `filters` select: by their words, what they are, and when they came and moved."""
    return (
        search_condition(filters.search or read_search(filters.query), owners=options.owners)
        & _what(filters, options=options)
        & _when(filters, options=options, now=now)
    )


# The orders in which late leads gather at one end of the index (the oldest, the longest in
# their stage, and the newest, once the leads too new to be late are skipped). By name or value
# they are spread evenly (about one lead in seven of a million), and walking that order's index
# finds a page sooner than reading each stage's late leads to sort them.
_AGE_ORDERS = frozenset({LeadSort.NEWEST, LeadSort.OLDEST, LeadSort.LONGEST_IN_STAGE})


def _apart(
    filters: LeadFilters, *, sort: LeadSort, options: LeadListOptions, now: datetime
) -> tuple[LeadFilters, list[Q]]:
    """`filters` less the one that is an OR of disjoint parts, each of which an index serves in
    every list order, and those parts (none when no filter is such): the list reads each part's
    first page and merges them (smarketing.pagination). Late leads, a person's leads and a
    team's leads are each scattered through the order's own index (the late among the oldest,
    a marketer's among a year of others), which PostgreSQL would walk row by row or sort whole;
    each part (a stage and its age, an owner's column) has an index in the order."""
    if filters.needs_attention and sort in _AGE_ORDERS:
        # With no time limit on any stage, no lead needs attention.
        parts = past_limit_parts(options.stages, now=now) or [Q(pk__in=[])]
        return replace(filters, needs_attention=False), parts
    if filters.owner is not None:
        owner = filters.owner
        # Disjoint, so that a lead a person owns for both teams is listed once.
        parts = [Q(marketing_owner=owner), Q(sales_owner=owner) & ~Q(marketing_owner=owner)]
        return replace(filters, owner=None), parts
    if filters.team:
        teams = TEAM_STAGES[filters.team]
        parts = [Q(stage=stage) for stage in options.stages if stage.team in teams]
        return replace(filters, team=""), parts or [Q(pk__in=[])]
    return filters, []


def _what(filters: LeadFilters, *, options: LeadListOptions) -> Q:
    condition = Q()
    if filters.stage is not None:
        condition &= Q(stage=filters.stage)
    if filters.owner is not None:
        condition &= Q(marketing_owner=filters.owner) | Q(sales_owner=filters.owner)
    if filters.team:
        teams = TEAM_STAGES[filters.team]
        condition &= Q(stage__in=[stage.pk for stage in options.stages if stage.team in teams])
    if filters.source:
        condition &= Q(source=filters.source)
    if filters.campaign:
        # Matched against the campaigns in use so that the campaign index serves it; Django's
        # iexact would compare UPPER(campaign), which no index holds.
        spellings = filters.campaign_spellings
        if spellings is None:
            spellings = tuple(campaign_spellings(filters.campaign.strip()))
        condition &= Q(campaign__in=spellings)
    if filters.persona is not None:
        condition &= Q(persona=filters.persona)
    if filters.import_batch is not None:
        condition &= Q(import_batch_id=filters.import_batch)
    return condition


def _when(filters: LeadFilters, *, options: LeadListOptions, now: datetime) -> Q:
    condition = Q()
    if filters.created_from is not None:
        since = local_midnight(filters.created_from)
        # Said twice: a lead entered its stage once created, and so the longest-in-stage order's
        # index can start at the range's beginning instead of walking every older lead.
        condition &= Q(created_at__gte=since, stage_entered_at__gte=since)
    if filters.created_to is not None:
        condition &= Q(created_at__lt=local_midnight(filters.created_to + timedelta(days=1)))
    if filters.moved is not None:
        condition &= filters.moved.condition()
    if filters.needs_attention:
        attention = past_limit(options.stages, now=now)
        # With no time limit on any stage, no lead needs attention.
        condition &= attention if attention else Q(pk__in=[])
    return condition


def lead_count(
    *, filters: LeadFilters, options: LeadListOptions, now: datetime, at_most: int | None = None
) -> int:
    """How many leads match: exactly for a dashboard's drill-down, whose number the list must
    show; up to `at_most` + 1 otherwise, so that a broad search never counts a million rows
    (`at_most` + 1 reads "more than `at_most`")."""
    matching = Lead.objects.filter(_filtered(filters, options=options, now=now))
    if at_most is None:
        return matching.count()
    return matching.order_by().values("pk")[: at_most + 1].count()


@dataclass(frozen=True)
class ListedLead(LeadInStage):
    """A row of the lead list: the lead, its stage clock, and its source in the reader's
    language."""

    source_label: str


@dataclass(frozen=True)
class ListPage:
    rows: list[ListedLead]
    # Where the next page starts; None on the last page.
    next_cursor: str | None


def lead_list_page(
    *,
    filters: LeadFilters,
    sort: LeadSort,
    after: str | None,
    options: LeadListOptions,
    now: datetime,
    per_page: int = LIST_PAGE_SIZE,
) -> ListPage:
    """One page of the lead list: one query, whatever the page's depth. Raises
    smarketing.pagination.InvalidCursor when `after` was not written for this sort order."""
    rest, parts = _apart(filters, sort=sort, options=options, now=now)
    leads = Lead.objects.filter(_filtered(rest, options=options, now=now)).select_related(
        "stage", "persona", "marketing_owner", "sales_owner"
    )
    page = paginate(leads, keyset=LEAD_SORTS[sort], cursor=after, per_page=per_page, parts=parts)
    # The labels in the reader's language, once per page: get_source_display() builds the
    # choices anew for each row, and fifty of those cost more than the query.
    labels = {value: str(label) for value, label in Source.choices}
    rows = [
        ListedLead(
            lead=lead,
            past_sla=lead.stage.is_past_limit(entered_at=lead.stage_entered_at, now=now),
            source_label=labels.get(lead.source, lead.source),
        )
        for lead in page.rows
    ]
    return ListPage(rows=rows, next_cursor=page.next_cursor)


def leads_to_export(
    *, filters: LeadFilters, sort: LeadSort, options: LeadListOptions, now: datetime
) -> QuerySet[Lead]:
    """Every lead the list shows with these filters, in its order, for its download (the
    caller picks the columns)."""
    return Lead.objects.filter(_filtered(filters, options=options, now=now)).order_by(
        *LEAD_SORTS[sort].order_by()
    )
