"""Cells written to files people open in a spreadsheet."""

# A cell a spreadsheet would read as a formula (OWASP's CSV injection advice).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised[T](value: T) -> T | str:
    """The value, with a quote before text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
