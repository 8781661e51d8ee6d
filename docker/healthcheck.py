"""Container health checks used by docker-compose.yml. Free of Django, so they start fast.

    python docker/healthcheck.py web    GET /healthz on this container's gunicorn; healthy on 200
    python docker/healthcheck.py beat   beat has written its schedule file and the broker answers

Exit status 0 means healthy; otherwise the reason is written to stderr (`docker inspect` shows it).
"""

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT_SECONDS = 10


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect (e.g. to HTTPS) means /healthz is not served as such: report it, not follow."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def host_header(allowed_hosts: str) -> str:
    """A Host that Django's ALLOWED_HOSTS accepts, so the check is not refused as a bad host."""
    for entry in (item.strip() for item in allowed_hosts.split(",")):
        if entry and entry != "*":
            return entry.lstrip(".")  # ".example.com" also matches "example.com"
    return "localhost"


def check_web() -> str | None:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz",
        headers={"Host": host_header(os.environ.get("ALLOWED_HOSTS", ""))},
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return f"/healthz answered {error.code}: {error.read(500).decode(errors='replace')}"
    except OSError as error:
        return f"/healthz did not answer: {error}"
    return None if status == 200 else f"/healthz answered {status}"


def check_beat() -> str | None:
    data_dir = Path(os.environ.get("DATA_DIR", "/data"))
    if not any(data_dir.glob("celerybeat-schedule*")):
        return f"no beat schedule file in {data_dir} yet"
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(
            redis_url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        ).ping()
    except redis.RedisError as error:
        return f"the broker did not answer: {error}"
    return None


CHECKS = {"web": check_web, "beat": check_beat}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in CHECKS:
        sys.stderr.write(f"usage: python docker/healthcheck.py {'|'.join(CHECKS)}\n")
        return 2
    problem = CHECKS[argv[0]]()
    if problem:
        sys.stderr.write(f"unhealthy: {problem}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
