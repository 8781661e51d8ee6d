from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Func, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from smarketing.bounds import PERCENT, PLANNING_RATE, POSITION, STAGE_HOURS


class Team(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")
    BOTH = "both", _("Marketing and Sales")


# The stages each team works in: both teams work an MQL.
MARKETING_OWNED = frozenset({Team.MARKETING, Team.BOTH})
SALES_OWNED = frozenset({Team.SALES, Team.BOTH})


class Outcome(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


# The lead fields a stage may require before a lead enters it. Each is on the lead's edit form
# (leads.services.EDITABLE_FIELDS, a test keeps the two together), so whoever is refused a move
# can fill in what is missing: a criterion no form can fill would stop every lead for good.
ENTRY_CRITERIA = ("company", "persona", "phone", "job_title", "country", "expected_value")


def validate_entry_criteria(names: list[str]) -> None:
    """Refuse entry criteria that are not in ENTRY_CRITERIA."""
    unknown = [name for name in names if name not in ENTRY_CRITERIA]
    if unknown:
        raise ValidationError(
            _("No form lets anyone fill in %(fields)s, so a stage cannot require it."),
            code="unfillable_entry_criteria",
            params={"fields": ", ".join(unknown)},
        )


def in_reader_language(item: models.Model, field: str) -> str:
    """`field` of `item` in the active language: the `<field>_<language>` field when the
    language has one and it is filled in, else `field` itself (the name as it was entered,
    which English readers see)."""
    language = (get_language() or "")[:2]
    translated = getattr(item, f"{field}_{language}", "") if language != "en" else ""
    return str(translated or getattr(item, field))


def in_each_language(name: str, spanish: str) -> dict[str, str]:
    """A stage's or reason's name for each language, as stored content (a digest) keeps it so
    that each reader sees it in theirs (digests' `shown` filter picks one)."""
    return {"en": name, "es": spanish or name}


def limit_duration(hours: int) -> timedelta:
    return timedelta(hours=hours)


def outstays(*, waited: timedelta, limit_hours: int | None) -> bool:
    """The one rule of a stage's time limit: a lead outstays it by waiting in the stage longer
    than its hours; no limit is never outstayed. Stage.late_since is its instant for a query
    over leads, outstays_sql its text for queries written in SQL."""
    return limit_hours is not None and waited > limit_duration(limit_hours)


def outstays_sql(*, waited_seconds: str, limit_hours: str) -> str:
    """outstays as an SQL condition over two SQL expressions: the whole seconds waited, and the
    limit in hours (NULL for none). True, false, or NULL when the seconds are NULL."""
    seconds = int(limit_duration(1).total_seconds())
    return f"({limit_hours} IS NOT NULL AND {waited_seconds} > {limit_hours} * {seconds})"


class Stage(models.Model):
    """A step of the funnel, owned by a team, with its time limit and entry criteria."""

    slug = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_es = models.CharField(
        _("name in Spanish"),
        max_length=80,
        blank=True,
        help_text=_("Shown to people who read in Spanish. Empty means the name above."),
    )
    position = models.PositiveSmallIntegerField(
        _("order"), unique=True, validators=POSITION.validators()
    )
    team = models.CharField(_("owning team"), max_length=12, choices=Team.choices)
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.OPEN
    )
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"),
        validators=PERCENT.validators(),
        help_text=_("Used to weight open pipeline in the forecast."),
    )
    sla_hours = models.PositiveIntegerField(
        _("time limit (hours)"),
        null=True,
        blank=True,
        validators=STAGE_HOURS.validators(),
        help_text=_("How long a lead may stay in this stage. Empty means no limit."),
    )
    first_touch_hours = models.PositiveIntegerField(
        _("first touch within (hours)"),
        null=True,
        blank=True,
        validators=STAGE_HOURS.validators(),
        help_text=_(
            "For a stage leads enter by a claim: the hours Sales has for the first call, email "
            "or meeting. Empty means no limit."
        ),
    )
    required_fields = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("required lead fields"),
        default=list,
        blank=True,
        validators=[validate_entry_criteria],
        help_text=_("Lead fields that must be filled before a lead may enter this stage."),
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="stage_probability_at_most_100"
            ),
            STAGE_HOURS.constraint("sla_hours", name="stage_sla_hours_in_bounds", nullable=True),
            STAGE_HOURS.constraint(
                "first_touch_hours", name="stage_first_touch_hours_in_bounds", nullable=True
            ),
        ]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """The name in the reader's language (the active one), or the name when it has none."""
        return in_reader_language(self, "name")

    @property
    def marketing_works_it(self) -> bool:
        return self.team in MARKETING_OWNED

    @property
    def sales_works_it(self) -> bool:
        return self.team in SALES_OWNED

    def late_since(self, now: datetime) -> datetime | None:
        """A lead that entered this stage before this instant has outstayed its time limit by
        `now` (outstays); None for a stage without one. Asked of many leads in SQL by
        funnel.selectors.past_limit, where the (stage, stage_entered_at) index answers it."""
        return None if self.sla_hours is None else now - limit_duration(self.sla_hours)

    def is_past_limit(self, *, entered_at: datetime, now: datetime) -> bool:
        """Whether a lead that entered this stage at `entered_at` has outstayed its limit."""
        return outstays(waited=now - entered_at, limit_hours=self.sla_hours)


class WellKnownStage(StrEnum):
    """The stages of the default funnel that the product's rules speak of by slug: qualifying
    is a move into MQL, a claim takes a lead to SQL, the agreement and the reverse funnel count
    MQLs and SQLs. Admins may rename them, not remove them (funnel.stages checks they exist)."""

    NEW = "new"
    WORKING = "working"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"


class ReasonKind(models.TextChoices):
    RECYCLE = "recycle", _("Recycle to Marketing")
    LOST = "lost", _("Lost")


class Reason(models.Model):
    """A shared explanation for sending a lead back to Marketing or for losing it."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReasonKind.choices)
    slug = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=120)
    label_es = models.CharField(
        _("label in Spanish"),
        max_length=120,
        blank=True,
        help_text=_("Shown to people who read in Spanish. Empty means the label above."),
    )
    position = models.PositiveSmallIntegerField(
        _("order"), default=0, validators=POSITION.validators()
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "position", "label"]
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")
        constraints = [
            models.UniqueConstraint(fields=["kind", "slug"], name="reason_unique_slug_per_kind"),
        ]

    def __str__(self) -> str:
        return self.shown_label

    @property
    def shown_label(self) -> str:
        """The label in the reader's language (the active one), or the label when it has none."""
        return in_reader_language(self, "label")


class ChangeKind(models.TextChoices):
    CREATED = "created", _("Entered the funnel")
    MOVED = "moved", _("Moved")
    CLAIMED = "claimed", _("Claimed")
    RECYCLED = "recycled", _("Recycled to Marketing")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    REOPENED = "reopened", _("Reopened")


# The kind of reason each move that needs one takes.
REASON_KINDS = {ChangeKind.RECYCLED: ReasonKind.RECYCLE, ChangeKind.LOST: ReasonKind.LOST}


class StageChange(models.Model):
    """The immutable history of a lead's moves. A lead's stage is always its last change's."""

    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("lead")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices)
    from_stage = models.ForeignKey(
        Stage,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from"),
    )
    to_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("to")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), db_index=False)
    reason = models.ForeignKey(
        Reason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reason"),
    )
    note = models.TextField(_("note"), blank=True)
    value = models.DecimalField(
        _("deal value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The value agreed at this move: expected on Opportunity, the amount on Won."),
    )
    seconds_in_previous_stage = models.BigIntegerField(
        _("seconds in previous stage"), null=True, blank=True
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["lead", "at"], name="stagechange_lead_at"),
            models.Index(fields=["to_stage", "at"], name="stagechange_to_stage_at"),
            models.Index(fields=["from_stage", "at"], name="stagechange_from_stage_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(seconds_in_previous_stage__isnull=True)
                | Q(seconds_in_previous_stage__gte=0),
                name="stagechange_seconds_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(kind=ChangeKind.CREATED) & Q(from_stage__isnull=True))
                | (~Q(kind=ChangeKind.CREATED) & Q(from_stage__isnull=False)),
                name="stagechange_only_creation_has_no_origin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_stage_id} -> {self.to_stage_id}"


class Transition(models.Model):
    """A move the funnel allows, from one stage to another. Anything not listed is refused."""

    from_stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="transitions_out", verbose_name=_("from")
    )
    to_stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="transitions_in", verbose_name=_("to")
    )
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=[(kind.value, kind.label) for kind in ChangeKind if kind is not ChangeKind.CREATED],
    )

    class Meta:
        ordering = ["from_stage__position", "to_stage__position"]
        verbose_name = _("allowed move")
        verbose_name_plural = _("allowed moves")
        constraints = [
            models.UniqueConstraint(fields=["from_stage", "to_stage"], name="transition_once"),
            models.CheckConstraint(
                condition=~Q(from_stage=models.F("to_stage")), name="transition_changes_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} -> {self.to_stage}"

    @property
    def reason_kind(self) -> ReasonKind | None:
        """The kind of reason this move takes: recycling and losing a lead need one."""
        return REASON_KINDS.get(ChangeKind(self.kind))

    @property
    def makes_opportunity(self) -> bool:
        """Becoming an opportunity takes an expected value and a close date."""
        return self.kind == ChangeKind.MOVED and self.to_stage.slug == WellKnownStage.OPPORTUNITY

    @property
    def qualifies(self) -> bool:
        """A plain move into MQL is qualifying the lead."""
        return self.kind == ChangeKind.MOVED and self.to_stage.slug == WellKnownStage.MQL


class DateRange(Func):
    """daterange(start, end, '[)') for the exclusion constraint on goal periods."""

    function = "DATERANGE"
    output_field = DateRangeField()


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class RevenueGoal(models.Model):
    """The revenue both teams answer to for a calendar month or quarter.

    A month's goal and its quarter's goal may both exist; two goals of the same kind may not
    overlap (the database refuses it). Rates are percentages a manager plans with while the
    funnel's own history is too thin to trust."""

    kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("day after the last"))
    amount = models.DecimalField(_("revenue goal"), max_digits=14, decimal_places=2)
    marketing_share = models.PositiveSmallIntegerField(
        _("share from marketing-sourced leads (%)"), default=100, validators=PERCENT.validators()
    )
    average_deal = models.DecimalField(
        _("average won deal"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty to use the average of deals won in the last 180 days."),
    )
    planned_lead_to_mql = models.DecimalField(
        _("planned lead → MQL rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PLANNING_RATE.validators(),
    )
    planned_mql_to_sql = models.DecimalField(
        _("planned MQL → SQL rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PLANNING_RATE.validators(),
    )
    planned_sql_to_won = models.DecimalField(
        _("planned SQL → won rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PLANNING_RATE.validators(),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-starts_on", "kind"]
        verbose_name = _("revenue goal")
        verbose_name_plural = _("revenue goals")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="goal_amount_positive"),
            models.CheckConstraint(
                condition=Q(marketing_share__lte=100), name="goal_share_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="goal_period_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(average_deal__isnull=True) | Q(average_deal__gt=0),
                name="goal_average_deal_positive",
            ),
            *(
                PLANNING_RATE.constraint(rate, name=f"goal_{rate}_in_bounds", nullable=True)
                for rate in ("planned_lead_to_mql", "planned_mql_to_sql", "planned_sql_to_won")
            ),
            ExclusionConstraint(
                name="goal_periods_do_not_overlap",
                expressions=[
                    (
                        DateRange("starts_on", "ends_on", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                    ("kind", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on:%Y-%m-%d}: {self.amount}"


class StageTotal(models.Model):
    """The number and summed expected value of a stage's leads, as of the last fold.

    With the stage's pending StageTotalDelta rows added, it equals a count over the leads at
    every moment: see funnel.rollup."""

    stage = models.OneToOneField(
        Stage,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="total",
        verbose_name=_("stage"),
    )
    lead_count = models.BigIntegerField(_("leads"))
    value = models.DecimalField(_("expected value"), max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = _("stage total")
        verbose_name_plural = _("stage totals")

    def __str__(self) -> str:
        return f"{self.stage_id}: {self.lead_count}, {self.value}"


class StageTotalDelta(models.Model):
    """A change to a stage's totals, appended by the database triggers on the leads table for
    every statement that adds, moves, revalues or removes leads. Only appended and, when
    folded into StageTotal, deleted: concurrent writers never wait for each other here."""

    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="+", verbose_name=_("stage")
    )
    lead_count = models.BigIntegerField(_("leads"))
    value = models.DecimalField(_("expected value"), max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = _("stage total change")
        verbose_name_plural = _("stage total changes")

    def __str__(self) -> str:
        return f"{self.stage_id}: {self.lead_count:+}, {self.value:+}"


OWNER_TEAMS = [(team.value, team.label) for team in (Team.MARKETING, Team.SALES)]


class OwnerStageCounts(models.Model):
    """The leads one person owns for one team (as their marketing owner or as their sales owner)
    in one stage: how many, their summed expected value.

    The owner is a plain reference, not a constraint: when a user is deleted, their leads lose
    their owner (an update the triggers see, which brings the person's totals to zero) and the
    next fold drops the rows left at zero."""

    team = models.CharField(_("team"), max_length=12, choices=OWNER_TEAMS)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("owner"),
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="+", verbose_name=_("stage")
    )
    lead_count = models.BigIntegerField(_("leads"))
    value = models.DecimalField(_("expected value"), max_digits=20, decimal_places=2)

    class Meta:
        abstract = True


class OwnerStageTotal(OwnerStageCounts):
    """An owner's totals in a stage as of the last fold. With the matching pending
    OwnerStageTotalDelta rows added, they equal a count over the leads at every moment: see
    funnel.rollup."""

    class Meta:
        verbose_name = _("owner's stage total")
        verbose_name_plural = _("owners' stage totals")
        constraints = [
            models.UniqueConstraint(fields=["owner", "team", "stage"], name="ownerstagetotal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.owner_id} {self.stage_id}: {self.lead_count}, {self.value}"


class OwnerStageTotalDelta(OwnerStageCounts):
    """A change to an owner's totals in a stage, appended by the same triggers as
    StageTotalDelta and folded with them; only appended and deleted."""

    class Meta:
        verbose_name = _("owner's stage total change")
        verbose_name_plural = _("owners' stage total changes")
        indexes = [
            models.Index(fields=["owner", "team", "stage"], name="ownerstagetotaldelta_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.owner_id} {self.stage_id}: {self.lead_count:+}, {self.value:+}"
