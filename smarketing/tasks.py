from celery import shared_task

from smarketing.outbox import send_pending


@shared_task
def send_outbox() -> int:
    """Hand the broker the tasks queued while it was unreachable (smarketing/outbox.py)."""
    return send_pending()
