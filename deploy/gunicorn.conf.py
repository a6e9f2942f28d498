"""gunicorn settings for a server: `gunicorn -c deploy/gunicorn.conf.py hr_system.wsgi`.

Read from the environment (the systemd unit sets GUNICORN_BIND per instance; the rest
comes from /etc/chamcong/env), so one file serves every instance and the CI rehearsal:

    GUNICORN_BIND     address to listen on (default 127.0.0.1:8001; Caddy proxies to it)
    GUNICORN_WORKERS  worker processes (default 2 × cores + 1, at most 8)
    GUNICORN_THREADS  threads per worker (default 1: Django's ORM and WeasyPrint are
                      happiest with one request per process)
    GUNICORN_TIMEOUT  seconds a request may run before its worker is killed (default 60:
                      an exam's PDF or Excel export of a whole province takes a while)
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8001"
# The classic rule for sync workers; capped because each worker holds a database
# connection and a copy of pandas/WeasyPrint (~120 MB), and a 2-core server has little RAM.
workers = _int("GUNICORN_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 8))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (systemctl stop/restart) a worker finishes the request it is serving; the
# unit's TimeoutStopSec is longer than this.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle seconds a kept-alive connection from Caddy stays open (threaded workers only; a
# sync worker closes after each response).
keepalive = 5
# A worker's heartbeat file is touched every second: on tmpfs, not on the disk (a slow
# disk makes gunicorn think a healthy worker hung).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# A worker is replaced after this many requests (spread by the jitter), so slow leaks in
# a long-lived process (PDF rendering) cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

# The application logs one JSON line per request itself (with the request id); gunicorn's
# access log would duplicate it. Errors (worker timeouts, boot failures) go to stderr,
# which systemd sends to the journal.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "chamcong-web"
# Django alone decides whether to believe a proxy's X-Forwarded-* headers (TRUSTED_PROXIES,
# hr_system/middleware.py, then SECURE_PROXY_SSL_HEADER); gunicorn must not set the
# request's scheme from them on its own.
secure_scheme_headers: dict[str, str] = {}


def on_starting(server) -> None:
    """Import what child_exit needs now, in the master before any worker exists: imported
    inside child_exit, which gunicorn runs from its SIGCHLD handler, the import was
    re-entered when two workers ended together (on every SIGTERM) and the master died
    with "partially initialized module" (exit status 1)."""
    global fold_dead_process
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from hr_system.metrics import fold_dead_process


fold_dead_process = None


def child_exit(server, worker) -> None:
    """A worker process ended: fold its counters and histograms into the Prometheus
    multiprocess directory's archive and drop its files (hr_system.metrics), so a replaced
    worker's saves stay counted while its files stop weighing on every scrape."""
    if fold_dead_process is not None:
        fold_dead_process(worker.pid)
