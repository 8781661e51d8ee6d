"""The well-known stages (funnel.models.WellKnownStage) among the stages an installation has:
looking them up, and the system check that none of them is missing."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error
from django.db import OperationalError, connections, router
from django.db.migrations.executor import MigrationExecutor

from funnel.models import Outcome, Stage, WellKnownStage


@dataclass(frozen=True)
class Funnel:
    """The stages in order, found by what the product's rules call them."""

    stages: list[Stage]

    def by_slug(self, slug: WellKnownStage) -> Stage | None:
        return next((stage for stage in self.stages if stage.slug == slug), None)

    def first(self) -> Stage:
        """The stage every lead enters. A funnel with no stage at all is an installation that
        cannot take a lead: Stage.DoesNotExist."""
        if not self.stages:
            raise Stage.DoesNotExist("The funnel has no stages.")
        return self.stages[0]

    def won(self) -> Stage | None:
        return next((s for s in self.stages if s.outcome == Outcome.WON), None)


def load_funnel() -> Funnel:
    return Funnel(stages=list(Stage.objects.order_by("position")))


def check_well_known_stages(
    app_configs: Sequence[AppConfig] | None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """An error for each well-known stage missing from the databases Django lets checks read
    (`migrate`, `check --database default`, the test runner; none otherwise).

    Silent about a database that cannot be reached or has migrations still to apply: other
    checks say the first, and the migrations create the default stages."""
    if app_configs is not None and Stage._meta.app_config not in app_configs:
        return []
    errors: list[CheckMessage] = []
    for alias in databases or ():
        if not router.allow_migrate_model(alias, Stage):
            continue
        try:
            missing = _missing_stages(alias)
        except OperationalError:  # unreachable
            continue
        errors.extend(
            Error(
                f'The funnel has no stage with the key "{slug}", which the product\'s rules need.',
                hint=(
                    f'Give a stage the key "{slug}" in the admin (Funnel > Stages), or put the '
                    "default funnel's missing stages back: manage.py restore_default_funnel"
                ),
                id="funnel.E001",
            )
            for slug in missing
        )
    return errors


def _missing_stages(alias: str) -> list[WellKnownStage]:
    executor = MigrationExecutor(connections[alias])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return []
    present = set(Stage.objects.using(alias).values_list("slug", flat=True))
    return [slug for slug in WellKnownStage if slug not in present]
