"""The functions and triggers of a migrated database are exactly those the sources declare
(smarketing/database_sql.py), and the README lists every trigger with its table and owner."""

import difflib
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from smarketing.database_sql import Mechanism, mechanisms

README = Path(__file__).resolve().parents[2] / "README.md"

# Every function and trigger of the project's schema, as PostgreSQL prints them back (so that
# the database's formatting, not ours, is compared), leaving out what extensions install and
# the triggers PostgreSQL keeps for foreign keys.
_DEFINITIONS = """
    SELECT 'function ' || p.proname, pg_get_functiondef(p.oid)
    FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')
      AND NOT EXISTS (
          SELECT 1 FROM pg_depend d
          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      )
    UNION ALL
    SELECT 'trigger ' || t.tgname || ' on ' || c.relname,
           pg_get_triggerdef(t.oid, true)
           || CASE WHEN t.tgenabled = 'D' THEN E'\n-- disabled' ELSE '' END
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace
"""


def _definitions() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(_DEFINITIONS)
        return dict(cursor.fetchall())


def _declared(mechanism: Mechanism) -> set[str]:
    return {f"function {function.name}" for function in mechanism.functions} | {
        f"trigger {trigger.name} on {trigger.table}" for trigger in mechanism.triggers
    }


def _as_the_sources_declare(declared: set[str]) -> dict[str, str]:
    """The declared objects' definitions once the sources' SQL is installed (then undone)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            for mechanism in mechanisms().values():
                cursor.execute(mechanism.install_sql())
        installed = _definitions()
        transaction.set_rollback(True)
    return {name: installed[name] for name in declared}


def _lines(definition: str) -> list[str]:
    """Indentation and blank lines do not count."""
    return [line.strip() for line in definition.splitlines() if line.strip()]


def differences(database: dict[str, str], sources: dict[str, str]) -> list[str]:
    """A readable account of every object that differs, is missing, or is declared nowhere."""
    found = []
    for name in sorted(database.keys() | sources.keys()):
        if name not in sources:
            found.append(f"{name}: in the database, declared by no source")
        elif name not in database:
            found.append(f"{name}: declared, missing from the database")
        elif _lines(database[name]) != _lines(sources[name]):
            diff = difflib.unified_diff(
                _lines(database[name]),
                _lines(sources[name]),
                fromfile=f"{name} (database)",
                tofile=f"{name} (source)",
                lineterm="",
            )
            found.append("\n".join(diff))
    return found


@pytest.mark.django_db
def test_the_database_has_the_functions_and_triggers_the_sources_declare() -> None:
    declared = set().union(*(_declared(mechanism) for mechanism in mechanisms().values()))
    database = _definitions()

    found = differences(database, _as_the_sources_declare(declared))

    assert not found, (
        "The database's functions and triggers differ from their sources. Freeze the sources' "
        "SQL (manage.py database_sql) in a new migration, or put the source back:\n\n"
        + "\n\n".join(found)
    )


def test_the_project_declares_its_thirteen_functions_and_twenty_triggers() -> None:
    declared = mechanisms()

    assert sorted(declared) == [
        "dashboard.sql.rollup_marks",
        "funnel.sql.stage_totals",
        "leads.sql.email_aliases",
        "leads.sql.search_words",
        "leads.sql.stages_entered",
    ]
    assert sum(len(mechanism.functions) for mechanism in declared.values()) == 13
    assert sum(len(mechanism.triggers) for mechanism in declared.values()) == 20


def test_the_sources_render_the_constants_they_depend_on() -> None:
    declared = mechanisms()

    marks = declared["dashboard.sql.rollup_marks"].install_sql()
    totals = declared["funnel.sql.stage_totals"].install_sql()

    assert "c.kind = 'claimed'" in marks
    assert "kind IN ('call', 'email', 'meeting')" in marks
    assert "VALUES ('marketing', marketing_owner_id), ('sales', sales_owner_id)" in totals


def test_a_difference_is_shown_as_a_diff_naming_the_object() -> None:
    database = {"function f": "BEGIN\n    RETURN 1;\nEND", "trigger t on x": "CREATE TRIGGER t"}
    sources = {"function f": "BEGIN\n  RETURN 2;\nEND", "function g": "BEGIN END"}

    found = differences(database, sources)

    assert found == [
        "--- function f (database)\n+++ function f (source)\n@@ -1,3 +1,3 @@\n BEGIN\n"
        "-RETURN 1;\n+RETURN 2;\n END",
        "function g: declared, missing from the database",
        "trigger t on x: in the database, declared by no source",
    ]


def test_the_readme_lists_every_trigger_with_its_table_and_owner() -> None:
    rows = set(re.findall(r"^\| `(\w+)` \| `(\w+)` \| `([\w.]+)` \|", README.read_text(), re.M))

    declared = {
        (trigger.name, trigger.table, mechanism.owner)
        for mechanism in mechanisms().values()
        for trigger in mechanism.triggers
    }

    assert declared <= rows, f"missing from README.md: {sorted(declared - rows)}"


def test_the_command_prints_a_mechanism_and_refuses_an_unknown_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("database_sql", "funnel.sql.stage_totals")

    printed = capsys.readouterr().out
    assert printed.startswith("-- funnel.sql.stage_totals\n")
    assert "CREATE OR REPLACE TRIGGER funnel_stage_totals_truncate AFTER TRUNCATE" in printed
    with pytest.raises(CommandError, match=r"No mechanism is declared in funnel\.sql\.nothing"):
        call_command("database_sql", "funnel.sql.nothing")
