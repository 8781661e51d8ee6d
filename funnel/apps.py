from django.apps import AppConfig
from django.core import checks


class FunnelConfig(AppConfig):
    name = "funnel"
    verbose_name = "Funnel"

    def ready(self) -> None:
        from funnel.stages import check_well_known_stages  # models are ready only now

        checks.register(check_well_known_stages, checks.Tags.database)
