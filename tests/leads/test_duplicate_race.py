"""Two people saving the same new email at the same moment still end with one lead.

Real threads on real PostgreSQL, each on its own connection, released together by a barrier.
"""

from decimal import Decimal
from functools import partial

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role, ensure_role_groups, roles_of
from funnel.defaults import ensure_default_funnel
from funnel.models import ChangeKind, Reason, Stage, StageChange, Transition
from leads.models import Lead, Source
from leads.services import DuplicateLead, create_lead
from tests.factories import UserFactory
from tests.threads import at_once

THREADS = 8
ROUNDS = 20


def _spellings(email: str) -> list[str]:
    """The same address as eight people might type it."""
    local, domain = email.split("@")
    return [
        email,
        email.upper(),
        f"  {email}",
        f"{email}  ",
        f"{local.capitalize()}@{domain.upper()}",
        f"\t{local.upper()}@{domain} ",
        f" {email.swapcase()} ",
        f"{local}@{domain.capitalize()}",
    ]


def _save_at_once(emails: list[str], actors: list[User]) -> list[Lead | BaseException]:
    """Every thread calls create_lead as soon as all of them are ready; returns what each got."""
    return at_once([partial(_save, index, email, actors) for index, email in enumerate(emails)])


def _save(index: int, email: str, actors: list[User]) -> Lead:
    return create_lead(
        details={
            "full_name": f"Person {index}",
            "email": email,
            "company": f"Company {index}",
            "source": Source.WEBSITE,
            "expected_value": Decimal(index),
        },
        note=f"Saved by thread {index}",
        actor=actors[index % len(actors)],
    )


@pytest.fixture
def _migrated_data(transactional_db: None) -> None:
    """The role groups and the default funnel, which an earlier transactional test may have
    emptied along with every other table."""
    ensure_role_groups(Group)
    ensure_default_funnel(Stage, Reason, Transition)


@pytest.mark.usefixtures("_migrated_data")
def test_people_saving_one_new_email_at_once_end_with_one_lead() -> None:
    actors = [
        UserFactory.create(roles=[Role.MARKETING]),
        UserFactory.create(roles=[Role.MARKETING]),
        UserFactory.create(roles=[Role.MANAGERS]),
    ]
    for actor in actors:
        roles_of(actor)  # read once here, not by every thread

    for round_ in range(ROUNDS):
        email = f"race{round_}@example.com"
        results = _save_at_once(_spellings(email), actors)

        created = [result for result in results if isinstance(result, Lead)]
        refused = [result for result in results if isinstance(result, DuplicateLead)]
        others = [r for r in results if not isinstance(r, Lead | DuplicateLead)]
        assert others == [], f"round {round_}: unexpected outcomes {others!r}"
        assert len(created) == 1, f"round {round_}: {len(created)} leads created"
        assert len(refused) == THREADS - 1
        winner = created[0]
        assert all(duplicate.existing.pk == winner.pk for duplicate in refused)

        stored = Lead.objects.filter(email__iexact=email)
        assert [lead.pk for lead in stored] == [winner.pk]
        history = StageChange.objects.filter(lead=winner)
        assert [change.kind for change in history] == [ChangeKind.CREATED]
        # Only the winner's note was written; the others rolled back completely.
        assert list(winner.activities.values_list("body", flat=True)) == [
            f"Saved by thread {results.index(winner)}"
        ]

    assert Lead.objects.count() == ROUNDS
    assert StageChange.objects.count() == ROUNDS
