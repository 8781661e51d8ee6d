"""Finding leads by what a person remembers of them: part of a name, an email, a company or a
phone number, in any letter case, with a typo or two; or the name of a colleague who owns them.

Matching reads `Lead.search_text` (name, email, company and phone, as written and as its
digits, in one column) with a plain ILIKE '%...%', served by its trigram index
(`lead_search_trgm`). Django's own `icontains` compares UPPER(...) and so cannot use that index;
hence the small lookup below. A near miss such as "globx" for "Globex" or "Satnos" for "Santos"
is first looked up among the words leads are written with (SearchWord: the nearest by trigrams
that are word-similar or an edit or two away), and the leads holding those words are then found
as substrings: judging the similarity of every lead's text cost about 30 microseconds a lead,
and the planner cannot tell how many leads a similarity finds, while it can tell, from the
search text's statistics, how many hold a word.

A two-letter word (王伟, "li") has no trigram of its own: it is looked for in the search text
with every letter written twice, which a second trigram index serves (see leads.models.paired).
A phone number typed with other spaces or dashes than the stored one is matched by its digits.
Owners are matched among the people the page already read, and their leads found through the
owner indexes, so that the plan stays a union of index scans.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, Q, TextField
from django.db.models.sql.compiler import SQLCompiler

from accounts.models import User
from leads.models import paired
from leads.sql.search_words import SHORTEST_WORD

# A substring of this length has no trigram; it is looked for in the text with every letter
# written twice, where it has two.
_PAIRED = 2


@TextField.register_lookup
class ILikeContains(Lookup[str]):
    """`field__ilike_contains=text`: the field contains `text`, ignoring case; the user's % and
    _ match themselves."""

    lookup_name = "ilike_contains"

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        return "%s", [f"%{connection.ops.prep_for_like_query(value)}%"]

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


# What a phone number is written with besides its digits.
_PHONE = re.compile(r"[\d\s+()./-]+")
# Fewer digits than this would find too many numbers by chance.
_SHORTEST_PHONE = 3


# What separates the words of a search, as leads/sql/search_words.py splits the leads' text.
_SEPARATORS = re.compile(r"[\W\d_]+")
# The words of a search looked up for near misses, and how many near words each brings, the
# nearest first: enough for a typo's word and its kin, few enough to keep the condition a
# handful of index probes.
_FUZZY_WORDS = 4
_NEAR_WORDS = 5

# The words nearest to a typo by trigrams among which its near words are chosen; and the edits
# (a letter added, dropped or changed) a word may be away from it: one, or two for a word of
# six letters or more, where two swapped letters are already two edits.
_CANDIDATES = 50
_LONG_WORD = 6

_NEAR = """
    SELECT wanted, near.word
    FROM unnest(%(wanted)s::text[]) AS wanted,
    LATERAL (
        SELECT CASE WHEN char_length(wanted) >= %(long_word)s THEN 2 ELSE 1 END AS edits
    ) AS allowed,
    LATERAL (
        SELECT word
        FROM (
            SELECT word FROM leads_searchword ORDER BY word <-> wanted LIMIT %(candidates)s
        ) AS candidate
        WHERE word %%> wanted
           OR levenshtein_less_equal(wanted, word, allowed.edits) <= allowed.edits
        ORDER BY levenshtein_less_equal(wanted, word, 3), word <-> wanted, word
        LIMIT %(near_words)s
    ) AS near
"""


@dataclass(frozen=True)
class Search:
    """What a person typed, and for each of its words long enough to be judged, the words
    leads are written with that it is a near miss of (itself first)."""

    text: str
    spellings: tuple[tuple[str, ...], ...] = ()


def read_search(query: str) -> Search:
    """`query` with the near misses of its words: one query when it has a word of three
    letters or more, none otherwise."""
    text = " ".join(query.split())
    words = list(dict.fromkeys(_SEPARATORS.split(text.lower())))
    wanted = [word for word in words if len(word) >= SHORTEST_WORD][:_FUZZY_WORDS]
    if not wanted:
        return Search(text=text)
    near: dict[str, list[str]] = {word: [word] for word in wanted}
    with connection.cursor() as cursor:
        cursor.execute(
            _NEAR,
            {
                "wanted": wanted,
                "long_word": _LONG_WORD,
                "candidates": _CANDIDATES,
                "near_words": _NEAR_WORDS,
            },
        )
        for word, spelling in cursor.fetchall():
            if spelling != word:
                near[word].append(spelling)
    return Search(text=text, spellings=tuple(tuple(near[word]) for word in wanted))


def search_condition(search: Search, *, owners: Iterable[User] = ()) -> Q:
    """The leads that `search` finds, among them those owned by whichever of `owners` it
    names; every lead for a blank search."""
    text = search.text
    if not text:
        return Q()
    if len(text) == _PAIRED:
        condition = Q(ILikeContains(paired(F("search_text")), "".join(c * 2 for c in text)))
    else:
        condition = Q(search_text__ilike_contains=text)
    near = search.spellings
    if len(near) == 1 and near[0][0] == text.lower():
        # One word, looked for as written above: its near misses are left.
        near = (near[0][1:],) if len(near[0]) > 1 else ()
    if near:
        condition |= _near_misses(near)
    digits = re.sub(r"\D", "", text)
    if _PHONE.fullmatch(text) and len(digits) >= _SHORTEST_PHONE and digits != text:
        condition |= Q(search_text__ilike_contains=digits)
    named = [owner.pk for owner in owners if _names(owner, text)]
    if named:
        condition |= Q(marketing_owner__in=named) | Q(sales_owner__in=named)
    return condition


def _near_misses(spellings: tuple[tuple[str, ...], ...]) -> Q:
    """Leads holding, for every word searched, that word or one of its near misses."""
    condition = Q()
    for alternatives in spellings:
        either = Q()
        for spelling in alternatives:
            either |= Q(search_text__ilike_contains=spelling)
        condition &= either
    return condition


def _names(person: User, text: str) -> bool:
    """Whether `text` is part of the name `person` goes by (or of their username)."""
    wanted = text.casefold()
    return wanted in str(person).casefold() or wanted in person.username.casefold()
