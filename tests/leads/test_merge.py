"""A manager merges two leads of one person (issue 15, story 7): the survivor takes the chosen
values and everything written about the other lead, the other email stays as an alias that
captures and new leads find, refusals change nothing, and the funnel's numbers stay equal to a
full recount."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import partial
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, roles_of
from audit.models import Action, AuditEntry
from dashboard.rollup import MONTHLY, ROLLUPS, recomputed, refresh_rollups
from funnel.models import ChangeKind, Stage, StageChange
from funnel.services import HistoryAfterSurvivor, claim_lead, move_lead
from leads.capture import capture_lead
from leads.merge import (
    AlreadyMerged,
    ChangedMeanwhile,
    MergeRefused,
    Side,
    merge_leads,
    version,
)
from leads.models import Activity, ActivityKind, Capture, Lead, LeadEmailAlias, Mention
from leads.services import DuplicateLead, create_lead, find_lead_by_email, update_lead
from smarketing.errors import DomainError, NotAllowed
from tests.api import conftest as api
from tests.api.conftest import ClientFor
from tests.factories import CaptureFormFactory, LeadFactory, PersonaFactory, UserFactory
from tests.funnel.test_owner_totals import assert_exact as assert_owner_totals_exact
from tests.funnel.test_rollup import assert_exact as assert_stage_totals_exact
from tests.leads.funnel_steps import walk
from tests.threads import at_once

pytestmark = pytest.mark.django_db

EARLIER = timedelta(days=30)
# The API tests' client with a token, as this module's fixture.
client_for = api.client_for


def old_lead(**fields: Any) -> Lead:
    """The person's first record: logged a month ago, qualified, sent back, closed."""
    created = timezone.now() - EARLIER
    lead = LeadFactory.create(
        full_name="Ana Old",
        email="ana@old.example",
        phone="+34 600 000 000",
        company="",
        created_at=created,
        stage_entered_at=created,
        **fields,
    )
    return walk(lead, "working", "mql", "working", "lost")


def new_lead(**fields: Any) -> Lead:
    """The same person logged again today under a new email."""
    return LeadFactory.create(
        full_name="Ana New", email="ana@new.example", phone="", company="Globex", **fields
    )


def state() -> list[Any]:
    """Everything a merge could change, to compare before and after a refusal."""
    return [
        list(Lead.objects.order_by("pk").values_list()),
        list(StageChange.objects.order_by("pk").values_list("pk", "lead")),
        list(Activity.objects.order_by("pk").values_list("pk", "lead")),
        list(Capture.objects.order_by("pk").values_list("pk", "lead")),
        list(LeadEmailAlias.objects.order_by("pk").values_list()),
        AuditEntry.objects.count(),
    ]


def test_the_survivor_takes_the_chosen_values_and_everything_about_the_other(
    manager: User, marketer: User, sales_rep: User
) -> None:
    persona = PersonaFactory.create(name="Ops lead")
    old = old_lead(persona=persona, marketing_owner=marketer)
    new = new_lead(marketing_owner=marketer)
    note = Activity.objects.create(lead=old, kind=ActivityKind.NOTE, body="Met at the fair")
    call = Activity.objects.create(lead=old, kind=ActivityKind.CALL, body="Called @rep")
    Mention.objects.create(activity=call, user=sales_rep)
    form = CaptureFormFactory.create()
    capture = capture_lead(form=form, details={"email": old.email, "full_name": "Ana"})
    old_history = list(old.stage_changes.order_by("at").values_list("pk", flat=True))
    new_history = list(new.stage_changes.order_by("at").values_list("pk", flat=True))

    survivor = merge_leads(
        survivor_id=new.pk,
        other_id=old.pk,
        actor=manager,
        sides={"email": Side.OTHER, "full_name": Side.OTHER},
    )

    survivor.refresh_from_db()
    assert not Lead.objects.filter(pk=old.pk).exists()
    # Chosen: the old email and name; by default the survivor's own values, and the other's
    # where the survivor had none (phone, persona).
    assert (survivor.email, survivor.full_name) == ("ana@old.example", "Ana Old")
    assert (survivor.company, survivor.phone, survivor.persona) == (
        "Globex",
        "+34 600 000 000",
        persona,
    )
    assert survivor.stage.slug == "new"
    # The survivor's stage is still its last move, with the old lead's moves before it.
    history = list(survivor.stage_changes.order_by("at", "pk"))
    assert [change.pk for change in history] == old_history + new_history
    assert history[-1].to_stage == survivor.stage
    assert set(survivor.stages_entered) == set(
        Stage.objects.filter(slug__in=["new", "working", "mql", "lost"]).values_list(
            "pk", flat=True
        )
    )
    moved = set(survivor.activities.values_list("pk", flat=True))
    assert {note.pk, call.pk} <= moved
    assert Mention.objects.get().activity.lead == survivor
    assert Capture.objects.get(pk=capture.pk).lead == survivor
    assert survivor.activities.filter(kind=ActivityKind.CAPTURE).count() == 1
    assert list(survivor.email_aliases.values_list("email", "merged_lead_id")) == [
        ("ana@new.example", old.pk)
    ]
    entry = survivor.activities.filter(author=manager).get()
    assert entry.text.splitlines()[0] == (f"Merged with Ana Old <ana@old.example> by {manager}.")
    assert "Taken from the merged lead:" in entry.text
    audit = AuditEntry.objects.get()
    assert (audit.action, audit.object_id) == (Action.DELETED, old.pk)
    assert {"field": "email", "from": "ana@old.example", "to": None} in audit.changes


def test_the_other_email_finds_the_survivor_on_capture_and_on_creation(
    manager: User, marketer: User
) -> None:
    old, new = old_lead(), new_lead()
    merge_leads(survivor_id=new.pk, other_id=old.pk, actor=manager)
    form = CaptureFormFactory.create()

    captured = capture_lead(form=form, details={"email": "  ANA@Old.Example", "phone": "1"})

    assert captured.lead_id == new.pk
    assert not captured.created_lead
    assert find_lead_by_email("Ana@OLD.example") == new
    with pytest.raises(DuplicateLead) as duplicate:
        create_lead(
            details={"full_name": "Ana", "email": "ana@OLD.example", "source": "event"},
            actor=marketer,
        )
    assert duplicate.value.existing == new
    third = LeadFactory.create(email="someone@else.example")
    with pytest.raises(DuplicateLead) as taken:
        update_lead(lead=third, details={"email": "Ana@old.example"}, actor=manager)
    assert taken.value.existing == new
    assert Lead.objects.count() == 2


def test_refusals_change_nothing(manager: User, marketer: User) -> None:
    old, new = old_lead(), new_lead()
    merged_before = LeadFactory.create(email="gone@example.org")
    keeper = LeadFactory.create(email="keeper@example.org")
    merge_leads(survivor_id=keeper.pk, other_id=merged_before.pk, actor=manager)
    before = state()
    attempts: list[tuple[type[DomainError], dict[str, Any]]] = [
        (MergeRefused, {"survivor_id": new.pk, "other_id": new.pk, "actor": manager}),
        (AlreadyMerged, {"survivor_id": new.pk, "other_id": merged_before.pk, "actor": manager}),
        (NotAllowed, {"survivor_id": new.pk, "other_id": old.pk, "actor": marketer}),
        (HistoryAfterSurvivor, {"survivor_id": old.pk, "other_id": new.pk, "actor": manager}),
        (
            MergeRefused,
            {"survivor_id": new.pk, "other_id": old.pk, "actor": manager, "sides": {"stage": 1}},
        ),
        (
            ChangedMeanwhile,
            {
                "survivor_id": new.pk,
                "other_id": old.pk,
                "actor": manager,
                "seen": {new.pk: version(new), old.pk: version(old) - timedelta(seconds=1)},
            },
        ),
    ]
    for refusal, arguments in attempts:
        with pytest.raises(refusal) as refused:
            merge_leads(**arguments)
        assert refused.value.message
        assert state() == before, refusal


def test_the_totals_and_the_dashboard_equal_a_full_recount_after_a_merge(
    manager: User, marketer: User, sales_rep: User
) -> None:
    old = old_lead(marketing_owner=marketer, expected_value=Decimal("500.00"))
    middle = LeadFactory.create(
        email="ana@middle.example",
        marketing_owner=marketer,
        expected_value=Decimal("70.00"),
        created_at=timezone.now() - timedelta(days=3),
        stage_entered_at=timezone.now() - timedelta(days=3),
    )
    walk(middle, "working", "mql", "sql", actor=sales_rep)
    new = new_lead(marketing_owner=marketer, expected_value=Decimal("30.00"))
    refresh_rollups()

    merge_leads(survivor_id=new.pk, other_id=old.pk, actor=manager)
    merge_leads(
        survivor_id=new.pk, other_id=middle.pk, actor=manager, sides={"expected_value": Side.OTHER}
    )

    assert_stage_totals_exact()
    assert_owner_totals_exact()
    refresh_rollups()
    for rollup in (*ROLLUPS, MONTHLY):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(rollup.columns)} FROM {rollup.table}")  # noqa: S608
            stored = cursor.fetchall()
        assert sorted(stored, key=repr) == sorted(recomputed(rollup), key=repr), rollup.table


def _merge_queries(manager: User, history: int) -> int:
    other = LeadFactory.create(created_at=timezone.now() - timedelta(days=1))
    survivor = LeadFactory.create()
    Activity.objects.bulk_create(
        Activity(lead=lead, kind=ActivityKind.NOTE, body=f"note {n}")
        for lead in (other, survivor)
        for n in range(history)
    )
    walk(other, *(["working", "new"] * (history // 2)))
    with CaptureQueriesContext(connection) as queries:
        merge_leads(survivor_id=survivor.pk, other_id=other.pk, actor=manager)
    assert survivor.activities.count() == 2 * history + 1
    return len(queries)


def test_the_queries_of_a_merge_do_not_grow_with_the_timelines(manager: User) -> None:
    roles_of(manager)  # read once, as a request reads it before any service
    assert _merge_queries(manager, 4) == _merge_queries(manager, 40)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_data")
def test_a_merge_racing_a_claim_and_a_move_leaves_every_lead_consistent() -> None:
    manager = UserFactory.create(roles=[Role.MANAGERS])
    marketer = UserFactory.create(roles=[Role.MARKETING])
    rep = UserFactory.create(roles=[Role.SALES])
    persona = PersonaFactory.create(name="Racer")
    working = Stage.objects.get(slug="working")
    for user in (manager, marketer, rep):
        roles_of(user)
    outcomes: set[str] = set()
    claims = 0
    for round_ in range(8):
        past = timezone.now() - timedelta(days=2)
        other = LeadFactory.create(
            email=f"other{round_}@example.org",
            persona=persona,
            marketing_owner=marketer,
            created_at=past,
            stage_entered_at=past,
        )
        walk(other, "working", "mql")
        survivor = LeadFactory.create(email=f"survivor{round_}@example.org")
        results = at_once(
            [
                partial(merge_leads, survivor_id=survivor.pk, other_id=other.pk, actor=manager),
                partial(claim_lead, lead_id=other.pk, rep=rep),
                partial(move_lead, lead_id=survivor.pk, to_stage_id=working.pk, actor=marketer),
            ]
        )
        merged, claimed, moved = results
        assert isinstance(merged, Lead | HistoryAfterSurvivor), results
        assert isinstance(claimed, Lead | Lead.DoesNotExist), results
        outcomes.add(f"{type(merged).__name__}/{type(claimed).__name__}")
        assert isinstance(moved, Lead), results
        if isinstance(merged, Lead):
            assert not Lead.objects.filter(pk=other.pk).exists()
        else:
            assert isinstance(claimed, Lead)
        for lead in Lead.objects.all():
            last = lead.stage_changes.order_by("-at", "-pk").first()
            assert last is not None
            assert last.to_stage_id == lead.stage_id, lead
        assert_stage_totals_exact()
        claims += isinstance(claimed, Lead)
        assert StageChange.objects.filter(kind=ChangeKind.CLAIMED).count() == claims
    # Which one won is up to the scheduler; what matters is that each way ends consistent.
    assert outcomes


def test_the_page_offers_merging_to_managers_only(
    client: Client, manager: User, marketer: User
) -> None:
    new = new_lead()
    url = reverse("lead_merge", args=[new.pk])
    client.force_login(marketer)
    assert url not in client.get(reverse("lead_detail", args=[new.pk])).content.decode()
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert url in client.get(reverse("lead_detail", args=[new.pk])).content.decode()


def test_without_javascript_the_search_lists_the_duplicates_as_links(
    client: Client, manager: User
) -> None:
    old, new = old_lead(), new_lead()
    client.force_login(manager)

    page = client.get(reverse("lead_merge", args=[new.pk]), {"q": "ana"}).content.decode()
    picked = client.get(reverse("lead_merge_choices", args=[new.pk]), {"q": "ana"}).json()

    assert f"?other={old.pk}" in page
    assert f"?other={new.pk}" not in page
    assert picked == {"choices": [{"value": str(old.pk), "label": "Ana Old", "hint": old.email}]}


def test_the_page_merges_with_the_choices_made_and_refuses_a_stale_one(
    client: Client, manager: User
) -> None:
    old, new = old_lead(), new_lead()
    client.force_login(manager)
    url = reverse("lead_merge", args=[new.pk])
    form = client.get(url, {"other": old.pk}).context["form"]
    # By default the lead that moved last stays, with its own values where it has them.
    assert form["keep"].value() == str(new.pk)
    assert (form["email"].value(), form["phone"].value()) == (str(new.pk), str(old.pk))
    answer = {name: form[name].value() for name in form.fields} | {"other": old.pk}
    move_lead(lead_id=old.pk, to_stage_id=Stage.objects.get(slug="working").pk, actor=manager)
    before = state()

    refused = client.post(url, answer)

    assert refused.status_code == 409
    assert "changed while you were choosing" in refused.content.decode()
    assert state() == before
    fresh = client.get(url, {"other": old.pk}).context["form"]
    answer = {name: fresh[name].value() for name in fresh.fields} | {"other": old.pk}
    answer |= {"keep": str(old.pk), "email": str(new.pk)}

    merged = client.post(url, answer)

    assert merged.status_code == 302
    assert merged["Location"] == f"{reverse('lead_detail', args=[old.pk])}#timeline"
    survivor = Lead.objects.get()
    assert (survivor.pk, survivor.email, survivor.phone) == (
        old.pk,
        "ana@new.example",
        "+34 600 000 000",
    )


def test_the_api_merges_and_says_why_it_refuses(
    client_for: ClientFor, manager: User, marketer: User
) -> None:
    old, new = old_lead(), new_lead()
    as_manager = client_for(manager)
    url = f"/api/v1/leads/{new.pk}/merge/"

    unknown = as_manager.post(url, {"other": old.pk, "fields": {"email": "neither"}}, format="json")
    stale = as_manager.post(
        url,
        {"other": old.pk, "seen": {"other": "2020-01-01T00:00:00Z"}},
        format="json",
    )
    refused = client_for(marketer).post(url, {"other": old.pk}, format="json")
    merged = as_manager.post(url, {"other": old.pk, "fields": {"email": "other"}}, format="json")
    again = as_manager.post(url, {"other": old.pk}, format="json")

    assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid")
    assert (stale.status_code, stale.json()["code"]) == (409, "changed_meanwhile")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed")
    assert merged.status_code == 200
    assert (merged.json()["id"], merged.json()["email"]) == (new.pk, "ana@old.example")
    assert (again.status_code, again.json()["code"]) == (409, "already_merged")
    assert "Ana New" in again.json()["message"]


def test_the_benchmark_merges_and_leaves_the_data_as_it_was(manager: User) -> None:
    before = state()
    out = StringIO()

    call_command("bench_merge", rounds=1, entries=20, stdout=out)

    report = out.getvalue()
    assert "1 pairs of leads with 20 and 20 timeline entries" in report
    assert "merge (API, POST)" in report
    assert state() == before


def test_a_lead_that_took_its_alias_back_merges_too(client: Client, manager: User) -> None:
    old, new = old_lead(), new_lead()
    first = LeadFactory.create(
        email="ana@first.example",
        created_at=timezone.now() - 2 * EARLIER,
        stage_entered_at=timezone.now() - 2 * EARLIER,
    )
    merge_leads(survivor_id=old.pk, other_id=first.pk, actor=manager)
    update_lead(lead=old, details={"email": "Ana@First.example"}, actor=manager)

    merge_leads(survivor_id=new.pk, other_id=old.pk, actor=manager)

    # The old lead's own first address was edited away by a person: only the other stays.
    assert list(LeadEmailAlias.objects.values_list("email", "lead", "merged_lead_id")) == [
        ("Ana@First.example", new.pk, old.pk)
    ]
    assert find_lead_by_email("ANA@first.example") == new
    client.force_login(manager)
    # A link to a merged lead (a bookmark, a mention's email) leads to the one that stayed.
    answer = client.get(reverse("lead_detail", args=[old.pk]))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("lead_detail", args=[new.pk])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_data")
def test_a_capture_of_the_other_email_during_a_merge_lands_on_the_survivor() -> None:
    manager = UserFactory.create(roles=[Role.MANAGERS])
    roles_of(manager)
    form = CaptureFormFactory.create()
    for round_ in range(6):
        past = timezone.now() - timedelta(days=1)
        other = LeadFactory.create(
            email=f"was{round_}@example.org", created_at=past, stage_entered_at=past
        )
        survivor = LeadFactory.create(email=f"is{round_}@example.org")

        work: list[Callable[[], Lead | Capture]] = [
            partial(merge_leads, survivor_id=survivor.pk, other_id=other.pk, actor=manager),
            partial(capture_lead, form=form, details={"email": other.email}),
        ]
        merged, captured = at_once(work)

        assert isinstance(merged, Lead), merged
        assert isinstance(captured, Capture), captured
        assert not Lead.objects.filter(pk=other.pk).exists()
        assert Capture.objects.get(pk=captured.pk).lead_id == survivor.pk
        assert survivor.activities.filter(kind=ActivityKind.CAPTURE).count() == 1
