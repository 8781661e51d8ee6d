"""An import told step by step through the services, as the pages and the API take it."""

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase

from accounts.models import User
from funnel.models import StageChange
from leads.imports import runs
from leads.imports.services import (
    MappingChoice,
    confirm_import,
    set_mapping,
    start_dry_run,
    upload_import,
)
from leads.models import DuplicatePolicy, ImportBatch, Lead

HEADER = (
    "Email,Name,Company,Phone,Stage,Value,Became a Marketing Qualified Lead Date,"
    "Became a Sales Qualified Lead Date,Won date"
)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def uploaded(content: bytes, *, actor: User, name: str = "leads.csv") -> ImportBatch:
    return upload_import(upload=SimpleUploadedFile(name, content), actor=actor)


def checked(
    content: bytes,
    *,
    actor: User,
    policy: str = DuplicatePolicy.FILL_EMPTY,
    values: dict[str, dict[str, str]] | None = None,
) -> ImportBatch:
    """Upload `content`, keep the proposed mapping (with `values` over it), dry-run it."""
    batch = uploaded(content, actor=actor)
    columns = {int(i): field for i, field in batch.mapping["columns"].items()}
    proposed = batch.mapping["values"]
    for field, chosen in (values or {}).items():
        proposed.setdefault(field, {}).update(chosen)
    choice = MappingChoice(columns=columns, values=proposed, policy=policy)
    set_mapping(batch=batch, choice=choice, actor=actor)
    start_dry_run(batch=batch, actor=actor)
    runs.check(batch.pk)
    batch.refresh_from_db()
    return batch


def landed(batch: ImportBatch, *, actor: User, chunk_rows: int = 2) -> ImportBatch:
    confirm_import(batch=batch, actor=actor)
    # What the landing queues when it ends (its email) runs as if it had committed.
    with TestCase.captureOnCommitCallbacks(execute=True):
        runs.land(batch.pk, chunk_rows=chunk_rows)
    batch.refresh_from_db()
    return batch


def lead(email: str) -> Lead:
    return Lead.objects.select_related("stage").get(email=email)


def history(email: str) -> list[tuple[str, str]]:
    """The lead's stage changes, oldest first, as (kind, stage key)."""
    return [
        (change.kind, change.to_stage.slug)
        for change in StageChange.objects.filter(lead__email=email)
        .select_related("to_stage")
        .order_by("at", "id")
    ]


def stages_entered_recounted() -> dict[int, list[int]]:
    """Each lead's stages entered, counted from its history and its stage."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.id, ARRAY(SELECT DISTINCT s FROM unnest(array_append("
            "array_agg(h.to_stage_id), l.stage_id)) AS s ORDER BY s) FROM leads_lead l"
            " LEFT JOIN funnel_stagechange h ON h.lead_id = l.id GROUP BY l.id"
        )
        return dict(cursor.fetchall())


def stages_entered_kept() -> dict[int, list[Any]]:
    return dict(Lead.objects.values_list("id", "stages_entered"))


def write(tmp: Path, content: bytes, name: str = "leads.csv") -> Path:
    path = tmp / name
    path.write_bytes(content)
    return path
