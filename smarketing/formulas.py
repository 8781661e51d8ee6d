"""Text cells of downloads (CSV, XLSX) that a spreadsheet cannot run as formulas (OWASP's CSV
injection advice): a cell that begins with = + - @ tab or carriage return gets a leading
apostrophe, which spreadsheets show as text and do not evaluate. The same rule in Python, for
cells written one by one, and in SQL, for rows the database writes out itself (COPY)."""

from django.db.models import Func, TextField

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The first character, when it is one of FORMULA_STARTS, put back after an apostrophe.
_SQL_PATTERN = "'^([=+@\t\r-])', '''\\1'"


def neutralised[T](value: T) -> T | str:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised_sql(expression: str) -> str:
    """`expression` (SQL text) as a neutralised text cell; NULL stays NULL."""
    return f"regexp_replace({expression}, {_SQL_PATTERN})"


class Neutralised(Func):
    """A text expression neutralised in SQL, for querysets the database writes out itself."""

    template = f"regexp_replace(%(expressions)s, {_SQL_PATTERN})"
    output_field = TextField()
