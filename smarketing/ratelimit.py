"""Fixed-window rate limits that every web process counts together.

A limit allows `requests` per window of `seconds` for one subject (a form's key, a client
address). Each hit increments the counter of the current window with one atomic operation, so a
concurrent burst of N requests is counted N, whichever process answers them:

- with REDIS_URL, in Redis: INCR and EXPIRE in one MULTI/EXEC transaction; the window's number
  is part of the key, so a counter never outlives its window by more than its expiry;
- without (the embedded demo), in PostgreSQL: one INSERT ... ON CONFLICT DO UPDATE ... RETURNING,
  which takes the row's lock, so concurrent upserts of one window apply one after the other.
  Expired windows are deleted whenever a new window starts. A database, not Django's cache: the
  local-memory cache counts per process, and the file and database caches increment with a
  read then a write, which a burst races through.

Fixed windows let a client send up to twice a limit around a window's edge; that is the price of
one round trip per request. Call `hit` outside a transaction: a rollback would undo the count.
If Redis cannot be reached the request is allowed and the failure logged: losing the website's
leads to a broker outage is worse than a minute without a limit.
"""

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import redis
from django.conf import settings
from django.db import connection

from smarketing.models import RateLimitWindow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most `requests` per `seconds` for `subject`, counted under `name`."""

    name: str
    subject: str
    requests: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # Seconds until the window of the (longest) exceeded limit ends; 0 when allowed.
    retry_after: int


def hit(*limits: Limit) -> Verdict:
    """Count one request against every limit; refused when any of them is exceeded."""
    now = time.time()
    windows = {_key(limit, now): limit for limit in limits}
    counts = (
        _count_in_redis(windows, now) if settings.REDIS_URL else _count_in_database(windows, now)
    )
    if counts is None:
        return Verdict(allowed=True, retry_after=0)
    waits = [
        _seconds_left(limit, now) for key, limit in windows.items() if counts[key] > limit.requests
    ]
    return Verdict(allowed=not waits, retry_after=max(waits, default=0))


def _key(limit: Limit, now: float) -> str:
    return f"ratelimit:{limit.name}:{limit.subject}:{int(now // limit.seconds)}"


def _seconds_left(limit: Limit, now: float) -> int:
    return max(1, math.ceil(limit.seconds - now % limit.seconds))


def _count_in_redis(windows: dict[str, Limit], now: float) -> dict[str, int] | None:
    pipeline = _redis(settings.REDIS_URL).pipeline(transaction=True)
    for key, limit in windows.items():
        pipeline.incr(key)
        pipeline.expire(key, _seconds_left(limit, now))
    try:
        replies = pipeline.execute()
    except redis.RedisError:
        logger.warning("Rate limits not counted: Redis is unreachable", exc_info=True)
        return None
    return dict(zip(windows, replies[::2], strict=True))


@cache
def _redis(url: str) -> redis.Redis:
    """One connection pool per process."""
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _count_in_database(windows: dict[str, Limit], now: float) -> dict[str, int]:
    table = RateLimitWindow._meta.db_table
    moment = datetime.fromtimestamp(now, UTC)
    # Keys in a fixed order: two requests upserting the same rows lock them in the same order.
    rows = [
        (key, moment + timedelta(seconds=_seconds_left(windows[key], now)))
        for key in sorted(windows)
    ]
    values = ", ".join(["(%s, 1, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, hits, expires_at) VALUES {values} "  # noqa: S608
            f"ON CONFLICT (key) DO UPDATE SET hits = {table}.hits + 1 RETURNING key, hits",
            [value for row in rows for value in row],
        )
        counts = dict(cursor.fetchall())
        if 1 in counts.values():
            cursor.execute(f"DELETE FROM {table} WHERE expires_at < %s", [moment])  # noqa: S608
    return counts
