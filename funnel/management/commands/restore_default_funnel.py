"""Put back the default funnel's stages, reasons and moves that are missing (funnel.defaults),
leaving every existing one as it was edited: what the well-known stages' check suggests."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from funnel.defaults import ensure_default_funnel
from funnel.models import Reason, Stage, Transition


class Command(BaseCommand):
    help = "Create the default funnel's missing stages, reasons and moves; change nothing else."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        before = set(Stage.objects.values_list("slug", flat=True))
        ensure_default_funnel(Stage, Reason, Transition)
        added = sorted(set(Stage.objects.values_list("slug", flat=True)) - before)
        self.stdout.write(
            f"Stages put back: {', '.join(added)}." if added else "No default stage was missing."
        )
