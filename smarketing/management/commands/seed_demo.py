from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboard.rollup import refresh_rollups
from digests.services import build_recent_digests
from funnel.demo import ensure_demo_goals
from leads.demo import DEFAULT_BATCH_SIZE, DEFAULT_LEAD_COUNT, DEFAULT_SEED, seed_demo
from leads.shapes import DEMO, SHAPES

# The weeks of digests a demo starts with, so that the Digests pages have a history to read.
DEMO_DIGEST_WEEKS = 4


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ArgumentTypeError("must be zero or more")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ArgumentTypeError("must be at least 1")
    return number


class Command(BaseCommand):
    help = (
        "Create the demo users, personas and leads with their funnel history. Safe to run "
        "again: only the missing leads are added, so a larger --leads grows the data set."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--leads",
            type=_count,
            default=DEFAULT_LEAD_COUNT,
            help=f"How many demo leads there should be in total (default {DEFAULT_LEAD_COUNT}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Generates other people and histories; keep it the same between runs.",
        )
        parser.add_argument(
            "--shape",
            choices=sorted(SHAPES),
            default=DEMO.name,
            help=(
                "The shape of the data (leads/shapes.py): 'demo', or the skew, cardinalities, "
                "scripts and history of a real team's data for the benchmark. One shape per "
                "database."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=_positive,
            default=DEFAULT_BATCH_SIZE,
            help="Leads written per transaction.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_demo(
            lead_count=options["leads"],
            seed=options["seed"],
            batch_size=options["batch_size"],
            shape=SHAPES[options["shape"]],
            report=self.stdout.write,
        )
        for goal in ensure_demo_goals(now=timezone.now()):
            self.stdout.write(
                f"Revenue goal for the {goal.kind} from {goal.starts_on}: {goal.amount}"
            )
        # The dashboard's rollups would catch up within a minute; the demo should not wait.
        refresh_rollups()
        # The digests read the rollups. Built, not emailed: the worker emails only the digests
        # of the Mondays it is running on.
        built = build_recent_digests(weeks=DEMO_DIGEST_WEEKS)
        self.stdout.write(f"Built {built} digests of the last {DEMO_DIGEST_WEEKS} weeks")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.leads} leads and {result.stage_changes} stage changes "
                f"in {result.seconds:.1f} s"
            )
        )
