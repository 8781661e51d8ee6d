"""Per-stage totals of the leads (how many, their summed expected value), overall and per owner
(the leads each person owns for Marketing, and for Sales), kept up to date by the database so the
board and the home page need not count a million leads on every request.

Triggers on the leads table (funnel/sql/stage_totals.py) append one StageTotalDelta row per
stage and statement that adds, moves, revalues or removes leads. Appending never waits for
another writer, so concurrent moves and claims do not queue behind a stage's total. A stage's
totals are its StageTotal row plus its pending deltas: exact at every moment, in one query.
`fold` (a Celery beat task, every minute) adds the pending deltas to StageTotal and deletes
them, which keeps them few; `recompute` rebuilds everything from the leads. The owners' totals
work the same way with OwnerStageTotal and its deltas, appended by the same triggers, folded
and rebuilt with the stage totals.
"""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    DecimalField,
    Expression,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce

from accounts.models import User
from funnel.models import (
    OwnerStageTotal,
    OwnerStageTotalDelta,
    StageTotal,
    StageTotalDelta,
    Team,
)
from leads.models import Lead

MONEY = DecimalField(max_digits=20, decimal_places=2)


def stage_totals() -> tuple[Expression, Expression]:
    """The number and summed expected value of a stage's leads, as expressions to annotate a
    Stage queryset with: its total plus its pending deltas. The query they make grows with the
    number of stages and of pending deltas, never with the number of leads."""
    pending_count, pending_value = _summed(StageTotalDelta.objects.filter(stage=OuterRef("pk")))
    return (
        Coalesce("total__lead_count", 0) + pending_count,
        Coalesce("total__value", Decimal(0), output_field=MONEY) + pending_value,
    )


def owner_stage_totals(*, team: Team, owner: User) -> tuple[Expression, Expression]:
    """The number and summed expected value of the leads `owner` owns for `team` (as marketing
    or as sales owner) in a stage, as expressions to annotate a Stage queryset with, like
    `stage_totals`: the owner's total plus their pending deltas."""
    return _owned(team=team, owner=owner)


def owned_stage_totals(*, team: Team) -> tuple[Expression, Expression]:
    """Like `owner_stage_totals`, for the leads that anyone owns for `team`."""
    return _owned(team=team)


def _owned(**rows: object) -> tuple[Expression, Expression]:
    total_count, total_value = _summed(OwnerStageTotal.objects.filter(stage=OuterRef("pk"), **rows))
    pending_count, pending_value = _summed(
        OwnerStageTotalDelta.objects.filter(stage=OuterRef("pk"), **rows)
    )
    return total_count + pending_count, total_value + pending_value


def _summed(
    rows: QuerySet[StageTotalDelta] | QuerySet[OwnerStageTotal] | QuerySet[OwnerStageTotalDelta],
) -> tuple[Expression, Expression]:
    """The summed lead_count and value of `rows` (filtered on the outer stage), zero if none."""
    per_stage = rows.values("stage")
    count = per_stage.annotate(total=Cast(Sum("lead_count"), output_field=BigIntegerField()))
    value = per_stage.annotate(total=Sum("value"))
    return (
        Coalesce(Subquery(count.values("total")), 0),
        Coalesce(Subquery(value.values("total")), Decimal(0), output_field=MONEY),
    )


def fold() -> int:
    """Add the pending deltas to the stage totals and the owners' totals and delete them; return
    how many were folded. Deltas that writers commit meanwhile stay pending for the next fold,
    and two folds at once fold each delta once: the second waits for the first's deleted rows
    and skips them. Owners' totals left at zero (a person who owns nothing in a stage any more,
    or a deleted user) are dropped."""
    delta, total = StageTotalDelta._meta.db_table, StageTotal._meta.db_table
    owner_delta, owner_total = OwnerStageTotalDelta._meta.db_table, OwnerStageTotal._meta.db_table
    with connection.cursor() as cursor:
        # Table names come from the models: no outside input.
        cursor.execute(
            f"WITH folded AS (DELETE FROM {delta} RETURNING stage_id, lead_count, value),"  # noqa: S608
            f" added AS (INSERT INTO {total} (stage_id, lead_count, value)"
            "  SELECT stage_id, sum(lead_count), sum(value) FROM folded GROUP BY stage_id"
            "  ON CONFLICT (stage_id) DO UPDATE SET"
            f"  lead_count = {total}.lead_count + EXCLUDED.lead_count,"
            f"  value = {total}.value + EXCLUDED.value),"
            f" owner_folded AS (DELETE FROM {owner_delta}"
            "  RETURNING team, owner_id, stage_id, lead_count, value),"
            f" owner_added AS (INSERT INTO {owner_total}"
            "  (team, owner_id, stage_id, lead_count, value)"
            "  SELECT team, owner_id, stage_id, sum(lead_count), sum(value) FROM owner_folded"
            "  GROUP BY team, owner_id, stage_id ORDER BY owner_id, team, stage_id"
            "  ON CONFLICT (owner_id, team, stage_id) DO UPDATE SET"
            f"  lead_count = {owner_total}.lead_count + EXCLUDED.lead_count,"
            f"  value = {owner_total}.value + EXCLUDED.value)"
            " SELECT (SELECT count(*) FROM folded) + (SELECT count(*) FROM owner_folded)"
        )
        folded: int = cursor.fetchone()[0]
        # A row at zero adds nothing to anyone's totals. Rows another fold is adding to are
        # skipped (the next fold drops them if they stay at zero), so folds never wait for
        # each other here; the upserts above take their rows in one order for the same reason.
        cursor.execute(
            f"DELETE FROM {owner_total} WHERE id IN (SELECT id FROM {owner_total}"  # noqa: S608
            " WHERE lead_count = 0 AND value = 0 FOR UPDATE SKIP LOCKED)"
        )
    return folded


@transaction.atomic
def recompute() -> None:
    """Rebuild the stage totals and the owners' totals from the leads, dropping the pending
    deltas.

    Writers to the leads wait meanwhile (a SHARE lock on the table), so the totals equal the
    leads when it commits; under a second at a million leads."""
    lead, delta, total = (
        Lead._meta.db_table,
        StageTotalDelta._meta.db_table,
        StageTotal._meta.db_table,
    )
    owner_delta, owner_total = OwnerStageTotalDelta._meta.db_table, OwnerStageTotal._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {lead} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {delta}")  # noqa: S608
        cursor.execute(f"DELETE FROM {total}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {total} (stage_id, lead_count, value)"  # noqa: S608
            f" SELECT stage_id, count(*), sum(expected_value) FROM {lead} GROUP BY stage_id"
        )
        cursor.execute(f"DELETE FROM {owner_delta}")  # noqa: S608
        cursor.execute(f"DELETE FROM {owner_total}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {owner_total} (team, owner_id, stage_id, lead_count, value)"  # noqa: S608
            " SELECT owned.team, owned.owner_id, stage_id, count(*), sum(expected_value)"
            f" FROM {lead}, LATERAL (VALUES (%s, marketing_owner_id), (%s, sales_owner_id))"
            "  AS owned (team, owner_id)"
            " WHERE owned.owner_id IS NOT NULL GROUP BY owned.team, owned.owner_id, stage_id",
            [Team.MARKETING.value, Team.SALES.value],
        )
