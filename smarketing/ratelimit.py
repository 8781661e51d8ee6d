"""Fixed-window rate limits that every web process counts together.

A limit allows `requests` per window of `seconds` for one subject (a form's key, a client
address). Each hit increments the counter of the current window with one atomic operation, so a
concurrent burst of N requests is counted N, whichever process answers them:

- with REDIS_URL, in Redis: one Lua script INCRs and EXPIREs the windows, atomically; the
  window's number is part of the key, so a counter never outlives its window by more than its
  expiry;
- without (the embedded demo), in PostgreSQL: an INSERT ... ON CONFLICT DO UPDATE ... RETURNING
  per limit, which takes the row's lock, so concurrent upserts of one window apply one after the
  other. Expired windows are deleted whenever a new window starts. A database, not Django's
  cache: the local-memory cache counts per process, and the file and database caches increment
  with a read then a write, which a burst races through.

Limits are counted in the order given, narrowest first: a request that one limit refuses is not
counted by the limits after it, so one address hammering a form uses up its own limit and not
the form's, which every other visitor shares.

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
from redis.commands.core import Script

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
    """Count one request against each limit in turn, up to the first that refuses it."""
    now = time.time()
    windows = {_key(limit, now): limit for limit in limits}
    counts = (
        _count_in_redis(windows, now) if settings.REDIS_URL else _count_in_database(windows, now)
    )
    if counts is None:
        return Verdict(allowed=True, retry_after=0)
    waits = [
        _seconds_left(windows[key], now)
        for key, count in counts.items()
        if count > windows[key].requests
    ]
    return Verdict(allowed=not waits, retry_after=max(waits, default=0))


def _key(limit: Limit, now: float) -> str:
    return f"ratelimit:{limit.name}:{limit.subject}:{int(now // limit.seconds)}"


def _seconds_left(limit: Limit, now: float) -> int:
    return max(1, math.ceil(limit.seconds - now % limit.seconds))


# KEYS are the windows in order; ARGV their expiry and limit, in pairs. Stops after the first
# window over its limit, so the windows after it are not counted.
_COUNT_IN_ORDER = """
local counts = {}
for i, key in ipairs(KEYS) do
    local count = redis.call('INCR', key)
    if count == 1 then
        redis.call('EXPIRE', key, ARGV[2 * i - 1])
    end
    counts[i] = count
    if count > tonumber(ARGV[2 * i]) then
        break
    end
end
return counts
"""


def _count_in_redis(windows: dict[str, Limit], now: float) -> dict[str, int] | None:
    arguments = [
        value for limit in windows.values() for value in (_seconds_left(limit, now), limit.requests)
    ]
    try:
        replies = _count_script(settings.REDIS_URL)(keys=list(windows), args=arguments)
    except redis.RedisError:
        logger.warning("Rate limits not counted: Redis is unreachable", exc_info=True)
        return None
    return dict(zip(windows, replies, strict=False))


@cache
def _count_script(url: str) -> Script:
    """The script, registered on one connection pool per process."""
    return _redis(url).register_script(_COUNT_IN_ORDER)


@cache
def _redis(url: str) -> redis.Redis:
    """One connection pool per process."""
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _count_in_database(windows: dict[str, Limit], now: float) -> dict[str, int]:
    table = RateLimitWindow._meta.db_table
    moment = datetime.fromtimestamp(now, UTC)
    counts: dict[str, int] = {}
    # One statement per window, each committed on its own: no lock is held across them.
    with connection.cursor() as cursor:
        for key, limit in windows.items():
            cursor.execute(
                f"INSERT INTO {table} (key, hits, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
                f"ON CONFLICT (key) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
                [key, moment + timedelta(seconds=_seconds_left(limit, now))],
            )
            (counts[key],) = cursor.fetchone() or (0,)
            if counts[key] > limit.requests:
                break
        if 1 in counts.values():
            cursor.execute(f"DELETE FROM {table} WHERE expires_at < %s", [moment])  # noqa: S608
    return counts
