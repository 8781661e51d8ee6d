"""Logic that lives in PostgreSQL (trigger functions and their triggers), declared in the source.

Each app that keeps logic in the database has an `sql` package with one module per mechanism,
each defining `MECHANISM`: its functions and triggers, their SQL rendered from the Python
constants it depends on (change kinds, teams, activity kinds), so that renaming a constant
cannot leave the database speaking of the old value unnoticed.

Migrations never import these modules: a migration that installs or changes a mechanism holds a
literal copy of its `install_sql()` as it was then, and keeps meaning what it meant.
tests/smarketing/test_database_sql.py fails, with a diff, when the functions and triggers of a
migrated database differ from these sources: change the source, then freeze its new SQL in a
migration (`manage.py database_sql` prints it).
"""

import importlib
import importlib.util
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps


def literal(value: str) -> str:
    """A constant as an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def literals(values: Iterable[str]) -> str:
    """Constants as a comma-separated list of SQL string literals, for `IN (...)`."""
    return ", ".join(literal(value) for value in values)


@dataclass(frozen=True)
class Function:
    """A trigger function in PL/pgSQL; `body` is what goes between the dollar quotes."""

    name: str
    body: str

    def install_sql(self) -> str:
        return (
            f"CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f"{self.body}$$;\n"
        )


@dataclass(frozen=True)
class Trigger:
    """`events` come before the table (AFTER INSERT ...), `options` after it (REFERENCING ...,
    FOR EACH ..., WHEN ...)."""

    name: str
    events: str
    table: str
    options: str
    function: Function

    def install_sql(self) -> str:
        return (
            f"CREATE OR REPLACE TRIGGER {self.name} {self.events} ON {self.table}\n"
            f"    {self.options}\n"
            f"    EXECUTE FUNCTION {self.function.name}();\n"
        )


@dataclass(frozen=True)
class Mechanism:
    """Functions and the triggers that call them, kept for the module `owner`, which reads
    what they write."""

    owner: str
    functions: tuple[Function, ...]
    triggers: tuple[Trigger, ...]

    def install_sql(self) -> str:
        """Statements that create or replace every function and trigger: what a migration
        freezes a copy of."""
        return "".join(
            [function.install_sql() for function in self.functions]
            + [trigger.install_sql() for trigger in self.triggers]
        )


def mechanisms() -> dict[str, Mechanism]:
    """Every installed app's mechanisms by module (`funnel.sql.stage_totals`)."""
    found = {}
    for app in apps.get_app_configs():
        if importlib.util.find_spec(f"{app.name}.sql") is None:
            continue
        package = importlib.import_module(f"{app.name}.sql")
        for module_info in pkgutil.iter_modules(package.__path__):
            name = f"{package.__name__}.{module_info.name}"
            found[name] = importlib.import_module(name).MECHANISM
    return found
