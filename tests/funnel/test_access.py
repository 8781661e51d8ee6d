"""Who may make each move of the default funnel: the role x move matrix.

The rule (issue 4, funnel/access.py): moves follow the owning team of the stage a lead leaves.
Marketers move leads out of Marketing's stages; either team moves an MQL (Sales claims or rejects
it, Marketing may take it back); only the lead's sales owner moves it out of a Sales stage;
closed leads reopen only by a manager; managers make every move; nobody else moves anything.
"""

import pytest

from accounts.models import User
from accounts.roles import Role
from funnel.access import can_claim, can_make_move
from funnel.defaults import DEFAULT_TRANSITIONS
from funnel.models import Transition
from leads.models import Lead
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = ["marketer", "owning rep", "other rep", "manager", "no role"]

# Who may make each move, written out by hand rather than derived from the code under test.
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("new", "working"): {"marketer", "manager"},
    ("new", "mql"): {"marketer", "manager"},
    ("working", "mql"): {"marketer", "manager"},
    ("working", "lost"): {"marketer", "manager"},
    ("mql", "sql"): {"owning rep", "other rep", "manager"},
    ("mql", "working"): {"marketer", "owning rep", "other rep", "manager"},
    ("sql", "opportunity"): {"owning rep", "manager"},
    ("sql", "working"): {"owning rep", "manager"},
    ("sql", "lost"): {"owning rep", "manager"},
    ("opportunity", "won"): {"owning rep", "manager"},
    ("opportunity", "lost"): {"owning rep", "manager"},
    ("opportunity", "working"): {"owning rep", "manager"},
    ("won", "opportunity"): {"manager"},
    ("lost", "working"): {"manager"},
}

MATRIX = [
    pytest.param(source, target, person, person in allowed, id=f"{source}-{target}-{person}")
    for (source, target), allowed in ALLOWED.items()
    for person in PEOPLE
]


@pytest.fixture
def people() -> dict[str, User]:
    return {
        "marketer": UserFactory.create(roles=[Role.MARKETING]),
        "owning rep": UserFactory.create(roles=[Role.SALES]),
        "other rep": UserFactory.create(roles=[Role.SALES]),
        "manager": UserFactory.create(roles=[Role.MANAGERS]),
        "no role": UserFactory.create(),
    }


def test_the_matrix_covers_every_move_of_the_default_funnel() -> None:
    moves = {(source, target) for source, target, _kind in DEFAULT_TRANSITIONS}
    stored = set(Transition.objects.values_list("from_stage__slug", "to_stage__slug"))

    assert set(ALLOWED) == moves == stored


@pytest.mark.parametrize(("source", "target", "person", "expected"), MATRIX)
def test_who_may_make_each_move(
    people: dict[str, User], source: str, target: str, person: str, expected: bool
) -> None:
    transition = Transition.objects.select_related("from_stage", "to_stage").get(
        from_stage__slug=source, to_stage__slug=target
    )
    # The lead sits in the move's origin and belongs to the owning rep (an MQL waiting to be
    # claimed has no owner in life; owning it gives a rep nothing more there).
    lead = Lead(stage=transition.from_stage, sales_owner=people["owning rep"])

    assert can_make_move(people[person], lead, transition) is expected


def test_a_sales_stage_lead_without_an_owner_is_moved_only_by_a_manager(
    people: dict[str, User],
) -> None:
    transition = Transition.objects.select_related("from_stage").get(
        from_stage__slug="sql", to_stage__slug="opportunity"
    )
    lead = Lead(stage=transition.from_stage, sales_owner=None)

    allowed = {person for person in PEOPLE if can_make_move(people[person], lead, transition)}

    assert allowed == {"manager"}


def test_someone_in_marketing_and_sales_makes_the_moves_of_both(people: dict[str, User]) -> None:
    both = UserFactory.create(roles=[Role.MARKETING, Role.SALES])
    transitions = Transition.objects.select_related("from_stage", "to_stage")

    allowed = {
        (t.from_stage.slug, t.to_stage.slug)
        for t in transitions
        if can_make_move(both, Lead(stage=t.from_stage, sales_owner=both), t)
    }

    assert allowed == {move for move, who in ALLOWED.items() if who - {"manager", "no role"}}


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("marketer", False),
        ("owning rep", True),
        ("other rep", True),
        ("manager", True),
        ("no role", False),
    ],
)
def test_who_may_claim(people: dict[str, User], person: str, expected: bool) -> None:
    assert can_claim(people[person]) is expected
