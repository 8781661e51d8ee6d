"""Undoing an import: the leads it created removed with their history, the fields it changed
given back their values where nobody changed them since."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from leads.imports.landing import UPDATABLE_COLUMNS
from leads.models import Activity, ImportBatch, ImportedLead, Lead

CHUNK = 2_000


@dataclass
class Undone:
    removed: int = 0
    kept: int = 0
    restored: int = 0
    not_restored: int = 0


def undo(batch: ImportBatch) -> Undone:
    """Remove the batch's leads that nobody touched since it ended, in short transactions (the
    database's triggers keep the totals and rollups exact as they go), then restore fields."""
    result = Undone()
    ended = batch.finished_at
    touched = Q(updated_at__gt=ended) | Exists(
        Activity.objects.filter(lead=OuterRef("pk"), created_at__gt=ended)
    )
    created = ImportedLead.objects.filter(batch=batch, created=True)
    result.kept = Lead.objects.filter(Q(pk__in=created.values("lead_id")) & touched).count()
    while True:
        with transaction.atomic():
            ids = list(
                Lead.objects.filter(pk__in=created.values("lead_id"))
                .exclude(touched)
                .values_list("pk", flat=True)[:CHUNK]
            )
            if not ids:
                break
            Lead.objects.filter(pk__in=ids).delete()
            result.removed += len(ids)
    with transaction.atomic():
        result.restored, result.not_restored = _restore(batch.pk)
    return result


def _restore(batch_id: int) -> tuple[int, int]:
    """Give each changed field its previous value where it still holds what the import wrote;
    returns how many fields were restored and how many had been changed since."""
    restored = changed = 0
    with connection.cursor() as cursor:
        for field, (column, kind) in UPDATABLE_COLUMNS.items():
            cursor.execute(
                f"""
                UPDATE leads_lead l SET {column} = (i.previous ->> %(field)s)::{kind}
                FROM leads_importedlead i
                WHERE i.batch_id = %(batch)s AND NOT i.created AND i.lead_id = l.id
                  AND i.written ? %(field)s AND to_jsonb(l.{column}) = i.written -> %(field)s
                """,  # noqa: S608  (columns from the model's fields)
                {"field": field, "batch": batch_id},
            )
            restored += cursor.rowcount
            cursor.execute(
                "SELECT count(*) FROM leads_importedlead i WHERE i.batch_id = %(batch)s"
                " AND NOT i.created AND i.written ? %(field)s",
                {"field": field, "batch": batch_id},
            )
            changed += cursor.fetchone()[0]
        cursor.execute(
            "UPDATE leads_lead l SET import_batch_id = (i.previous ->> 'import_batch')::bigint"
            " FROM leads_importedlead i WHERE i.batch_id = %(batch)s AND i.lead_id = l.id"
            " AND l.import_batch_id = %(batch)s",
            {"batch": batch_id},
        )
    return restored, changed - restored
