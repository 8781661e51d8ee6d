"""Demo data: known users, buyer personas and leads with a consistent funnel history.

One code path serves 400 leads and a million: leads are generated in batches, each written with
PostgreSQL COPY (leads, then their stage changes) under ids reserved from the tables' sequences.
Lead i is generated from its index alone, with dates relative to one `now` per run, so a second
run only adds the indices that are missing: seeding is idempotent and can grow the data set.
"""

import itertools
import random
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from psycopg import sql

from accounts.models import User
from accounts.roles import Role, ensure_role_groups
from funnel.defaults import ensure_default_funnel
from funnel.demo import (
    DemoFunnel,
    Move,
    Propensity,
    SalesRep,
    Touch,
    load_demo_funnel,
    simulate_journey,
)
from funnel.models import Reason, Stage, StageChange, Transition
from leads.models import Activity, Lead, Persona, Source

DEMO_PASSWORD = "smarketing-demo"  # noqa: S105 - printed for everyone trying the demo
DEFAULT_LEAD_COUNT = 400
DEFAULT_SEED = 1
DEFAULT_BATCH_SIZE = 25_000
# RFC 2606 reserves .example: demo addresses can never reach a real inbox. Leads whose email ends
# with it are the demo leads already written.
DEMO_EMAIL_SUFFIX = ".example"
# Leads are spread over the last six months, more of them recently: the company is growing.
WINDOW_DAYS = 182
# Any fixed number: it only keeps two seed_demo runs from writing at the same time.
_ADVISORY_LOCK_KEY = 7_301_946_002


@dataclass(frozen=True)
class DemoUser:
    """A login printed for people trying the demo: `role` is the label shown to them, `group`
    the role group that gives the user their permissions."""

    username: str
    full_name: str
    role: str
    group: Role

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ", 1)[0]

    @property
    def last_name(self) -> str:
        return self.full_name.split(" ", 1)[1]

    @property
    def email(self) -> str:
        return f"{self.username}@smarketing.example"

    @property
    def is_admin(self) -> bool:
        """Managers get the Django admin too, so the demo shows stages, reasons and users."""
        return self.group == Role.MANAGERS


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("morgan", "Morgan Reyes", "Manager", Role.MANAGERS),
    DemoUser("maria", "Maria Lindqvist", "Marketer", Role.MARKETING),
    DemoUser("mark", "Mark Okafor", "Marketer", Role.MARKETING),
    DemoUser("sam", "Sam Whitaker", "Sales rep", Role.SALES),
    DemoUser("sofia", "Sofia Moretti", "Sales rep", Role.SALES),
    DemoUser("steve", "Steve Nakamura", "Sales rep", Role.SALES),
)

# Who claims how much, how well and how fast they close: the dashboards should not show three
# clones. Steve takes twice the team's time over each step: his leads are most of those past
# their time limits, the real problem a manager finds in the demo.
_REP_PROFILES: dict[str, tuple[float, float, float]] = {
    "sam": (0.40, 1.00, 1.0),
    "sofia": (0.35, 1.15, 0.9),
    "steve": (0.25, 0.80, 2.0),
}
# Maria runs the digital inbound channels, Mark events, partners and outbound.
_DIGITAL_MARKETER = "maria"
_FIELD_MARKETER = "mark"


@dataclass(frozen=True)
class PersonaSpec:
    name: str
    description: str
    pains: str
    goals: str
    channels: str
    objections: str
    job_titles: tuple[str, ...]
    share: int
    deal_size: int
    propensity: Propensity


DEMO_PERSONAS: tuple[PersonaSpec, ...] = (
    PersonaSpec(
        name="Marketing Lead at a scale-up",
        description=(
            "Heads marketing at a B2B software company of 50 to 500 people. Owns the pipeline "
            "target and a team of three to ten."
        ),
        pains=(
            "Sales says the leads are bad; nobody can show what happened to the MQLs handed "
            "over. Reports are stitched together from three tools every Monday."
        ),
        goals=(
            "Be measured on revenue, not lead counts. Show which campaigns bring deals and "
            "shift budget accordingly."
        ),
        channels="LinkedIn, marketing newsletters, webinars, peer communities, G2 comparisons.",
        objections=("We already pay for a marketing automation suite. Will Sales actually use it?"),
        job_titles=(
            "Head of Marketing",
            "VP Marketing",
            "Marketing Director",
            "Demand Generation Manager",
        ),
        share=30,
        deal_size=14_000,
        propensity=Propensity(qualify=1.0, win=1.0),
    ),
    PersonaSpec(
        name="Sales Manager",
        description=(
            "Runs a team of five to twenty account executives and answers for the quarterly "
            "number. Reviews the pipeline every week."
        ),
        pains=(
            "Reps cherry-pick leads and let the rest rot. Forecasts are guesses because stages "
            "mean different things to different reps."
        ),
        goals=(
            "Claim every qualified lead within a day, a forecast that holds, fair distribution "
            "of leads across the team."
        ),
        channels="Referrals from other sales leaders, sales podcasts, LinkedIn, events.",
        objections="Another tool my reps must update. Our CRM already has a pipeline view.",
        job_titles=("Sales Manager", "Head of Sales", "Sales Director", "VP Sales"),
        share=25,
        deal_size=18_000,
        propensity=Propensity(qualify=1.05, win=1.05),
    ),
    PersonaSpec(
        name="Revenue Operations Specialist",
        description=(
            "Owns the tools and data between Marketing and Sales: routing, scoring, stage "
            "definitions and the dashboards both teams argue about."
        ),
        pains=(
            "Stage definitions live in a slide deck nobody follows. Every new report means "
            "another spreadsheet export."
        ),
        goals=(
            "Enforced stage criteria, clean hand-off data, conversion and velocity numbers "
            "both teams trust."
        ),
        channels="RevOps communities, documentation and comparison blogs, partner agencies.",
        objections="How hard is the migration from our current CRM? Can we get the data out?",
        job_titles=(
            "Revenue Operations Manager",
            "Sales Operations Analyst",
            "Marketing Operations Manager",
            "CRM Administrator",
        ),
        share=20,
        deal_size=11_000,
        propensity=Propensity(qualify=1.1, win=1.1),
    ),
    PersonaSpec(
        name="Small Business Founder",
        description=(
            "Founded a company of 5 to 40 people and still signs every contract. Marketing and "
            "sales are one or two people, often part-time."
        ),
        pains=(
            "Leads from the website get lost in a shared inbox. Nobody knows which ads are "
            "worth the money."
        ),
        goals="A simple pipeline the whole team uses, set up in an afternoon, at a fair price.",
        channels="Google search, founder communities, YouTube tutorials, accountant referrals.",
        objections="Too expensive for a team our size. We can keep using a spreadsheet.",
        job_titles=("Founder", "CEO", "Managing Director", "Owner"),
        share=15,
        deal_size=3_500,
        propensity=Propensity(qualify=1.15, win=0.8),
    ),
    PersonaSpec(
        name="IT Manager",
        description=(
            "Evaluates and runs the company's self-hosted software; signs off on anything that "
            "stores customer data."
        ),
        pains=(
            "SaaS tools spreading customer data across vendors; audits that ask where every "
            "record lives."
        ),
        goals=(
            "Software the company hosts itself, with single sign-on, backups and an upgrade "
            "path that does not eat weekends."
        ),
        channels="Technical blogs, GitHub, Hacker News, IT newsletters, integrator partners.",
        objections="Who supports it at 3 a.m.? What does an upgrade involve?",
        job_titles=("IT Manager", "Head of IT", "CTO", "Systems Administrator"),
        share=10,
        deal_size=25_000,
        propensity=Propensity(qualify=0.7, win=1.15),
    ),
)
# Leads without a persona: Marketing could not tell who they are, so they never reach MQL
# (MQL requires a persona).
_NO_PERSONA_SHARE = 15
_UNQUALIFIABLE = Propensity(qualify=0, win=0)
_NO_PERSONA_DEAL_SIZE = 2_500
_OTHER_JOB_TITLES = (
    "Consultant",
    "Student",
    "Product Manager",
    "Software Engineer",
    "Office Manager",
    "Analyst",
)


@dataclass(frozen=True)
class SourceSpec:
    source: Source
    share: int
    # `{month}` becomes the month the lead came in, as in "Newsletter March 2026".
    campaigns: tuple[str, ...]
    marketer: str
    propensity: Propensity


SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec(
        Source.WEBSITE,
        24,
        ("", "Pricing page", "Blog: the shared funnel guide", "Free trial sign-up"),
        _DIGITAL_MARKETER,
        Propensity(qualify=1.0, win=1.0),
    ),
    SourceSpec(
        Source.PAID_SEARCH,
        16,
        ("Search ads: CRM alternatives", "Search ads: lead routing", "Search ads: brand"),
        _DIGITAL_MARKETER,
        Propensity(qualify=0.85, win=0.9),
    ),
    SourceSpec(
        Source.SOCIAL,
        13,
        ("LinkedIn: RevOps webinar", "LinkedIn: SLA playbook e-book", "LinkedIn: {month}"),
        _DIGITAL_MARKETER,
        Propensity(qualify=0.7, win=0.85),
    ),
    SourceSpec(
        Source.EMAIL,
        11,
        ("Newsletter {month}", "Nurture: the MQL playbook", "Product update {month}"),
        _DIGITAL_MARKETER,
        Propensity(qualify=1.0, win=1.0),
    ),
    SourceSpec(
        Source.EVENT,
        8,
        ("RevOps Summit Berlin", "B2B Growth Days Madrid", "Webinar: Marketing meets Sales"),
        _FIELD_MARKETER,
        Propensity(qualify=1.2, win=1.0),
    ),
    SourceSpec(
        Source.REFERRAL,
        8,
        ("Customer referral programme", ""),
        _FIELD_MARKETER,
        Propensity(qualify=1.5, win=1.3),
    ),
    SourceSpec(
        Source.PARTNER,
        6,
        ("Partner: agency network", "Partner: integrators"),
        _FIELD_MARKETER,
        Propensity(qualify=1.3, win=1.2),
    ),
    SourceSpec(
        Source.OUTBOUND,
        11,
        ("ABM: logistics mid-market", "ABM: fintech scale-ups", "Outbound {month}"),
        _FIELD_MARKETER,
        Propensity(qualify=0.9, win=0.95),
    ),
    SourceSpec(Source.OTHER, 3, ("",), _DIGITAL_MARKETER, Propensity(qualify=0.8, win=1.0)),
)

FIRST_NAMES = (
    "Ada", "Adrián", "Aisha", "Aleksander", "Amara", "Ana", "Andrea", "Anna", "Ben", "Camille",
    "Carlos", "Chen", "Chloé", "Daniel", "David", "Diego", "Elena", "Emma", "Fatima", "Finn",
    "Grace", "Hannah", "Hiro", "Ines", "Isabel", "Jakob", "James", "Jana", "Javier", "Julia",
    "Kenji", "Laura", "Leila", "Liam", "Lucas", "Lucía", "Maja", "Marco", "Mateo", "Mei",
    "Mia", "Nadia", "Noah", "Nora", "Olivia", "Omar", "Oskar", "Pablo", "Priya", "Rafael",
    "Rahul", "Sara", "Sofía", "Tom", "Valentina", "Victor", "Yara", "Yusuf", "Zoe", "Zofia",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Alvarez", "Andersen", "Bakker", "Banerjee", "Becker", "Bianchi", "Brown",
    "Castillo", "Clarke", "Costa", "Dubois", "Eriksson", "Fernández", "Fischer", "García",
    "Gómez", "Hansen", "Hoffmann", "Hughes", "Ibrahim", "Ivanova", "Jansen", "Jensen",
    "Kaplan", "Khan", "Kowalski", "Larsen", "Laurent", "Lee", "Lopes", "Martin", "Meyer",
    "Mohammed", "Moreau", "Müller", "Murphy", "Nakamura", "Nguyen", "Nielsen", "Novak",
    "O'Brien", "Okonkwo", "Olsen", "Park", "Patel", "Pereira", "Petrov", "Quinn", "Ramírez",
    "Rossi", "Sánchez", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Suzuki", "Tanaka",
    "Taylor", "Thompson", "Torres", "Van Dijk", "Wagner", "Walsh", "Weber", "Wilson", "Wong",
    "Yilmaz", "Zhang",
)  # fmt: skip
_COMPANY_STEMS = (
    "Acme", "Alder", "Apex", "Aurora", "Beacon", "Birch", "Bluefin", "Brightwave", "Cedar",
    "Clearpath", "Cobalt", "Copperleaf", "Crescent", "Ember", "Evergreen", "Falcon", "Fjord",
    "Granite", "Harbor", "Helix", "Ironwood", "Juniper", "Keystone", "Lumen", "Maple",
    "Meridian", "Northwind", "Oakridge", "Orbit", "Pinnacle", "Quartz", "Redwood", "Sable",
    "Silverline", "Summit", "Tidewater", "Trellis", "Vantage", "Willow", "Zephyr",
)  # fmt: skip
_COMPANY_KINDS = (
    "Analytics", "Bank", "Biotech", "Cloud", "Consulting", "Energy", "Foods", "Health",
    "Insurance", "Labs", "Logistics", "Media", "Robotics", "Software", "Studios", "Systems",
)  # fmt: skip
# (name, slug for the email domain), computed once: slugify is too slow for a million leads.
COMPANIES: tuple[tuple[str, str], ...] = tuple(
    (f"{stem} {kind}", slugify(f"{stem} {kind}"))
    for stem in _COMPANY_STEMS
    for kind in _COMPANY_KINDS
)
_FIRST_SLUGS = {name: slugify(name) for name in FIRST_NAMES}
_LAST_SLUGS = {name: slugify(name) for name in LAST_NAMES}
# (country, dialling code, share of leads)
COUNTRIES: tuple[tuple[str, str, int], ...] = (
    ("United States", "+1", 30),
    ("United Kingdom", "+44", 12),
    ("Germany", "+49", 10),
    ("France", "+33", 6),
    ("Spain", "+34", 6),
    ("Netherlands", "+31", 5),
    ("Canada", "+1", 5),
    ("Australia", "+61", 4),
    ("Mexico", "+52", 4),
    ("Brazil", "+55", 4),
    ("India", "+91", 4),
    ("Sweden", "+46", 3),
    ("Ireland", "+353", 3),
    ("Italy", "+39", 3),
    ("Poland", "+48", 3),
    ("Japan", "+81", 2),
    ("Singapore", "+65", 2),
)


# Cumulative weights, so that `rng.choices` does not add them up for every lead.
_SOURCE_WEIGHTS = list(itertools.accumulate(spec.share for spec in SOURCES))
_COUNTRY_WEIGHTS = list(itertools.accumulate(share for _, _, share in COUNTRIES))
_PERSONA_WEIGHTS = list(
    itertools.accumulate([*(spec.share for spec in DEMO_PERSONAS), _NO_PERSONA_SHARE])
)

# The Lead and StageChange attributes written by COPY, in the order of the generated rows.
LEAD_FIELDS = (
    "id",
    "full_name",
    "email",
    "phone",
    "company",
    "job_title",
    "country",
    "source",
    "campaign",
    "persona_id",
    "expected_value",
    "marketing_owner_id",
    "sales_owner_id",
    "stage_id",
    "stage_entered_at",
    "created_at",
    "updated_at",
)
STAGE_CHANGE_FIELDS = ("id", "lead_id", *Move._fields)
ACTIVITY_FIELDS = ("lead_id", *Touch._fields)


@dataclass(frozen=True)
class SeedResult:
    leads: int
    stage_changes: int
    seconds: float


@dataclass(frozen=True)
class DemoCast:
    """Who and what the generated leads refer to, by id, read once per run."""

    funnel: DemoFunnel
    marketer_ids: dict[str, int]
    reps: tuple[SalesRep, ...]
    persona_ids: tuple[int, ...]


def seed_demo(
    *,
    lead_count: int = DEFAULT_LEAD_COUNT,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    report: Callable[[str], None] = lambda message: None,
) -> SeedResult:
    """Make sure the demo users, funnel and personas exist and that there are `lead_count` demo
    leads; return what this run added. Safe to run again, and to run with a larger count."""
    started = time.monotonic()
    now = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    with _seeding_lock():
        with transaction.atomic():
            cast = ensure_demo_cast()
        existing = Lead.objects.filter(email__endswith=DEMO_EMAIL_SUFFIX).count()
        batches = [
            range(start, min(start + batch_size, lead_count))
            for start in range(existing, lead_count, batch_size)
        ]
        leads = changes = 0
        for batch in _built_one_batch_ahead(batches, seed=seed, now=now, cast=cast):
            changes += _write_batch(batch)
            leads += len(batch)
            report(
                f"{existing + leads:,}/{lead_count:,} leads written "
                f"({changes:,} stage changes, {time.monotonic() - started:.1f} s)"
            )
        if leads:
            _analyze(Lead, StageChange, Activity)
    return SeedResult(leads=leads, stage_changes=changes, seconds=time.monotonic() - started)


def ensure_demo_cast() -> DemoCast:
    """Role groups, the default funnel, the demo users and the personas, as in a fresh install."""
    ensure_role_groups(Group)
    ensure_default_funnel(Stage, Reason, Transition)
    users = ensure_demo_users()
    personas = ensure_demo_personas()
    return DemoCast(
        funnel=load_demo_funnel(),
        marketer_ids={
            username: users[username].pk for username in (_DIGITAL_MARKETER, _FIELD_MARKETER)
        },
        reps=tuple(
            SalesRep(id=users[username].pk, claim_weight=weight, win_factor=win_factor, pace=pace)
            for username, (weight, win_factor, pace) in _REP_PROFILES.items()
        ),
        persona_ids=tuple(persona.pk for persona in personas),
    )


def ensure_demo_users() -> dict[str, User]:
    """Create or restore the demo logins; a password changed since is set back to the demo one."""
    groups = {group.name: group for group in Group.objects.filter(name__in=list(Role))}
    users = {}
    for demo in DEMO_USERS:
        user, _ = User.objects.update_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": demo.email,
                "is_active": True,
                "is_staff": demo.is_admin,
                "is_superuser": demo.is_admin,
            },
        )
        # Only when needed: a new hash (new salt) on every run would make runs differ.
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.set([groups[demo.group.value]])
        users[demo.username] = user
    return users


def ensure_demo_personas() -> list[Persona]:
    """The demo personas, in the order of DEMO_PERSONAS, with every field filled."""
    return [
        Persona.objects.update_or_create(
            name=spec.name,
            defaults={
                "description": spec.description,
                "pains": spec.pains,
                "goals": spec.goals,
                "channels": spec.channels,
                "objections": spec.objections,
                "typical_job_titles": ", ".join(spec.job_titles),
            },
        )[0]
        for spec in DEMO_PERSONAS
    ]


@dataclass(frozen=True, slots=True)
class DemoLead:
    full_name: str
    email: str
    phone: str
    company: str
    job_title: str
    country: str
    source: str
    campaign: str
    persona_id: int | None
    expected_value: int
    marketing_owner_id: int
    journey_moves: list[Move]
    sales_owner_id: int | None
    touches: list[Touch]

    def row(self, lead_id: int) -> tuple[object, ...]:
        """The values of LEAD_FIELDS; the lead's stage and dates are its last and first moves."""
        first, last = self.journey_moves[0], self.journey_moves[-1]
        return (
            lead_id,
            self.full_name,
            self.email,
            self.phone,
            self.company,
            self.job_title,
            self.country,
            self.source,
            self.campaign,
            self.persona_id,
            self.expected_value,
            self.marketing_owner_id,
            self.sales_owner_id,
            last.to_stage_id,
            last.at,
            first.at,
            last.at,
        )


def build_demo_lead(*, index: int, seed: int, now: datetime, cast: DemoCast) -> DemoLead:
    """Lead number `index`: the same person and history whenever it is built for this `now`."""
    rng = random.Random(seed * 1_000_003 + index)
    first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company, company_slug = rng.choice(COMPANIES)
    country, dialling_code, _ = rng.choices(COUNTRIES, cum_weights=_COUNTRY_WEIGHTS)[0]
    source = rng.choices(SOURCES, cum_weights=_SOURCE_WEIGHTS)[0]
    persona_choice = rng.choices(range(len(_PERSONA_WEIGHTS)), cum_weights=_PERSONA_WEIGHTS)[0]
    persona = DEMO_PERSONAS[persona_choice] if persona_choice < len(DEMO_PERSONAS) else None
    created_at = _creation_time(rng, now=now)
    marketer_id = cast.marketer_ids[source.marketer]
    journey = simulate_journey(
        rng=rng,
        funnel=cast.funnel,
        created_at=created_at,
        now=now,
        marketer_id=marketer_id,
        reps=cast.reps,
        propensity=_combined(source.propensity, persona.propensity) if persona else _UNQUALIFIABLE,
    )
    deal_size = persona.deal_size if persona else _NO_PERSONA_DEAL_SIZE
    # Deal sizes are skewed like real ones: many near the persona's typical size, a few big.
    expected_value = max(1_000, int(round(deal_size * rng.lognormvariate(0, 0.5), -2)))
    return DemoLead(
        full_name=f"{first_name} {last_name}",
        email=(
            f"{_FIRST_SLUGS[first_name]}.{_LAST_SLUGS[last_name]}.{index}"
            f"@{company_slug}{DEMO_EMAIL_SUFFIX}"
        ),
        phone=f"{dialling_code} 555 {rng.randrange(1000, 10_000)}" if rng.random() < 0.6 else "",
        company=company,
        job_title=rng.choice(persona.job_titles if persona else _OTHER_JOB_TITLES),
        country=country,
        source=source.source.value,
        campaign=rng.choice(source.campaigns).replace("{month}", f"{created_at:%B %Y}"),
        persona_id=cast.persona_ids[persona_choice] if persona else None,
        expected_value=expected_value,
        marketing_owner_id=marketer_id,
        journey_moves=journey.with_deal_value(Decimal(expected_value), funnel=cast.funnel),
        touches=journey.touches,
        sales_owner_id=journey.sales_owner_id,
    )


def _combined(source: Propensity, persona: Propensity) -> Propensity:
    return Propensity(qualify=source.qualify * persona.qualify, win=source.win * persona.win)


def _creation_time(rng: random.Random, *, now: datetime) -> datetime:
    """A moment in the last WINDOW_DAYS, mostly on working days and in office hours."""
    day: date = (now - timedelta(days=WINDOW_DAYS * rng.random() ** 1.25)).date()
    if day.weekday() >= 5 and rng.random() < 0.8:
        day -= timedelta(days=day.weekday() - 4)
    seconds_into_day = 7 * 3600 + rng.randrange(11 * 3600)
    created_at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        seconds=seconds_into_day
    )
    # Today's office hours may not have happened yet.
    return created_at if created_at <= now else created_at - timedelta(days=1)


def _built_one_batch_ahead(
    batches: Sequence[range], *, seed: int, now: datetime, cast: DemoCast
) -> Iterator[list[DemoLead]]:
    """The leads of each batch; the next batch is built in a thread while this one is written.

    Building is Python work and writing mostly waits for PostgreSQL, so on two cores the two
    overlap. Only one batch is built ahead, which bounds the memory used.
    """

    def build(indices: range) -> list[DemoLead]:
        return [build_demo_lead(index=index, seed=seed, now=now, cast=cast) for index in indices]

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-demo") as builder:
        building: deque[Future[list[DemoLead]]] = deque()
        for indices in batches:
            building.append(builder.submit(build, indices))
            if len(building) > 1:
                yield building.popleft().result()
        while building:
            yield building.popleft().result()


def _write_batch(leads: Sequence[DemoLead]) -> int:
    """COPY `leads` and their stage changes in one transaction; return the number of changes."""
    first_lead_id = _reserve_ids(Lead, count=len(leads))
    change_count = sum(len(lead.journey_moves) for lead in leads)
    change_ids = itertools.count(_reserve_ids(StageChange, count=change_count))
    lead_ids = range(first_lead_id, first_lead_id + len(leads))
    with transaction.atomic():
        _copy(
            Lead,
            LEAD_FIELDS,
            (lead.row(lead_id) for lead_id, lead in zip(lead_ids, leads, strict=True)),
        )
        _copy(
            StageChange,
            STAGE_CHANGE_FIELDS,
            (
                (next(change_ids), lead_id, *move)
                for lead_id, lead in zip(lead_ids, leads, strict=True)
                for move in lead.journey_moves
            ),
        )
        _copy(
            Activity,
            ACTIVITY_FIELDS,
            (
                (lead_id, *touch)
                for lead_id, lead in zip(lead_ids, leads, strict=True)
                for touch in lead.touches
            ),
        )
    return change_count


def _reserve_ids(model: type[Model], *, count: int) -> int:
    """Take `count` consecutive ids from the model's id sequence; return the first.

    Other writers' inserts draw from the same sequence: the table lock keeps them out between
    reading the sequence and moving it past the block, a few milliseconds. Ids of a block whose
    COPY fails are simply never used, like those of any rolled-back insert.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {_table(model)} IN EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first: int = cursor.fetchone()[0]
        if count > 1:
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def _copy(model: type[Model], fields: Sequence[str], rows: Iterator[tuple[object, ...]]) -> None:
    # Concrete fields always have a column; the condition is for the type checker.
    column_of = {
        field.attname: field.column for field in model._meta.concrete_fields if field.column
    }
    columns = [column_of[name] for name in fields]
    statement = sql.SQL("COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)").format(
        table=sql.Identifier(model._meta.db_table),
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
    )
    pg: psycopg.Connection[Any] = connection.connection
    with pg.cursor() as cursor:
        # Binary COPY spares PostgreSQL parsing millions of dates and numbers from text, but
        # needs each column's type: read from the table itself, so it cannot disagree.
        cursor.execute(
            "SELECT attname, atttypid::int FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        type_of = dict(cursor.fetchall())
        with cursor.copy(statement) as copy:
            copy.set_types([type_of[column] for column in columns])
            for row in rows:
                copy.write_row(row)


def _analyze(*models: type[Model]) -> None:
    """Fresh planner statistics: a million new rows otherwise make the dashboards' plans stale."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(_table(model) for model in models)}")


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@contextmanager
def _seeding_lock() -> Iterator[None]:
    """Two seed_demo runs at once would count the same existing leads and write the same ones."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_ADVISORY_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_ADVISORY_LOCK_KEY])
