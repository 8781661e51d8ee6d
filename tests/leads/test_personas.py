"""Buyer personas: the list, a persona's page with its leads and conversion, and keeping them."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from funnel.models import ChangeKind, Stage, StageChange
from leads.models import Lead, Persona, Source
from leads.personas import Conversion, persona_conversion
from leads.services import create_lead
from tests.factories import LeadFactory, PersonaFactory
from tests.leads.funnel_steps import walk

pytestmark = pytest.mark.django_db

LIST = reverse("persona_list")
NEW = reverse("persona_create")


def log(persona: Persona | None, actor: User, name: str) -> Lead:
    """A lead logged the way marketers log them."""
    email = f"{name.lower().replace(' ', '.')}@example.com"
    details = {"full_name": name, "email": email, "source": Source.WEBSITE, "persona": persona}
    return create_lead(details=details, actor=actor)


def rounded(conversion: Conversion) -> list[tuple[str, int, Decimal | None]]:
    return [
        (str(step.label), step.count, None if step.rate is None else round(step.rate, 2))
        for step in conversion.steps
    ]


# Conversion


@pytest.fixture
def small_funnel(marketer: User, sales_rep: User) -> Persona:
    """Twelve leads of one persona, each taken as far as its name says."""
    persona = PersonaFactory.create(name="Ops lead")
    for number in range(3):
        log(persona, marketer, f"Still new {number}")
    walk(log(persona, marketer, "Working"), "working")
    walk(log(persona, marketer, "Waiting MQL"), "working", "mql")
    walk(log(persona, marketer, "Recycled"), "working", "mql", "sql", "working", actor=sales_rep)
    walk(log(persona, marketer, "Claimed"), "working", "mql", "sql", actor=sales_rep)
    walk(log(persona, marketer, "Claimed at once"), "sql", actor=sales_rep)
    walk(
        log(persona, marketer, "Won"),
        "working",
        "mql",
        "sql",
        "opportunity",
        "won",
        actor=sales_rep,
    )
    walk(
        log(persona, marketer, "Lost deal"),
        "working",
        "mql",
        "sql",
        "opportunity",
        "lost",
        actor=sales_rep,
    )
    walk(log(persona, marketer, "Lost after claim"), "working", "mql", "sql", "lost")
    walk(log(persona, marketer, "Disqualified"), "lost")
    # Leads of another persona, or of none, are not this persona's.
    walk(log(PersonaFactory.create(name="Founder"), marketer, "Other won"), "mql", "sql", "won")
    walk(log(None, marketer, "Nobody s"), "mql", "sql", "opportunity")
    return persona


def test_conversion_counts_each_lead_once_for_every_step_it_reached(small_funnel: Persona) -> None:
    conversion = persona_conversion(small_funnel)

    assert rounded(conversion) == [
        ("Entered the funnel", 12, None),
        # Waiting MQL, Recycled, Claimed, Claimed at once, Won, Lost deal, Lost after claim
        ("Reached MQL", 7, Decimal("58.33")),
        # all of those but Waiting MQL
        ("Claimed by Sales (SQL)", 6, Decimal("85.71")),
        ("Reached Opportunity", 2, Decimal("33.33")),
        ("Won", 1, Decimal("50.00")),
    ]
    assert (conversion.won, conversion.lost) == (1, 3)
    assert conversion.win_rate == Decimal(25)
    assert conversion.entered == 12


def test_a_persona_without_leads_shows_no_rate_rather_than_dividing_by_zero(
    client: Client, marketer: User
) -> None:
    persona = PersonaFactory.create(name="Nobody yet")

    conversion = persona_conversion(persona)

    assert rounded(conversion) == [
        ("Entered the funnel", 0, None),
        ("Reached MQL", 0, None),
        ("Claimed by Sales (SQL)", 0, None),
        ("Reached Opportunity", 0, None),
        ("Won", 0, None),
    ]
    assert conversion.win_rate is None
    client.force_login(marketer)
    body = client.get(reverse("persona_detail", args=[persona.pk])).content.decode()
    assert "<strong>Win rate:</strong>\n        —" in body
    assert body.count('<td class="num">—</td>') == 4
    assert "No lead has this persona yet." in body


def test_the_persona_page_shows_the_conversion(
    client: Client, sales_rep: User, small_funnel: Persona
) -> None:
    client.force_login(sales_rep)

    body = client.get(reverse("persona_detail", args=[small_funnel.pk])).content.decode()

    for row in [
        '<th scope="row">Entered the funnel</th><td class="num">12</td><td class="num"></td>',
        '<th scope="row">Reached MQL</th><td class="num">7</td><td class="num">58.3%</td>',
        '<th scope="row">Claimed by Sales (SQL)</th><td class="num">6</td>'
        '<td class="num">85.7%</td>',
        '<th scope="row">Reached Opportunity</th><td class="num">2</td><td class="num">33.3%</td>',
        '<th scope="row">Won</th><td class="num">1</td><td class="num">50%</td>',
    ]:
        assert row in body
    assert "<strong>Win rate:</strong>\n        25%" in body
    assert "1 won, 3 lost" in body


# The list


def test_the_list_shows_each_persona_with_a_snippet_and_its_number_of_leads(
    client: Client, sales_rep: User
) -> None:
    ops = PersonaFactory.create(name="Ops lead", description="Runs operations. " * 20)
    PersonaFactory.create(name="Founder", description="")
    LeadFactory.create_batch(3, persona=ops)
    client.force_login(sales_rep)

    response = client.get(LIST)

    assert response.status_code == 200
    personas = list(response.context["personas"])
    assert [(p.name, p.lead_count) for p in personas] == [("Founder", 0), ("Ops lead", 3)]
    body = response.content.decode()
    assert f'<a href="{reverse("persona_detail", args=[ops.pk])}">Ops lead</a>' in body
    assert ("Runs operations. " * 8).strip() in body
    assert ("Runs operations. " * 9).strip() not in body
    assert '<td class="num">3</td>' in body
    assert f'<a href="{LIST}" aria-current="page">Personas</a>' in body


@pytest.mark.parametrize(("person", "may_add"), [("marketer", True), ("sales_rep", False)])
def test_only_those_who_keep_personas_see_the_new_persona_button(
    client: Client, request: pytest.FixtureRequest, person: str, may_add: bool
) -> None:
    client.force_login(request.getfixturevalue(person))

    body = client.get(LIST).content.decode()

    assert (f'href="{NEW}"' in body) is may_add


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_s_query_count_does_not_grow_with_personas_or_leads(
    client: Client, sales_rep: User, django_assert_num_queries: Any, count: int
) -> None:
    for persona in PersonaFactory.create_batch(count):
        LeadFactory.create_batch(2, persona=persona)
    client.force_login(sales_rep)

    # session, user, roles, unread mentions; the personas with their lead counts;
    # the idle-timeout session save (savepoint, update, release)
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    assert len(response.context["personas"]) == count


# A persona's page


def test_the_page_shows_every_field_with_its_line_breaks_and_as_text(
    client: Client, sales_rep: User
) -> None:
    persona = PersonaFactory.create(
        name="<b>Ops</b> lead",
        description="Runs operations.\nBuys tools.",
        pains="Spreadsheets\n<script>alert(1)</script>",
        goals="Fewer tools",
        channels='LinkedIn\n<a href="javascript:alert(1)">webinars</a>',
        objections="Price",
        typical_job_titles="Head of Operations\nCOO",
    )
    client.force_login(sales_rep)

    response = client.get(reverse("persona_detail", args=[persona.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>&lt;b&gt;Ops&lt;/b&gt; lead</h1>" in body
    assert "Runs operations.<br>Buys tools." in body
    assert "<dd>Spreadsheets<br>&lt;script&gt;alert(1)&lt;/script&gt;</dd>" in body
    assert "<dd>Fewer tools</dd>" in body
    assert "LinkedIn<br>&lt;a href=&quot;javascript:alert(1)&quot;&gt;webinars&lt;/a&gt;" in body
    assert "<dd>Price</dd>" in body
    assert "<dd>Head of Operations<br>COO</dd>" in body
    assert "<script>alert" not in body
    assert 'href="javascript:' not in body


def test_the_page_lists_the_newest_leads_with_links(client: Client, sales_rep: User) -> None:
    persona = PersonaFactory.create()
    leads = [LeadFactory.create(persona=persona, full_name=f"Lead {n}") for n in range(25)]
    LeadFactory.create(full_name="Someone else's")
    client.force_login(sales_rep)

    response = client.get(reverse("persona_detail", args=[persona.pk]))

    shown = list(response.context["leads"])
    assert shown == sorted(leads, key=lambda lead: (lead.created_at, lead.pk), reverse=True)[:20]
    body = response.content.decode()
    newest = leads[-1]
    assert f'<a href="{reverse("lead_detail", args=[newest.pk])}">Lead 24</a>' in body
    assert "Lead 4<" not in body
    assert "Someone else" not in body
    assert "The newest 20 of 25 leads." in body
    assert f'<a href="{reverse("lead_list")}?persona={persona.pk}">All its leads' in body


@pytest.mark.parametrize(("person", "may_edit"), [("manager", True), ("sales_rep", False)])
def test_only_those_who_keep_personas_see_the_edit_button(
    client: Client, request: pytest.FixtureRequest, person: str, may_edit: bool
) -> None:
    persona = PersonaFactory.create()
    client.force_login(request.getfixturevalue(person))

    body = client.get(reverse("persona_detail", args=[persona.pk])).content.decode()

    assert (reverse("persona_edit", args=[persona.pk]) in body) is may_edit


def test_an_unknown_persona_is_not_found(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    assert client.get(reverse("persona_detail", args=[987654])).status_code == 404
    assert client.get(reverse("persona_edit", args=[987654])).status_code == 404


@pytest.mark.parametrize("leads", [5, 50])
def test_the_page_s_query_count_does_not_grow_with_leads(
    client: Client, marketer: User, sales_rep: User, django_assert_num_queries: Any, leads: int
) -> None:
    persona = PersonaFactory.create()
    for lead in LeadFactory.create_batch(leads, persona=persona, marketing_owner=marketer):
        walk(lead, "mql", "sql", actor=sales_rep)
    client.force_login(marketer)

    # session, user, roles, unread mentions; the persona; its conversion; its newest leads;
    # the idle-timeout session save (savepoint, update, release)
    with django_assert_num_queries(10):
        response = client.get(reverse("persona_detail", args=[persona.pk]))
    assert response.status_code == 200
    assert len(response.context["leads"]) == min(leads, 20)


# Keeping personas


def persona_data(**overrides: str) -> dict[str, str]:
    return {
        "name": "Ops lead",
        "description": "Runs operations at a 50-person company.",
        "pains": "Spreadsheets everywhere",
        "goals": "One source of truth",
        "channels": "LinkedIn, webinars",
        "objections": "Another tool to learn",
        "typical_job_titles": "Head of Operations\nCOO",
        **overrides,
    }


@pytest.mark.parametrize("person", ["marketer", "manager"])
def test_marketing_and_managers_create_a_persona(
    client: Client, request: pytest.FixtureRequest, person: str
) -> None:
    client.force_login(request.getfixturevalue(person))
    assert client.get(NEW).status_code == 200

    response = client.post(NEW, persona_data())

    persona = Persona.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("persona_detail", args=[persona.pk])
    assert persona.typical_job_titles == "Head of Operations\nCOO"
    assert persona.objections == "Another tool to learn"
    page = client.get(response["Location"]).content.decode()
    assert "The persona Ops lead was saved." in page


def test_a_marketer_edits_a_persona(client: Client, marketer: User) -> None:
    persona = PersonaFactory.create(name="Ops lead", goals="Fewer tools")
    client.force_login(marketer)
    edit = reverse("persona_edit", args=[persona.pk])
    assert 'value="Ops lead"' in client.get(edit).content.decode()

    response = client.post(edit, persona_data(name="Operations lead", goals="Calm weeks"))

    assert response.status_code == 302
    persona.refresh_from_db()
    assert (persona.name, persona.goals) == ("Operations lead", "Calm weeks")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "n" * 81, "Ensure this value has at most 80 characters (it has 81)."),
        ("name", "Founder", "Persona with this Name already exists."),
    ],
)
def test_a_bad_persona_gets_a_message_on_its_field_and_changes_nothing(
    client: Client, marketer: User, field: str, value: str, message: str
) -> None:
    PersonaFactory.create(name="Founder")
    persona = PersonaFactory.create(name="Ops lead", goals="Fewer tools")
    client.force_login(marketer)

    created = client.post(NEW, persona_data(**{field: value}))
    edited = client.post(
        reverse("persona_edit", args=[persona.pk]), persona_data(goals="x", **{field: value})
    )

    for response in (created, edited):
        assert response.status_code == 400
        assert response.context["form"].errors == {field: [message]}
        assert "Nothing was saved." in response.content.decode()
    assert "<h1>Edit Ops lead</h1>" in edited.content.decode()
    assert Persona.objects.count() == 2
    persona.refresh_from_db()
    assert (persona.name, persona.goals) == ("Ops lead", "Fewer tools")


def test_a_sales_rep_may_not_create_or_edit_personas(client: Client, sales_rep: User) -> None:
    persona = PersonaFactory.create(name="Ops lead")
    edit = reverse("persona_edit", args=[persona.pk])
    client.force_login(sales_rep)

    responses = [
        client.get(NEW),
        client.post(NEW, persona_data(name="Founder")),
        client.get(edit),
        client.post(edit, persona_data(name="Renamed")),
    ]

    for response in responses:
        assert response.status_code == 403
        body = response.content.decode()
        assert "Only Marketing and managers edit buyer personas." in body
        assert 'name="name"' not in body
    assert list(Persona.objects.values_list("name", flat=True)) == ["Ops lead"]


# The stages each lead has been in, which the conversion counts


def entered(lead: Lead) -> set[str]:
    lead.refresh_from_db()
    return set(Stage.objects.filter(pk__in=lead.stages_entered).values_list("slug", flat=True))


def test_a_lead_keeps_every_stage_it_has_been_in(marketer: User, sales_rep: User) -> None:
    lead = log(None, marketer, "Recycled")
    assert entered(lead) == {"new"}

    walk(lead, "working", "mql", "sql", "working", actor=sales_rep)

    assert entered(lead) == {"new", "working", "mql", "sql"}


def test_what_the_application_writes_cannot_take_a_stage_away(marketer: User) -> None:
    lead = walk(log(None, marketer, "Waiting MQL"), "working", "mql")

    Lead.objects.filter(pk=lead.pk).update(stages_entered=[])
    stale = Lead.objects.get(pk=lead.pk)
    stale.stages_entered = []
    stale.save()

    assert entered(lead) == {"new", "working", "mql"}


def test_leads_loaded_with_their_history_hold_every_stage_of_it() -> None:
    """A bulk load (the demo's COPY) writes leads in their last stage, then their moves."""
    stages = {stage.slug: stage for stage in Stage.objects.all()}
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        Lead(
            full_name=f"Loaded {number}",
            email=f"loaded{number}@example.com",
            source=Source.WEBSITE,
            stage=stages["won"],
            stage_entered_at=now,
            created_at=now,
        )
        for number in range(3)
    )
    path = ["new", "mql", "sql", "opportunity", "won"]
    StageChange.objects.bulk_create(
        StageChange(
            lead=lead,
            kind=ChangeKind.CREATED if step == 0 else ChangeKind.MOVED,
            from_stage=None if step == 0 else stages[path[step - 1]],
            to_stage=stages[slug],
            at=now,
        )
        for lead in leads
        for step, slug in enumerate(path)
    )

    assert [entered(lead) for lead in leads] == [set(path)] * 3


def test_the_conversion_reads_no_history(small_funnel: Persona) -> None:
    with CaptureQueriesContext(connection) as queries:
        persona_conversion(small_funnel)

    assert len(queries) == 1
    assert StageChange._meta.db_table not in queries[0]["sql"]
