"""How fast the import reads a big CSV, and that it reads it in constant memory.

Writes a CSV of --rows rows and 20 columns (as a Spanish Excel would: semicolons, decimal
commas, accented names, Windows-1252) to a temporary folder, then measures opening it (the
encoding read through the whole file, the separator and the header) and streaming every row
through leads.imports.files, with the process's peak memory before and after. Touches no
database.

Not part of the test suite: run it by hand, e.g. `manage.py bench_import_files --rows 1000000`.
"""

import csv
import random
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from leads.imports.files import open_sheet

HEADER = [
    "Nombre",
    "Apellidos",
    "Correo electrónico",
    "Teléfono",
    "Empresa",
    "Cargo",
    "País",
    "Origen",
    "Campaña",
    "Etapa",
    "Importe",
    "Fecha de alta",
    "Propietario",
    "Comercial",
    "Fecha MQL",
    "Fecha SQL",
    "Fecha de oportunidad",
    "Fecha ganado",
    "Fecha perdido",
    "Notas",
]
NAMES = ["José", "María", "Begoña", "Íñigo", "Lucía", "Ana", "Tomás", "Núria"]
SURNAMES = ["Muñoz", "Ibáñez", "García", "Pérez", "Núñez", "López", "Sáez"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_csv(path: Path, rows: int) -> None:
    chosen = random.Random(15)  # noqa: S311 (sample data, not secrets)
    with path.open("w", encoding="cp1252", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(HEADER)
        for number in range(rows):
            name, surname = chosen.choice(NAMES), chosen.choice(SURNAMES)
            writer.writerow(
                [
                    name,
                    f"{surname} {chosen.choice(SURNAMES)}",
                    f"lead{number}@example.es",
                    f"+34 6{number % 100_000_000:08d}",
                    f"Empresa {number % 5000} S.L.",
                    "Directora de marketing",
                    "España",
                    "Feria",
                    "Primavera 2024",
                    "MQL",
                    f"{number % 100_000:,}".replace(",", ".") + ",50",
                    f"{1 + number % 28:02d}/03/2024",
                    "ana",
                    "tomas",
                    "2024-03-04 09:00",
                    "",
                    "",
                    "",
                    "",
                    "Quiere una demo; llamar el martes" if number % 10 == 0 else "",
                ]
            )


class Command(BaseCommand):
    help = "Measure opening and streaming a generated CSV of leads through the import's reader."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=1_000_000)

    def handle(self, *args: object, rows: int, **options: object) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "leads.csv"
            started = time.perf_counter()
            write_csv(path, rows)
            size_mb = path.stat().st_size / 1024 / 1024
            self.stdout.write(
                f"wrote {rows:,} rows x {len(HEADER)} columns, {size_mb:.0f} MB, "
                f"in {time.perf_counter() - started:.1f} s; peak RSS {_peak_mb():.0f} MB"
            )

            started = time.perf_counter()
            sheet = open_sheet(path, filename="leads.csv")
            opened = time.perf_counter() - started
            self.stdout.write(
                f"open_sheet (encoding {sheet.encoding}, separator {sheet.delimiter!r}): "
                f"{opened:.2f} s; peak RSS {_peak_mb():.0f} MB"
            )

            started = time.perf_counter()
            count = sum(1 for _row in sheet.rows())
            streamed = time.perf_counter() - started
            self.stdout.write(
                f"rows(): {count:,} rows in {streamed:.1f} s = {count / streamed:,.0f} rows/s; "
                f"peak RSS {_peak_mb():.0f} MB"
            )
