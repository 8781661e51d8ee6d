"""Import batches, step by step: upload, mapping, dry run, confirm, cancel, undo.

Each step checks who may take it (leads.access) and what state the batch is in, changes the
batch in one transaction, and queues the long work (dry run, landing) for the worker once the
transaction commits. Nothing is written to the leads before the person confirms a dry run.
"""

import pathlib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import lead_owners
from funnel.models import Stage
from leads.access import (
    IMPORT_REFUSAL,
    UNDO_IMPORT_REFUSAL,
    can_import,
    can_undo_import,
)
from leads.imports.columns import FIELDS_BY_NAME, propose_mapping
from leads.imports.files import ImportFileError, open_sheet
from leads.imports.staging import VALUE_FIELDS, drop_staging
from leads.imports.tasks import check_import, land_import
from leads.imports.undo import undo
from leads.models import (
    DuplicatePolicy,
    ImportBatch,
    ImportMapping,
    ImportStatus,
    Persona,
    Source,
)
from smarketing.errors import Conflict, DomainError, NotAllowed

# The distinct values of a column shown for mapping, read from the file's first rows: a column
# with more is not a list of choices (values beyond them are matched by name in the dry run).
VALUES_SHOWN = 30
VALUES_READ_ROWS = 20_000
PREVIEW_ROWS = 5


class ImportStateError(Conflict):
    code = "import_state"


class MappingInvalid(DomainError):
    code = "import_mapping_invalid"


@transaction.atomic
def upload_import(*, upload: UploadedFile, actor: User) -> ImportBatch:
    """Keep the uploaded file under IMPORT_ROOT and read its header, first rows and the values
    of its columns. Raises ImportFileError (nothing kept) for a file that cannot be read."""
    if not can_import(actor):
        raise NotAllowed(str(IMPORT_REFUSAL))
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ImportFileError(
            _("The file is larger than %(size)d MB: split it or ask for a higher limit.")
            % {"size": limit // 1024**2}
        )
    name = pathlib.PurePath(upload.name or "import.csv").name[:255]
    batch = ImportBatch.objects.create(created_by=actor, file_name=name, kind="")
    stored = pathlib.Path(str(batch.pk)) / _safe_name(name)
    path = settings.IMPORT_ROOT / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for part in upload.chunks():
            out.write(part)
    try:
        sheet = open_sheet(path, filename=name)
        batch.preview, batch.column_values, batch.rows_total = _read(sheet)
    except ImportFileError:
        path.unlink(missing_ok=True)
        raise
    batch.stored_file = str(stored)
    batch.kind = sheet.kind
    batch.encoding, batch.delimiter = sheet.encoding or "", sheet.delimiter or ""
    batch.header = list(sheet.header)
    columns = propose_mapping(batch.header)
    batch.mapping = {
        "columns": {str(index): field for index, field in columns.items()},
        "values": propose_values(batch, columns),
    }
    batch.save()
    return batch


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[-100:] or "import"


def _read(sheet: Any) -> tuple[list[list[str]], dict[str, list[str]], int]:
    """The first rows, the distinct values of each column with few (from the first rows read),
    and the number of rows."""
    preview: list[list[str]] = []
    values: dict[int, dict[str, str]] = {i: {} for i in range(len(sheet.header))}
    count = 0
    for count, row in enumerate(sheet.rows(), start=1):
        if count <= PREVIEW_ROWS:
            preview.append(row)
        if count > VALUES_READ_ROWS:
            continue
        for index, cell in enumerate(row):
            seen = values.get(index)
            if seen is None or not cell.strip():
                continue
            seen.setdefault(cell.strip().casefold(), cell.strip())
            if len(seen) > VALUES_SHOWN:
                del values[index]
    return preview, {str(i): sorted(v.values()) for i, v in values.items()}, count


def propose_values(batch: ImportBatch, columns: dict[int, str]) -> dict[str, dict[str, str]]:
    """For each mapped stage, owner, source or persona column, its values matched to ours by
    name (stage keys and names, owners' emails, usernames and names, source keys and labels,
    persona names); persona values that match none become new personas."""
    proposed: dict[str, dict[str, str]] = {}
    choices = value_choices()
    for index, field in columns.items():
        if field not in VALUE_FIELDS:
            continue
        known = {_key(label): value for value, label in choices[field] if value}
        known |= {_key(alias): value for alias, value in _aliases(field).items()}
        for cell in batch.column_values.get(str(index), []):
            match = known.get(_key(cell))
            if match is None and field == "persona":
                match = "new"
            # An unknown stage or owner stays unmapped: the dry run refuses its rows until the
            # person maps it (an unknown source is "other").
            if match is not None:
                proposed.setdefault(field, {})[cell] = match
    return proposed


def _key(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.casefold())


def _aliases(field: str) -> dict[str, str]:
    """The usual names in HubSpot, Pipedrive and Odoo exports for our stages and sources."""
    if field == "stage":
        slugs = dict(Stage.objects.values_list("slug", "pk"))
        names = {
            "subscriber": "new", "lead": "new", "nuevo": "new", "contacted": "working",
            "marketingqualifiedlead": "mql", "salesqualifiedlead": "sql",
            "opportunity": "opportunity", "oportunidad": "opportunity", "customer": "won",
            "cliente": "won", "won": "won", "ganado": "won", "lost": "lost", "perdido": "lost",
        }  # fmt: skip
        return {name: str(slugs[slug]) for name, slug in names.items() if slug in slugs}
    if field == "source":
        return {
            "organicsearch": Source.WEBSITE, "directtraffic": Source.WEBSITE,
            "web": Source.WEBSITE, "referrals": Source.REFERRAL, "referido": Source.REFERRAL,
            "paidsearch": Source.PAID_SEARCH, "organicsocial": Source.SOCIAL,
            "paidsocial": Source.SOCIAL, "emailmarketing": Source.EMAIL,
            "offlinesources": Source.EVENT, "evento": Source.EVENT,
        }  # fmt: skip
    return {}


def value_choices() -> dict[str, list[tuple[str, str]]]:
    """What each value of a mapped column may become, as (value, label) pairs; "" for none."""
    owners = list(lead_owners())
    people = (
        [("", _("— unknown: refuse the row —")), ("none", _("— nobody —"))]
        + [(str(user.pk), user.get_full_name() or user.username) for user in owners]
        + [(str(user.pk), user.username) for user in owners]
        + [(str(user.pk), user.email) for user in owners if user.email]
    )
    return {
        "stage": [("", _("— unknown: refuse the row —"))]
        + [(str(stage.pk), stage.shown_name) for stage in Stage.objects.order_by("position")]
        + [(str(stage.pk), stage.slug) for stage in Stage.objects.order_by("position")],
        "marketing_owner": people,
        "sales_owner": people,
        "source": [("", _("Other")), *((key, str(label)) for key, label in Source.choices)]
        + [(key, key) for key in Source.values],
        "persona": [("", _("— none —")), ("new", _("New persona"))]
        + [(str(p.pk), p.name) for p in Persona.objects.order_by("name")],
    }


@dataclass(frozen=True)
class MappingChoice:
    columns: dict[int, str]
    values: dict[str, dict[str, str]]
    policy: str
    save_as: str = ""


@transaction.atomic
def set_mapping(*, batch: ImportBatch, choice: MappingChoice, actor: User) -> ImportBatch:
    """Take the person's mapping (and save it under a name when asked); the batch then waits for
    a dry run again."""
    batch = _locked(batch.pk, actor)
    _check_state(batch, ImportStatus.UPLOADED, ImportStatus.DRY_RUN, ImportStatus.FAILED)
    fields = [field for field in choice.columns.values() if field]
    unknown = set(fields) - set(FIELDS_BY_NAME)
    if unknown:
        raise MappingInvalid(_("Pick fields from the list."))
    doubled = sorted({field for field in fields if fields.count(field) > 1})
    if doubled:
        raise MappingInvalid(
            _("Each field takes one column; more than one fills: %(fields)s.")
            % {"fields": ", ".join(str(_label(field)) for field in doubled)}
        )
    if "email" not in fields:
        raise MappingInvalid(_("Pick the column that holds the email address."))
    if choice.policy not in DuplicatePolicy.values:
        raise MappingInvalid(_("Pick what happens to emails that already exist."))
    if any(i < 0 or i >= len(batch.header) for i in choice.columns):
        raise MappingInvalid(_("The file has no such column."))
    batch.mapping = {
        "columns": {str(i): field for i, field in choice.columns.items() if field},
        "values": choice.values,
    }
    batch.policy = choice.policy
    batch.status = ImportStatus.UPLOADED
    batch.save(update_fields=["mapping", "policy", "status"])
    if choice.save_as.strip():
        header = batch.header
        ImportMapping.objects.update_or_create(
            name=choice.save_as.strip()[:80],
            defaults={
                "mapping": {
                    "columns": {header[i]: field for i, field in choice.columns.items() if field},
                    "values": choice.values,
                    "policy": choice.policy,
                },
                "created_by": actor,
            },
        )
    return batch


def saved_mapping_for(batch: ImportBatch, saved: ImportMapping) -> MappingChoice:
    """A saved mapping applied to this batch's file: its columns found by header name."""
    by_name = saved.mapping.get("columns", {})
    columns = {index: by_name[name] for index, name in enumerate(batch.header) if name in by_name}
    return MappingChoice(
        columns=columns,
        values=saved.mapping.get("values", {}),
        policy=saved.mapping.get("policy", DuplicatePolicy.FILL_EMPTY),
    )


def _label(field: str) -> object:
    return FIELDS_BY_NAME[field].label if field in FIELDS_BY_NAME else field


@transaction.atomic
def start_dry_run(*, batch: ImportBatch, actor: User) -> ImportBatch:
    batch = _locked(batch.pk, actor)
    _check_state(batch, ImportStatus.UPLOADED, ImportStatus.DRY_RUN, ImportStatus.FAILED)
    if "email" not in batch.mapping.get("columns", {}).values():
        raise MappingInvalid(_("Pick the column that holds the email address."))
    batch.status = ImportStatus.CHECKING
    batch.summary = {}
    batch.save(update_fields=["status", "summary"])
    transaction.on_commit(lambda: check_import.delay(batch.pk))
    return batch


@transaction.atomic
def confirm_import(*, batch: ImportBatch, actor: User) -> ImportBatch:
    """Start landing a checked batch in the background."""
    batch = _locked(batch.pk, actor)
    _check_state(batch, ImportStatus.DRY_RUN)
    batch.status = ImportStatus.RUNNING
    batch.started_at = timezone.now()
    batch.rows_done = 0
    batch.save(update_fields=["status", "started_at", "rows_done"])
    transaction.on_commit(lambda: land_import.delay(batch.pk))
    return batch


@transaction.atomic
def cancel_import(*, batch: ImportBatch, actor: User) -> ImportBatch:
    """Stop a batch. A landing stops after the chunk it is writing (it waits for this lock, or
    this waits for its chunk): what landed stays, and a manager may undo it."""
    batch = _locked(batch.pk, actor)
    _check_state(
        batch,
        ImportStatus.UPLOADED,
        ImportStatus.CHECKING,
        ImportStatus.DRY_RUN,
        ImportStatus.RUNNING,
        ImportStatus.FAILED,
    )
    batch.status = ImportStatus.CANCELLED
    batch.cancel_requested = True
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "cancel_requested", "finished_at"])
    drop_staging(batch.pk)
    return batch


def undo_deadline(batch: ImportBatch) -> Any:
    return (batch.finished_at or batch.created_at) + timedelta(days=settings.IMPORT_UNDO_DAYS)


def may_undo(batch: ImportBatch, user: User) -> bool:
    return (
        can_undo_import(user)
        and batch.status in (ImportStatus.DONE, ImportStatus.CANCELLED)
        and batch.rows_done > 0
        and timezone.now() < undo_deadline(batch)
    )


def undo_import(*, batch: ImportBatch, actor: User) -> ImportBatch:
    """Remove the leads the batch created and restore the fields it changed, where nobody
    touched them since; the batch's summary says what stayed and why."""
    if not can_undo_import(actor):
        raise NotAllowed(str(UNDO_IMPORT_REFUSAL))
    with transaction.atomic():
        batch = _locked(batch.pk, actor)
        _check_state(batch, ImportStatus.DONE, ImportStatus.CANCELLED)
        if timezone.now() >= undo_deadline(batch):
            raise ImportStateError(
                _("An import can be undone for %(days)d days after it ends.")
                % {"days": settings.IMPORT_UNDO_DAYS}
            )
        # Marked first: a second undo, or a page reloaded, finds it undone.
        batch.status = ImportStatus.UNDONE
        batch.undone_at = timezone.now()
        batch.save(update_fields=["status", "undone_at"])
    result = undo(batch)
    batch.summary = {
        **batch.summary,
        "undo": {
            "removed": result.removed,
            "kept": result.kept,
            "restored": result.restored,
            "not_restored": result.not_restored,
        },
    }
    ImportBatch.objects.filter(pk=batch.pk).update(summary=batch.summary)
    return batch


def _locked(pk: int, actor: User) -> ImportBatch:
    if not can_import(actor) and not can_undo_import(actor):
        raise NotAllowed(str(IMPORT_REFUSAL))
    return ImportBatch.objects.select_for_update().get(pk=pk)


def _check_state(batch: ImportBatch, *allowed: str) -> None:
    if batch.status not in allowed:
        raise ImportStateError(
            _("This import is %(status)s: that step is not open to it.")
            % {"status": batch.get_status_display().lower()}
        )
