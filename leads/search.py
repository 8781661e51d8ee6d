"""Finding leads by what a person remembers of them: part of a name, an email, a company or a
phone number, in any letter case, with a typo or two; or the name of a colleague who owns them.

Both ways of matching read `Lead.search_text` (name, email, company and phone, as written and as
its digits, in one column) and are served by its trigram index (`lead_search_trgm`): a plain
ILIKE '%...%' for substrings, and pg_trgm's word similarity (operator %>) for near misses such as
"globx" for "Globex". Django's own `icontains` compares UPPER(...) and so cannot use that index;
hence the small lookup below. A two-letter word (王伟, "li") has no trigram of its own: it is
looked for in the search text with every letter written twice, which a second trigram index
serves (see leads.models.paired). A phone number typed with other spaces or dashes than the stored
one is matched by its digits. Owners are matched among the people the page already read, and
their leads found through the owner indexes, so that the plan stays a union of index scans.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, Q, TextField
from django.db.models.sql.compiler import SQLCompiler

from accounts.models import User
from leads.models import paired

# pg_trgm cannot judge the similarity of fewer than three letters; such words match as
# substrings only.
_SHORTEST_SIMILAR = 3
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


def search_condition(query: str, *, owners: Iterable[User] = ()) -> Q:
    """The leads that `query` finds, among them those owned by whichever of `owners` it names;
    every lead for a blank query."""
    text = " ".join(query.split())
    if not text:
        return Q()
    if len(text) == _PAIRED:
        condition = Q(ILikeContains(paired(F("search_text")), "".join(c * 2 for c in text)))
    else:
        condition = Q(search_text__ilike_contains=text)
    if len(text) >= _SHORTEST_SIMILAR:
        condition |= Q(search_text__trigram_word_similar=text)
    digits = re.sub(r"\D", "", text)
    if _PHONE.fullmatch(text) and len(digits) >= _SHORTEST_PHONE and digits != text:
        condition |= Q(search_text__ilike_contains=digits)
    named = [owner.pk for owner in owners if _names(owner, text)]
    if named:
        condition |= Q(marketing_owner__in=named) | Q(sales_owner__in=named)
    return condition


def _names(person: User, text: str) -> bool:
    """Whether `text` is part of the name `person` goes by (or of their username)."""
    wanted = text.casefold()
    return wanted in str(person).casefold() or wanted in person.username.casefold()
