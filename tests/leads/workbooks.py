"""XLSX workbooks for the import's tests, written part by part so that a test can add what real
spreadsheet programs write (cached formula values, date styles, hidden sheets) and what a hostile
file carries (macros, external links, parts that unpack to far more than they weigh)."""

import datetime
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

_EXCEL_EPOCH = datetime.date(1899, 12, 30)


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula and the value the spreadsheet program last computed for it."""

    formula: str
    cached: str | float


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        if isinstance(value.cached, str):
            return (
                f'<c r="{ref}" t="str"><f>{escape(value.formula)}</f>'
                f"<v>{escape(value.cached)}</v></c>"
            )
        return f'<c r="{ref}"><f>{escape(value.formula)}</f><v>{value.cached}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="1"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return (
        f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'
    )


Row = Sequence[object] | Mapping[int, object]


def sheet_xml(rows: Sequence[Row] | Mapping[int, Row], *, first_row: int = 1) -> str:
    """A worksheet of `rows`: a list numbered from `first_row`, or row numbers to rows; a row
    is a list of values from column A, or column indexes (0 for A) to values."""
    numbered = rows.items() if isinstance(rows, Mapping) else enumerate(rows, start=first_row)
    body = "".join(
        f'<row r="{number}">'
        + "".join(
            _cell(f"{_column(col)}{number}", value)
            for col, value in (row.items() if isinstance(row, Mapping) else enumerate(row))
        )
        + "</row>"
        for number, row in numbered
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def workbook_bytes(
    sheets: Sequence[Sequence[Row] | Mapping[int, Row]],
    *,
    hidden: tuple[int, ...] = (),
    first_row: int = 1,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """An XLSX with `sheets` (each a list of rows), the sheets at `hidden` positions hidden, and
    the `extra` parts added as they are."""
    names = [f"Sheet{number}" for number in range(1, len(sheets) + 1)]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        + "</Types>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        + "".join(
            f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"'
            + (' state="hidden"' if n - 1 in hidden else "")
            + "/>"
            for n, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>"
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        + f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        archive.writestr("xl/styles.xml", _STYLES)
        for n, rows in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", sheet_xml(rows, first_row=first_row))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()
