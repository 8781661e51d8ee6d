from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Model, OuterRef, Q, Subquery
from django.test import RequestFactory

from accounts.models import User
from accounts.roles import Role
from digests.models import Digest, SendStatus
from funnel.models import ChangeKind, Reason, ReasonKind, Stage, StageChange
from funnel.selectors import past_limit, unclaimed_mql_queue
from leads.demo import DEMO_PASSWORD, DEMO_PERSONAS, DEMO_USERS, seed_demo
from leads.models import Activity, Lead, Persona

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 17, 15, 30, tzinfo=UTC)

# Every move the default funnel allows, as (from, to, kind).
FUNNEL_MOVES = {
    (None, "new", ChangeKind.CREATED),
    ("new", "working", ChangeKind.MOVED),
    ("working", "mql", ChangeKind.MOVED),
    ("working", "lost", ChangeKind.LOST),  # Marketing closes a lead it cannot qualify
    ("mql", "sql", ChangeKind.CLAIMED),
    ("sql", "opportunity", ChangeKind.MOVED),
    ("sql", "lost", ChangeKind.LOST),
    ("opportunity", "won", ChangeKind.WON),
    ("opportunity", "lost", ChangeKind.LOST),
    ("mql", "working", ChangeKind.RECYCLED),  # Sales rejects an MQL
    ("sql", "working", ChangeKind.RECYCLED),
    ("opportunity", "working", ChangeKind.RECYCLED),
}
MARKETING_MOVES = {ChangeKind.CREATED, ChangeKind.MOVED}


def run_seed_demo(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def table_checksums() -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row, for each table the seeding writes."""
    models: list[type[Model]] = [
        User,
        User.groups.through,
        Persona,
        Stage,
        Reason,
        Lead,
        StageChange,
    ]
    checksums = {}
    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "  # noqa: S608
                f"FROM {table} t"
            )
            checksums[model._meta.db_table] = cursor.fetchone()
    return checksums


def lead_snapshot() -> dict[str, tuple[object, ...]]:
    """Each demo lead's record and history by email, without the ids of the rows."""
    snapshot: dict[str, tuple[object, ...]] = {
        lead.email: (
            lead.full_name,
            lead.company,
            lead.source,
            lead.campaign,
            lead.expected_value,
            lead.stage.slug,
            lead.created_at,
            lead.stage_entered_at,
            lead.sales_owner.username if lead.sales_owner else None,
            tuple(
                (change.kind, change.to_stage.slug, change.at, change.seconds_in_previous_stage)
                for change in sorted(lead.stage_changes.all(), key=lambda change: change.at)
            ),
        )
        for lead in Lead.objects.select_related("stage", "sales_owner").prefetch_related(
            "stage_changes__to_stage"
        )
    }
    return snapshot


def test_seeding_twice_leaves_identical_data() -> None:
    first_output = run_seed_demo("--leads", "80")
    after_first = table_checksums()

    second_output = run_seed_demo("--leads", "80")

    assert table_checksums() == after_first
    assert after_first["leads_lead"][0] == 80
    assert "Seeded 80 leads and" in first_output
    assert "Seeded 0 leads and 0 stage changes in" in second_output
    # Every demo login's digests of the last four weeks, read the first time, not emailed.
    assert "Built 24 digests of the last 4 weeks" in first_output
    assert "Built 0 digests" in second_output
    assert Digest.objects.filter(status=SendStatus.PENDING).count() == len(DEMO_USERS) * 4
    assert mail.outbox == []


def test_leads_option_adds_only_the_missing_leads() -> None:
    run_seed_demo("--leads", "60")
    changes_before = StageChange.objects.count()

    output = run_seed_demo("--leads", "150")

    assert Lead.objects.count() == 150
    added_changes = StageChange.objects.count() - changes_before
    assert f"Seeded 90 leads and {added_changes} stage changes in" in output
    assert "\nSeeded 0 leads" in run_seed_demo("--leads", "100")
    assert Lead.objects.count() == 150


def test_a_lead_depends_only_on_its_index_whatever_the_batches() -> None:
    seed_demo(lead_count=120, now=NOW)
    in_one_go = lead_snapshot()
    Lead.objects.all().delete()

    seed_demo(lead_count=45, now=NOW)
    seed_demo(lead_count=120, now=NOW, batch_size=50)

    assert lead_snapshot() == in_one_go


def test_every_lead_is_where_its_history_says() -> None:
    seed_demo(lead_count=200, now=NOW)
    history = StageChange.objects.filter(lead=OuterRef("pk"))
    last = history.order_by("-at", "-id")
    first = history.order_by("at", "id")

    # One query over all leads.
    disagreeing = (
        Lead.objects.annotate(
            last_stage=Subquery(last.values("to_stage")[:1]),
            last_at=Subquery(last.values("at")[:1]),
            first_at=Subquery(first.values("at")[:1]),
        )
        .filter(
            Q(last_stage__isnull=True)
            | ~Q(stage=F("last_stage"))
            | ~Q(stage_entered_at=F("last_at"))
            | ~Q(created_at=F("first_at"))
        )
        .values_list("email", flat=True)
    )

    assert list(disagreeing) == []


# Each lead's changes in time order, next to the change before them.
BROKEN_CHAIN_LINKS = """
    WITH chain AS (
        SELECT change.*,
               row_number() OVER w AS position,
               lag(change.to_stage_id) OVER w AS previous_to,
               lag(change.at) OVER w AS previous_at
        FROM funnel_stagechange change
        WINDOW w AS (PARTITION BY change.lead_id ORDER BY change.at, change.id)
    )
    SELECT chain.id
    FROM chain JOIN leads_lead lead ON lead.id = chain.lead_id
    WHERE chain.at > %(now)s
       OR CASE WHEN chain.position = 1 THEN NOT (
               chain.kind = 'created'
               AND chain.from_stage_id IS NULL
               AND chain.seconds_in_previous_stage IS NULL
               AND chain.at = lead.created_at
           )
           ELSE chain.kind = 'created'
               OR chain.at <= chain.previous_at
               OR chain.from_stage_id IS DISTINCT FROM chain.previous_to
               OR chain.seconds_in_previous_stage
                  IS DISTINCT FROM extract(epoch FROM chain.at - chain.previous_at)
           END
"""


def test_histories_are_chains_of_moves_in_time_order() -> None:
    seed_demo(lead_count=200, now=NOW)

    with connection.cursor() as cursor:
        cursor.execute(BROKEN_CHAIN_LINKS, {"now": NOW})
        broken = cursor.fetchall()

    assert broken == []
    assert StageChange.objects.filter(kind=ChangeKind.CREATED).count() == 200
    assert StageChange.objects.count() > 400
    assert not StageChange.objects.filter(at__lt=NOW - timedelta(days=190)).exists()


def test_moves_follow_the_funnel_with_their_reasons() -> None:
    seed_demo(lead_count=200, now=NOW)

    moves = set(
        StageChange.objects.values_list("from_stage__slug", "to_stage__slug", "kind").distinct()
    )

    assert moves <= FUNNEL_MOVES
    assert {kind for _, _, kind in moves} == set(ChangeKind) - {ChangeKind.REOPENED}
    recycled = StageChange.objects.filter(kind=ChangeKind.RECYCLED)
    assert not recycled.exclude(reason__kind=ReasonKind.RECYCLE).exists()
    assert not recycled.filter(note="").exists()
    lost = StageChange.objects.filter(kind=ChangeKind.LOST)
    assert not lost.exclude(reason__kind=ReasonKind.LOST).exists()
    assert (
        not StageChange.objects.exclude(kind__in=[ChangeKind.RECYCLED, ChangeKind.LOST])
        .filter(reason__isnull=False)
        .exists()
    )


def test_owners_make_the_moves_of_their_team() -> None:
    seed_demo(lead_count=200, now=NOW)
    last_claim = StageChange.objects.filter(lead=OuterRef("pk"), kind=ChangeKind.CLAIMED)
    leads = Lead.objects.annotate(
        claimed_by=Subquery(last_claim.order_by("-at").values("actor")[:1])
    )

    assert not leads.exclude(marketing_owner__groups__name=Role.MARKETING).exists()
    closed_by_marketing = StageChange.objects.filter(
        kind=ChangeKind.LOST, from_stage__slug="working"
    )
    in_sales = leads.filter(stage__slug__in=["sql", "opportunity", "won", "lost"]).exclude(
        stage_changes__in=closed_by_marketing
    )
    assert in_sales.exists()
    assert not in_sales.exclude(sales_owner=F("claimed_by")).exists()
    assert closed_by_marketing.exists()
    assert not closed_by_marketing.filter(lead__sales_owner__isnull=False).exists()
    assert not leads.filter(
        stage__slug__in=["new", "working", "mql"], sales_owner__isnull=False
    ).exists()
    marketing_moves = StageChange.objects.filter(
        Q(kind__in=MARKETING_MOVES, to_stage__slug__in=["new", "working", "mql"])
        | Q(pk__in=closed_by_marketing)
    )
    assert not marketing_moves.exclude(actor=F("lead__marketing_owner")).exists()
    sales_moves = StageChange.objects.exclude(pk__in=marketing_moves)
    assert not sales_moves.exclude(actor__groups__name=Role.SALES).exists()


def test_data_looks_like_a_real_company() -> None:
    seed_demo(lead_count=400, now=NOW)
    leads = Lead.objects.all()
    reached = {
        slug: leads.filter(stage_changes__to_stage__slug=slug).distinct().count()
        for slug in ["mql", "sql", "won"]
    }

    assert 0.3 < reached["mql"] / 400 < 0.5
    assert 0.5 < reached["sql"] / reached["mql"] < 0.75
    assert 0.18 < reached["won"] / reached["sql"] < 0.4
    assert leads.filter(stage__slug="mql", sales_owner__isnull=True).exists()
    won_values = leads.filter(stage__slug="won").values_list("expected_value", flat=True)
    assert all(1_000 <= value < 150_000 for value in won_values)
    assert max(won_values) >= 10_000
    assert leads.values("source").distinct().count() >= 8
    assert leads.filter(persona__isnull=True).exists()
    assert not leads.exclude(email__regex=r"^[a-z0-9.-]+\.[0-9]+@[a-z0-9-]+\.example$").exists()


def test_the_demo_team_keeps_its_agreement_but_for_a_few_leads() -> None:
    """Most leads are within their stage's time limit, so that the few marked late mean
    something; the MQLs waiting for Sales came in within the last days."""
    seed_demo(lead_count=400, now=NOW)
    stages = list(Stage.objects.all())

    late = Lead.objects.filter(past_limit(stages, now=NOW)).count()
    queue = unclaimed_mql_queue()

    assert 0 < late < 0.1 * Lead.objects.count()
    assert queue.count > 0
    assert queue.oldest_since is not None
    assert NOW - queue.oldest_since < timedelta(days=3)
    # Recent work: claims and first touches of the last two weeks, relative to now.
    recent = NOW - timedelta(days=14)
    assert StageChange.objects.filter(kind=ChangeKind.CLAIMED, at__gte=recent).exists()
    assert Activity.objects.filter(created_at__gte=recent).exists()


def test_demo_users_log_in_with_the_demo_password_and_have_their_roles() -> None:
    run_seed_demo("--leads", "0")
    request = RequestFactory().post("/login/")

    for demo in DEMO_USERS:
        user = authenticate(request, username=demo.username, password=DEMO_PASSWORD)
        assert isinstance(user, User), demo.username
        assert user.get_full_name() == demo.full_name
        assert user.email
        assert set(user.groups.values_list("name", flat=True)) == {demo.group.value}
        assert user.is_staff == user.is_superuser == (demo.username == "morgan")
    assert [demo.username for demo in DEMO_USERS] == [
        "morgan",
        "maria",
        "mark",
        "sam",
        "sofia",
        "steve",
    ]


def test_a_changed_demo_password_is_set_back() -> None:
    run_seed_demo("--leads", "0")
    sam = User.objects.get(username="sam")
    sam.set_password("something else entirely")
    sam.save()

    run_seed_demo("--leads", "0")

    sam.refresh_from_db()
    assert sam.check_password(DEMO_PASSWORD)


def test_personas_have_every_field_filled() -> None:
    run_seed_demo("--leads", "0")

    personas = Persona.objects.filter(name__in=[spec.name for spec in DEMO_PERSONAS])

    assert 4 <= personas.count() == len(DEMO_PERSONAS) <= 5
    for persona in personas:
        fields = [
            persona.description,
            persona.pains,
            persona.goals,
            persona.channels,
            persona.objections,
            persona.typical_job_titles,
        ]
        assert all(fields), persona.name


def test_every_demo_opportunity_has_the_close_date_its_move_required() -> None:
    seed_demo(lead_count=200, now=NOW)
    made_opportunities = Lead.objects.filter(stage_changes__to_stage__slug="opportunity").distinct()
    moved_at = (
        StageChange.objects.filter(lead=OuterRef("pk"), to_stage__slug="opportunity")
        .order_by("-at", "-id")
        .values("at")[:1]
    )

    closes = list(
        made_opportunities.annotate(moved_at=Subquery(moved_at)).values_list(
            "moved_at", "expected_close_date"
        )
    )

    assert Lead.objects.filter(stage__slug="opportunity").exists()
    assert all(
        timedelta(days=14) <= close - moved.date() <= timedelta(days=90) for moved, close in closes
    ), closes
    assert (
        not Lead.objects.exclude(stage_changes__to_stage__slug="opportunity")
        .filter(expected_close_date__isnull=False)
        .exists()
    )


def test_each_seeded_lead_holds_the_stages_its_history_went_to() -> None:
    """The seeding writes a lead's stages entered with the lead, so that the trigger on its
    history has nothing left to add (it would update every lead of a batch again)."""
    run_seed_demo("--leads", "80")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT lead.id FROM leads_lead lead
            WHERE lead.stages_entered IS DISTINCT FROM (
                SELECT array_agg(DISTINCT change.to_stage_id ORDER BY change.to_stage_id)
                FROM funnel_stagechange change WHERE change.lead_id = lead.id
            )
            """
        )
        differing = cursor.fetchall()

    assert Lead.objects.count() == 80
    assert differing == []
