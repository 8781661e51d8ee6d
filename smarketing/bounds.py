"""The bounds of every number a person can type, in one place.

Forms, the API's serializers and the models (validators and database check constraints) read
them here, so that a page, the API and the database never disagree on what is acceptable. Each
bound is wide enough for any real use and narrow enough that the arithmetic done with the number
cannot overflow: a stage's time limit is subtracted from today's date, amounts are summed over
every lead into NUMERIC columns, rate limits are counted in 32-bit columns.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import CheckConstraint, Q


@dataclass(frozen=True)
class Bound[N: (int, Decimal)]:
    """The smallest and the largest value a person may give, both included."""

    minimum: N
    maximum: N

    def limits(self) -> dict[str, Any]:
        """The keyword arguments of a Django form field or a DRF serializer field."""
        return {"min_value": self.minimum, "max_value": self.maximum}

    def validators(self) -> list[MinValueValidator | MaxValueValidator]:
        """For a model field: what the admin and ModelForms check before saving."""
        return [MinValueValidator(self.minimum), MaxValueValidator(self.maximum)]

    def constraint(self, field: str, *, name: str, nullable: bool = False) -> CheckConstraint:
        """The same bound kept by the database, for whatever writes around the forms."""
        condition = Q(**{f"{field}__gte": self.minimum, f"{field}__lte": self.maximum})
        if nullable:
            condition |= Q(**{f"{field}__isnull": True})
        return CheckConstraint(condition=condition, name=name)


def _largest(digits: int, places: int) -> Decimal:
    """The largest amount a NUMERIC(digits, places) column holds."""
    return Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)


# A stage's time limit and its first-touch limit, in hours: at most a year.
STAGE_HOURS = Bound(1, 24 * 365)
# A stage's win probability, a goal's share from marketing-sourced leads: percentages.
PERCENT = Bound(0, 100)
# The order of stages and reasons (a small integer column).
POSITION = Bound(0, 32_767)
# The rates a manager plans with while history is thin (percent, above zero).
PLANNING_RATE = Bound(Decimal("0.01"), Decimal(100))
# Money, in the columns' own precision: a lead's expected value may be zero; a deal's value or
# amount and an average deal are above zero; a goal is for a period, so its column is wider.
MONEY_DIGITS, GOAL_DIGITS, CENTS = 12, 14, 2
LEAD_VALUE = Bound(Decimal(0), _largest(MONEY_DIGITS, CENTS))
DEAL_AMOUNT = Bound(Decimal("0.01"), _largest(MONEY_DIGITS, CENTS))
GOAL_AMOUNT = Bound(Decimal("0.01"), _largest(GOAL_DIGITS, CENTS))
# A website form's submissions per minute, in all and from one address.
CAPTURE_RATE = Bound(1, 1_000_000)
# The year of a period asked for (a goal's, the dashboard's, a digest's week).
PERIOD_YEAR = Bound(1900, 2999)
# Rows per page of a list in the API.
PAGE_SIZE = Bound(1, 100)
# An object's id sent in a request (ids are PostgreSQL bigints).
OBJECT_ID = Bound(1, 2**63 - 1)


def object_id(text: str | None) -> int | None:
    """An id given in an address or a form field: a whole number within OBJECT_ID, else None
    (a missing, mistyped or impossible id names no object)."""
    try:
        value = int(text or "")
    except ValueError:
        return None
    return value if OBJECT_ID.minimum <= value <= OBJECT_ID.maximum else None


def decimal_pattern(minimum: Decimal, maximum: Decimal, places: int) -> str | None:
    """The regular expression of the amounts from `minimum` to `maximum` with at most `places`
    decimals, for an API schema that sends amounts as strings, so that what the schema calls
    valid the API accepts. Known for the bounds above (a minimum of zero or of one unit of the
    last place; a maximum all nines or a power of ten); None for any other."""
    unit = Decimal(1).scaleb(-places)
    decimals = rf"(?:\.\d{{0,{places}}})?"
    digits = len(str(int(maximum)))
    if maximum == Decimal(10) ** digits - unit:
        wholes = rf"[1-9]\d{{0,{digits - 1}}}{decimals}"
    elif maximum == Decimal(10) ** (digits - 1):
        # Below the power of ten, or the power of ten itself with zero decimals.
        wholes = rf"[1-9]\d{{0,{digits - 2}}}{decimals}|1{'0' * (digits - 1)}(?:\.0{{0,{places}}})?"
    else:
        return None
    if minimum == 0:
        fractions = rf"0{decimals}|\.\d{{1,{places}}}"
    elif minimum == unit:
        # Some digit after the point that is not zero: 0.01 to 0.99.
        nonzero = "|".join(
            "0" * n + "[1-9]" + (rf"\d{{0,{places - n - 1}}}" if n < places - 1 else "")
            for n in range(places)
        )
        fractions = rf"\.(?:{nonzero})"
    else:
        return None
    return rf"^0*(?:{wholes}|{fractions})$"
