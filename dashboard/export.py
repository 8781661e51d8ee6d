"""CSV downloads of the dashboard's tables, safe to open in a spreadsheet."""

import csv
import io

from dashboard.tables import Table
from smarketing.spreadsheets import neutralised


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralised(column) for column in table.csv_columns()])
    for row in table.rows:
        writer.writerow(["" if cell.raw is None else neutralised(cell.raw) for cell in row])
    return out.getvalue()
