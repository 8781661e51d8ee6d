from django.db import models


class RateLimitWindow(models.Model):
    """Requests counted in one fixed window, when there is no Redis (smarketing/ratelimit.py)."""

    # The limit's name, its subject and the window's number: one row per window.
    key = models.CharField(max_length=300, primary_key=True)
    hits = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
