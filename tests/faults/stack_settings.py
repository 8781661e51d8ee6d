"""Settings of the processes the fault suite starts (gunicorn, Celery worker and beat): the
product's own, with email written to files the suite reads (after DIGEST_MAIL_DELAY seconds,
so that a worker can be killed in the middle of sending) or, with FAULTS_SMTP_PORT, sent to an
SMTP server the test starts and stops; static files served without collectstatic, tasks of a
killed worker back in seconds rather than an hour, and the outbox swept every few seconds
rather than every half minute, so the suite waits less."""

import os

from smarketing.settings import *  # noqa: F403
from smarketing.settings import CELERY_BEAT_SCHEDULE, CELERY_BROKER_TRANSPORT_OPTIONS, STORAGES

MAILERS = {"default": {"BACKEND": "tests.digests.mailbox.FolderBackend"}}
if smtp_port := os.environ.get("FAULTS_SMTP_PORT"):
    # The product's own SMTP backend, to a mail server the test starts and stops.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": int(smtp_port), "timeout": 5},
        }
    }
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 8,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "send-outbox": {**CELERY_BEAT_SCHEDULE["send-outbox"], "schedule": 3.0},
}
OUTBOX_RESEND_AFTER_SECONDS = 20
