import os
from pathlib import Path
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")
# A worker does not run Django's system checks as it starts: web and migrate run them, and some
# need the database (a generated column's check asks the server's version), so a worker started
# while PostgreSQL is down would exit for good instead of waiting for it like its tasks do.
os.environ.setdefault("CELERY_SKIP_CHECKS", "1")

app = Celery("smarketing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Import batches keep their tasks beside their steps (leads/imports/tasks.py).
app.autodiscover_tasks(["leads.imports"])


@app.on_configure.connect
def _settings_or_exit(**kwargs: Any) -> None:
    """Celery reads the settings when it first needs its configuration: a bad value there ends
    the worker or beat with one line naming the variable, not a traceback."""
    from smarketing.readiness import settings_or_exit

    settings_or_exit()


@app.on_after_configure.connect
def _make_file_broker_folders(sender: Celery, **kwargs: Any) -> None:
    """The broker in files (without REDIS_URL) needs its folders before anyone sends a task;
    made here rather than in the settings, which must have no side effects."""
    options = sender.conf.broker_transport_options or {}
    if sender.conf.broker_url.startswith("filesystem://"):
        for key in ("data_folder_in", "control_folder"):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_to_start_unready(**kwargs: object) -> None:
    from smarketing.readiness import ready_to_serve_or_exit

    # Celery logs and swallows exceptions from signal handlers; leaving is what stops it.
    ready_to_serve_or_exit()
