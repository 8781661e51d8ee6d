"""Print the SQL of the mechanisms that live in the database (smarketing/database_sql.py), as
their sources render it now: what a new migration freezes a copy of after a source changed.

`manage.py database_sql` prints every mechanism; `manage.py database_sql funnel.sql.stage_totals`
one.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smarketing.database_sql import mechanisms


class Command(BaseCommand):
    help = "Print the functions and triggers that the sources declare, as SQL for a migration."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("modules", nargs="*", help="e.g. funnel.sql.stage_totals")

    def handle(self, *args: Any, modules: list[str], **options: Any) -> None:
        declared = mechanisms()
        unknown = sorted(set(modules) - set(declared))
        if unknown:
            raise CommandError(
                f"No mechanism is declared in {', '.join(unknown)}. "
                f"Declared: {', '.join(sorted(declared))}."
            )
        for module in modules or sorted(declared):
            self.stdout.write(f"-- {module}\n{declared[module].install_sql()}")
