"""Daily rollups of the funnel's history, which the dashboard and the digest sum per period.

They are derived data: dashboard/rollup.py rebuilds the days that database triggers mark as
changed (at most a minute later, from Celery beat), and a test checks them against a full
recomputation. Nothing else writes them.

Counting leads rather than moves: a lead can make the same move twice in a period (recycled,
then qualified again). Each row therefore also says when the lead last made the same move
before (`previous_move_day`) and last entered the same stage before (`previous_entry_day`), so
that a period's distinct leads are the rows whose previous day falls before the period.
"""

from django.db import models


class RollupDirtyHour(models.Model):
    """An hour (UTC) whose history changed since the rollups were last rebuilt; no hour means
    that everything must be rebuilt (a stage's time limits changed). Written by triggers."""

    hour = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.hour or 'everything'}"


class StageFlowDay(models.Model):
    """Moves of one kind between two stages on one day (organisation time zone)."""

    day = models.DateField()
    kind = models.CharField(max_length=10)
    from_stage_id = models.IntegerField(null=True)
    to_stage_id = models.IntegerField()
    reason_id = models.IntegerField(null=True)
    previous_move_day = models.DateField(null=True)
    previous_entry_day = models.DateField(null=True)
    moves = models.IntegerField()
    value = models.DecimalField(max_digits=16, decimal_places=2)
    # Claims only: made within the claimed stage's time limit, and first touched (by whoever
    # touched the lead: funnel.selectors.TOUCHES) within the first-touch limit of the stage
    # they led to.
    claimed_in_time = models.IntegerField()
    touched_in_time = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="stageflowday_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.from_stage_id} -> {self.to_stage_id}: {self.moves}"


class DimensionFlowDay(models.Model):
    """Moves into a stage on one day, per value of one of the lead's attributes or of the
    person who made the move (`dimension`: source, campaign, persona, marketing_owner, actor)."""

    day = models.DateField()
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=150)
    kind = models.CharField(max_length=10)
    to_stage_id = models.IntegerField()
    previous_move_day = models.DateField(null=True)
    moves = models.IntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        # A week reads its days; a refresh deletes and rebuilds whole days.
        indexes = [models.Index(fields=["day", "dimension"], name="dimensionflowday_day_dim")]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.value} {self.kind}: {self.moves}"


class DimensionFlowMonth(models.Model):
    """DimensionFlowDay summed per month (`month`: its first day), for months and quarters:
    a lead's previous same move is kept as the month it fell in, which is all that a period
    starting on the first of a month needs to know whether the lead counts."""

    month = models.DateField()
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=150)
    kind = models.CharField(max_length=10)
    to_stage_id = models.IntegerField()
    previous_move_month = models.DateField(null=True)
    moves = models.IntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        indexes = [
            models.Index(fields=["dimension", "month"], name="dimensionflowmonth_dim_month"),
            models.Index(fields=["month"], name="dimensionflowmonth_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.dimension}={self.value} {self.kind}: {self.moves}"


class StageTimeDay(models.Model):
    """How long leads stayed in a stage, for the moves out of it on one day: a histogram of
    durations rounded down to the unit the dashboard shows them in (minutes below two hours,
    hours below three days, days beyond)."""

    day = models.DateField()
    stage_id = models.IntegerField()
    seconds = models.BigIntegerField()
    exits = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="stagetimeday_day")]

    def __str__(self) -> str:
        return f"{self.day} stage {self.stage_id}, {self.seconds} s: {self.exits}"
