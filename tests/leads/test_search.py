"""Searching leads by name, email or company: substrings in any case, and near misses."""

import re

import pytest
from django.db import connection

from accounts.roles import Role
from leads.models import Lead, SearchWord
from leads.search import read_search, search_condition
from tests.factories import LeadFactory, UserFactory

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
    condition = search_condition(read_search(query))
    return set(Lead.objects.filter(condition).values_list("full_name", flat=True))


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


def test_the_words_of_a_search_may_come_in_any_order(leads: dict[str, Lead]) -> None:
    assert found("scorpio hank") == {"Hank Scorpio"}
    assert found("engines lovelace") == {"Ada Lovelace"}
    assert found("lovelace acme") == set()


def test_a_typo_is_looked_up_among_the_words_leads_are_written_with(
    leads: dict[str, Lead],
) -> None:
    assert read_search("Globx  lovelance").spellings == (
        ("globx", "globex"),
        ("lovelance", "lovelace"),
    )
    assert read_search("li").spellings == ()


def test_two_swapped_letters_of_a_long_word_are_a_near_miss() -> None:
    LeadFactory.create(full_name="Ana Santos")
    LeadFactory.create(full_name="Rui Sato")

    assert found("Satnos") == {"Ana Santos", "Rui Sato"}
    assert found("Stao") == set()
    assert found("Satno") == {"Rui Sato"}


def test_the_words_of_new_and_edited_leads_are_kept(leads: dict[str, Lead]) -> None:
    Lead.objects.bulk_create(
        [LeadFactory.build(full_name="Zoë Ångström", email="zoe@fjord.test", company="Fjørd")]
    )
    lead = leads["ada"]
    lead.full_name = "Ada Byron"
    lead.save()

    words = set(SearchWord.objects.values_list("word", flat=True))
    assert {"zoë", "ångström", "fjørd", "fjord", "byron", "lovelace", "acme"} <= words
    assert not any(len(word) < 3 or any(c.isdigit() for c in word) for word in words)
    assert found("ångstrom") == {"Zoë Ångström"}
    assert found("byrom") == {"Ada Byron"}


def test_an_unrelated_word_finds_nothing(leads: dict[str, Lead]) -> None:
    assert found("initech") == set()


def test_percent_and_underscore_match_only_themselves(leads: dict[str, Lead]) -> None:
    assert found("%") == {"Percy 100%_Sure"}
    assert found("0%_s") == {"Percy 100%_Sure"}
    assert found("a_a") == set()


def test_a_blank_query_finds_every_lead(leads: dict[str, Lead]) -> None:
    assert found("") == set(Lead.objects.values_list("full_name", flat=True))
    assert found("   ") == found("")


def test_the_trigram_index_can_answer_words_and_typos(leads: dict[str, Lead]) -> None:
    """Django's icontains compares UPPER(...), which the index does not hold; ours must not.
    A typo is matched by the words it is a near miss of, never by judging each lead."""
    word = plan_of(search_condition(read_search("acme")))
    typo = plan_of(search_condition(read_search("lovelance")))

    assert word.count("Bitmap Index Scan on lead_search_trgm") == 1, word
    assert typo.count("Bitmap Index Scan on lead_search_trgm") == 2, typo
    assert "%>" not in typo, typo


@pytest.fixture
def phones() -> dict[str, Lead]:
    return {
        "us": LeadFactory.create(full_name="Wile Coyote", phone="+1 (555) 123-4567"),
        "es": LeadFactory.create(full_name="Lola Flores", phone="+34 612 34 56 78"),
        "none": LeadFactory.create(full_name="Ada Lovelace", phone=""),
    }


def test_a_phone_number_is_found_however_it_is_typed(phones: dict[str, Lead]) -> None:
    assert found("555") == {"Wile Coyote"}
    assert found("(555) 123-4567") == {"Wile Coyote"}
    assert found("555 123 4567") == {"Wile Coyote"}
    assert found("5551234567") == {"Wile Coyote"}
    assert found("612 345 678") == {"Lola Flores"}
    assert found("+34612") == {"Lola Flores"}
    assert found("999 999") == set()


def test_a_colleague_s_name_finds_the_leads_they_own() -> None:
    maria = UserFactory.create(first_name="Maria", last_name="Lindqvist", roles=[Role.MARKETING])
    sam = UserFactory.create(username="sam", first_name="Sam", last_name="Okafor")
    LeadFactory.create(full_name="Wile Coyote", marketing_owner=maria)
    LeadFactory.create(full_name="Road Runner", marketing_owner=None, sales_owner=sam)
    LeadFactory.create(full_name="Ada Lovelace", marketing_owner=None)
    owners = [maria, sam]

    def by_owner(query: str) -> set[str]:
        condition = search_condition(read_search(query), owners=owners)
        return set(Lead.objects.filter(condition).values_list("full_name", flat=True))

    assert by_owner("lindqvist") == {"Wile Coyote"}
    assert by_owner("Maria Lindqvist") == {"Wile Coyote"}
    assert by_owner("okafor") == {"Road Runner"}
    assert by_owner("sam") == {"Road Runner"}
    assert by_owner("lovelace") == {"Ada Lovelace"}


def plan_of(condition: object) -> str:
    sql, params = Lead.objects.filter(condition).only("id").order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_phone_and_owner_searches_stay_served_by_indexes(phones: dict[str, Lead]) -> None:
    maria = UserFactory.create(first_name="Maria", last_name="Lindqvist")
    LeadFactory.create_batch(3, marketing_owner=maria)

    phone = plan_of(search_condition(read_search("555 123 4567")))
    owner = plan_of(search_condition(read_search("lindqvist"), owners=[maria]))

    assert "Seq Scan" not in phone, phone
    assert phone.count("Bitmap Index Scan on lead_search_trgm") == 2, phone
    assert "Seq Scan" not in owner, owner
    # Whichever index on the owner the planner picks: each owner is an index scan of its own.
    for column in ("marketing_owner_id", "sales_owner_id"):
        scan = rf"Bitmap Index Scan on \S+[^\n]*\n\s+Index Cond: \({column} = "
        assert re.search(scan, owner), owner


@pytest.fixture
def short_names() -> dict[str, Lead]:
    return {
        "wang": LeadFactory.create(full_name="王伟", email="wei@example.cn", company="华为"),
        "wangming": LeadFactory.create(full_name="李王伟明", email="lwm@example.cn", company=""),
        "li": LeadFactory.create(full_name="李娜", email="na@example.cn", company="Tennis 🎾"),
        "ada": LeadFactory.create(full_name="Ada Lovelace", email="ada@engines.test"),
        "aa": LeadFactory.create(full_name="Aaron Aardvark", email="aaron@zoo.test"),
    }


def test_a_two_letter_word_finds_every_lead_that_contains_it(
    short_names: dict[str, Lead],
) -> None:
    assert found("王伟") == {"王伟", "李王伟明"}
    assert found("李娜") == {"李娜"}
    assert found("华为") == {"王伟"}
    assert found("LO") == {"Ada Lovelace"}
    assert found("aa") == {"Aaron Aardvark"}
    assert found("伟李") == set()
    assert found("%_") == set()


def test_a_two_letter_word_is_served_by_its_own_index(short_names: dict[str, Lead]) -> None:
    plan = plan_of(search_condition(read_search("王伟")))

    assert "Seq Scan" not in plan, plan
    assert "Bitmap Index Scan on lead_search_pairs_trgm" in plan, plan
