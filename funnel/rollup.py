"""Per-stage totals of the leads (how many, their summed expected value), kept up to date by the
database so the board and the home page need not count a million leads on every request.

Triggers on the leads table (migration 0009_stage_totals) append one StageTotalDelta row per
stage and statement that adds, moves, revalues or removes leads. Appending never waits for
another writer, so concurrent moves and claims do not queue behind a stage's total. A stage's
totals are its StageTotal row plus its pending deltas: exact at every moment, in one query.
`fold` (a Celery beat task, every minute) adds the pending deltas to StageTotal and deletes
them, which keeps them few; `recompute` rebuilds everything from the leads.
"""

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import BigIntegerField, DecimalField, Expression, OuterRef, Subquery, Sum
from django.db.models.functions import Cast, Coalesce

from funnel.models import StageTotal, StageTotalDelta
from leads.models import Lead


def stage_totals() -> tuple[Expression, Expression]:
    """The number and summed expected value of a stage's leads, as expressions to annotate a
    Stage queryset with: its total plus its pending deltas. The query they make grows with the
    number of stages and of pending deltas, never with the number of leads."""
    pending = StageTotalDelta.objects.filter(stage=OuterRef("pk")).values("stage")
    pending_count = pending.annotate(
        total=Cast(Sum("lead_count"), output_field=BigIntegerField())
    ).values("total")
    pending_value = pending.annotate(total=Sum("value")).values("total")
    money = DecimalField(max_digits=20, decimal_places=2)
    return (
        Coalesce("total__lead_count", 0) + Coalesce(Subquery(pending_count), 0),
        Coalesce("total__value", Decimal(0), output_field=money)
        + Coalesce(Subquery(pending_value), Decimal(0), output_field=money),
    )


def fold() -> int:
    """Add the pending deltas to the stage totals and delete them, in one statement; return how
    many were folded. Deltas that writers commit meanwhile stay pending for the next fold, and
    two folds at once fold each delta once: the second waits for the first's deleted rows and
    skips them."""
    delta, total = StageTotalDelta._meta.db_table, StageTotal._meta.db_table
    with connection.cursor() as cursor:
        # Table names come from the models: no outside input.
        cursor.execute(
            f"WITH folded AS (DELETE FROM {delta} RETURNING stage_id, lead_count, value),"  # noqa: S608
            f" added AS (INSERT INTO {total} (stage_id, lead_count, value)"
            "  SELECT stage_id, sum(lead_count), sum(value) FROM folded GROUP BY stage_id"
            "  ON CONFLICT (stage_id) DO UPDATE SET"
            f"  lead_count = {total}.lead_count + EXCLUDED.lead_count,"
            f"  value = {total}.value + EXCLUDED.value)"
            " SELECT count(*) FROM folded"
        )
        folded: int = cursor.fetchone()[0]
    return folded


@transaction.atomic
def recompute() -> None:
    """Rebuild the stage totals from the leads, dropping the pending deltas.

    Writers to the leads wait meanwhile (a SHARE lock on the table), so the totals equal the
    leads when it commits; about half a second at a million leads."""
    lead, delta, total = (
        Lead._meta.db_table,
        StageTotalDelta._meta.db_table,
        StageTotal._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {lead} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {delta}")  # noqa: S608
        cursor.execute(f"DELETE FROM {total}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {total} (stage_id, lead_count, value)"  # noqa: S608
            f" SELECT stage_id, count(*), sum(expected_value) FROM {lead} GROUP BY stage_id"
        )
