"""The words leads are found by (SearchWord), kept by the database for leads.search, which
looks a typo up among them instead of judging the similarity of every lead's search text.

A word is a run of letters of `Lead.search_text` (name, email, company, phone), lowercased, of
at least three letters (pg_trgm cannot judge shorter ones). The list only grows: a word no lead
holds any more finds nothing when searched, which costs one index probe. Leads loaded in bulk
add their words once per statement; an edit adds the words of the new text, only when the text
changed (a move or a claim leaves it alone). Words are inserted in order, so that two writers
adding the same new words wait for each other instead of deadlocking.
"""

from smarketing.database_sql import Function, Mechanism, Trigger

# What separates words: spaces, punctuation (the @ and dots of an email, a company's hyphen)
# and digits.
SEPARATORS = "[[:space:][:punct:][:digit:]]+"
SHORTEST_WORD = 3


def _add_words(*, rows: str, text: str) -> str:
    """The statement adding the words of `text`, read from `rows` (FROM ...)."""
    split = f"regexp_split_to_table(lower({text}), '{SEPARATORS}')"
    return f"""
    INSERT INTO leads_searchword (word)
    SELECT DISTINCT word FROM {rows}{split} AS word
    WHERE char_length(word) >= {SHORTEST_WORD}
    ORDER BY word
    ON CONFLICT DO NOTHING;"""


FROM_NEW_LEADS = Function(
    name="leads_search_words_from_new_leads",
    body=f"""
BEGIN{_add_words(rows="added, ", text="added.search_text")}
    RETURN NULL;
END
""",
)

FROM_EDITED_LEAD = Function(
    name="leads_search_words_from_edited_lead",
    body=f"""
BEGIN{_add_words(rows="", text="NEW.search_text")}
    RETURN NULL;
END
""",
)

MECHANISM = Mechanism(
    owner="leads.search",
    functions=(FROM_NEW_LEADS, FROM_EDITED_LEAD),
    triggers=(
        Trigger(
            name="leads_search_words_from_new_leads",
            events="AFTER INSERT",
            table="leads_lead",
            options="REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
            function=FROM_NEW_LEADS,
        ),
        Trigger(
            name="leads_search_words_from_edited_lead",
            events="AFTER UPDATE",
            table="leads_lead",
            options="FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)",
            function=FROM_EDITED_LEAD,
        ),
    ),
)
