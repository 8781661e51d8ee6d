from django.db import models


class RateLimitWindow(models.Model):
    """Requests counted in one fixed window, when there is no Redis (smarketing/ratelimit.py)."""

    # The limit's name, its subject and the window's number: one row per window.
    key = models.CharField(max_length=300, primary_key=True)
    hits = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"


class OutboxTask(models.Model):
    """A Celery task written in the same transaction as the change that needs it, sent to the
    broker once that commits, and kept until the worker has run it (smarketing/outbox.py)."""

    task = models.CharField(max_length=200)
    args = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last handed to the broker; null while it waits for the broker.
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
