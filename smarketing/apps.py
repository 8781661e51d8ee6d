from django.apps import AppConfig


class SmarketingConfig(AppConfig):
    """The project's own small pieces: health, the run command, the benchmark command."""

    name = "smarketing"
    verbose_name = "smarketing"

    def ready(self) -> None:
        from smarketing import readiness  # noqa: F401  (registers its system check)
