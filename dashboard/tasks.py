from celery import shared_task

from dashboard.rollup import refresh_rollups


@shared_task
def refresh_dashboard_rollups() -> int:
    """Rebuild the days of the dashboard's rollups whose history changed. Run every minute by
    beat, which keeps the dashboard at most a minute behind; running it twice is harmless."""
    return refresh_rollups()
