"""A manager hands a lead to other owners: only managers, only to the right team, said on the
timeline with the new owners mentioned; a refusal changes nothing."""

from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from funnel.models import Stage
from funnel.services import (
    NothingToReassign,
    OwnerNotInTeam,
    SalesOwnerOutsideSales,
    claim_lead,
    move_lead,
    reassign_lead,
)
from leads.models import Activity, ActivityKind, Lead, Mention
from smarketing.errors import NotAllowed
from tests.factories import LeadFactory, PersonaFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def state(lead: Lead) -> dict[str, Any]:
    lead = Lead.objects.get(pk=lead.pk)
    return {
        "marketing_owner": lead.marketing_owner_id,
        "sales_owner": lead.sales_owner_id,
        "stage": lead.stage_id,
        "updated_at": lead.updated_at,
        "activities": Activity.objects.filter(lead=lead).count(),
        "mentions": Mention.objects.count(),
    }


@pytest.fixture
def mql(maria: User) -> Lead:
    lead = LeadFactory.create(
        full_name="Ada Lovelace",
        company="Analytical Engines",
        persona=PersonaFactory.create(name="Ops lead"),
        marketing_owner=maria,
        created_at=timezone.now(),
    )
    return move_lead(
        lead_id=lead.pk, to_stage_id=Stage.objects.get(slug="mql").pk, actor=fresh(maria)
    )


@pytest.fixture
def sql(mql: Lead, sam: User) -> Lead:
    return claim_lead(lead_id=mql.pk, rep=fresh(sam))


@pytest.fixture
def marketer_two() -> User:
    return UserFactory.create(
        username="mo", first_name="Mo", last_name="Farah", roles=[Role.MARKETING]
    )


def test_a_manager_hands_a_claimed_lead_to_another_rep(
    sql: Lead, manager: User, sam: User, riley: User
) -> None:
    reassign_lead(lead_id=sql.pk, actor=fresh(manager), sales_owner_id=riley.pk)

    lead = Lead.objects.get(pk=sql.pk)
    assert lead.sales_owner == riley
    assert lead.stage.slug == "sql"
    entry = Activity.objects.filter(lead=lead).order_by("-id").first()
    assert entry is not None
    assert entry.kind == ActivityKind.DETAILS
    assert entry.author == manager
    assert "Sales owner: Sam Whitaker → Riley Chen (@riley)." in entry.text
    assert "Morgan" in entry.text
    assert list(Mention.objects.filter(activity=entry).values_list("user", flat=True)) == [riley.pk]


def test_both_owners_at_once_mention_both(
    sql: Lead, manager: User, maria: User, riley: User, marketer_two: User
) -> None:
    reassign_lead(
        lead_id=sql.pk,
        actor=fresh(manager),
        marketing_owner_id=marketer_two.pk,
        sales_owner_id=riley.pk,
    )

    lead = Lead.objects.get(pk=sql.pk)
    assert (lead.marketing_owner, lead.sales_owner) == (marketer_two, riley)
    entry = Activity.objects.filter(lead=lead).order_by("-id").first()
    assert entry is not None
    assert "Marketing owner: Maria Lindqvist → Mo Farah (@mo)." in entry.text
    assert set(Mention.objects.filter(activity=entry).values_list("user", flat=True)) == {
        riley.pk,
        marketer_two.pk,
    }


def test_a_lead_without_a_marketing_owner_gets_one(manager: User, maria: User) -> None:
    lead = LeadFactory.create(marketing_owner=None)

    reassign_lead(lead_id=lead.pk, actor=fresh(manager), marketing_owner_id=maria.pk)

    assert Lead.objects.get(pk=lead.pk).marketing_owner == maria
    entry = Activity.objects.get(lead=lead)
    assert "Marketing owner: nobody → Maria Lindqvist (@maria)." in entry.text


@pytest.mark.parametrize("who", ["maria", "sam"])
def test_only_managers_reassign(sql: Lead, riley: User, who: str) -> None:
    before = state(sql)
    actor = User.objects.get(username=who)

    with pytest.raises(NotAllowed):
        reassign_lead(lead_id=sql.pk, actor=actor, sales_owner_id=riley.pk)

    assert state(sql) == before


def test_the_new_sales_owner_must_be_in_sales(sql: Lead, manager: User, maria: User) -> None:
    before = state(sql)

    with pytest.raises(OwnerNotInTeam) as refusal:
        reassign_lead(lead_id=sql.pk, actor=fresh(manager), sales_owner_id=maria.pk)

    assert refusal.value.message == "Pick an active member of Sales."
    assert state(sql) == before


def test_the_new_marketing_owner_must_be_in_marketing(
    sql: Lead, manager: User, riley: User
) -> None:
    before = state(sql)

    with pytest.raises(OwnerNotInTeam):
        reassign_lead(lead_id=sql.pk, actor=fresh(manager), marketing_owner_id=riley.pk)

    assert state(sql) == before


def test_an_inactive_colleague_gets_no_lead(sql: Lead, manager: User, riley: User) -> None:
    User.objects.filter(pk=riley.pk).update(is_active=False)
    before = state(sql)

    with pytest.raises(OwnerNotInTeam):
        reassign_lead(lead_id=sql.pk, actor=fresh(manager), sales_owner_id=riley.pk)

    assert state(sql) == before


def test_a_failed_half_changes_neither_owner(
    sql: Lead, manager: User, marketer_two: User, maria: User
) -> None:
    before = state(sql)

    with pytest.raises(OwnerNotInTeam):
        reassign_lead(
            lead_id=sql.pk,
            actor=fresh(manager),
            marketing_owner_id=marketer_two.pk,
            sales_owner_id=maria.pk,
        )

    assert state(sql) == before


def test_an_mql_gets_no_sales_owner_it_is_claimed(mql: Lead, manager: User, riley: User) -> None:
    before = state(mql)

    with pytest.raises(SalesOwnerOutsideSales) as refusal:
        reassign_lead(lead_id=mql.pk, actor=fresh(manager), sales_owner_id=riley.pk)

    assert "claims it from the queue" in refusal.value.message
    assert state(mql) == before


def test_the_same_owners_again_is_nothing_to_do(sql: Lead, manager: User, sam: User) -> None:
    before = state(sql)

    with pytest.raises(NothingToReassign):
        reassign_lead(lead_id=sql.pk, actor=fresh(manager), sales_owner_id=sam.pk)
    with pytest.raises(NothingToReassign):
        reassign_lead(lead_id=sql.pk, actor=fresh(manager))

    assert state(sql) == before
