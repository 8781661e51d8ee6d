"""Reading uploaded sheets (CSV and XLSX): encoding, separator and header."""

import csv
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from smarketing.errors import DomainError


class ImportFileError(DomainError):
    code = "import_file_invalid"


@dataclass(frozen=True)
class Sheet:
    kind: str
    encoding: str
    delimiter: str
    header: list[str]
    path: pathlib.Path = field(repr=False)

    def rows(self) -> Iterator[list[str]]:
        with self.path.open(encoding=self.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            next(reader, None)
            width = len(self.header)
            for row in reader:
                yield (row + [""] * width)[:width]

    def preview(self, count: int = 5) -> list[list[str]]:
        rows = []
        for row in self.rows():
            rows.append(row)
            if len(rows) == count:
                break
        return rows


def open_sheet(path: pathlib.Path, *, filename: str) -> Sheet:
    encoding = "utf-8-sig"
    with path.open(encoding=encoding, newline="") as handle:
        first = handle.readline()
    if not first.strip():
        raise ImportFileError(_("The file is empty."))
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))
    return Sheet(kind="csv", encoding=encoding, delimiter=delimiter, header=header, path=path)
