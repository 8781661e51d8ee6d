"""The dashboard's figures as tables: the page shows them under its charts, and each downloads
as CSV. A cell keeps its raw value (for CSV and charts) and, where the number stands for leads,
the lead list that shows exactly those leads."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _

from dashboard.figures import (
    Breakdown,
    GoalProgress,
    PacePoint,
    Rate,
    ReverseFunnel,
    StageRow,
    Target,
)
from dashboard.selectors import (
    Dashboard,
    breakdown_figures,
    pacing_figures,
    reason_figures,
    reverse_figures,
    stage_figures,
)
from funnel.models import ChangeKind, Stage, WellKnownStage
from funnel.periods import Period
from funnel.selectors import in_one_unit
from funnel.stages import Funnel, load_funnel
from smarketing.money import currency, format_money, format_percent, money_affixes

Raw = int | float | Decimal | str | None


@dataclass(frozen=True)
class Cell:
    raw: Raw
    text: str
    url: str = ""

    def as_number(self) -> float | None:
        return float(self.raw) if isinstance(self.raw, int | float | Decimal) else None


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    # The columns of amounts: a CSV file's header names their currency, its cells stay numbers.
    money_columns: tuple[int, ...] = ()
    # How many rows the whole table has where the page shows only its first (a table per
    # campaign, persona, source or person); its CSV has them all. None: `rows` are all.
    row_count: int | None = None

    @property
    def total_rows(self) -> int:
        return len(self.rows) if self.row_count is None else self.row_count

    @property
    def cut(self) -> bool:
        return self.total_rows > len(self.rows)

    @property
    def total_rows_text(self) -> str:
        return number_format(self.total_rows, force_grouping=True)

    def csv_columns(self) -> list[str]:
        code = currency()
        return [
            f"{column} ({code})" if index in self.money_columns else column
            for index, column in enumerate(self.columns)
        ]


def count(value: int | None, url: str = "") -> Cell:
    if value is None:
        return Cell(None, "—")
    return Cell(value, number_format(value, force_grouping=True), url)


def money(value: Decimal | None) -> Cell:
    if value is None:
        return Cell(None, "—")
    return Cell(value.quantize(Decimal("0.01")), format_money(value))


def share(value: float | Decimal | None) -> Cell:
    if value is None:
        return Cell(None, "—")
    return Cell(round(float(value), 4), format_percent(value))


def label(text: str) -> Cell:
    return Cell(text, text)


def duration(seconds: int | None) -> Cell:
    if seconds is None:
        return Cell(None, "—")
    return Cell(seconds, in_one_unit(timedelta(seconds=seconds)))


def leads_url(
    period: Period,
    *,
    stage: Stage | None,
    kind: str = "",
    lead_list: str = "",
    **filters: str | int,
) -> str:
    """The lead list holding exactly the leads a number counts. `lead_list`: the list's path,
    reversed once by a table of thousands of rows rather than once per cell."""
    if stage is None:
        return ""
    params: dict[str, str | int] = {
        "into": stage.slug,
        "period": period.key,
        **({"moved": kind} if kind else {}),
        **filters,
    }
    return f"{lead_list or reverse('lead_list')}?{urlencode(params)}"


def pacing(pace: list[PacePoint]) -> Table:
    rows = [[label(str(point.day)), money(point.won), money(point.expected)] for point in pace]
    return Table(
        key="pacing",
        title=_("Revenue won, day by day"),
        columns=[_("Day"), _("Won so far"), _("Goal pace")],
        rows=rows,
        money_columns=(1, 2),
    )


def _target_url(period: Period, funnel: Funnel, target: Target) -> str:
    """New leads, MQLs and SQLs by their entry into the stage; customers by their win."""
    stage, kind = {
        "leads": (funnel.first(), ChangeKind.CREATED),
        "mqls": (funnel.by_slug(WellKnownStage.MQL), ""),
        "sqls": (funnel.by_slug(WellKnownStage.SQL), ""),
        "customers": (funnel.won(), ChangeKind.WON),
    }[target.key]
    return leads_url(period, stage=stage, kind=kind)


def reverse_funnel_table(period: Period, funnel: Funnel, reverse: ReverseFunnel) -> Table:
    rows = [
        [
            label(target.label),
            count(target.needed),
            count(target.expected_by_now),
            count(target.delivered, _target_url(period, funnel, target)),
        ]
        for target in reversed(reverse.targets)
    ]
    return Table(
        key="reverse_funnel",
        title=_("What the goal needs"),
        columns=[_("Step"), _("Needed"), _("Due by today"), _("Delivered")],
        rows=rows,
    )


def _rate_basis(rate: Rate) -> str:
    if rate.uses_plan:
        return _("Plan (thin history)")
    if rate.thin:
        return _("Thin history, no plan")
    return _("History")


def rates_table(reverse: ReverseFunnel) -> Table:
    rows = [
        [
            label(rate.name),
            share(rate.used),
            share(rate.observed),
            count(rate.sample),
            label(_rate_basis(rate)),
        ]
        for rate in reverse.rates
    ]
    return Table(
        key="rates",
        title=_("Conversion rates used"),
        columns=[_("Rate"), _("Used"), _("Seen"), _("Leads behind it"), _("Basis")],
        note=_("Seen: over the last 180 days."),
        rows=rows,
    )


def stages_table(period: Period, stages: list[StageRow]) -> Table:
    rows = [
        [
            label(row.stage.shown_name),
            count(row.entered, leads_url(period, stage=row.stage)),
            count(row.exits),
            count(row.forward),
            share(row.conversion),
            duration(row.time.median_seconds if row.time else None),
            duration(row.time.p90_seconds if row.time else None),
        ]
        for row in stages
    ]
    return Table(
        key="stages",
        title=_("The funnel in this period"),
        columns=[
            _("Stage"),
            _("Entered"),
            _("Left"),
            _("Went forward"),
            _("Conversion"),
            _("Median time in stage"),
            _("90th percentile in stage"),
        ],
        rows=rows,
    )


def reasons_table(
    period: Period, funnel: Funnel, rows_in: list[Breakdown], *, kind: ChangeKind
) -> Table:
    recycled = kind == ChangeKind.RECYCLED
    stage = funnel.by_slug(WellKnownStage.WORKING if recycled else WellKnownStage.LOST)
    rows = [
        [
            label(row.label),
            count(row.leads, leads_url(period, stage=stage, kind=kind, reason=row.key)),
        ]
        for row in rows_in
    ]
    return Table(
        key="recycled_reasons" if recycled else "lost_reasons",
        title=_("Recycled to Marketing, by reason") if recycled else _("Lost, by reason"),
        columns=[_("Reason"), _("Leads")],
        rows=rows,
    )


# The rows the page (and the API's dashboard) shows of a table per campaign, persona, source or
# person, most revenue first: a team may have thousands of campaigns. Its CSV has every row.
PAGE_ROWS = 25

_DIMENSION_FILTERS = {"source": "source", "campaign": "campaign", "persona": "persona"}


def breakdown_table(
    period: Period,
    funnel: Funnel,
    rows_in: list[Breakdown],
    *,
    dimension: str,
    row_count: int | None = None,
    links: bool = True,
) -> Table:
    param = _DIMENSION_FILTERS[dimension]
    first, mql, won, working = (
        funnel.first(),
        funnel.by_slug(WellKnownStage.MQL),
        funnel.won(),
        funnel.by_slug(WellKnownStage.WORKING),
    )

    lead_list = reverse("lead_list")

    def url(row: Breakdown, stage: Stage | None, kind: str) -> str:
        # "No persona" / "no campaign" have no filter of the list to open.
        if not row.key or not links:
            return ""
        return leads_url(period, stage=stage, kind=kind, lead_list=lead_list, **{param: row.key})

    rows = [
        [
            label(row.label),
            count(row.new, url(row, first, ChangeKind.CREATED)),
            count(row.mqls, url(row, mql, ChangeKind.MOVED)),
            share(row.mql_rate),
            count(row.won, url(row, won, ChangeKind.WON)),
            money(row.revenue),
            count(row.leads, url(row, working, ChangeKind.RECYCLED)),
        ]
        for row in rows_in
    ]
    titles = {
        "source": _("By source"),
        "campaign": _("By campaign"),
        "persona": _("By persona"),
    }
    return Table(
        key=f"by_{dimension}",
        title=titles[dimension],
        columns=[
            _("Name"),
            _("New leads"),
            _("MQLs"),
            _("Lead → MQL"),
            _("Deals won"),
            _("Revenue won"),
            _("Recycled"),
        ],
        rows=rows,
        money_columns=(5,),
        row_count=row_count,
    )


def reps_table(
    period: Period,
    funnel: Funnel,
    rows_in: list[Breakdown],
    *,
    row_count: int | None = None,
    links: bool = True,
) -> Table:
    won, lead_list = funnel.won(), reverse("lead_list")
    rows = [
        [
            label(row.label),
            count(
                row.won,
                leads_url(period, stage=won, kind=ChangeKind.WON, lead_list=lead_list, by=row.key),
            ),
            money(row.revenue),
        ]
        for row in rows_in
    ]
    return Table(
        key="reps",
        title=_("Sales: revenue won per rep"),
        columns=[_("Rep"), _("Deals won"), _("Revenue won")],
        rows=rows,
        money_columns=(2,),
        row_count=row_count,
    )


def marketers_table(rows_in: list[Breakdown], *, row_count: int | None = None) -> Table:
    rows = [
        [label(row.label), count(row.new), count(row.mqls), count(row.won), money(row.revenue)]
        for row in rows_in
    ]
    return Table(
        key="marketers",
        title=_("Marketing: MQLs and revenue sourced per marketer"),
        columns=[_("Marketer"), _("New leads"), _("MQLs"), _("Deals won"), _("Revenue sourced")],
        rows=rows,
        note=_("Counted by each lead's marketing owner."),
        money_columns=(4,),
        row_count=row_count,
    )


def all_tables(d: Dashboard) -> dict[str, Table]:
    """Every table of the dashboard, each per campaign, persona, source or person with the rows
    `d` holds and the number it has in all."""
    period, funnel = d.period, d.funnel
    values = d.values
    tables = [
        pacing(d.progress.pace),
        reverse_funnel_table(period, funnel, d.reverse),
        rates_table(d.reverse),
        stages_table(period, d.stages),
        reasons_table(period, funnel, d.recycled_by_reason, kind=ChangeKind.RECYCLED),
        reasons_table(period, funnel, d.lost_by_reason, kind=ChangeKind.LOST),
        breakdown_table(
            period, funnel, d.by_source, dimension="source", row_count=values.get("source", 0)
        ),
        breakdown_table(
            period,
            funnel,
            d.by_campaign,
            dimension="campaign",
            row_count=values.get("campaign", 0),
        ),
        breakdown_table(
            period, funnel, d.by_persona, dimension="persona", row_count=values.get("persona", 0)
        ),
        reps_table(period, funnel, d.reps, row_count=values.get("actor", 0)),
        marketers_table(d.marketers, row_count=values.get("marketing_owner", 0)),
    ]
    return {table.key: table for table in tables}


def one_table(key: str, *, period: Period, now: datetime, links: bool = True) -> Table | None:
    """The table `key` of the dashboard for `period` with every row, computed alone: a CSV file
    costs the queries of its own table, not the whole dashboard's. None for no such table.
    Without `links` the tables per attribute and person leave out the lead lists behind their
    counts (a CSV file has none; a table of thousands of rows spends most of its time on
    them)."""
    if key not in TABLE_KEYS:
        return None
    if key == "pacing":
        return pacing(pacing_figures(period=period, now=now))
    funnel = load_funnel()
    if key in ("reverse_funnel", "rates"):
        reverse = reverse_figures(period=period, now=now, funnel=funnel)
        return (
            reverse_funnel_table(period, funnel, reverse)
            if key == "reverse_funnel"
            else rates_table(reverse)
        )
    if key == "stages":
        return stages_table(period, stage_figures(period=period, funnel=funnel))
    if key in ("recycled_reasons", "lost_reasons"):
        kind = ChangeKind.RECYCLED if key == "recycled_reasons" else ChangeKind.LOST
        return reasons_table(
            period, funnel, reason_figures(period=period, kind=kind, funnel=funnel), kind=kind
        )
    dimension = TABLE_DIMENSIONS[key]
    rows = breakdown_figures(period=period, dimension=dimension, funnel=funnel)
    if key == "reps":
        return reps_table(period, funnel, rows, row_count=len(rows), links=links)
    if key == "marketers":
        return marketers_table(rows, row_count=len(rows))
    return breakdown_table(
        period, funnel, rows, dimension=dimension, row_count=len(rows), links=links
    )


TABLE_KEYS = (
    "pacing",
    "reverse_funnel",
    "rates",
    "stages",
    "recycled_reasons",
    "lost_reasons",
    "by_source",
    "by_campaign",
    "by_persona",
    "reps",
    "marketers",
)
# The rollup's dimension behind each table per attribute or person.
TABLE_DIMENSIONS = {
    "by_source": "source",
    "by_campaign": "campaign",
    "by_persona": "persona",
    "reps": "actor",
    "marketers": "marketing_owner",
}


def number_style() -> dict[str, str]:
    """How the page writes numbers and amounts in the active language, for the charts' axes
    and tooltips to write them the same way as the tables (not as the browser's locale would:
    its Spanish groups with dots where Django's groups with spaces)."""
    prefix, suffix = money_affixes()
    return {
        "group": str(get_format("THOUSAND_SEPARATOR")),
        "decimal": str(get_format("DECIMAL_SEPARATOR")),
        "money_prefix": prefix,
        "money_suffix": suffix,
    }


def chart_data(tables: dict[str, Table]) -> dict[str, dict[str, list[object]]]:
    """The numbers the charts draw, taken from the tables the page lists under them."""

    def column(key: str, index: int) -> list[object]:
        return [row[index].as_number() for row in tables[key].rows]

    def labels(key: str) -> list[object]:
        return [row[0].text for row in tables[key].rows]

    return {
        "pacing": {
            "labels": labels("pacing"),
            "won": column("pacing", 1),
            "goal": column("pacing", 2),
        },
        "stages": {"labels": labels("stages"), "entered": column("stages", 1)},
        "time": {
            "labels": labels("stages"),
            "median": column("stages", 5),
            "p90": column("stages", 6),
        },
        "sources": {"labels": labels("by_source"), "revenue": column("by_source", 5)},
    }


@dataclass(frozen=True)
class GoalHeadlines:
    """The goal's figures, formatted: on the home page, and first on the dashboard."""

    won: Cell
    goal: Cell
    won_share: Cell
    due_by_now: Cell
    on_pace: bool
    forecast: Cell
    forecast_share: Cell


@dataclass(frozen=True)
class Headlines(GoalHeadlines):
    """The key figures at the top of the page, formatted, with the lists behind the counts."""

    open_weighted: Cell
    mqls_delivered: Cell
    mqls_needed: Cell
    mqls_due: Cell
    mqls_on_pace: bool
    claims: Cell
    claimed_in_time: Cell
    touched_in_time: Cell
    waiting_past_limit: Cell


def goal_headlines(progress: GoalProgress) -> GoalHeadlines:
    goal = progress.goal
    return GoalHeadlines(
        won=money(progress.won),
        goal=money(goal.amount if goal else None),
        won_share=share(progress.share_of_goal),
        due_by_now=money(progress.expected_by_now),
        on_pace=progress.expected_by_now is None or progress.won >= progress.expected_by_now,
        forecast=money(progress.forecast),
        forecast_share=share(progress.forecast_share),
    )


def headlines(d: Dashboard) -> Headlines:
    progress, agreement = d.progress, d.agreement
    mqls = d.reverse.target("mqls")
    return Headlines(
        **vars(goal_headlines(progress)),
        open_weighted=money(progress.open_weighted),
        mqls_delivered=count(agreement.mqls_delivered, _target_url(d.period, d.funnel, mqls)),
        mqls_needed=count(agreement.mqls_needed),
        mqls_due=count(agreement.mqls_expected_by_now),
        mqls_on_pace=agreement.mqls_expected_by_now is None
        or agreement.mqls_delivered >= agreement.mqls_expected_by_now,
        # Claims, not leads (a lead claimed twice counts twice): no list to open.
        claims=count(agreement.claims),
        claimed_in_time=share(agreement.claimed_in_time_share),
        touched_in_time=share(agreement.touched_in_time_share),
        waiting_past_limit=count(agreement.waiting_past_limit, reverse("mql_queue")),
    )
