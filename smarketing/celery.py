import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")

app = Celery("smarketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_to_start_unready(**kwargs: object) -> None:
    from smarketing.env import SettingsError
    from smarketing.readiness import ensure_ready_to_serve

    try:
        ensure_ready_to_serve()
    except SettingsError as error:
        # Celery logs and swallows exceptions from signal handlers; leaving is what stops it.
        raise SystemExit(f"smarketing cannot start: {error}") from None
