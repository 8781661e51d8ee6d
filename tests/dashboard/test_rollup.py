"""The daily rollups always rebuild to exactly what a full recomputation gives."""

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from dashboard.models import RollupDirtyHour, StageFlowDay
from dashboard.rollup import MONTHLY, ROLLUPS, Rollup, rebuild_all, recomputed, refresh_rollups
from dashboard.tasks import refresh_dashboard_rollups as refresh_task
from funnel.models import Stage
from funnel.services import claim_lead, move_lead
from leads.activities import add_activity
from leads.models import Activity, ActivityKind, Lead, Source
from leads.services import update_lead
from smarketing.celery import app as celery_app
from tests.dashboard.scenario import Clock, at, build_story, log
from tests.factories import PersonaFactory

pytestmark = pytest.mark.django_db


def stored(rollup: Rollup) -> list[tuple[object, ...]]:
    columns = ", ".join(rollup.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {rollup.table}")  # noqa: S608  (fixed names)
        return cursor.fetchall()


# The daily rollups and the monthly one summed from them.
EVERY_ROLLUP = (*ROLLUPS, MONTHLY)


def assert_exact() -> None:
    refresh_rollups()
    for rollup in EVERY_ROLLUP:
        assert sorted(stored(rollup), key=repr) == sorted(recomputed(rollup), key=repr), (
            rollup.table
        )


@pytest.fixture
def story(clock: Clock, maria, sam, riley, manager):
    return build_story(clock, maria=maria, sam=sam, riley=riley, manager=manager)


def test_every_move_through_the_services_is_rolled_up(story) -> None:
    assert RollupDirtyHour.objects.exists()
    assert_exact()
    assert not RollupDirtyHour.objects.exists()
    assert refresh_rollups() == 0  # nothing changed since


def test_editing_what_the_rollups_count_by(story, manager, maria) -> None:
    assert_exact()
    other = PersonaFactory.create(name="Others")
    update_lead(
        lead=story.ada,
        details={"source": Source.REFERRAL, "campaign": "Autumn", "persona": other},
        actor=manager,
    )
    Lead.objects.filter(pk=story.bob.pk).update(marketing_owner=manager)
    assert_exact()


def test_a_later_touch_changes_an_earlier_claims_day(clock: Clock, story, sam) -> None:
    assert_exact()
    before = stored(ROLLUPS[0])
    clock.at(at(10, 8, 10))
    activity = add_activity(lead=story.bob, kind=ActivityKind.EMAIL, body="Hi", author=sam)
    # Riley claimed Bob on 8 October; this email is Sam's, not the claimant's, and counts all
    # the same (a first touch counts whoever made it): that claim's day is rebuilt, exact.
    Activity.objects.filter(pk=activity.pk).update(created_at=at(10, 8, 10))
    assert_exact()
    after = stored(ROLLUPS[0])
    gone = [row for row in before if row not in after]
    new = [row for row in after if row not in before]
    # The claims of 8 October: the same row but for touched_in_time, its last column.
    assert [row[:-1] for row in gone] == [row[:-1] for row in new]
    assert [(row[0], row[1]) for row in new] == [(date(2026, 10, 8), "claimed")]
    assert (gone[0][-1], new[0][-1]) == (0, 1)


def test_changing_a_stage_limit_rebuilds_everything(story) -> None:
    assert_exact()
    Stage.objects.filter(slug="mql").update(sla_hours=1)
    assert RollupDirtyHour.objects.filter(hour__isnull=True).exists()
    assert_exact()


def test_deleting_a_lead_takes_its_history_out(story) -> None:
    assert_exact()
    story.bob.delete()
    assert_exact()


def test_many_days_at_once_rebuild_everything(clock: Clock, maria) -> None:
    for day in range(25):
        log(clock, at(9, 1) + timedelta(days=day), maria, email=f"d{day}@example.com")
    assert refresh_rollups() == -1
    assert_exact()


def test_rebuild_all_equals_the_refreshes(story) -> None:
    refresh_rollups()
    refreshed = [sorted(stored(rollup), key=repr) for rollup in EVERY_ROLLUP]
    rebuild_all()
    assert [sorted(stored(rollup), key=repr) for rollup in EVERY_ROLLUP] == refreshed


@pytest.mark.django_db(transaction=True)
def test_moves_committed_while_refreshing_are_never_lost(migrated_data, maria, sam) -> None:
    """Writers and refreshes in threads at once: whatever interleaving, a last refresh leaves
    the rollups equal to a full recomputation."""
    persona = PersonaFactory.create(name="Engineers")
    leads = [
        log(Clock(), at(10, 1), maria, email=f"t{n}@example.com", persona=persona)
        for n in range(12)
    ]
    stop = threading.Event()
    errors: list[BaseException] = []

    def refresher() -> None:
        try:
            while not stop.is_set():
                refresh_rollups()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def writer(chunk: list[Lead]) -> None:
        try:
            for lead in chunk:
                move_lead(
                    lead_id=lead.pk, to_stage_id=Stage.objects.get(slug="mql").pk, actor=maria
                )
                claim_lead(lead_id=lead.pk, rep=sam)
                move_lead(
                    lead_id=lead.pk,
                    to_stage_id=Stage.objects.get(slug="opportunity").pk,
                    actor=sam,
                    value=Decimal(100),
                    close_date=at(12, 1).date(),
                )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresher) for _ in range(2)]
    threads += [threading.Thread(target=writer, args=(leads[i::3],)) for i in range(3)]
    for thread in threads[2:]:
        thread.start()
    for thread in threads[:2]:
        thread.start()
    for thread in threads[2:]:
        thread.join()
    stop.set()
    for thread in threads[:2]:
        thread.join()
    assert errors == []
    assert_exact()


def test_beat_refreshes_every_minute() -> None:
    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == refresh_task.name
    ]
    assert entry["schedule"] == 60.0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_brings_the_dashboard_up_to_date(migrated_data, maria) -> None:
    log(Clock(), at(10, 1), maria, email="worker@example.com")
    assert RollupDirtyHour.objects.exists()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        refresh_task.delay()
        deadline = time.monotonic() + 20
        while RollupDirtyHour.objects.exists():
            assert time.monotonic() < deadline, "the worker refreshed nothing in time"
            time.sleep(0.1)
    assert_exact()
    assert StageFlowDay.objects.filter(kind="created").count() == 1
