"""Settings of the Celery worker processes that tests/digests/test_worker.py starts: the
project's own, with email into files the test reads, the test process's queue, and a short
visibility timeout so that the tasks of a killed worker come back in seconds, not an hour."""

import os

from smarketing.settings import *  # noqa: F403

MAILERS = {"default": {"BACKEND": "tests.digests.mailbox.FolderBackend"}}
CELERY_TASK_DEFAULT_QUEUE = os.environ["DIGEST_TEST_QUEUE"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 5,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
