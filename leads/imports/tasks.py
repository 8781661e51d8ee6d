"""The import's background steps. Each loads the batch afresh and is safe to run twice: a
landing killed mid-way is redelivered (acks late) and goes on from the first row not landed."""

from celery import shared_task
from django.db import DatabaseError

from leads.imports import runs


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def check_import(batch_id: int) -> None:
    runs.check(batch_id)


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def land_import(batch_id: int) -> None:
    runs.land(batch_id)
