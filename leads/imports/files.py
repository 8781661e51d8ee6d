"""Reading an uploaded file of leads: a CSV in whatever encoding and separator its program wrote,
or the first visible sheet of an XLSX workbook.

`open_sheet` looks at the file once and refuses anything we cannot read faithfully with an
ImportFileError whose message tells the person what is wrong and what to do: an empty or binary
file, text in no encoding we can tell, a missing or duplicated header, a line or cell too long to
be data, an XLSX that is not one, unpacks to far more than it weighs, links to other workbooks or
carries macros. What it returns, a Sheet, then streams the rows as often as asked, each exactly as
wide as the header:

- Encoding: the whole file must decode, checked before the first row is read (so no row is
  refused for its encoding half way through an import): UTF-8 (with or without a byte-order
  mark), UTF-16 with its mark (Excel's "Unicode text"), otherwise what charset-normalizer finds,
  Windows-1252 first among the Western single-byte encodings it finds equally likely (what Excel
  in Spanish writes; Latin-1 when a byte is not Windows-1252).
- Separator: comma, semicolon (Excel in Spanish), tab or vertical bar, whichever splits the
  first lines into as many cells as the header, most consistently.
- Header: the first row with a letter or a digit. Empty names at its end are dropped; an empty name
  between others, a name given twice (in any letter case or accents), a row of numbers or dates
  or one holding an email address (data, not names) are refused.
- Rows: quoted cells may hold separators and line breaks. Empty rows are skipped. A row with fewer
  cells than the header is padded with empty cells; one with more is refused, naming its line,
  unless the extra cells are empty (spreadsheets often leave trailing separators). Cells are
  stripped of surrounding spaces; nothing in a cell is evaluated, a formula stays text.
- XLSX: read by python-calamine (the cached values of formulas, never evaluating them). Dates
  come as ISO text ("2024-03-01" or "2024-03-01 10:22:00"), numbers with a dot for decimals and
  no thousands separator (Sheet.decimal_mark is ".").
"""

import codecs
import csv
import io
import logging
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import IO, Final, cast

import charset_normalizer
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leads.imports import xlsx_rows
from leads.imports.columns import comparable
from smarketing.errors import DomainError

# The configured limit on an uploaded file's size (settings.IMPORT_MAX_UPLOAD_BYTES, from the
# environment). open_sheet reads the setting at each call.
MAX_UPLOAD_BYTES: Final = settings.IMPORT_MAX_UPLOAD_BYTES
# The longest line and the longest cell a CSV may have, in characters: a real lead's row is a
# few hundred; a longer one is a file that is not a table (or an unclosed quotation mark).
MAX_LINE_CHARS: Final = 1_048_576
MAX_CELL_CHARS: Final = 131_072
MAX_COLUMNS: Final = 500
# The rows read with the header, which a preview shows without reading the file again.
PREVIEW_ROWS: Final = 20
DELIMITERS: Final = (",", ";", "\t", "|")
# XLSX: what a workbook may unpack to in all, and how much more than it weighs each part may
# unpack to (an ordinary sheet compresses 5 to 30 times, one of empty styled cells a few
# hundred; a zip bomb a thousand times, layer after layer).
MAX_XLSX_UNCOMPRESSED_BYTES: Final = 512 * 1024 * 1024
MAX_XLSX_RATIO: Final = 500
MAX_XLSX_MEMBERS: Final = 10_000

# The child process reading a workbook (leads/imports/xlsx_rows.py): the memory it may map and
# the processor time it may take. A sheet costs it about 100 bytes a cell of its extent, text
# included: 250,000 rows of 20 columns read within the limit (bench numbers in the README).
XLSX_READER_MEMORY_BYTES: Final = 1024 * 1024 * 1024
XLSX_READER_CPU_SECONDS: Final = 300

logger = logging.getLogger(__name__)

_CHUNK_BYTES = 1024 * 1024
_SAMPLE_BYTES = 256 * 1024
_SNIFF_LINES = 50
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_NUMBER_OR_DATE = re.compile(r"[-+\d\s.,:/%€$£]+")
_EMAIL = re.compile(r"\S+@\S+\.\S+")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# The csv module's limit on one cell applies to the whole process; it is set here, to the value
# the import relies on, instead of trusting whatever it was.
csv.field_size_limit(MAX_CELL_CHARS)


class ImportFileError(DomainError):
    """A file the import cannot read; the message says what is wrong and what to do."""

    code = "import_file_invalid"


@dataclass(frozen=True)
class Sheet:
    """The table in an uploaded file: how it was read, its header, and its rows on demand."""

    kind: str  # "csv" or "xlsx"
    encoding: str | None  # "utf-8", "utf-8-sig", "utf-16", "cp1252", ...; None for xlsx
    delimiter: str | None  # one of DELIMITERS; None for xlsx
    header: list[str]
    # The decimal separator of the numbers in cells when the file says so: "." for xlsx (numbers
    # are numbers there); None for csv, where parse_decimal tells each value's own.
    decimal_mark: str | None = None
    path: Path = field(repr=False, kw_only=True)
    # The line (csv) or row (xlsx) on which the header ends; data starts after it.
    header_line: int = field(repr=False, kw_only=True)
    # The first data rows, read with the header so that a preview reads the file no second time
    # (any row of an XLSX costs parsing its whole sheet), and whether they are all the rows.
    first_rows: tuple[tuple[int, list[str]], ...] = field(default=(), repr=False, kw_only=True)
    first_rows_are_all: bool = field(default=False, repr=False, kw_only=True)

    def numbered_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Every non-empty data row with the number of the line (csv: where the row starts) or
        spreadsheet row it came from, each exactly len(header) cells. Streams: the file is
        read as the rows are asked for. Raises ImportFileError at a row with more non-empty
        cells than the header."""
        records = _csv_rows(self) if self.kind == "csv" else _xlsx_rows(self.path)
        return _data_rows(records, self)

    def rows(self) -> Iterator[list[str]]:
        """Every data row, each exactly len(header) cells ("" for empty), streamed."""
        return (cells for _line, cells in self.numbered_rows())

    def preview(self, count: int = 5) -> list[list[str]]:
        if count <= len(self.first_rows) or self.first_rows_are_all:
            return [cells for _line, cells in self.first_rows[:count]]
        return list(islice(self.rows(), count))


def _data_rows(
    records: Iterator[tuple[int, list[str]]], sheet: Sheet
) -> Iterator[tuple[int, list[str]]]:
    width = len(sheet.header)
    for line, cells in records:
        if line > sheet.header_line and any(cells):
            yield line, _fitted(cells, width, line, kind=sheet.kind)


def open_sheet(path: Path, *, filename: str) -> Sheet:
    """The sheet in the file at `path`, uploaded as `filename` (whose extension tells what the
    person meant it to be). Raises ImportFileError for a file we cannot read faithfully."""
    size = path.stat().st_size
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportFileError(
            _(
                "The file is %(size)s; files of at most %(limit)s can be imported. "
                "Split it into smaller files and import them one after the other."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if size == 0:
        raise ImportFileError(_("The file is empty. Choose a CSV or XLSX file with your leads."))
    with path.open("rb") as stream:
        magic = stream.read(8)
    extension = Path(filename).suffix.lower()
    if magic == _OLE_MAGIC or extension in {".xls", ".ods", ".numbers", ".xlsb"}:
        raise ImportFileError(
            _(
                "This is not a CSV or XLSX file (it may be an old .xls workbook, another "
                "program's format, or a workbook protected with a password). Open it in your "
                "spreadsheet and save it as .xlsx without a password, or as CSV."
            )
        )
    if magic.startswith(b"PK\x03\x04") or extension in {".xlsx", ".xlsm"}:
        return _open_xlsx(path, extension)
    return _open_csv(path)


def _fitted(cells: list[str], width: int, line: int, *, kind: str) -> list[str]:
    if len(cells) == width:
        return cells
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    if any(cells[width:]):
        where = _("Row %(number)d") if kind == "xlsx" else _("Line %(number)d")
        raise ImportFileError(
            _(
                "%(where)s has %(count)d cells but the header names %(width)d columns. "
                "Give the extra cells a column name in the header, or remove them, and "
                "upload the file again."
            )
            % {"where": where % {"number": line}, "count": len(cells), "width": width}
        )
    return cells[:width]


def _checked_header(cells: list[str]) -> list[str]:
    names = [cell.strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    if len(names) > MAX_COLUMNS:
        raise ImportFileError(
            _(
                "The file has %(count)d columns; at most %(limit)d can be imported. Remove "
                "the columns you do not need and upload it again."
            )
            % {"count": len(names), "limit": MAX_COLUMNS}
        )
    if all(_NUMBER_OR_DATE.fullmatch(name) for name in names) or any(
        _EMAIL.fullmatch(name) for name in names
    ):
        raise ImportFileError(
            _(
                "The first row holds data, not the names of the columns. Add a first row with "
                "a name for each column (such as Email, Name, Company) and upload it again."
            )
        )
    unnamed = [index + 1 for index, name in enumerate(names) if not name]
    if unnamed:
        raise ImportFileError(
            ngettext(
                "The header row has no name for column %(columns)s. Give every column a name "
                "in the first row, or delete the empty column, and upload the file again.",
                "The header row has no name for columns %(columns)s. Give every column a name "
                "in the first row, or delete the empty columns, and upload the file again.",
                len(unnamed),
            )
            % {"columns": ", ".join(map(str, unnamed))}
        )
    seen: dict[str, str] = {}
    repeated: list[str] = []
    for name in names:
        key = comparable(name) or name
        if key in seen and seen[key] not in repeated:
            repeated.append(seen[key])
        seen.setdefault(key, name)
    if repeated:
        raise ImportFileError(
            _(
                "The header row gives the same name to more than one column: %(names)s. Give "
                "each column its own name and upload the file again."
            )
            % {"names": ", ".join(f"“{name}”" for name in repeated)}
        )
    return names


# CSV


def _open_csv(path: Path) -> Sheet:
    encoding = _detect_encoding(path)
    delimiter = _detect_delimiter(path, encoding)
    with closing(_csv_records(path, encoding, delimiter)) as records:
        return _read_header(
            Sheet(
                kind="csv",
                encoding=encoding,
                delimiter=delimiter,
                header=[],
                path=path,
                header_line=0,
            ),
            records,
            none=_(
                "The file has no header row: it holds no text. Choose the file with your "
                "leads, with the names of the columns in its first row."
            ),
        )


def _read_header(sheet: Sheet, records: Iterator[tuple[int, list[str]]], *, none: str) -> Sheet:
    """`sheet` with its header, the first row of `records` with a letter or a digit, and the
    first rows after it (PREVIEW_ROWS of them). Refuses with `none` a file without one."""
    first = next(((line, cells) for line, cells in records if _has_text(cells)), None)
    if first is None:
        raise ImportFileError(none)
    line, cells = first
    sheet = replace(sheet, header=_checked_header(cells), header_line=line)
    ahead = tuple(islice(_data_rows(records, sheet), PREVIEW_ROWS + 1))
    return replace(
        sheet, first_rows=ahead[:PREVIEW_ROWS], first_rows_are_all=len(ahead) <= PREVIEW_ROWS
    )


def _has_text(cells: list[str]) -> bool:
    """Whether a row has a letter or digit: a line of separators alone (";;;;", as Excel writes
    an empty row) or of dashes is no header."""
    return any(character.isalnum() for cell in cells for character in cell)


def _csv_rows(sheet: Sheet) -> Iterator[tuple[int, list[str]]]:
    return _csv_records(sheet.path, sheet.encoding or "utf-8", sheet.delimiter or ",")


def _csv_records(path: Path, encoding: str, delimiter: str) -> Generator[tuple[int, list[str]]]:
    with path.open(encoding=encoding, newline="") as stream:
        yield from _records(stream, delimiter=delimiter)


def _records(stream: IO[str], *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Each CSV record in `stream` with the line it starts on, cells stripped."""
    reader = csv.reader(_bounded_lines(stream), delimiter=delimiter)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise ImportFileError(
                _(
                    "A cell starting on line %(line)d is longer than %(limit)s characters; "
                    "that is usually a quotation mark that is never closed. Check that "
                    "line in your spreadsheet and upload the file again."
                )
                % {"line": line, "limit": f"{MAX_CELL_CHARS:,}"}
            ) from None
        yield line, [cell.strip() for cell in cells]
        line = reader.line_num + 1


def _bounded_lines(stream: IO[str]) -> Iterator[str]:
    number = 0
    while line := stream.readline(MAX_LINE_CHARS + 2):
        number += 1
        if len(line) > MAX_LINE_CHARS and len(line.rstrip("\r\n")) > MAX_LINE_CHARS:
            raise ImportFileError(
                _(
                    "Line %(line)d is longer than %(limit)s characters, which no row of leads "
                    "is: this file does not look like a table. Check that line, or save the "
                    "sheet again as CSV, and upload it again."
                )
                % {"line": number, "limit": f"{MAX_LINE_CHARS:,}"}
            )
        yield line


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as stream:
        head = stream.read(_SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in head:
        raise _binary(head[: head.index(b"\x00")].count(b"\n") + 1)
    else:
        candidates = ["utf-8"]
    failure = _undecodable(path, candidates[0])
    if failure is None:
        return candidates[0]
    line, window = failure
    if candidates[0] == "utf-8":
        for guess in _guesses(head[: _SAMPLE_BYTES // 2] + window):
            if _undecodable(path, guess) is None:
                return guess
    raise ImportFileError(
        _(
            "We could not read the text on line %(line)d: the file is not in an encoding we "
            "can tell. In your spreadsheet, save it as “CSV UTF-8” and upload it again."
        )
        % {"line": line}
    )


def _guesses(sample: bytes) -> list[str]:
    """What charset-normalizer finds the sample most likely written in; of equally likely
    single-byte encodings, Windows-1252 (then Latin-1), as Western exports are."""
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        return []
    best = [match.encoding for match in matches if match.chaos <= matches[0].chaos]
    if "cp1252" in best or matches[0].encoding in _WESTERN:
        return ["cp1252", "latin_1"]
    return [matches[0].encoding]


def _undecodable(path: Path, encoding: str) -> tuple[int, bytes] | None:
    """None when the whole file decodes as `encoding` without a NUL character; otherwise the
    line where it fails and the bytes around it. Reads the file once, a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_before = 0
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(_CHUNK_BYTES)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                at = max(error.start, 0)
                line = lines_before + chunk[:at].count(b"\n") + 1
                return line, chunk[max(at - 4096, 0) : at + 4096]
            if "\x00" in text:
                raise _binary(lines_before + text[: text.index("\x00")].count("\n") + 1)
            lines_before += text.count("\n")
            if not chunk:
                return None


def _binary(line: int) -> ImportFileError:
    return ImportFileError(
        _(
            "This is not a text file (line %(line)d holds binary data). Open it in your "
            "spreadsheet and save it as CSV or XLSX, then upload that file."
        )
        % {"line": line}
    )


def _detect_delimiter(path: Path, encoding: str) -> str:
    """The separator that splits the first lines most consistently into as many cells as the
    first of them; a comma when none splits anything (a file of one column)."""
    with path.open(encoding=encoding, newline="") as stream:
        sample = "".join(islice(_bounded_lines(stream), _SNIFF_LINES))

    def score(delimiter: str) -> tuple[bool, float, int]:
        try:
            rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
        except csv.Error:
            return (False, 0.0, 0)
        rows = [row for row in rows if _has_text(row)]
        if not rows:
            return (False, 0.0, 0)
        width = len(rows[0])
        agreeing = sum(1 for row in rows if len(row) == width) / len(rows)
        return (width > 1, agreeing, width)

    return max(DELIMITERS, key=score)


# XLSX


def _open_xlsx(path: Path, extension: str) -> Sheet:
    _check_workbook(path, extension)
    with closing(_xlsx_rows(path)) as records:
        return _read_header(
            Sheet(
                kind="xlsx",
                encoding=None,
                delimiter=None,
                header=[],
                decimal_mark=".",
                path=path,
                header_line=0,
            ),
            records,
            none=_(
                "The workbook's first sheet is empty. Put your leads in the first sheet, with "
                "the names of the columns in its first row, and upload it again."
            ),
        )


def _not_a_workbook() -> ImportFileError:
    return ImportFileError(
        _(
            "This file is not an Excel workbook we can read, or it is damaged. Open it in your "
            "spreadsheet and save it as .xlsx (Excel workbook) or as CSV, then upload that file."
        )
    )


def _check_workbook(path: Path, extension: str) -> None:
    """Refuses, before anything parses the workbook: what is not an XLSX, what unpacks to far
    more than it weighs (sizes as written in the zip, then as really unpacked: a part that
    unpacks to more than its entry says fails its checksum), links to other workbooks and
    macros."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _not_a_workbook() from None
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if len(members) > MAX_XLSX_MEMBERS or "xl/workbook.xml" not in names:
            raise _not_a_workbook()
        if extension == ".xlsm" or any(name.lower().endswith("vbaproject.bin") for name in names):
            raise ImportFileError(
                _(
                    "This workbook contains macros, which we do not open. Save it as .xlsx "
                    "(Excel workbook, without macros) or as CSV, then upload that file."
                )
            )
        if any(name.startswith("xl/externalLinks/") for name in names):
            raise ImportFileError(
                _(
                    "This workbook links to other workbooks, whose values we cannot see. In "
                    "your spreadsheet, break the links (keep the values), save it, and upload "
                    "it again."
                )
            )
        declared = sum(member.file_size for member in members)
        swollen = any(
            member.file_size > _CHUNK_BYTES
            and member.file_size > MAX_XLSX_RATIO * max(member.compress_size, 1)
            for member in members
        )
        if declared > MAX_XLSX_UNCOMPRESSED_BYTES or swollen:
            raise _too_big_workbook()


def _too_big_workbook() -> ImportFileError:
    return ImportFileError(
        _(
            "This workbook unpacks to more than %(limit)s, far more than a sheet of leads: it "
            "may be damaged or built to harm. Save the sheet as CSV and upload that file."
        )
        % {"limit": filesizeformat(MAX_XLSX_UNCOMPRESSED_BYTES)}
    )


def _xlsx_rows(path: Path) -> Generator[tuple[int, list[str]]]:
    """The first visible worksheet's non-empty rows, numbered as the spreadsheet numbers them,
    read by a child process under limits (leads/imports/xlsx_rows.py says why)."""
    command = [
        sys.executable,
        "-I",
        str(Path(__file__).with_name("xlsx_rows.py")),
        str(path),
        str(XLSX_READER_MEMORY_BYTES),
        str(XLSX_READER_CPU_SECONDS),
    ]
    # Its errors go to a file: a pipe nobody reads while the rows are read could fill and stall.
    with (
        tempfile.TemporaryFile() as errors_file,
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors_file,
            env={"RUST_BACKTRACE": "0", "LANG": "C.UTF-8"},
        ) as child,
    ):
        finished = False
        try:
            stream = io.TextIOWrapper(cast(IO[bytes], child.stdout), encoding="utf-8", newline="")
            for _line, cells in _records(stream):
                yield int(cells[0]), cells[1:]
            finished = True
        finally:
            if not finished:
                child.kill()
        failed = child.wait() != 0
        errors_file.seek(0)
        errors = errors_file.read().decode(errors="replace")
    if failed:
        if xlsx_rows.NOT_A_WORKBOOK in errors:
            raise _not_a_workbook()
        logger.warning("The XLSX reader stopped on %s: %s", path.name, errors[-500:])
        raise ImportFileError(
            _(
                "This workbook is too large or too complex for us to read as XLSX (its sheet "
                "spans more cells than we hold at once). Save the sheet as CSV, which we read "
                "at any length, and upload that file."
            )
        )
