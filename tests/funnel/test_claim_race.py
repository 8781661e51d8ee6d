"""The claim is atomic at the database level (issue 4): 50 threads claiming 10 MQLs on real
PostgreSQL give exactly 10 successful claims and 10 claim history rows, every time, over 20
repetitions.

Real threads, each on its own connection, released together by a barrier. Five different reps go
for each lead; the four who lose are told which colleague won.
"""

from functools import partial

import pytest

from accounts.models import User
from accounts.roles import Role, roles_of
from funnel.models import ChangeKind, Stage, StageChange
from funnel.services import AlreadyClaimed, claim_lead, move_lead
from leads.models import Lead
from tests.factories import LeadFactory, PersonaFactory, UserFactory
from tests.threads import at_once

THREADS = 50
LEADS = 10
REPETITIONS = 20

Outcome = Lead | BaseException


def _mqls(round_: int, marketer: User) -> list[Lead]:
    """Fresh leads, qualified to MQL by the marketer through the funnel service."""
    persona = PersonaFactory.create(name="Ops lead")
    mql = Stage.objects.get(slug="mql")
    leads = []
    for number in range(LEADS):
        lead = LeadFactory.create(
            email=f"race{round_}-{number}@example.org", persona=persona, marketing_owner=marketer
        )
        leads.append(move_lead(lead_id=lead.pk, to_stage_id=mql.pk, actor=marketer))
    return leads


def _claim_at_once(leads: list[Lead], reps: list[User]) -> list[Outcome]:
    """Thread i claims lead i mod 10 as rep i div 10, as soon as all 50 are ready."""
    return at_once(
        [
            partial(claim_lead, lead_id=leads[index % LEADS].pk, rep=reps[index // LEADS])
            for index in range(THREADS)
        ]
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_data")
def test_fifty_reps_claiming_ten_mqls_at_once_make_exactly_ten_claims() -> None:
    marketer = UserFactory.create(roles=[Role.MARKETING])
    reps = [
        UserFactory.create(first_name=f"Rep{number}", last_name="Racer", roles=[Role.SALES])
        for number in range(THREADS // LEADS)
    ]
    for rep in reps:
        roles_of(rep)  # read once here, not by every thread

    for round_ in range(REPETITIONS):
        leads = _mqls(round_, marketer)

        outcomes = _claim_at_once(leads, reps)

        claimed = [outcome for outcome in outcomes if isinstance(outcome, Lead)]
        refused = [outcome for outcome in outcomes if isinstance(outcome, AlreadyClaimed)]
        others = [outcome for outcome in outcomes if not isinstance(outcome, Lead | AlreadyClaimed)]
        assert others == [], f"round {round_}: unexpected outcomes {others!r}"
        assert len(claimed) == LEADS, f"round {round_}: {len(claimed)} claims succeeded"
        assert len(refused) == THREADS - LEADS
        winners = {lead.pk: lead.sales_owner for lead in claimed}
        assert sorted(winners) == sorted(lead.pk for lead in leads), "a lead was claimed twice"

        for index, outcome in enumerate(outcomes):
            lead = leads[index % LEADS]
            if isinstance(outcome, AlreadyClaimed):
                winner = winners[lead.pk]
                assert outcome.claimed_by == winner
                assert winner is not None
                assert winner.get_full_name() in outcome.message
            else:
                assert isinstance(outcome, Lead)
                assert outcome.sales_owner == reps[index // LEADS]

        history = StageChange.objects.filter(lead__in=leads, kind=ChangeKind.CLAIMED)
        assert sorted(history.values_list("lead", "actor")) == sorted(
            (pk, owner.pk) for pk, owner in winners.items() if owner is not None
        )
        stored = Lead.objects.filter(pk__in=[lead.pk for lead in leads])
        assert sorted(stored.values_list("pk", "stage__slug", "sales_owner")) == sorted(
            (pk, "sql", owner.pk) for pk, owner in winners.items() if owner is not None
        )

    assert StageChange.objects.filter(kind=ChangeKind.CLAIMED).count() == LEADS * REPETITIONS
