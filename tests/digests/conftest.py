from collections.abc import Iterator

import pytest

from smarketing.celery import app as celery_app


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks queued by the job run in this process, at once: the job's logic, without a worker
    (test_worker.py runs real ones)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False
