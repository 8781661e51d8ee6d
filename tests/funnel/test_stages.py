"""The well-known stages: every one exists after the migrations, the system check names a
missing one and how to put it back, and stays quiet where it must not or cannot look."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext

from funnel.models import Stage, WellKnownStage
from funnel.stages import check_well_known_stages, load_funnel

ROOT = Path(__file__).resolve().parents[2]


def check_databases(database_url: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check` of the checks that read a database, on the database at the address."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default", "--tag", "database"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.django_db
def test_the_migrations_create_every_well_known_stage_and_the_check_passes() -> None:
    funnel = load_funnel()

    assert all(funnel.by_slug(slug) is not None for slug in WellKnownStage)
    assert run_checks(databases=["default"]) == []


@pytest.mark.django_db
def test_a_missing_stage_is_an_error_with_a_hint_and_the_command_puts_it_back() -> None:
    Stage.objects.filter(slug=WellKnownStage.MQL).update(slug="qualified")

    errors = check_well_known_stages(None, databases=["default"])

    assert [(error.id, error.msg) for error in errors] == [
        (
            "funnel.E001",
            'The funnel has no stage with the key "mql", which the product\'s rules need.',
        )
    ]
    assert "manage.py restore_default_funnel" in (errors[0].hint or "")
    assert 'Give a stage the key "mql"' in (errors[0].hint or "")

    call_command("restore_default_funnel")

    assert check_well_known_stages(None, databases=["default"]) == []
    assert Stage.objects.filter(slug="qualified").exists()


@pytest.mark.django_db
def test_without_databases_to_read_the_check_makes_no_query() -> None:
    Stage.objects.filter(slug=WellKnownStage.WON).update(slug="closed-won")

    with CaptureQueriesContext(connections["default"]) as queries:
        errors = check_well_known_stages(None, databases=None)

    assert errors == []
    assert len(queries) == 0


def test_an_unreachable_database_is_left_to_other_checks() -> None:
    checked = check_databases(f"postgres://postgres@127.0.0.1:{_free_port()}/smarketing")

    assert (checked.returncode, checked.stderr) == (0, "")


def test_a_database_with_migrations_to_apply_is_not_judged() -> None:
    # PostgreSQL's maintenance database on the test server: reachable, never migrated, only read.
    server = connections["default"].settings_dict
    checked = check_databases(
        f"postgres://{server['USER']}@{server['HOST']}:{server['PORT']}/postgres"
    )

    assert (checked.returncode, checked.stderr) == (0, "")


def test_the_command_says_what_it_put_back(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    Stage.objects.filter(slug=WellKnownStage.LOST).update(slug="closed-lost")

    call_command("restore_default_funnel")
    call_command("restore_default_funnel")

    assert capsys.readouterr().out == "Stages put back: lost.\nNo default stage was missing.\n"
