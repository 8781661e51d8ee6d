"""Rate limits hold under a concurrent burst, in Redis and in the database fallback."""

import uuid
from functools import partial

import pytest

from smarketing.models import RateLimitWindow
from smarketing.ratelimit import Limit, Verdict, hit
from tests.threads import at_once

THREADS = 24
ALLOWED = 5


def _limit(requests: int = ALLOWED, seconds: int = 60) -> Limit:
    # A subject of its own: test processes share one Redis database.
    return Limit("test", uuid.uuid4().hex, requests, seconds)


@pytest.fixture(params=["redis", "database"])
def backend(request: pytest.FixtureRequest, settings) -> str:
    if request.param == "database":
        settings.REDIS_URL = ""
    else:
        assert settings.REDIS_URL, "these tests need REDIS_URL (a real Redis)"
    return str(request.param)


@pytest.mark.django_db
@pytest.mark.usefixtures("one_minute")
def test_a_limit_allows_its_requests_then_refuses_until_the_window_ends(backend: str) -> None:
    limit = _limit(requests=3)

    verdicts = [hit(limit) for _ in range(4)]

    assert [verdict.allowed for verdict in verdicts] == [True, True, True, False]
    assert verdicts[0].retry_after == 0
    assert 1 <= verdicts[3].retry_after <= 60


@pytest.mark.django_db
@pytest.mark.usefixtures("one_minute")
def test_one_exceeded_limit_refuses_and_the_others_keep_counting(backend: str) -> None:
    loose, strict = _limit(requests=100), _limit(requests=1)

    assert hit(loose, strict).allowed
    assert not hit(loose, strict).allowed
    assert hit(loose).allowed, "the loose limit counted 3 of its 100"


@pytest.mark.django_db
@pytest.mark.usefixtures("one_minute")
def test_what_an_earlier_limit_refuses_is_not_counted_by_the_later_ones(backend: str) -> None:
    narrow, wide = _limit(requests=1), _limit(requests=2)

    verdicts = [hit(narrow, wide).allowed for _ in range(5)]

    assert verdicts == [True, False, False, False, False]
    assert hit(wide).allowed, "the wide limit counted only the request the narrow one let in"
    assert not hit(wide).allowed


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_burst_is_counted_exactly(backend: str) -> None:
    for _ in range(5):
        # Hour-long windows: a burst across a window's edge would count in two windows.
        limit = _limit(seconds=3600)
        results = at_once([partial(hit, limit)] * THREADS)

        errors = [result for result in results if isinstance(result, BaseException)]
        assert errors == []
        allowed = [result for result in results if isinstance(result, Verdict) and result.allowed]
        assert len(allowed) == ALLOWED


@pytest.mark.django_db
def test_the_database_forgets_windows_that_ended(settings) -> None:
    settings.REDIS_URL = ""
    old = _limit(requests=10, seconds=1)
    hit(old)
    RateLimitWindow.objects.update(expires_at="2000-01-01T00:00:00Z")

    hit(_limit())

    assert not RateLimitWindow.objects.filter(key__contains=old.subject).exists()


@pytest.mark.django_db
def test_an_unreachable_redis_lets_requests_through(settings, caplog) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    limit = _limit(requests=1)

    assert [hit(limit).allowed for _ in range(3)] == [True, True, True]
    assert "Redis is unreachable" in caplog.text
