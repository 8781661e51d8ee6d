"""The benchmark's shapes (leads/shapes.py): a small seed of each turns every knob it sets, and
the rollups the pages read stay exactly what a full recomputation gives."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Max, Sum
from django.db.models.functions import Coalesce, Length
from django.test import Client
from django.urls import reverse

from accounts.models import User
from dashboard.rollup import ROLLUPS, recomputed, refresh_rollups
from funnel.models import Stage, StageChange
from funnel.selectors import stage_summaries
from leads.demo import DEMO_USERS, ensure_demo_cast, seed_demo
from leads.models import Activity, Lead, Persona
from leads.shapes import SHAPES, SKEWED, Script, Shape
from smarketing.management.commands.bench import Picks, build_cases, csv_cases

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 17, 15, 30, tzinfo=UTC)
SMALL = 400

CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
EMOJI = re.compile(r"[\u2600-\u27bf\u2b00-\u2bff\U0001f300-\U0001faff]")
# Letters beyond the demo's few accents: Ł, ő, ș, đ, ß and the like.
ACCENTED = re.compile(r"[ŁłŐőŞşĐđßØøÆæÞþŻżĘęŮůřěň]")


def snapshot() -> dict[str, tuple[object, ...]]:
    return {
        lead.email: (
            lead.full_name,
            lead.company,
            lead.source,
            lead.campaign,
            lead.persona.name if lead.persona else None,
            lead.marketing_owner.username if lead.marketing_owner else None,
            lead.sales_owner.username if lead.sales_owner else None,
            lead.stage.slug,
            lead.created_at,
            tuple(sorted((c.kind, c.to_stage.slug, c.at) for c in lead.stage_changes.all())),
            tuple(sorted((a.kind, a.body, a.created_at) for a in lead.activities.all())),
        )
        for lead in Lead.objects.select_related(
            "stage", "persona", "marketing_owner", "sales_owner"
        ).prefetch_related("stage_changes__to_stage", "activities")
    }


def stored(table: str, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608  (fixed names)
        return cursor.fetchall()


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_rollups_match_a_full_recomputation_after_seeding(name: str) -> None:
    seed_demo(lead_count=SMALL, now=NOW, shape=SHAPES[name], batch_size=150)

    refresh_rollups()
    for rollup in ROLLUPS:
        assert sorted(stored(rollup.table, rollup.columns), key=repr) == sorted(
            recomputed(rollup), key=repr
        ), rollup.table
    counted = {
        stage.slug: (stage.n, stage.value)
        for stage in Stage.objects.annotate(
            n=Count("leads"), value=Coalesce(Sum("leads__expected_value"), Decimal(0))
        )
    }
    assert {s.stage.slug: (s.count, s.value) for s in stage_summaries()} == counted
    assert sum(n for n, _ in counted.values()) == SMALL


def test_the_skewed_shape_turns_every_knob() -> None:
    seed_demo(lead_count=SMALL, now=NOW, shape=SKEWED)

    assert User.objects.count() == SKEWED.people
    assert Persona.objects.count() == SKEWED.personas
    # One marketer owns about 40% of the leads, one rep about 30% of the sales-owned ones; the
    # others fall off, so that some own a handful.
    by_marketer = list(
        Lead.objects.values("marketing_owner").annotate(n=Count("id")).order_by("-n")
    )
    assert 0.33 < by_marketer[0]["n"] / SMALL < 0.47
    assert by_marketer[1]["n"] < by_marketer[0]["n"] / 2
    assert len(by_marketer) > 20
    sales_owned = Lead.objects.filter(sales_owner__isnull=False)
    by_rep = list(sales_owned.values("sales_owner").annotate(n=Count("id")).order_by("-n"))
    assert 0.18 < by_rep[0]["n"] / sales_owned.count() < 0.42
    # Campaigns and personas are many, used unevenly; every source is used.
    assert Lead.objects.values("campaign").distinct().count() > 100
    assert Lead.objects.values("source").distinct().count() == SKEWED.sources
    assert Lead.objects.values("persona").distinct().count() > 20
    # Names and companies in every script.
    names = " ".join(Lead.objects.values_list("full_name", flat=True))
    companies = " ".join(Lead.objects.values_list("company", flat=True))
    for text in (names, companies):
        assert CJK.search(text)
        assert EMOJI.search(text)
        assert ACCENTED.search(text)
    # A two-character CJK name, shorter than a trigram.
    assert any(len(name) == 2 and CJK.match(name) for name in names.split())
    # Lead 0 has the long timeline; some notes are long.
    longest = Lead.objects.annotate(n=Count("activities")).order_by("-n").first()
    assert longest is not None
    assert ".0@" in longest.email
    assert longest.n >= SKEWED.long_timeline_entries
    longest_note = Activity.objects.aggregate(chars=Max(Length("body")))["chars"]
    assert longest_note == SKEWED.long_note_chars
    # Years of history, and about five stage changes per lead.
    first = Lead.objects.order_by("created_at").values_list("created_at", flat=True)[0]
    assert (NOW - first).days > 2 * 365
    assert StageChange.objects.count() / SMALL > 4.5


def test_the_skewed_shape_has_every_campaign_to_choose_from() -> None:
    cast = ensure_demo_cast(SKEWED)
    assert cast.campaigns is not None
    assert sum(len(c.items) for c in cast.campaigns.values()) == SKEWED.campaigns


def test_a_shape_is_the_same_data_whatever_the_batches() -> None:
    seed_demo(lead_count=150, now=NOW, shape=SKEWED)
    in_one_go = snapshot()
    Lead.objects.all().delete()

    seed_demo(lead_count=60, now=NOW, shape=SKEWED, batch_size=25)
    seed_demo(lead_count=150, now=NOW, shape=SKEWED, batch_size=40)

    assert snapshot() == in_one_go


def test_another_seed_makes_other_leads() -> None:
    seed_demo(lead_count=50, now=NOW, shape=SKEWED, seed=1)
    first = snapshot()
    Lead.objects.all().delete()

    seed_demo(lead_count=50, now=NOW, shape=SKEWED, seed=2)

    assert snapshot().keys() != first.keys()


def test_the_demo_shape_is_the_demo() -> None:
    """Six people, five personas, names in the demo's own script, six months of history."""
    demo = SHAPES["demo"]
    assert demo.people == len(DEMO_USERS)
    assert demo.scripts == ((Script.LATIN, 1),)
    seed_demo(lead_count=100, now=NOW, shape=demo)
    assert User.objects.count() == len(DEMO_USERS)
    assert not Activity.objects.filter(kind="note").exists()
    first = Lead.objects.order_by("created_at").values_list("created_at", flat=True)[0]
    assert (NOW - first).days <= demo.history_days


def test_a_shape_cannot_use_more_sources_than_a_lead_can_have() -> None:
    with pytest.raises(ValueError, match="sources"):
        Shape(name="wide", description="", sources=30)


def test_every_benchmark_case_is_found_in_a_skewed_seed_and_answers(client: Client) -> None:
    """The benchmark (`manage.py bench`) chooses each case from the data: on the skewed shape
    none is skipped, and each page answers, as whoever the case fetches it as."""
    seed_demo(lead_count=SMALL, now=datetime.now(UTC), shape=SKEWED)
    said: list[str] = []
    cases = build_cases(Picks(said.append))
    manager = User.objects.get(username="morgan")
    client.force_login(manager)
    dashboard = client.get(reverse("dashboard"), secure=True)
    cases += csv_cases(dashboard.content.decode())

    for case in cases:
        client.force_login(case.as_user() if case.as_user else manager)
        response = client.get(case.url(), secure=True)
        assert response.status_code == 200, case.name

    names = {case.name for case in cases}
    assert {"list: owner (small), value", "dashboard csv: by_campaign"} <= names
    assert any(line.startswith("a two-character CJK name: ") for line in said)
