"""What the lead list's campaign and owner pickers offer as one types: a few choices at a time.

A team may have thousands of campaigns and hundreds of people, so the list page does not carry
them all; its pickers, the page endpoints behind them and the API read the same functions here,
so that a page and the API offer the same choices in the same order."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Concat

from accounts.models import User
from leads.models import Lead
from leads.search import read_search, search_condition

# Choices offered for one term: as many as a picker shows without scrolling far.
PICKER_LIMIT = 20
# Longer than any campaign, name, username or email: a longer term matches nothing.
LONGEST_TERM = 150


@dataclass(frozen=True)
class Choice:
    """One choice: the value the filter takes, the text shown, and a hint that tells apart two
    people with the same name (their username)."""

    value: str
    label: str
    hint: str = ""


def owner_label(user: User) -> str:
    """How the list names an owner: as the owner select did before it became a picker."""
    return user.get_full_name() or user.username


def _like_pattern(term: str) -> str:
    """An ILIKE pattern matching `term` anywhere, its own % and _ taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The campaigns in use, one row each, in the campaign index's order: a loose index scan, one
# index probe per campaign, since PostgreSQL 15 has no skip scan and SELECT DISTINCT would read
# every lead. The walk is lazy: a LIMIT outside it stops it as soon as enough rows matched.
_CAMPAIGNS_IN_USE = """
    WITH RECURSIVE campaigns AS (
        (SELECT campaign FROM {table} WHERE campaign > '' ORDER BY campaign LIMIT 1)
        UNION ALL
        SELECT (
            SELECT later.campaign FROM {table} later
            WHERE later.campaign > campaigns.campaign ORDER BY later.campaign LIMIT 1
        )
        FROM campaigns WHERE campaigns.campaign IS NOT NULL
    )
    SELECT campaign FROM campaigns WHERE campaign IS NOT NULL AND {condition}
"""


def _campaigns_where(condition: str, params: list[str | int]) -> list[str]:
    table = connection.ops.quote_name(Lead._meta.db_table)
    # The table name is the model's, the condition this module's: the input is in params.
    sql = _CAMPAIGNS_IN_USE.format(table=table, condition=condition)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [name for (name,) in cursor.fetchall()]


def campaigns_matching(term: str, *, limit: int = PICKER_LIMIT) -> list[Choice]:
    """Up to `limit` campaigns in use whose name holds `term` (any case), in the order of the
    campaign index: a common term costs a few index probes, a rare one at most one per
    campaign in use, never a read of the leads."""
    names = _campaigns_where("campaign ILIKE %s LIMIT %s", [_like_pattern(term), limit])
    return [Choice(value=name, label=name) for name in names]


# The campaigns in use that are one name in any letter case: a loose scan of the index on
# (lower(campaign), campaign), one probe per spelling (usually one).
_SPELLINGS = """
    WITH RECURSIVE spellings AS (
        (SELECT campaign FROM {table} WHERE lower(campaign) = lower(%(name)s)
         ORDER BY lower(campaign), campaign LIMIT 1)
        UNION ALL
        SELECT (
            SELECT later.campaign FROM {table} later
            WHERE lower(later.campaign) = lower(%(name)s) AND later.campaign > spellings.campaign
            ORDER BY lower(later.campaign), later.campaign LIMIT 1
        )
        FROM spellings WHERE spellings.campaign IS NOT NULL
    )
    SELECT campaign FROM spellings WHERE campaign IS NOT NULL
"""


def campaign_spellings(name: str) -> list[str]:
    """The campaigns in use that are `name` in any letter case: what the lead list's campaign
    filter matches (read only when it is set)."""
    table = connection.ops.quote_name(Lead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_SPELLINGS.format(table=table), {"name": name})
        return [spelling for (spelling,) in cursor.fetchall()]


def owners_matching(
    owners: QuerySet[User], term: str, *, limit: int = PICKER_LIMIT
) -> list[Choice]:
    """Up to `limit` of `owners` (the people the lead list's owner filter takes) whose name,
    username or email holds `term` (any case), in the owners' own order. The people table holds
    hundreds of rows, so one pass over it is cheaper than any index."""
    matching = owners.annotate(
        full_name=Concat("first_name", Value(" "), "last_name", output_field=CharField())
    ).filter(Q(full_name__icontains=term) | Q(username__icontains=term) | Q(email__icontains=term))
    return [
        Choice(value=str(user.pk), label=owner_label(user), hint=user.username)
        for user in matching[:limit]
    ]


def leads_matching(term: str, *, besides: int, limit: int = PICKER_LIMIT) -> list[Choice]:
    """Up to `limit` leads other than `besides` that a search for `term` finds (name, email,
    company, phone; leads.search), newest first: the duplicates a merge page offers. Nothing
    for a blank term: a merge names the lead it means."""
    if not term.strip():
        return []
    found = (
        Lead.objects.filter(search_condition(read_search(term)))
        .exclude(pk=besides)
        .order_by("-created_at", "-id")
        .values_list("pk", "full_name", "email")[:limit]
    )
    return [Choice(value=str(pk), label=name, hint=email) for pk, name, email in found]
