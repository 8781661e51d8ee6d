"""Reading uploaded files for the import: what we detect in good files, and the clear refusal of
each kind of bad one (tests/leads/import_files/ holds exports as the tools write them; the bad
files are made here, byte by byte)."""

import codecs
import csv
import datetime
import io
import tempfile
import tracemalloc
import zipfile
from collections.abc import Callable
from itertools import islice
from pathlib import Path

import psutil
import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from leads.imports.files import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    PREVIEW_ROWS,
    ImportFileError,
    Sheet,
    open_sheet,
)
from tests.leads.workbooks import Formula, workbook_bytes

CORPUS = Path(__file__).parent / "import_files"
SPANISH = (
    "Nombre;Apellidos;Correo electrónico;Empresa;Importe\r\n"
    "José;Muñoz Ibáñez;jose@example.es;Cañas y Compañía;1.234,56 €\r\n"
)


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def write(data: bytes | str, name: str = "leads.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    return write


def read(path: Path, filename: str = "leads.csv") -> Sheet:
    return open_sheet(path, filename=filename)


def refusal(path: Path, filename: str = "leads.csv") -> str:
    """The message of the refusal of the file, at opening or while reading its rows."""
    with pytest.raises(ImportFileError) as refused:
        list(read(path, filename).rows())
    assert refused.value.code == "import_file_invalid"
    # Sizes are written with a non-breaking space before their unit.
    return refused.value.message.replace("\xa0", " ")


# Good files: what we detect.


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        ("Email,Name\na@example.com,Ann\n", "utf-8", ","),
        (codecs.BOM_UTF8 + SPANISH.encode(), "utf-8-sig", ";"),
        (SPANISH.encode("cp1252"), "cp1252", ";"),
        # Latin-1 has no euro sign; read as Windows-1252, of which it is (in text) a part.
        (SPANISH.replace("€", "EUR").encode("latin-1"), "cp1252", ";"),
        (SPANISH.replace(";", "\t").encode("utf-16"), "utf-16", "\t"),
        ("Email\tName\na@example.com\tAnn\n", "utf-8", "\t"),
        ("Email|Name\na@example.com|Ann\n", "utf-8", "|"),
        ("Email\na@example.com\n", "utf-8", ","),
    ],
    ids=[
        "utf8-comma",
        "utf8-bom-semicolon",
        "cp1252",
        "latin1",
        "utf16-tab",
        "tab",
        "pipe",
        "one-column",
    ],
)
def test_encoding_and_separator_are_detected(
    write: Callable[..., Path], data: bytes | str, encoding: str, delimiter: str
) -> None:
    sheet = read(write(data))

    assert (sheet.kind, sheet.encoding, sheet.delimiter) == ("csv", encoding, delimiter)
    if "Nombre" in sheet.header:
        assert sheet.header == ["Nombre", "Apellidos", "Correo electrónico", "Empresa", "Importe"]
        assert sheet.preview()[0][1:4] == ["Muñoz Ibáñez", "jose@example.es", "Cañas y Compañía"]


def test_a_non_utf8_byte_deep_in_the_file_is_found_before_any_row_is_read(
    write: Callable[..., Path],
) -> None:
    rows = "".join(f"Lead {n};lead{n}@example.es\n" for n in range(100_000))
    data = ("Nombre;Correo\n" + rows + "Peña;pena@example.es\n").encode("cp1252")

    sheet = read(write(data))

    assert sheet.encoding == "cp1252"
    assert list(sheet.rows())[-1] == ["Peña", "pena@example.es"]


def test_header_rows_and_cells(write: Callable[..., Path]) -> None:
    data = (
        "\r\n;;\r\n"  # empty lines and a row of separators before the header
        " Email ; Name ;Notes;;\r\n"  # names stripped; empty names at the end dropped
        'ann@example.com;Ann;"Met at the fair;\r\nwants a demo"\r\n'  # quoted newline
        "bob@example.com;Bob\r\n"  # short: padded
        ";;;;\r\n"  # empty row: skipped
        'cy@example.com;Cy;=HYPERLINK("http://x");;\r\n'  # empty extra cells: dropped
    )

    sheet = read(write(data))

    assert sheet.header == ["Email", "Name", "Notes"]
    assert list(sheet.numbered_rows()) == [
        (4, ["ann@example.com", "Ann", "Met at the fair;\r\nwants a demo"]),
        (6, ["bob@example.com", "Bob", ""]),
        (8, ["cy@example.com", "Cy", '=HYPERLINK("http://x")']),
    ]
    assert sheet.preview(1) == [["ann@example.com", "Ann", "Met at the fair;\r\nwants a demo"]]


def test_exports_of_other_tools_are_read() -> None:
    for path in sorted(CORPUS.iterdir()):
        sheet = read(path, path.name)
        rows = list(sheet.rows())

        assert rows, path.name
        assert all(len(row) == len(sheet.header) for row in rows), path.name


def test_a_workbook_is_read_from_its_first_visible_sheet(write: Callable[..., Path]) -> None:
    data = workbook_bytes(
        [
            [["Secret"], ["hidden"]],
            [
                ["Email", "Value", "Created", "Total", "Text", " Name "],
                [
                    "ann@example.com",
                    1234.5,
                    datetime.date(2024, 3, 1),
                    Formula("B2*2", 2469),
                    "=1+1",
                ],
                [],
                ["bob@example.com", 10, None, Formula('A3&"!"', "=cmd|' /C calc'!A0"), None],
            ],
        ],
        hidden=(0,),
    )

    sheet = read(write(data, "leads.xlsx"), "leads.xlsx")

    assert (sheet.kind, sheet.encoding, sheet.delimiter, sheet.decimal_mark) == (
        "xlsx",
        None,
        None,
        ".",
    )
    assert sheet.header == ["Email", "Value", "Created", "Total", "Text", "Name"]
    # Formulas are their cached values or text, never evaluated.
    assert list(sheet.numbered_rows()) == [
        (2, ["ann@example.com", "1234.5", "2024-03-01", "2469", "=1+1", ""]),
        (4, ["bob@example.com", "10", "", "=cmd|' /C calc'!A0", "", ""]),
    ]


# Bad files: each refused with a message saying what to do.


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


_HEADER_ONLY = [[["Email"], ["ann@example.com"]]]
_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(200)

BAD_FILES: list[tuple[str, str, bytes | str | Callable[[], bytes], str]] = [
    ("empty", "leads.csv", b"", "The file is empty."),
    ("blank", "leads.csv", " \r\n;;;\r\n\r\n", "The file has no header row"),
    ("binary", "leads.csv", _PNG, "This is not a text file (line 3 holds binary data)"),
    (
        "nul-inside",
        "leads.csv",
        "Email\n" + "a@example.com\n" * 10 + "b@ex\x00ample.com\n",
        "line 12 holds binary data",
    ),
    # Bytes no encoding reads as text.
    (
        "undecodable",
        "leads.csv",
        b"Email\n" + bytes(range(1, 256)) * 40,
        "the file is not in an encoding we can tell",
    ),
    ("numbers-header", "leads.csv", "1;2,5;2024-01-01\n3;4;5\n", "The first row holds data"),
    ("no-header", "leads.csv", "Ann;ann@example.com\n", "The first row holds data"),
    ("unnamed-column", "leads.csv", "Email,,Name,,Phone\n", "no name for columns 2, 4."),
    (
        "duplicate-names",
        "leads.csv",
        "Email,Name,EMAIL,Teléfono, telefono ,Company\n",
        "the same name to more than one column: “Email”, “Teléfono”.",
    ),
    (
        "too-many-columns",
        "leads.csv",
        ",".join(f"C{n}" for n in range(MAX_COLUMNS + 1)),
        f"The file has {MAX_COLUMNS + 1} columns; at most {MAX_COLUMNS}",
    ),
    (
        "ragged",
        "leads.csv",
        'Email,Name\na@example.com,"Ann\nSmith"\nb@example.com,Bob,extra,\n',
        "Line 4 has 4 cells but the header names 2 columns.",
    ),
    (
        "long-header-line",
        "leads.csv",
        "Email," + "x" * (MAX_LINE_CHARS + 1) + "\n",
        "Line 1 is longer than 1,048,576 characters",
    ),
    (
        "unclosed-quote",
        "leads.csv",
        'Email,Notes\na@example.com,"starts\n' + ("and never ends " * 10 + "\n") * 1000,
        f"A cell starting on line 2 is longer than {MAX_CELL_CHARS:,} characters",
    ),
    (
        "old-xls",
        "leads.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
        "it may be an old .xls workbook",
    ),
    (
        "csv-named-xlsx",
        "leads.xlsx",
        "Email\na@example.com\n",
        "This file is not an Excel workbook",
    ),
    ("any-zip", "leads.xlsx", _zip({"readme.txt": b"hello"}), "This file is not an Excel workbook"),
    (
        "garbled-workbook",
        "leads.xlsx",
        _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not a workbook"}),
        "This file is not an Excel workbook",
    ),
    (
        "truncated",
        "leads.xlsx",
        workbook_bytes(_HEADER_ONLY)[:-200],
        "This file is not an Excel workbook",
    ),
    (
        "macros",
        "leads.xlsx",
        workbook_bytes(_HEADER_ONLY, extra={"xl/vbaProject.bin": b"\x00" * 100}),
        "This workbook contains macros",
    ),
    ("macro-enabled", "leads.xlsm", workbook_bytes(_HEADER_ONLY), "This workbook contains macros"),
    (
        "external-links",
        "leads.xlsx",
        workbook_bytes(_HEADER_ONLY, extra={"xl/externalLinks/externalLink1.xml": b"<x/>"}),
        "This workbook links to other workbooks",
    ),
    (
        "zip-bomb",
        "leads.xlsx",
        # Made when the test runs: 50 MB of zeros packed into 50 KB.
        lambda: workbook_bytes(_HEADER_ONLY, extra={"xl/media/padding.bin": bytes(50 << 20)}),
        "This workbook unpacks to more than 512.0 MB",
    ),
    (
        # 1 KB whose two cells, in A1 and XFD1048576, span 17 billion.
        "sparse-sheet",
        "leads.xlsx",
        workbook_bytes([{1: ["Email"], 1_048_576: {16_383: "far"}}]),
        "This workbook is too large or too complex for us to read as XLSX",
    ),
    ("empty-sheet", "leads.xlsx", workbook_bytes([[]]), "The workbook's first sheet is empty."),
    (
        "sheet-of-numbers",
        "leads.xlsx",
        workbook_bytes([[[1, 2], [3, 4]]]),
        "The first row holds data",
    ),
]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_files_are_refused_with_a_clear_message(
    write: Callable[..., Path],
    filename: str,
    data: bytes | str | Callable[[], bytes],
    message: str,
) -> None:
    contents = data() if callable(data) else data

    assert message in refusal(write(contents, filename), filename)


def test_a_100_mb_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    with path.open("w") as stream:
        stream.write("Email,Notes\na@example.com,fine\nb@example.com,")
        for _ in range(100):
            stream.write("x" * 1024 * 1024)
        stream.write("\n")
    tracemalloc.start()
    try:
        message = refusal(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "Line 3 is longer than 1,048,576 characters" in message
    assert peak < 16 * 1024 * 1024


@override_settings(IMPORT_MAX_UPLOAD_BYTES=1000)
def test_a_file_above_the_configured_size_is_refused(write: Callable[..., Path]) -> None:
    message = refusal(write("Email\n" + "a@example.com\n" * 100))

    assert message == (
        "The file is 1.4 KB; files of at most 1000 bytes can be imported. "
        "Split it into smaller files and import them one after the other."
    )


def test_reading_rows_streams_the_file(tmp_path: Path) -> None:
    """Iterating a file holds one row at a time, however long the file."""
    path = tmp_path / "leads.csv"
    header = ",".join(f"Column {n}" for n in range(20))
    with path.open("w") as stream:
        stream.write(header + "\n")
        for n in range(20_000):
            stream.write(",".join(f"value {n} {c}" for c in range(20)) + "\n")
    sheet = read(path)

    tracemalloc.start()
    try:
        count = sum(1 for _row in sheet.rows())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 20_000
    assert path.stat().st_size > 4 * 1024 * 1024
    assert peak < 2 * 1024 * 1024


_CELL = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)


@settings(max_examples=60)
@given(
    rows=st.lists(st.lists(_CELL.map(str.strip), min_size=3, max_size=3), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_any_table_written_as_csv_reads_back(
    rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(["Email", "Name", "Notes"])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.csv"
        path.write_bytes(text.getvalue().encode(encoding))

        sheet = read(path)

        assert (sheet.encoding, sheet.delimiter) == (encoding, delimiter)
        assert list(sheet.rows()) == [row for row in rows if any(row)]


def test_a_workbook_row_wider_than_its_header_is_refused_by_its_number(
    write: Callable[..., Path],
) -> None:
    data = workbook_bytes([{1: ["Email", "Name"], 2: ["a@example.com"], 5: {3: "stray"}}])

    message = refusal(write(data, "leads.xlsx"), "leads.xlsx")

    assert message.startswith("Row 5 has 4 cells but the header names 2 columns.")


def test_rows_read_in_part_leave_no_reader_running(write: Callable[..., Path]) -> None:
    rows = [["Email", "Name"], *([f"lead{n}@example.com", f"Lead {n}"] for n in range(5000))]
    sheet = read(write(workbook_bytes([rows]), "leads.xlsx"), "leads.xlsx")

    assert list(islice(sheet.rows(), 2)) == [
        ["lead0@example.com", "Lead 0"],
        ["lead1@example.com", "Lead 1"],
    ]
    readers = [
        child for child in psutil.Process().children() if "xlsx_rows" in " ".join(child.cmdline())
    ]
    assert readers == []


@pytest.mark.parametrize("name", ["leads.csv", "leads.xlsx"])
def test_a_preview_is_read_with_the_header(write: Callable[..., Path], name: str) -> None:
    rows = [["Email", "Name"], *([f"lead{n}@example.com", f"Lead {n}"] for n in range(30))]
    text = "".join(",".join(row) + "\n" for row in rows)
    path = write(workbook_bytes([rows]) if name.endswith("xlsx") else text, name)
    sheet = read(path, name)
    expected = rows[1:]

    assert sheet.preview(25) == expected[:25]
    path.unlink()
    assert sheet.preview() == expected[:5]
    assert sheet.preview(PREVIEW_ROWS) == expected[:PREVIEW_ROWS]
