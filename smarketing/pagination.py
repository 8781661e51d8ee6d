"""Keyset (cursor) pagination for long lists.

A page is the first `per_page` rows after a cursor, in a fixed order. The cursor is the last
shown row's sort values, signed so that a person cannot hand-craft one; the next page is found by
comparing values (WHERE created_at <= ... ORDER BY ... LIMIT), which an index serves as fast 500,000
rows deep as on the first page. There is no OFFSET and no COUNT(*): a page knows only whether
another follows it (it reads one row more than it shows).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet

_SALT = "smarketing.pagination"


def _signer() -> signing.Signer:
    # Made when used: the key is the settings' at that moment, and importing needs none.
    return signing.Signer(salt=_SALT)


class InvalidCursor(ValueError):
    """A cursor that this ordering did not write: tampered with, truncated, or from another
    sort order."""


@dataclass(frozen=True)
class Keyset:
    """An order that pages by value.

    `fields` are the model's own columns, none of them nullable, all sorted the same way, and
    the last one unique (the id) so that rows sharing the other values still have one order.
    An index on exactly these columns, in this direction, makes every page cheap.
    """

    fields: tuple[str, ...]
    descending: bool = False

    def order_by(self) -> list[str]:
        return [f"-{field}" if self.descending else field for field in self.fields]

    def after(self, values: Sequence[Any]) -> Q:
        """The rows that come after a row with these sort values."""
        beyond = "lt" if self.descending else "gt"
        condition = Q(**{f"{self.fields[-1]}__{beyond}": values[-1]})
        for field, value in zip(self.fields[-2::-1], values[-2::-1], strict=True):
            condition = Q(**{f"{field}__{beyond}": value}) | (Q(**{field: value}) & condition)
        # Redundant with the condition above, but an index can start its scan at this bound,
        # where the OR alone would make PostgreSQL filter every row before the cursor.
        return Q(**{f"{self.fields[0]}__{beyond}e": values[0]}) & condition

    def cursor_for(self, row: Model) -> str:
        values = [
            row._meta.get_field(field).value_to_string(row)  # type: ignore[union-attr]
            for field in self.fields
        ]
        # No timestamp (unlike signing.dumps): the same page always has the same address.
        return _signer().sign_object({"k": self.order_by(), "v": values})

    def values_of(self, cursor: str, model: type[Model]) -> list[Any]:
        """The sort values a cursor carries, as Python values; InvalidCursor if this keyset
        did not write it."""
        try:
            payload = _signer().unsign_object(cursor)
        except (signing.BadSignature, ValueError) as error:
            # ValueError: signed, but not an object this signer wrote (a cursor from before
            # cursors dropped their timestamp carries one after the object).
            raise InvalidCursor("the cursor is not one this site wrote") from error
        if not isinstance(payload, dict) or payload.get("k") != self.order_by():
            raise InvalidCursor("the cursor belongs to another order")
        raw = payload.get("v")
        if not isinstance(raw, list) or len(raw) != len(self.fields):
            raise InvalidCursor("the cursor does not carry one value per sort field")
        try:
            return [
                model._meta.get_field(field).to_python(value)  # type: ignore[union-attr]
                for field, value in zip(self.fields, raw, strict=True)
            ]
        except (FieldDoesNotExist, ValidationError) as error:
            raise InvalidCursor("the cursor carries a value of the wrong kind") from error


@dataclass(frozen=True)
class Page[M: Model]:
    rows: list[M]
    keyset: Keyset
    # Whether another page follows this one.
    more: bool

    @property
    def next_cursor(self) -> str | None:
        """Where the next page starts; None on the last page. Signed when asked for, so that
        a page read for its rows alone (a digest's queue) needs no secret key."""
        return self.keyset.cursor_for(self.rows[-1]) if self.more else None


def paginate[M: Model](
    queryset: QuerySet[M],
    *,
    keyset: Keyset,
    cursor: str | None,
    per_page: int,
    parts: Sequence[Q] = (),
) -> Page[M]:
    """One page of `queryset` in `keyset` order, starting after `cursor` (or at the top).

    With `parts`, the rows are those of `queryset` matching any of them, read part by part: each
    part's first rows in the keyset's order, merged (UNION ALL ... ORDER BY ... LIMIT). A list
    whose condition is an OR of parts that an index each serves in that order (a stage and its
    age) then reads a page per part, where PostgreSQL would filter one index's rows one by one
    or sort every match.

    One query. Raises InvalidCursor for a cursor that `keyset` did not write."""
    if cursor:
        queryset = queryset.filter(keyset.after(keyset.values_of(cursor, queryset.model)))
    order = keyset.order_by()
    if len(parts) > 1:
        pages = [queryset.filter(part).order_by(*order)[: per_page + 1] for part in parts]
        queryset = pages[0].union(*pages[1:], all=True)
    elif parts:
        queryset = queryset.filter(parts[0])
    rows = list(queryset.order_by(*order)[: per_page + 1])
    return Page(rows=rows[:per_page], keyset=keyset, more=len(rows) > per_page)
