"""Throughput of the website capture endpoint on the production server.

Starts gunicorn as the container does (docker/gunicorn_conf.py, 2 worker processes by default) on
a local port, then a threaded load driver on this machine posts JSON submissions to a benchmark
form, each thread on its own keep-alive connection: mostly new emails (a lead each) and a share
of emails sent before (merged into their lead). Prints requests per second, latency percentiles
and every answer that was not a 200. Removes its leads and its form afterwards.

Not part of the test suite: run it by hand, e.g.
`DATABASE_URL=... REDIS_URL=... manage.py bench_capture --requests 5000 --concurrency 16`.
"""

import http.client
import itertools
import json
import secrets
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from leads.models import CaptureForm, Lead
from smarketing.management.serving import (
    served_environment,
    start_gunicorn,
    stop,
    wait_until_up,
)

FORM_NAME = "Benchmark (bench_capture)"
EMAIL_DOMAIN = "bench-capture.invalid"
ORIGIN = "http://bench-capture.invalid"
WARM_UP = 100


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int | str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int | str, milliseconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies_ms.append(milliseconds)


class Command(BaseCommand):
    help = "Measure the capture endpoint's throughput under gunicorn with a local load driver."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=5000)
        parser.add_argument("--concurrency", type=int, default=16, help="client threads")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument(
            "--threads", type=int, default=1, help="threads per worker (1: sync, as in the image)"
        )
        parser.add_argument("--port", type=int, default=8731)
        parser.add_argument(
            "--repeat-share", type=float, default=0.2, help="share of emails sent before"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        form = self._bench_form()
        port, workers, threads = options["port"], options["workers"], options["threads"]
        environment = served_environment(port=port, workers=workers)
        self.stdout.write(
            f"Starting gunicorn ({workers} workers, {threads} threads each) on 127.0.0.1:{port}"
        )
        server = start_gunicorn(environment=environment, port=port, threads=threads)
        try:
            wait_until_up(port, server)
            run = secrets.token_hex(4)
            bodies = _bodies(run, options["requests"] + WARM_UP, options["repeat_share"])
            url = reverse("capture", args=[form.public_key])
            _drive(options["port"], url, bodies[:WARM_UP], options["concurrency"], Results())
            results = Results()
            started = time.perf_counter()
            _drive(options["port"], url, bodies[WARM_UP:], options["concurrency"], results)
            seconds = time.perf_counter() - started
            self._report(results, seconds, options)
        finally:
            stop(server)
            deleted, _ = Lead.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
            form.delete()
            self.stdout.write(f"Cleaned up: {deleted} rows of benchmark leads and the form.")

    def _bench_form(self) -> CaptureForm:
        CaptureForm.objects.filter(name=FORM_NAME).delete()
        return CaptureForm.objects.create(
            name=FORM_NAME,
            campaign="bench",
            allowed_origins=[ORIGIN],
            # One client address sends everything: both limits far above what it can send.
            per_minute=1_000_000,
            per_address_per_minute=1_000_000,
        )

    def _report(self, results: Results, seconds: float, options: dict[str, Any]) -> None:
        latencies = sorted(results.latencies_ms)
        count = len(latencies)
        errors = {status: n for status, n in results.statuses.items() if status != 200}
        centiles = statistics.quantiles(latencies, n=100, method="inclusive")
        lines = [
            "",
            f"POST /capture/<key>, JSON, {options['workers']} gunicorn workers "
            f"x {options['threads']} threads, "
            f"{options['concurrency']} client threads, {options['repeat_share']:.0%} known emails",
            f"  requests      {count} in {seconds:.2f} s",
            f"  throughput    {count / seconds:.0f} requests/s",
            f"  latency       p50 {centiles[49]:.1f} ms   p95 {centiles[94]:.1f} ms   "
            f"p99 {centiles[98]:.1f} ms   max {latencies[-1]:.1f} ms",
            f"  errors        {sum(errors.values())} {dict(errors) if errors else ''}".rstrip(),
            "",
        ]
        self.stdout.write("\n".join(lines))
        if errors:
            raise CommandError("Some requests did not get a 200.")


def _bodies(run: str, count: int, repeat_share: float) -> list[bytes]:
    """Submissions in order; a `repeat_share` of them reuse an email sent at least 50 earlier."""
    bodies = []
    for index in range(count):
        repeat = index >= 100 and (index * 7919) % 1000 < repeat_share * 1000
        number = index - 50 - (index % 50) if repeat else index
        submission = {
            "full_name": f"Bench Visitor {number}",
            "email": f"visitor{number}.{run}@{EMAIL_DOMAIN}",
            "company": f"Company {number % 997}",
            "message": "Please call me back about pricing.",
        }
        bodies.append(json.dumps(submission).encode())
    return bodies


def _drive(port: int, url: str, bodies: list[bytes], concurrency: int, results: Results) -> None:
    """`concurrency` threads send the bodies in turn, each on its own keep-alive connection."""
    next_index = itertools.count()
    headers = {"Content-Type": "application/json", "Origin": ORIGIN}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (index := next(next_index)) < len(bodies):
            started = time.perf_counter()
            try:
                connection.request("POST", url, body=bodies[index], headers=headers)
                response = connection.getresponse()
                response.read()
                status: int | str = response.status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                connection.close()
            results.record(status, (time.perf_counter() - started) * 1000)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
