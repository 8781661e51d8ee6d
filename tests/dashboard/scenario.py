"""A small funnel built by hand through the services, at set times, whose every dashboard
figure for Q4 2026 is worked out in the tests' own words (see test_selectors.py)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from funnel.goals import GoalTerms, set_revenue_goal
from funnel.models import Reason, RevenueGoal, Stage
from funnel.periods import quarter
from funnel.services import claim_lead, move_lead
from leads.activities import add_activity
from leads.models import Activity, ActivityKind, Lead, Persona, Source
from leads.services import create_lead

# The dashboard is read half-way through Q4 2026: 46 of its 92 days have passed.
NOW = datetime(2026, 11, 16, tzinfo=UTC)


class Clock:
    """The services' `timezone.now()`, set by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 9, 1, tzinfo=UTC)

    def at(self, when: datetime) -> None:
        self.now = when


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    current = Clock()
    monkeypatch.setattr(timezone, "now", lambda: current.now)
    return current


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def reason(slug: str) -> Reason:
    return Reason.objects.get(slug=slug)


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def log(clock: Clock, when: datetime, marketer: User, **details: object) -> Lead:
    clock.at(when)
    defaults = {"company": "Acme", "source": Source.WEBSITE, "expected_value": Decimal(0)}
    return create_lead(details=defaults | details, actor=marketer)


def move(clock: Clock, when: datetime, lead: Lead, slug: str, actor: User, **extra: object) -> None:
    clock.at(when)
    move_lead(lead_id=lead.pk, to_stage_id=stage(slug).pk, actor=actor, **extra)  # type: ignore[arg-type]


def claim(clock: Clock, when: datetime, lead: Lead, rep: User) -> None:
    clock.at(when)
    claim_lead(lead_id=lead.pk, rep=rep)


def touch(clock: Clock, when: datetime, lead: Lead, rep: User) -> None:
    clock.at(when)
    activity = add_activity(lead=lead, kind=ActivityKind.CALL, body="First call", author=rep)
    # Activity.created_at defaults to the real clock: put it at the story's time.
    Activity.objects.filter(pk=activity.pk).update(created_at=when)


@dataclass
class Story:
    """Who and what the Q4 2026 story is about."""

    ada: Lead  # event, persona Engineers: qualified, claimed by Sam in 3 h, touched, won 12,000
    bob: Lead  # website, persona Founders: claimed late by Riley, recycled, claimed again, lost
    cy: Lead  # website, created on 30 September (Q3), moved to Working on 1 October
    dee: Lead  # website, created 1 November, still New
    engineers: Persona
    founders: Persona
    goal: RevenueGoal


def build_story(clock: Clock, *, maria: User, sam: User, riley: User, manager: User) -> Story:
    engineers = Persona.objects.create(name="Engineers")
    founders = Persona.objects.create(name="Founders")

    ada = log(
        clock,
        at(10, 2),
        maria,
        full_name="Ada",
        email="ada@example.com",
        source=Source.EVENT,
        persona=engineers,
        campaign="Spring",
        expected_value=Decimal(12_000),
    )
    move(clock, at(10, 2, 10), ada, "working", maria)
    move(clock, at(10, 3), ada, "mql", maria)
    claim(clock, at(10, 3, 12), ada, sam)  # 3 hours in MQL: in time
    touch(clock, at(10, 3, 15), ada, sam)  # 3 hours after the claim: in time
    move(
        clock,
        at(10, 10),
        ada,
        "opportunity",
        sam,
        value=Decimal(12_000),
        close_date=date(2026, 10, 31),
    )
    move(clock, at(10, 20), ada, "won", sam, value=Decimal(12_000))

    bob = log(
        clock,
        at(10, 5),
        maria,
        full_name="Bob",
        email="bob@example.com",
        persona=founders,
        expected_value=Decimal(5_000),
    )
    move(clock, at(10, 5, 10), bob, "working", maria)
    move(clock, at(10, 6), bob, "mql", maria)
    claim(clock, at(10, 8), bob, riley)  # 48 hours in MQL: late
    move(clock, at(10, 9), bob, "working", riley, reason_id=reason("no-budget").pk, note="Q1")
    move(clock, at(10, 12), bob, "mql", maria)
    claim(clock, at(10, 12, 11), bob, sam)  # 2 hours: in time
    touch(clock, at(10, 14, 9), bob, sam)  # 46 hours after the claim: late
    move(
        clock,
        at(10, 20),
        bob,
        "opportunity",
        sam,
        value=Decimal(5_000),
        close_date=date(2026, 11, 30),
    )
    move(clock, at(10, 25), bob, "lost", sam, reason_id=reason("price").pk)

    cy = log(
        clock,
        at(9, 30, 23, 30),
        maria,
        full_name="Cy",
        email="cy@example.com",
        expected_value=Decimal(1_000),
    )
    move(clock, at(10, 1, 1), cy, "working", maria)  # 90 minutes in New

    dee = log(
        clock,
        at(11, 1),
        maria,
        full_name="Dee",
        email="dee@example.com",
        expected_value=Decimal(2_000),
    )

    clock.at(at(10, 1, 8))
    goal = set_revenue_goal(
        actor=manager,
        period=quarter(2026, 4),
        terms=GoalTerms(
            amount=Decimal(100_000),
            marketing_share=80,
            average_deal=Decimal(10_000),
            planned_lead_to_mql=Decimal(50),
            planned_mql_to_sql=Decimal(50),
            planned_sql_to_won=Decimal(25),
        ),
    )
    clock.at(NOW)
    return Story(
        ada=ada, bob=bob, cy=cy, dee=dee, engineers=engineers, founders=founders, goal=goal
    )
