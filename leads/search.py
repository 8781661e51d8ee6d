"""Finding leads by what a person remembers of them: part of a name, an email or a company,
in any letter case, with a typo or two.

Both ways of matching read `Lead.search_text` (name, email and company in one column) and are
served by its trigram index (`lead_search_trgm`): a plain ILIKE '%...%' for substrings, and
pg_trgm's word similarity (operator %>) for near misses such as "globx" for "Globex". Django's own
`icontains` compares UPPER(...) and so cannot use that index; hence the small lookup below.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Lookup, Q, TextField
from django.db.models.sql.compiler import SQLCompiler

# pg_trgm cannot judge the similarity of fewer than three letters; such words match as
# substrings only.
_SHORTEST_SIMILAR = 3


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


def search_condition(query: str) -> Q:
    """The leads that `query` finds; every lead for a blank query."""
    text = " ".join(query.split())
    if not text:
        return Q()
    condition = Q(search_text__ilike_contains=text)
    if len(text) >= _SHORTEST_SIMILAR:
        condition |= Q(search_text__trigram_word_similar=text)
    return condition
