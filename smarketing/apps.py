from django.apps import AppConfig


class SmarketingConfig(AppConfig):
    """The project's own small pieces: health, the run command, the benchmark command."""

    name = "smarketing"
    verbose_name = "smarketing"

    def ready(self) -> None:
        from django.db.models import fields
        from django.utils.translation import gettext_lazy

        from smarketing import readiness  # noqa: F401  (registers its system check)

        # The empty choice of every select. Django's own Spanish catalogue leaves it untranslated;
        # naming it here puts it in ours.
        fields.BLANK_CHOICE_LABEL = gettext_lazy("- Select an option -")
