"""Writes the rows of a workbook's first visible worksheet to standard output as CSV, each row
led by its number in the sheet: `python xlsx_rows.py WORKBOOK MEMORY_BYTES CPU_SECONDS`.

leads.imports.files runs it as a child process so that whatever a workbook makes the reader do
stays out of the web and worker processes: python-calamine holds a whole sheet in memory, sized
by its farthest cell (a 1 KB file with a cell in A1 and one in XFD1048576 asks for half a
terabyte, and a failed allocation aborts the process), so the child runs under a memory and a
CPU-time limit, and its death is the refusal. It imports nothing of Django or the project.

Values become the text the import's cell readers take: numbers with a dot for decimals and no
thousands separator, dates and times in ISO form, formulas as the value the spreadsheet program
last computed (python-calamine never evaluates them).
"""

import csv
import datetime
import resource
import sys

# What the parent reads on standard error when the file is no workbook at all.
NOT_A_WORKBOOK = "not-a-workbook"


def cell_text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return "" if value is None else str(value)


def _limit(kind: int, value: int) -> None:
    """Lowers the limit of `kind` to `value` (never above a hard limit already set)."""
    _soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def main(path: str, memory: int, seconds: int) -> int:
    _limit(resource.RLIMIT_AS, memory)
    _limit(resource.RLIMIT_CPU, seconds)
    from python_calamine import (
        CalamineError,
        CalamineWorkbook,
        SheetTypeEnum,
        SheetVisibleEnum,
    )

    try:
        workbook = CalamineWorkbook.from_path(path)
        index = next(
            (
                position
                for position, sheet in enumerate(workbook.sheets_metadata)
                if sheet.visible == SheetVisibleEnum.Visible
                and sheet.typ == SheetTypeEnum.WorkSheet
            ),
            0,
        )
        sheet = workbook.get_sheet_by_index(index)
    except (CalamineError, ValueError, IndexError):
        sys.stderr.write(NOT_A_WORKBOOK)
        return 1
    output = csv.writer(sys.stdout, lineterminator="\n")
    # From the sheet's first row and column, empty ones included: numbered as the sheet is.
    for number, values in enumerate(sheet.iter_rows(), start=1):
        cells = [cell_text(value) for value in values]
        if any(cells):
            output.writerow([number, *cells])
    return 0


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8", newline="")  # type: ignore[union-attr]
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
