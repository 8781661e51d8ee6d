"""Searching leads by name, email or company: substrings in any case, and near misses."""

import pytest
from django.db import connection

from leads.models import Lead
from leads.search import search_condition
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads() -> dict[str, Lead]:
    return {
        "acme": LeadFactory.create(
            full_name="Wile Coyote", email="wile@acme.test", company="ACME Corp."
        ),
        "globex": LeadFactory.create(
            full_name="Hank Scorpio", email="hank@gx.test", company="Globex"
        ),
        "ada": LeadFactory.create(
            full_name="Ada Lovelace", email="ada@engines.test", company="Engines"
        ),
        "odd": LeadFactory.create(full_name="Percy 100%_Sure", email="percy@odd.test", company=""),
    }


def found(query: str) -> set[str]:
    return set(Lead.objects.filter(search_condition(query)).values_list("full_name", flat=True))


def test_a_lowercase_word_finds_a_company_written_in_capitals(leads: dict[str, Lead]) -> None:
    assert found("acme") == {"Wile Coyote"}
    assert found("Acme corp") == {"Wile Coyote"}


def test_a_part_of_a_name_or_an_email_finds_the_lead(leads: dict[str, Lead]) -> None:
    assert found("lovel") == {"Ada Lovelace"}
    assert found("ada@engines") == {"Ada Lovelace"}
    assert found("SCORPIO") == {"Hank Scorpio"}


def test_a_one_letter_typo_still_finds_the_lead(leads: dict[str, Lead]) -> None:
    assert found("globx") == {"Hank Scorpio"}
    assert found("lovelance") == {"Ada Lovelace"}


def test_an_unrelated_word_finds_nothing(leads: dict[str, Lead]) -> None:
    assert found("initech") == set()


def test_percent_and_underscore_match_only_themselves(leads: dict[str, Lead]) -> None:
    assert found("%") == {"Percy 100%_Sure"}
    assert found("0%_s") == {"Percy 100%_Sure"}
    assert found("a_a") == set()


def test_a_blank_query_finds_every_lead(leads: dict[str, Lead]) -> None:
    assert found("") == set(Lead.objects.values_list("full_name", flat=True))
    assert found("   ") == found("")


def test_the_trigram_index_can_answer_both_kinds_of_match(leads: dict[str, Lead]) -> None:
    """Django's icontains compares UPPER(...), which the index does not hold; ours must not."""
    sql, params = (
        Lead.objects.filter(search_condition("acme")).only("id").order_by().query.sql_with_params()
    )
    with connection.cursor() as cursor:
        # A handful of rows would be read sequentially; ask whether the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert plan.count("Bitmap Index Scan on lead_search_trgm") == 2, plan
