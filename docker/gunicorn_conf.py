"""Gunicorn settings for the container image (the Dockerfile's CMD and docker-compose.yml's web).

Environment: PORT (default 8000), WEB_CONCURRENCY (worker processes; default 2 x CPUs + 1,
at most 9, since every worker keeps its own database connection) and WEB_THREADS (threads per
worker, default 4).
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.process_cpu_count() or 1) + 1, 9))
# Threads answer the requests while each worker's main thread keeps telling the master it is
# alive: a download of a million leads or the upload of a large import streams for minutes,
# which a synchronous worker would be killed for after `timeout`. A worker that hangs is still
# replaced after it.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 4)
timeout = 30
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 1000
max_requests_jitter = 100
# Logs go to the container's stdout/stderr; `docker compose logs web` shows them.
accesslog = "-"
errorlog = "-"
# The heartbeat file on tmpfs: on the container's overlay filesystem it can stall workers.
# gunicorn creates it with mkstemp, so a shared directory is safe.
worker_tmp_dir = "/dev/shm"  # noqa: S108
# No runtime control socket in the container (it would need a writable $HOME).
control_socket_disable = True


def on_starting(server: object) -> None:
    """Check the settings once, in the master, before any worker boots: a missing or bad value
    then ends gunicorn with one line naming the variable, instead of every worker printing a
    traceback and the master a few more lines."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")
    from smarketing.readiness import ready_to_serve_or_exit

    ready_to_serve_or_exit()
