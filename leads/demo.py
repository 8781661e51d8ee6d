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
from django.contrib.auth.hashers import make_password
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
from leads.models import Activity, ActivityKind, Lead, Persona, Source
from leads.shapes import DEMO, Script, Shape

DEMO_PASSWORD = "smarketing-demo"  # noqa: S105 - printed for everyone trying the demo
DEFAULT_LEAD_COUNT = 400
DEFAULT_SEED = 1
DEFAULT_BATCH_SIZE = 25_000
# RFC 2606 reserves .example: demo addresses can never reach a real inbox. Leads whose email ends
# with it are the demo leads already written.
DEMO_EMAIL_SUFFIX = ".example"
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
_COUNTRY_WEIGHTS = list(itertools.accumulate(share for _, _, share in COUNTRIES))


class Weighted[T]:
    """Items drawn with fixed weights, kept cumulative so that a draw is one bisection."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self.cum_weights = tuple(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> T:
        """One item; a single item costs no draw, so a shape with one choice where the demo
        has one makes the demo's leads."""
        if len(self.items) == 1:
            return self.items[0]
        return rng.choices(self.items, cum_weights=self.cum_weights)[0]


def skewed_weights(count: int, *, top_share: float) -> list[float]:
    """`count` weights adding up to 1: the first `top_share`, the others falling off as a power
    law, so that the last few get a handful (the shapes of real teams' owners and personas)."""
    if count == 1:
        return [1.0]
    tail = [1 / (rank + 1) ** 1.2 for rank in range(1, count)]
    scale = (1 - top_share) / sum(tail)
    return [top_share, *(weight * scale for weight in tail)]


@dataclass(frozen=True)
class NamePool:
    """Names and companies written in one script, each name with the ASCII slug of its email."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    companies: tuple[tuple[str, str], ...]
    slugs: dict[str, str]
    # Chinese, Japanese and Korean names: the family name first, with no space.
    family_first: bool = False

    def full_name(self, first_name: str, last_name: str) -> str:
        return f"{last_name}{first_name}" if self.family_first else f"{first_name} {last_name}"


def _slugged(names: Sequence[str]) -> dict[str, str]:
    return {name: slugify(name) or "lead" for name in names}


_ACCENTED_FIRST = (
    "Łukasz", "Zoë", "Søren", "Ångela", "Björn", "Ñuria", "Çağla", "Dóra", "Élodie", "Íñigo",
    "Jiří", "Kateřina", "Małgorzata", "Nói", "Örjan", "Przemysław", "Rūta", "Şebnem", "Tiên",
    "Ugnė", "Vojtěch", "Wiesław", "Ximena", "Yağmur", "Žaneta", "Ðorđe", "Ægir", "Þóra",
    "Gökçe", "Mihăiță",
)  # fmt: skip
_ACCENTED_LAST = (
    "Wójcik", "Szőke", "Dvořák", "Nguyễn", "Şahin", "Đorđević", "Øvergaard", "Gößling",
    "Ionescu-Păun", "Ó Súilleabháin", "Núñez", "Jóhannsdóttir", "Çelik", "Brzęczyszczykiewicz",
    "Kovačević", "Łęcki", "Mäkinen", "Pérez-Ñíguez", "Třešňák", "Ångström", "Lê", "Phạm",
    "Özdemir", "Grünewald", "Faßbender",
)  # fmt: skip
_ACCENTED_COMPANIES = tuple(
    (f"{stem} {kind}", slugify(f"{stem} {kind}"))
    for stem in (
        "Łódź", "Ærø", "São Paulo", "Čokoláda", "Straße", "Ústí", "Göteborg", "Besançon",
        "Kraków", "Ñandú", "Þingvellir", "Hạ Long",
    )
    for kind in (
        "Análises", "Maschinenbau GmbH", "Société d'Études", "Logistik", "Fintech Sp. z o.o.",
        "Tecnologías", "Süßwaren", "Ingeniería",
    )
)  # fmt: skip
# (name, romanisation for the email)
_CJK_LAST = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("佐藤", "sato"),
    ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"), ("김", "kim"), ("이", "lee"),
    ("박", "park"),
)  # fmt: skip
_CJK_FIRST = (
    ("芳", "fang"), ("伟", "wei"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("强", "qiang"),
    ("磊", "lei"), ("洋", "yang"), ("艳", "yan"), ("杰", "jie"), ("花子", "hanako"),
    ("太郎", "taro"), ("美咲", "misaki"), ("翔", "sho"), ("민준", "minjun"), ("서연", "seoyeon"),
    ("지우", "jiwoo"),
)  # fmt: skip
_CJK_COMPANIES = (
    *(
        (f"{stem}{kind}", f"{stem_slug}-{kind_slug}")
        for stem, stem_slug in (
            ("星辰", "xingchen"), ("明日", "mingri"), ("海风", "haifeng"), ("龙腾", "longteng"),
            ("青松", "qingsong"), ("东方", "dongfang"), ("华夏", "huaxia"), ("天宇", "tianyu"),
        )
        for kind, kind_slug in (
            ("科技", "keji"), ("物流", "wuliu"), ("电子", "dianzi"), ("金融", "jinrong"),
            ("医疗", "yiliao"), ("云计算", "yunjisuan"),
        )
    ),
    ("さくらソフト", "sakura-soft"), ("未来ラボ", "mirai-lab"),
    ("青山コンサルティング", "aoyama-consulting"), ("富士データ", "fuji-data"),
    ("서울데이터", "seoul-data"), ("한빛로보틱스", "hanbit-robotics"),
)  # fmt: skip
_EMOJI = ("🚀", "☕", "🌈", "🍕", "⭐", "🔥", "💙", "🌿", "🎯", "🦄")
_EMOJI_FIRST = tuple(
    f"{name} {_EMOJI[number % len(_EMOJI)]}" if number % 3 else f"{_EMOJI[number % 7]} {name}"
    for number, name in enumerate(FIRST_NAMES[::2])
)
_EMOJI_COMPANIES = tuple(
    (f"{stem} {emoji} {kind}", slugify(f"{stem} {kind}"))
    for stem, emoji in zip(
        ("Rocket", "Coffee", "Rainbow", "Pizza", "Star", "Fire", "Blue", "Leaf", "Target",
         "Unicorn"),
        _EMOJI,
        strict=True,
    )
    for kind in ("Labs", "Media", "Studio", "Co")
)  # fmt: skip
NAME_POOLS: dict[Script, NamePool] = {
    Script.LATIN: NamePool(FIRST_NAMES, LAST_NAMES, COMPANIES, {**_FIRST_SLUGS, **_LAST_SLUGS}),
    Script.ACCENTED: NamePool(
        _ACCENTED_FIRST,
        _ACCENTED_LAST,
        _ACCENTED_COMPANIES,
        _slugged((*_ACCENTED_FIRST, *_ACCENTED_LAST)),
    ),
    Script.CJK: NamePool(
        tuple(name for name, _ in _CJK_FIRST),
        tuple(name for name, _ in _CJK_LAST),
        _CJK_COMPANIES,
        dict((*_CJK_FIRST, *_CJK_LAST)),
        family_first=True,
    ),
    Script.EMOJI: NamePool(
        _EMOJI_FIRST, LAST_NAMES, _EMOJI_COMPANIES, {**_slugged(_EMOJI_FIRST), **_LAST_SLUGS}
    ),
}

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
    "expected_close_date",
    "marketing_owner_id",
    "sales_owner_id",
    "stage_id",
    "stage_entered_at",
    "stages_entered",
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
    """Who and what the generated leads refer to, by id, read once per run, and the shape's
    ways of choosing among them."""

    funnel: DemoFunnel
    shape: Shape
    names: Weighted[NamePool]
    sources: Weighted[SourceSpec]
    # (spec, id) of each persona, and None for the leads without one.
    personas: Weighted[tuple[PersonaSpec, int] | None]
    reps: tuple[SalesRep, ...]
    # The demo's marketers by username, each source naming its own; a skewed shape draws from
    # `marketers` instead.
    marketer_ids: dict[str, int]
    marketers: Weighted[int] | None
    # Each source's campaigns, by source value; None: the source's own few.
    campaigns: dict[str, Weighted[str]] | None


def seed_demo(
    *,
    lead_count: int = DEFAULT_LEAD_COUNT,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    shape: Shape = DEMO,
    report: Callable[[str], None] = lambda message: None,
) -> SeedResult:
    """Make sure the demo users, funnel and personas exist and that there are `lead_count` demo
    leads of `shape`; return what this run added. Safe to run again, and to run with a larger
    count (with the same shape: a database holds one shape)."""
    started = time.monotonic()
    now = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    with _seeding_lock():
        with transaction.atomic():
            cast = ensure_demo_cast(shape)
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


def ensure_demo_cast(shape: Shape = DEMO) -> DemoCast:
    """Role groups, the default funnel, the demo users and personas, as in a fresh install, and
    the people, personas and campaigns `shape` adds."""
    ensure_role_groups(Group)
    ensure_default_funnel(Stage, Reason, Transition)
    users = {username: user.pk for username, user in ensure_demo_users().items()}
    people = shape_people(shape)
    users.update(ensure_people(people))
    marketers = [_DIGITAL_MARKETER, _FIELD_MARKETER] + [
        person.username for person in people if person.group == Role.MARKETING
    ]
    reps = [
        SalesRep(id=users[username], claim_weight=weight, win_factor=win_factor, pace=pace)
        for username, (weight, win_factor, pace) in _REP_PROFILES.items()
    ] + [
        # Generated reps differ as the demo's do: some close more, some take longer.
        SalesRep(
            id=users[person.username],
            claim_weight=1.0,
            win_factor=0.8 + number * 37 % 41 / 100,
            pace=0.8 + number * 53 % 121 / 100,
        )
        for number, person in enumerate(p for p in people if p.group == Role.SALES)
    ]
    if shape.top_rep_share is not None:
        weights = skewed_weights(len(reps), top_share=shape.top_rep_share)
        reps = [
            SalesRep(id=rep.id, claim_weight=weight, win_factor=rep.win_factor, pace=rep.pace)
            for rep, weight in zip(reps, weights, strict=True)
        ]
    sources = SOURCES[: shape.sources]
    return DemoCast(
        funnel=load_demo_funnel(),
        shape=shape,
        names=Weighted(
            [NAME_POOLS[script] for script, _ in shape.scripts],
            [weight for _, weight in shape.scripts],
        ),
        sources=Weighted(sources, [spec.share for spec in sources]),
        personas=_persona_weights(shape, ensure_demo_personas(shape)),
        reps=tuple(reps),
        marketer_ids={username: users[username] for username in marketers},
        marketers=(
            None
            if shape.top_marketer_share is None
            else Weighted(
                [users[username] for username in marketers],
                skewed_weights(len(marketers), top_share=shape.top_marketer_share),
            )
        ),
        campaigns=None if shape.campaigns is None else _campaigns(shape.campaigns, sources),
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


def shape_people(shape: Shape) -> list[DemoUser]:
    """The people `shape` has beyond the demo's six: a few managers, then marketers and reps
    two to three, named from the Latin and accented names."""
    count = shape.people - len(DEMO_USERS)
    managers = count // 20
    marketers = (count - managers) * 2 // 5
    first_names = (*FIRST_NAMES, *_ACCENTED_FIRST)
    last_names = (*LAST_NAMES, *_ACCENTED_LAST)
    people = []
    for number in range(count):
        if number < managers:
            username, role, group = f"manager{number + 1:02d}", "Manager", Role.MANAGERS
        elif number < managers + marketers:
            username, role, group = (
                f"marketer{number - managers + 1:03d}",
                "Marketer",
                Role.MARKETING,
            )
        else:
            username, role, group = (
                f"rep{number - managers - marketers + 1:03d}",
                "Sales rep",
                Role.SALES,
            )
        full_name = (
            f"{first_names[number * 7 % len(first_names)]} "
            f"{last_names[number * 13 % len(last_names)]}"
        )
        people.append(DemoUser(username, full_name, role, group))
    return people


def ensure_people(people: Sequence[DemoUser]) -> dict[str, int]:
    """Create the people missing, in bulk; the ids of all of them by username. They log in with
    the demo password (hashed once for them all: a hash each would take minutes)."""
    usernames = [person.username for person in people]
    existing = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    missing = [person for person in people if person.username not in existing]
    if missing:
        password = make_password(DEMO_PASSWORD)
        created = User.objects.bulk_create(
            User(
                username=person.username,
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                password=password,
            )
            for person in missing
        )
        groups = dict(Group.objects.filter(name__in=list(Role)).values_list("name", "id"))
        membership = User.groups.through
        membership.objects.bulk_create(
            membership(user_id=user.pk, group_id=groups[person.group.value])
            for user, person in zip(created, missing, strict=True)
        )
        existing.update((user.username, user.pk) for user in created)
    return existing


_PERSONA_ROLES = (
    "Procurement Lead", "Head of Customer Success", "Finance Director", "Product Owner",
    "Operations Manager", "HR Director", "Data Analyst", "Security Officer",
)  # fmt: skip
_PERSONA_INDUSTRIES = ("Healthcare", "Logistics", "Retail", "Manufacturing", "Public Sector")


def _generated_persona(number: int) -> PersonaSpec:
    role = _PERSONA_ROLES[number % len(_PERSONA_ROLES)]
    combinations = len(_PERSONA_ROLES) * len(_PERSONA_INDUSTRIES)
    industry = _PERSONA_INDUSTRIES[number // len(_PERSONA_ROLES) % len(_PERSONA_INDUSTRIES)]
    name = f"{role}, {industry}"
    if number >= combinations:
        name += f" {number // combinations + 1}"
    return PersonaSpec(
        name=name,
        description=f"{role} at a {industry.lower()} company of 100 to 5,000 people.",
        pains="Data in too many tools; reports that nobody trusts.",
        goals="One view of the pipeline both teams agree on.",
        channels="Industry events, LinkedIn, peer recommendations.",
        objections="Another tool to learn; what does the migration cost?",
        job_titles=(role, f"Senior {role}", f"Assistant {role}"),
        share=10,
        deal_size=2_000 + number * 7_919 % 28_000,
        propensity=Propensity(
            qualify=0.8 + number * 13 % 40 / 100, win=0.8 + number * 29 % 40 / 100
        ),
    )


def ensure_demo_personas(shape: Shape = DEMO) -> list[tuple[PersonaSpec, int]]:
    """The demo personas, then the shape's generated ones, with every field filled: each spec
    with its persona's id."""
    specs = [
        *DEMO_PERSONAS,
        *(_generated_persona(number) for number in range(shape.personas - len(DEMO_PERSONAS))),
    ]
    return [
        (
            spec,
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
            )[0].pk,
        )
        for spec in specs
    ]


def _persona_weights(
    shape: Shape, personas: list[tuple[PersonaSpec, int]]
) -> Weighted[tuple[PersonaSpec, int] | None]:
    """Each persona's share, then that of the leads without one (as many as in the demo)."""
    if shape.top_persona_share is None:
        weights = [float(spec.share) for spec, _ in personas]
    else:
        total = sum(spec.share for spec in DEMO_PERSONAS)
        weights = [
            weight * total
            for weight in skewed_weights(len(personas), top_share=shape.top_persona_share)
        ]
    return Weighted([*personas, None], [*weights, _NO_PERSONA_SHARE])


_CAMPAIGN_TOPICS = (
    "Spring launch", "Webinar series", "Pricing test", "Retargeting", "Trade fair",
    "Partner push", "Newsletter", "E-book", "Case study", "Free trial", "Brand",
    "Competitor terms",
)  # fmt: skip


def _campaigns(count: int, sources: Sequence[SourceSpec]) -> dict[str, Weighted[str]]:
    """`count` campaigns dealt out to the sources in turn; within a source, a few carry most of
    its leads."""
    names: dict[str, list[str]] = {spec.source.value: [] for spec in sources}
    for number in range(count):
        spec = sources[number % len(sources)]
        label = spec.source.name.replace("_", " ").capitalize()
        topic = _CAMPAIGN_TOPICS[number // len(sources) % len(_CAMPAIGN_TOPICS)]
        names[spec.source.value].append(f"{label} {number + 1:04d}: {topic}")
    return {
        source: Weighted(campaigns, [1 / rank for rank in range(1, len(campaigns) + 1)])
        for source, campaigns in names.items()
        if campaigns
    }


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
    expected_close_date: date | None
    marketing_owner_id: int
    journey_moves: list[Move]
    sales_owner_id: int | None
    touches: list[Touch]

    def row(self, lead_id: int) -> tuple[object, ...]:
        """The values of LEAD_FIELDS; the lead's stage and dates are its last and first moves,
        the stages it has been in those its moves went to."""
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
            self.expected_close_date,
            self.marketing_owner_id,
            self.sales_owner_id,
            last.to_stage_id,
            last.at,
            # Written with the lead, so that its history's trigger finds nothing to add (it
            # would otherwise update every lead of the batch a second time).
            sorted({move.to_stage_id for move in self.journey_moves}),
            first.at,
            last.at,
        )


def build_demo_lead(*, index: int, seed: int, now: datetime, cast: DemoCast) -> DemoLead:
    """Lead number `index`: the same person and history whenever it is built for this `now`.

    The demo's shape draws nothing the demo did not: a knob a shape turns draws from the same
    generator, so every shape is as reproducible as the demo."""
    rng = random.Random(seed * 1_000_003 + index)
    shape = cast.shape
    names = cast.names.pick(rng)
    first_name, last_name = rng.choice(names.first_names), rng.choice(names.last_names)
    company, company_slug = rng.choice(names.companies)
    country, dialling_code, _ = rng.choices(COUNTRIES, cum_weights=_COUNTRY_WEIGHTS)[0]
    source = cast.sources.pick(rng)
    persona, persona_id = cast.personas.pick(rng) or (None, None)
    created_at = _creation_time(rng, now=now, window_days=shape.history_days)
    marketer_id = cast.marketers.pick(rng) if cast.marketers else cast.marketer_ids[source.marketer]
    journey = simulate_journey(
        rng=rng,
        funnel=cast.funnel,
        created_at=created_at,
        now=now,
        marketer_id=marketer_id,
        reps=cast.reps,
        propensity=_combined(source.propensity, persona.propensity) if persona else _UNQUALIFIABLE,
        max_recycles=shape.max_recycles,
        requalify=shape.requalify,
    )
    deal_size = persona.deal_size if persona else _NO_PERSONA_DEAL_SIZE
    # Deal sizes are skewed like real ones: many near the persona's typical size, a few big.
    expected_value = max(1_000, int(round(deal_size * rng.lognormvariate(0, 0.5), -2)))
    phone = f"{dialling_code} 555 {rng.randrange(1000, 10_000)}" if rng.random() < 0.6 else ""
    job_title = rng.choice(persona.job_titles if persona else _OTHER_JOB_TITLES)
    campaigns = cast.campaigns.get(source.source.value) if cast.campaigns is not None else None
    campaign = (
        campaigns.pick(rng)
        if campaigns
        else rng.choice(source.campaigns).replace("{month}", f"{created_at:%B %Y}")
    )
    authors = (marketer_id,) + (
        (journey.sales_owner_id,) if journey.sales_owner_id is not None else ()
    )
    return DemoLead(
        full_name=names.full_name(first_name, last_name),
        email=(
            f"{names.slugs[first_name]}.{names.slugs[last_name]}.{index}"
            f"@{company_slug}{DEMO_EMAIL_SUFFIX}"
        ),
        phone=phone,
        company=company,
        job_title=job_title,
        country=country,
        source=source.source.value,
        campaign=campaign,
        persona_id=persona_id,
        expected_value=expected_value,
        expected_close_date=_expected_close_date(journey.moves, index=index, funnel=cast.funnel),
        marketing_owner_id=marketer_id,
        journey_moves=journey.with_deal_value(Decimal(expected_value), funnel=cast.funnel),
        touches=[
            *journey.touches,
            *_long_timeline(index=index, shape=shape, since=created_at, now=now, authors=authors),
            *_notes(rng, shape=shape, since=created_at, now=now, authors=authors),
        ],
        sales_owner_id=journey.sales_owner_id,
    )


_TIMELINE_ENTRIES = (
    (ActivityKind.CALL, "Called: they are comparing two vendors, decision next month."),
    (ActivityKind.EMAIL, "Sent the security questionnaire back with our answers."),
    (ActivityKind.MEETING, "Demo for their team of five; questions on reporting."),
    (ActivityKind.NOTE, "Their budget owner changed; the new one wants a call first."),
)
_NOTES = (
    "Met them at the booth; keen on the shared funnel, not on the price.",
    "Asked for a reference customer in their industry.",
    "Prefers email to calls; writes back within a day.",
    "Their renewal with the current vendor is in March.",
    "Wants single sign-on before anything else.",
    "Forwarded our deck to their head of sales.",
)


def _long_timeline(
    *, index: int, shape: Shape, since: datetime, now: datetime, authors: tuple[int, ...]
) -> list[Touch]:
    """A lead worked for years: `long_timeline_entries` calls, emails, meetings and notes spread
    evenly over its life, on every `long_timeline_every`-th lead."""
    if not shape.long_timeline_every or index % shape.long_timeline_every:
        return []
    entries = shape.long_timeline_entries
    step = (now - since) / (entries + 1)
    return [
        Touch(kind.value, authors[number % len(authors)], body, since + step * (number + 1))
        for number, (kind, body) in enumerate(
            itertools.islice(itertools.cycle(_TIMELINE_ENTRIES), entries)
        )
    ]


def _notes(
    rng: random.Random, *, shape: Shape, since: datetime, now: datetime, authors: tuple[int, ...]
) -> list[Touch]:
    """One to five notes on `notes_share` of the leads, some of them `long_note_chars` long."""
    if not shape.notes_share or rng.random() >= shape.notes_share:
        return []
    seconds = max(1, int((now - since).total_seconds()))
    notes = []
    for _ in range(rng.randint(1, 5)):
        if rng.random() < shape.long_note_share:
            body = "\n\n".join(
                itertools.islice(itertools.cycle(_NOTES), shape.long_note_chars // 40)
            )
            body = body[: shape.long_note_chars]
        else:
            body = rng.choice(_NOTES)
        at = since + timedelta(seconds=rng.randrange(seconds))
        notes.append(Touch(ActivityKind.NOTE.value, rng.choice(authors), body, at))
    return notes


def _expected_close_date(moves: list[Move], *, index: int, funnel: DemoFunnel) -> date | None:
    """The close date the rep gave when the lead became an opportunity (the move requires one):
    two weeks to three months after that move. None for a lead never made an opportunity."""
    made = [move.at for move in moves if move.to_stage_id == funnel.opportunity]
    if not made:
        return None
    return (made[-1] + timedelta(days=14 + index % 77)).date()


def _combined(source: Propensity, persona: Propensity) -> Propensity:
    return Propensity(qualify=source.qualify * persona.qualify, win=source.win * persona.win)


def _creation_time(rng: random.Random, *, now: datetime, window_days: int) -> datetime:
    """A moment in the last `window_days`, more of them recently (the company is growing),
    mostly on working days and in office hours."""
    day: date = (now - timedelta(days=window_days * rng.random() ** 1.25)).date()
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
