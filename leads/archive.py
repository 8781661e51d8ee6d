"""Everything, as one ZIP archive another system can load: the leads, their stage history,
activities and mentions as CSV files; personas, stages, reasons, revenue goals and the people
(names, emails and teams, never a secret) as JSON; and manifest.json describing every file and
column.

The files agree with each other: they are read in one REPEATABLE READ, READ ONLY transaction
(one snapshot, no lock that blocks anyone writing). The archive streams: the database writes each
CSV file's rows itself (COPY), stream-zip compresses them as they come, and no file is ever held
whole in memory or on disk."""

import json
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Model, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import StreamingHttpResponse
from django.utils import timezone
from stream_zip import ZIP_32, ZIP_64, MemberFile, stream_zip

from accounts.models import User
from accounts.roles import Role
from funnel.models import Reason, RevenueGoal, Stage, StageChange, Transition
from leads.exports import CHUNK_BYTES, Column, FileKind, copied_rows, csv_header, download
from leads.models import Activity, Lead, Mention, Persona
from smarketing.formulas import Neutralised
from smarketing.money import currency

FORMAT_VERSION = 1
# Fast deflate: CSV text still shrinks about fourfold, and the archive keeps up with COPY.
COMPRESSION_LEVEL = 1
FILE_MODE = stat.S_IFREG | 0o600

FORMULAS_NOTE = (
    "A text cell of a CSV file that began with = + - @ tab or carriage return is written with "
    "an apostrophe before it, so that a spreadsheet does not run it as a formula; remove that "
    "first apostrophe when loading such a cell. JSON files hold every value as it is."
)
TIMES_NOTE = (
    "Timestamps are ISO 8601 in UTC with their offset (2026-03-01 09:30:00.123456+00); "
    "dates are YYYY-MM-DD; amounts are decimals in the currency named here."
)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: str
    expression: Any = None

    def column(self) -> Column:
        source = self.expression if self.expression is not None else F(self.name)
        return Column(self.name, Neutralised(source) if self.kind == "text" else source)


@dataclass(frozen=True)
class CsvFile:
    name: str
    description: str
    rows: Callable[[], QuerySet[Any]]
    fields: list[Field]


def _id(name: str, description: str) -> Field:
    return Field(name, "integer", description)


CSV_FILES = [
    CsvFile(
        "leads.csv",
        "One row per lead (a person who may buy); email is unique, compared without case.",
        lambda: Lead.objects.order_by("id"),
        [
            _id("id", "The lead's id, which the other files refer to as lead_id."),
            Field("full_name", "text", "Name."),
            Field("email", "text", "Email address."),
            Field("phone", "text", "Phone number."),
            Field("company", "text", "Company."),
            Field("job_title", "text", "Job title."),
            Field("country", "text", "Country."),
            Field("source", "text", "Where the lead came from (a key: web, event, ...)."),
            Field("campaign", "text", "Campaign."),
            _id("persona_id", "Buyer persona: an id of personas.json, or empty."),
            _id("stage_id", "Current stage: an id of stages.json."),
            Field("stage_entered_at", "timestamp", "When the lead entered its current stage."),
            Field("expected_value", "decimal", "Expected deal value."),
            Field("expected_close_date", "date", "Expected close date."),
            _id("marketing_owner_id", "Marketing owner: an id of users.json, or empty."),
            _id("sales_owner_id", "Sales owner: an id of users.json, or empty."),
            Field("created_at", "timestamp", "When the lead was logged."),
            Field("updated_at", "timestamp", "When the lead's record last changed."),
        ],
    ),
    CsvFile(
        "stage_changes.csv",
        "The funnel history: one row per move of a lead, oldest first. A lead's stage is the "
        "to_stage_id of its last row.",
        lambda: StageChange.objects.order_by("id"),
        [
            _id("id", "The move's id."),
            _id("lead_id", "The lead: an id of leads.csv."),
            Field("kind", "text", "What happened: created, qualified, claimed, won, lost, ..."),
            _id("from_stage_id", "The stage left: an id of stages.json, or empty at creation."),
            _id("to_stage_id", "The stage entered: an id of stages.json."),
            _id("actor_id", "Who moved it: an id of users.json, or empty (the system)."),
            Field("at", "timestamp", "When."),
            _id("reason_id", "Why (recycled or lost): an id of reasons.json, or empty."),
            Field("note", "text", "What the person wrote with the move."),
            Field("value", "decimal", "The value agreed at this move, if any."),
            _id("seconds_in_previous_stage", "Time spent in the stage left, in seconds."),
        ],
    ),
    CsvFile(
        "activities.csv",
        "The leads' timelines: notes, calls, emails, meetings and the system's entries.",
        lambda: Activity.objects.order_by("id"),
        [
            _id("id", "The activity's id, which mentions.csv refers to as activity_id."),
            _id("lead_id", "The lead: an id of leads.csv."),
            Field("kind", "text", "note, call, email, meeting or system."),
            _id("author_id", "Who wrote it: an id of users.json, or empty."),
            Field("body", "text", "The text."),
            Field(
                "message",
                "json",
                "A system entry's text as data (JSON), for showing it in each language.",
                Cast("message", TextField()),
            ),
            Field("created_at", "timestamp", "When."),
        ],
    ),
    CsvFile(
        "mentions.csv",
        "People @mentioned in activities.",
        lambda: Mention.objects.order_by("id"),
        [
            _id("id", "The mention's id."),
            _id("activity_id", "The activity: an id of activities.csv."),
            _id("user_id", "Who was mentioned: an id of users.json."),
            Field("created_at", "timestamp", "When."),
            Field("seen_at", "timestamp", "When they read it, or empty."),
            Field("emailed_at", "timestamp", "When they were emailed about it, or empty."),
        ],
    ),
]


@dataclass(frozen=True)
class JsonFile:
    name: str
    description: str
    rows: Callable[[], list[dict[str, Any]]]


def _values(model: type[Model]) -> Callable[[], list[dict[str, Any]]]:
    names = [field.attname for field in model._meta.concrete_fields]
    return lambda: list(model._default_manager.order_by("pk").values(*names))


def _stages() -> list[dict[str, Any]]:
    stages = _values(Stage)()
    moves: dict[int, list[dict[str, Any]]] = {}
    for move in Transition.objects.order_by("pk").values("from_stage_id", "to_stage_id", "kind"):
        moves.setdefault(move["from_stage_id"], []).append(
            {"to_stage_id": move["to_stage_id"], "kind": move["kind"]}
        )
    return [stage | {"allowed_moves": moves.get(stage["id"], [])} for stage in stages]


def _users() -> list[dict[str, Any]]:
    """Names, emails and teams: no password, token or second factor is even read."""
    teams: dict[int, list[str]] = {}
    memberships = User.groups.through.objects.filter(group__name__in=[role.value for role in Role])
    for user_id, team in memberships.order_by("group__name").values_list("user_id", "group__name"):
        teams.setdefault(user_id, []).append(team)
    people = User.objects.order_by("pk").values(
        "id", "username", "first_name", "last_name", "email", "is_active"
    )
    return [
        {
            "id": user["id"],
            "username": user["username"],
            "full_name": f"{user['first_name']} {user['last_name']}".strip(),
            "email": user["email"],
            "teams": teams.get(user["id"], []),
            "active": user["is_active"],
        }
        for user in people
    ]


JSON_FILES = [
    JsonFile("personas.json", "Buyer personas, which leads.csv refers to.", _values(Persona)),
    JsonFile(
        "stages.json",
        "The funnel's stages in order, with the moves allowed out of each (allowed_moves).",
        _stages,
    ),
    JsonFile("reasons.json", "Reasons for recycling a lead or losing it.", _values(Reason)),
    JsonFile("goals.json", "Revenue goals per period.", _values(RevenueGoal)),
    JsonFile("users.json", "The people: id, username, name, email and teams.", _users),
]


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def _manifest(now: datetime, counts: dict[str, int], json_rows: dict[str, list[Any]]) -> bytes:
    files: list[dict[str, Any]] = [
        {
            "name": csv_file.name,
            "format": "csv",
            "description": csv_file.description,
            "rows": counts[csv_file.name],
            "columns": [
                {"name": f.name, "type": f.kind, "description": f.description}
                for f in csv_file.fields
            ],
        }
        for csv_file in CSV_FILES
    ]
    files += [
        {
            "name": json_file.name,
            "format": "json",
            "description": json_file.description,
            "rows": len(json_rows[json_file.name]),
        }
        for json_file in JSON_FILES
    ]
    return _json_bytes(
        {
            "format": "smarketing-export",
            "version": FORMAT_VERSION,
            "exported_at": now,
            "currency": currency(),
            "csv": (
                "UTF-8, comma-separated, a header row, quoted as RFC 4180 (PostgreSQL's CSV): "
                'an empty cell is null, "" is empty text.'
            ),
            "times": TIMES_NOTE,
            "formulas": FORMULAS_NOTE,
            "files": files,
        }
    )


def _csv_chunks(csv_file: CsvFile) -> Iterator[bytes]:
    columns = [f.column() for f in csv_file.fields]
    names = {f"c{index}": column.expression for index, column in enumerate(columns)}
    query = csv_file.rows().annotate(**names).values_list(*names).query
    sql, params = query.get_compiler(connection=connection).as_sql()
    yield csv_header(columns)
    yield from copied_rows(sql, tuple(params))


def _members(now: datetime) -> Iterable[MemberFile]:
    """The archive's files, each read only when the archive reaches it. The counts and the
    small JSON files are read first, for the manifest."""
    counts = {csv_file.name: csv_file.rows().count() for csv_file in CSV_FILES}
    json_rows = {json_file.name: json_file.rows() for json_file in JSON_FILES}
    yield "manifest.json", now, FILE_MODE, ZIP_32, (_manifest(now, counts, json_rows),)
    for json_file in JSON_FILES:
        body = _json_bytes(json_rows[json_file.name])
        yield json_file.name, now, FILE_MODE, ZIP_32, (body,)
    for csv_file in CSV_FILES:
        yield csv_file.name, now, FILE_MODE, ZIP_64, _csv_chunks(csv_file)


def _one_snapshot() -> None:
    """Every read of the transaction sees the data of one moment. Inside a transaction that
    has read already (a test's), the snapshot is the one it has."""
    if not connection.savepoint_ids:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def archive_chunks(now: datetime) -> Iterator[bytes]:
    with transaction.atomic():
        _one_snapshot()
        yield from stream_zip(
            _members(now),
            chunk_size=CHUNK_BYTES,
            get_compressobj=lambda: zlib.compressobj(
                wbits=-zlib.MAX_WBITS, level=COMPRESSION_LEVEL
            ),
        )


def archive_file(now: datetime) -> StreamingHttpResponse:
    filename = f"smarketing-export-{timezone.localdate(now).isoformat()}.zip"
    return download(archive_chunks(now), filename=filename, kind=FileKind.ZIP)
