"""The lead services: logging leads, duplicates, second captures, edits, timelines, personas."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.roles import Role
from funnel.models import ChangeKind, Stage, StageChange
from leads.activities import add_activity
from leads.models import Activity, ActivityKind, Lead, Mention, Persona, Source
from leads.services import (
    DuplicateLead,
    add_details_to_lead,
    create_lead,
    find_lead_by_email,
    mark_mentions_seen,
    save_persona,
    update_lead,
)
from smarketing.errors import NotAllowed
from tests.factories import LeadFactory, PersonaFactory, UserFactory
from tests.leads.funnel_steps import walk

pytestmark = pytest.mark.django_db


def details(**overrides: Any) -> dict[str, Any]:
    """What the new-lead form hands the service once it is valid."""
    return {
        "full_name": "Ada Lovelace",
        "email": "ada@engines.example",
        "phone": "",
        "company": "Analytical Engines",
        "job_title": "",
        "country": "",
        "source": Source.WEBSITE,
        "campaign": "",
        "persona": None,
        "expected_value": Decimal(0),
        **overrides,
    }


# Creating a lead


def test_a_new_lead_enters_the_first_stage_owned_by_the_marketer_who_logs_it(
    marketer: User,
) -> None:
    persona = PersonaFactory.create(name="Ops lead")

    lead = create_lead(
        details=details(
            phone="+44 20 7946 0000",
            job_title="Head of Operations",
            country="United Kingdom",
            source=Source.EVENT,
            campaign="Spring fair",
            persona=persona,
            expected_value=Decimal("12000.50"),
        ),
        actor=marketer,
    )

    lead.refresh_from_db()
    assert lead.stage.slug == "new"
    assert lead.stage == Stage.objects.order_by("position").first()
    assert lead.marketing_owner == marketer
    assert lead.sales_owner is None
    assert lead.stage_entered_at == lead.created_at
    assert (lead.job_title, lead.country, lead.campaign) == (
        "Head of Operations",
        "United Kingdom",
        "Spring fair",
    )
    assert (lead.persona, lead.source, lead.expected_value) == (
        persona,
        Source.EVENT,
        Decimal("12000.50"),
    )
    history = list(StageChange.objects.filter(lead=lead))
    assert len(history) == 1
    assert history[0].kind == ChangeKind.CREATED
    assert history[0].from_stage is None
    assert history[0].to_stage == lead.stage
    assert history[0].actor == marketer
    assert history[0].at == lead.created_at
    assert not Activity.objects.filter(lead=lead).exists()


def test_the_note_goes_on_the_new_lead_s_timeline(marketer: User, sales_rep: User) -> None:
    lead = create_lead(
        details=details(),
        note="  Met at the fair. @rep please call before Friday.  ",
        actor=marketer,
    )

    written = Activity.objects.get(lead=lead)
    assert written.kind == ActivityKind.NOTE
    assert written.author == marketer
    assert written.body == "Met at the fair. @rep please call before Friday."
    assert list(Mention.objects.filter(activity=written).values_list("user", flat=True)) == [
        sales_rep.pk
    ]


def test_a_blank_note_writes_nothing_on_the_timeline(marketer: User) -> None:
    lead = create_lead(details=details(), note="   \n ", actor=marketer)

    assert not Activity.objects.filter(lead=lead).exists()


def test_surrounding_spaces_are_not_part_of_the_email(marketer: User) -> None:
    lead = create_lead(details=details(email="  Ada@Engines.Example \t"), actor=marketer)

    lead.refresh_from_db()
    assert lead.email == "Ada@Engines.Example"


def test_a_manager_may_log_a_lead(manager: User) -> None:
    lead = create_lead(details=details(), actor=manager)

    assert lead.marketing_owner == manager


@pytest.mark.parametrize("roles", [[Role.SALES], []], ids=["sales rep", "no role"])
def test_only_marketing_and_managers_log_leads(roles: list[Role]) -> None:
    person = UserFactory.create(roles=roles)

    with pytest.raises(NotAllowed) as refusal:
        create_lead(details=details(), note="Hello", actor=person)

    assert refusal.value.code == "not_allowed"
    assert "Only Marketing and managers log new leads." in refusal.value.message
    assert not Lead.objects.exists()
    assert not StageChange.objects.exists()
    assert not Activity.objects.exists()


# Duplicates


@pytest.mark.parametrize(
    "typed",
    [
        "ada@engines.example",
        "ADA@ENGINES.EXAMPLE",
        "  Ada@Engines.example  ",
        "\tada@ENGINES.example\n",
    ],
)
def test_an_email_already_logged_in_any_case_with_any_spaces_is_a_duplicate(
    marketer: User, typed: str
) -> None:
    existing = create_lead(details=details(email="Ada@Engines.Example"), actor=marketer)

    with pytest.raises(DuplicateLead) as duplicate:
        create_lead(
            details=details(email=typed, full_name="Ada L."), note="Second time", actor=marketer
        )

    assert duplicate.value.existing == existing
    assert duplicate.value.code == "duplicate_email"
    assert duplicate.value.message == "A lead with the email Ada@Engines.Example already exists."
    assert Lead.objects.count() == 1
    assert StageChange.objects.count() == 1
    assert not Activity.objects.exists()
    existing.refresh_from_db()
    assert existing.full_name == "Ada Lovelace"


def test_the_database_refuses_a_second_row_for_one_email_whatever_its_case(
    marketer: User,
) -> None:
    """The rule holds below the services too: the unique index is on lower(email)."""
    LeadFactory.create(email="grace@compilers.example")

    with pytest.raises(IntegrityError), transaction.atomic():
        LeadFactory.create(email="GRACE@compilers.example")


def test_find_lead_by_email_ignores_case_and_spaces() -> None:
    lead = LeadFactory.create(email="Grace@Compilers.example")

    assert find_lead_by_email(" grace@COMPILERS.example ") == lead
    assert find_lead_by_email("grace@compilers.example.org") is None
    assert find_lead_by_email("race@compilers.example") is None


# A second capture of a known email


def test_adding_details_fills_empty_fields_and_keeps_the_ones_the_lead_has(
    marketer: User,
) -> None:
    persona = PersonaFactory.create(name="Ops lead")
    lead = create_lead(details=details(phone="+1 555 0100"), actor=marketer)

    add_details_to_lead(
        lead=lead,
        details=details(
            email="ADA@engines.example ",
            full_name="Augusta Ada King",
            phone="+1 555 0199",
            company="",
            job_title="CTO",
            country="United Kingdom",
            source=Source.EVENT,
            campaign="Spring fair",
            persona=persona,
            expected_value=Decimal(5000),
        ),
        note="She asked for a demo.",
        actor=marketer,
    )

    lead.refresh_from_db()
    # Filled: what the lead lacked.
    assert (lead.job_title, lead.country, lead.campaign) == ("CTO", "United Kingdom", "Spring fair")
    assert lead.persona == persona
    assert lead.expected_value == Decimal(5000)
    # Kept: what it had, including the email as first typed.
    assert lead.full_name == "Ada Lovelace"
    assert lead.phone == "+1 555 0100"
    assert lead.company == "Analytical Engines"
    assert lead.source == Source.WEBSITE
    assert lead.email == "ada@engines.example"

    record, note = Activity.objects.filter(lead=lead).order_by("id")
    assert record.kind == ActivityKind.DETAILS
    assert record.author == marketer
    assert record.text.splitlines() == [
        "Details entered again for this email.",
        "Added: job title: CTO; country: United Kingdom; campaign: Spring fair; "
        "persona: Ops lead; expected value: 5000.",
        "Also given, not applied: name: Augusta Ada King; phone: +1 555 0199; source: Event.",
    ]
    assert (note.kind, note.body) == (ActivityKind.NOTE, "She asked for a demo.")
    assert Lead.objects.count() == 1
    assert StageChange.objects.filter(lead=lead).count() == 1


def test_adding_the_same_details_again_only_records_the_second_capture(marketer: User) -> None:
    lead = create_lead(details=details(), actor=marketer)

    add_details_to_lead(lead=lead, details=details(), actor=marketer)

    record = Activity.objects.get(lead=lead)
    assert record.text == "Details entered again for this email."


def test_a_marketer_may_not_add_details_to_a_lead_sales_owns(
    marketer: User, sales_rep: User
) -> None:
    lead = create_lead(details=details(), actor=marketer)
    walk(lead, "working", "mql", "sql", actor=sales_rep)

    with pytest.raises(NotAllowed) as refusal:
        add_details_to_lead(
            lead=lead, details=details(phone="+1 555 0100"), note="Hi", actor=marketer
        )

    assert refusal.value.message == "You may not edit this lead in its current stage."
    lead.refresh_from_db()
    assert lead.phone == ""
    assert not Activity.objects.filter(lead=lead).exists()


def test_the_sales_owner_and_managers_may_add_details_to_a_lead_in_a_sales_stage(
    marketer: User, sales_rep: User, manager: User
) -> None:
    lead = create_lead(details=details(), actor=marketer)
    walk(lead, "working", "mql", "sql", actor=sales_rep)

    add_details_to_lead(lead=lead, details=details(phone="+1 555 0100"), actor=sales_rep)
    add_details_to_lead(lead=lead, details=details(job_title="CTO"), actor=manager)

    lead.refresh_from_db()
    assert (lead.phone, lead.job_title) == ("+1 555 0100", "CTO")


# Editing a lead


def test_update_lead_changes_the_fields_and_says_which_on_the_timeline(marketer: User) -> None:
    lead = create_lead(details=details(), actor=marketer)

    update_lead(
        lead=lead,
        details=details(phone="+1 555 0100", company="Engines Ltd", email=" ada@engines.example "),
        actor=marketer,
    )

    lead.refresh_from_db()
    assert (lead.phone, lead.company, lead.email) == (
        "+1 555 0100",
        "Engines Ltd",
        "ada@engines.example",
    )
    record = Activity.objects.get(lead=lead)
    assert record.kind == ActivityKind.DETAILS
    assert record.text == "Changed phone, company."


def test_update_lead_without_a_change_writes_nothing(marketer: User) -> None:
    lead = create_lead(details=details(), actor=marketer)

    update_lead(lead=lead, details=details(email="  ada@engines.example"), actor=marketer)

    assert not Activity.objects.filter(lead=lead).exists()


def test_changing_the_email_to_another_lead_s_is_a_duplicate_and_changes_nothing(
    marketer: User,
) -> None:
    other = create_lead(details=details(email="grace@compilers.example"), actor=marketer)
    lead = create_lead(details=details(), actor=marketer)

    with pytest.raises(DuplicateLead) as duplicate:
        update_lead(
            lead=lead,
            details=details(email=" GRACE@compilers.example", phone="+1 555 0100"),
            actor=marketer,
        )

    assert duplicate.value.existing == other
    lead.refresh_from_db()
    assert (lead.email, lead.phone) == ("ada@engines.example", "")
    assert not Activity.objects.exists()


def test_a_marketer_may_not_edit_a_lead_in_a_sales_stage(marketer: User, sales_rep: User) -> None:
    lead = create_lead(details=details(), actor=marketer)
    walk(lead, "working", "mql", "sql", actor=sales_rep)

    with pytest.raises(NotAllowed):
        update_lead(lead=lead, details=details(company="Engines Ltd"), actor=marketer)

    lead.refresh_from_db()
    assert lead.company == "Analytical Engines"


# Timeline and mentions


def test_a_note_mentions_every_active_colleague_it_names(
    marketer: User, sales_rep: User, manager: User
) -> None:
    UserFactory.create(username="gone", is_active=False, roles=[Role.SALES])
    lead = LeadFactory.create()

    note = add_activity(
        lead=lead,
        kind=ActivityKind.NOTE,
        body="@REP and @manager, see ada@rep.example. @gone and @nobody too; @marketer (me).",
        author=marketer,
    )

    mentioned = set(note.mentions.values_list("user__username", flat=True))
    assert mentioned == {"rep", "manager"}


def test_a_mention_twice_in_one_note_is_one_mention(marketer: User, sales_rep: User) -> None:
    note = add_activity(
        lead=LeadFactory.create(), kind=ActivityKind.CALL, body="@rep @rep @Rep.", author=marketer
    )

    assert note.mentions.count() == 1


def test_mentions_are_marked_seen_for_their_reader_only(
    marketer: User, sales_rep: User, manager: User
) -> None:
    add_activity(
        lead=LeadFactory.create(), kind=ActivityKind.NOTE, body="@rep @manager", author=marketer
    )

    assert mark_mentions_seen(user=sales_rep) == 1
    assert mark_mentions_seen(user=sales_rep) == 0
    assert Mention.objects.get(user=manager).seen_at is None


def test_people_without_a_team_may_not_write_on_leads() -> None:
    lead = LeadFactory.create()

    with pytest.raises(NotAllowed):
        add_activity(lead=lead, kind=ActivityKind.NOTE, body="Hi", author=UserFactory.create())

    assert not Activity.objects.exists()


# Personas


@pytest.mark.parametrize("person", ["marketer", "manager"])
def test_marketing_and_managers_keep_personas(request: pytest.FixtureRequest, person: str) -> None:
    persona = save_persona(
        persona=Persona(name="Ops lead", pains="Spreadsheets"),
        actor=request.getfixturevalue(person),
    )

    assert Persona.objects.get(pk=persona.pk).pains == "Spreadsheets"


def test_sales_reps_may_not_edit_personas(sales_rep: User) -> None:
    persona = PersonaFactory.create(name="Ops lead", pains="Spreadsheets")
    persona.pains = "Nothing"

    with pytest.raises(NotAllowed):
        save_persona(persona=persona, actor=sales_rep)

    persona.refresh_from_db()
    assert persona.pains == "Spreadsheets"
