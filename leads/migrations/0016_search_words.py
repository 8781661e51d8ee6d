"""The words leads are written with (SearchWord), kept by the database from now on, so that a
typo of a common name is looked up among them rather than judged against every lead's search
text; and finer statistics of the search text, so that the planner sees how many leads a word
finds.

A typo's near words are the words nearest to it by trigrams (the GiST index finds them) that
are word-similar to it or at most one edit away (two for words of six letters or more, so that
two swapped letters, "Satnos" for "Santos", are still found).

Judging a typo against every lead cost about 30 microseconds a row: a common surname's typo
matched thousands of leads, read and judged before fifty were shown. With the statistics at
their default (100 samples), any word rarer than one lead in a hundred looked like a hundred
leads; at 1,000 the planner sees a common word, and walks the list's order instead of sorting
every lead that holds it.

The functions and triggers are a frozen copy of leads/sql/search_words.py as it was then."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

INSTALL = """
CREATE OR REPLACE FUNCTION leads_search_words_from_new_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO leads_searchword (word)
    SELECT DISTINCT word FROM added, regexp_split_to_table(lower(added.search_text), '[[:space:][:punct:][:digit:]]+') AS word
    WHERE char_length(word) >= 3
    ORDER BY word
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION leads_search_words_from_edited_lead() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO leads_searchword (word)
    SELECT DISTINCT word FROM regexp_split_to_table(lower(NEW.search_text), '[[:space:][:punct:][:digit:]]+') AS word
    WHERE char_length(word) >= 3
    ORDER BY word
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER leads_search_words_from_new_leads AFTER INSERT ON leads_lead
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION leads_search_words_from_new_leads();
CREATE OR REPLACE TRIGGER leads_search_words_from_edited_lead AFTER UPDATE ON leads_lead
    FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION leads_search_words_from_edited_lead();

"""

UNINSTALL = """
DROP TRIGGER leads_search_words_from_new_leads ON leads_lead;
DROP TRIGGER leads_search_words_from_edited_lead ON leads_lead;
DROP FUNCTION leads_search_words_from_new_leads();
DROP FUNCTION leads_search_words_from_edited_lead();
"""

FILL = """
INSERT INTO leads_searchword (word)
SELECT DISTINCT word
FROM leads_lead, regexp_split_to_table(lower(search_text), '[[:space:][:punct:][:digit:]]+') AS word
WHERE char_length(word) >= 3
ON CONFLICT DO NOTHING;
"""

STATISTICS = """
ALTER TABLE leads_lead ALTER COLUMN search_text SET STATISTICS 1000;
ALTER INDEX lead_search_pairs_trgm ALTER COLUMN 1 SET STATISTICS 1000;
ANALYZE leads_lead;
"""

DEFAULT_STATISTICS = """
ALTER TABLE leads_lead ALTER COLUMN search_text SET STATISTICS -1;
ALTER INDEX lead_search_pairs_trgm ALTER COLUMN 1 SET STATISTICS -1;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0015_lead_campaign_any_case"),
    ]

    operations = [
        # Edit distances between a typo and the words it may mean (levenshtein_less_equal).
        CreateExtension("fuzzystrmatch"),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.TextField(primary_key=True, serialize=False)),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GistIndex(
                        django.contrib.postgres.indexes.OpClass("word", name="gist_trgm_ops"),
                        name="search_word_trgm",
                    )
                ],
            },
        ),
        migrations.RunSQL(INSTALL, reverse_sql=UNINSTALL),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(STATISTICS, reverse_sql=DEFAULT_STATISTICS),
    ]
