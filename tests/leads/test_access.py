"""Who may edit a lead, by role and stage: the rule, and the edit page, never disagree."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from leads.access import can_add_activity, can_edit_lead
from leads.models import Lead
from tests.factories import LeadFactory, UserFactory
from tests.leads.test_timeline import walk_to

pytestmark = pytest.mark.django_db

STAGES = ["new", "working", "mql", "sql", "opportunity", "won"]
# Marketers edit in marketing-owned stages (MQL is owned by both teams); the sales owner edits in
# sales-owned stages (MQL included); a rep who does not own the lead edits nothing; managers
# edit everything.
EXPECTED = {
    "marketer": {"new", "working", "mql"},
    "sales_owner": {"mql", "sql", "opportunity", "won"},
    "other_rep": set(),
    "manager": set(STAGES),
}
MATRIX = [(person, stage, stage in EXPECTED[person]) for person in EXPECTED for stage in STAGES]


@pytest.fixture
def people(marketer: User, sales_rep: User, manager: User) -> dict[str, User]:
    return {
        "marketer": marketer,
        "sales_owner": sales_rep,
        "other_rep": UserFactory.create(username="other-rep", roles=[Role.SALES]),
        "manager": manager,
    }


def lead_in(stage: str, *, owner: User) -> Lead:
    """A lead walked to `stage`; `owner` claimed it on the way, or owns it as sales owner
    already (an MQL the rep worked on before it was recycled and qualified again)."""
    lead = LeadFactory.create(sales_owner=owner)
    walk_to(lead, stage, actor=owner)
    lead.refresh_from_db()
    assert lead.stage.slug == stage
    assert lead.sales_owner == owner
    return lead


@pytest.mark.parametrize(("person", "stage", "may_edit"), MATRIX)
def test_the_rule(people: dict[str, User], person: str, stage: str, may_edit: bool) -> None:
    lead = lead_in(stage, owner=people["sales_owner"])

    assert can_edit_lead(people[person], lead) is may_edit


@pytest.mark.parametrize(("person", "stage", "may_edit"), MATRIX)
def test_the_edit_page_follows_the_rule(
    client: Client, people: dict[str, User], person: str, stage: str, may_edit: bool
) -> None:
    lead = lead_in(stage, owner=people["sales_owner"])
    client.force_login(people[person])

    page = client.get(reverse("lead_detail", args=[lead.pk]))
    edit = client.get(reverse("lead_edit", args=[lead.pk]))
    post = client.post(reverse("lead_edit", args=[lead.pk]), {"full_name": "Changed"})

    assert page.status_code == 200
    assert (reverse("lead_edit", args=[lead.pk]) in page.content.decode()) is may_edit
    assert edit.status_code == (200 if may_edit else 403)
    # An allowed post of an incomplete form is answered with field errors (400), a refused one
    # with 403; neither changes the lead.
    assert post.status_code == (400 if may_edit else 403)
    lead.refresh_from_db()
    assert lead.full_name != "Changed"


@pytest.mark.parametrize("person", ["marketer", "sales_owner", "other_rep", "manager"])
def test_everyone_on_a_team_writes_on_every_lead(people: dict[str, User], person: str) -> None:
    assert can_add_activity(people[person])


def test_someone_without_a_team_reads_but_neither_edits_nor_writes() -> None:
    outsider = UserFactory.create(username="outsider")
    lead = LeadFactory.create()

    assert not can_edit_lead(outsider, lead)
    assert not can_add_activity(outsider)
