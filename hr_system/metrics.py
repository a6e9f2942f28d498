"""`/metrics`: Prometheus families, most built per scrape from the database.

Several gunicorn workers on several machines share one database, so a process-global
counter would only know its own process's share: every figure the database holds is
read from it when scraped, into a registry made for that one request. `hr_system` may
not import the apps, so each app contributes its families by calling `register()` from
its `AppConfig.ready()`. A counter kept in the database instead of counted (the punches
stored, `devices.models.PunchTally`) keeps a scrape cheap however big the tables grow.

What only a request knows (how long an answer save took) is kept by the process that
served it, in a metric made with `process_metric()`. With several gunicorn workers,
set PROMETHEUS_MULTIPROC_DIR (an empty directory per instance, before the process
starts): each worker then writes its samples to a file there and a scrape, whichever
worker answers it, adds up the files of all of them (prometheus_client's multiprocess
mode; deploy/gunicorn.conf.py marks a dead worker's files). Without it the figures are
the answering process's own. Instances on other machines add up in Prometheus.

Metrics carry device names at most: never a person's name, code or answer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.mmap_dict import MmapedDict

CollectorFn = Callable[[], Iterable[Metric]]
_collectors: list[CollectorFn] = []
_process_metrics: list[MetricWrapperBase] = []
M = TypeVar("M", bound=MetricWrapperBase)


def register(collector: CollectorFn) -> CollectorFn:
    """Add a function returning metric families; registering it twice is a no-op."""
    if collector not in _collectors:
        _collectors.append(collector)
    return collector


def core_metrics() -> Iterable[Metric]:
    from axes.models import AccessAttempt

    from hr_system.models import WorkerHeartbeat

    failures = AccessAttempt.objects.aggregate(n=Sum("failures_since_start"))["n"] or 0
    # A gauge: the lockout forgets failures after LOGIN_LOCKOUT_MINUTES and on a
    # successful login. The counter of every failure is LOGIN_FAILURES below.
    yield GaugeMetricFamily(
        "hr_login_failures_held", "Failed logins the lockout holds now (recent, not cleared)", value=failures
    )
    now = timezone.now()
    age = GaugeMetricFamily("hr_worker_heartbeat_age_seconds", "Seconds since a worker's last step", labels=["worker"])
    # A worker whose every step fails still beats on time: its last outcome says so.
    ok = GaugeMetricFamily("hr_worker_last_step_ok", "1 if the worker's last step succeeded, else 0", labels=["worker"])
    for name, beat_at, last_ok in WorkerHeartbeat.objects.values_list("name", "beat_at", "last_step_ok"):
        age.add_metric([name], max(0.0, (now - beat_at).total_seconds()))
        ok.add_metric([name], 1 if last_ok else 0)
    yield age
    yield ok


register(core_metrics)


def process_metric(metric: M) -> M:
    """Serve a metric kept by the process (made with `registry=None`) at `/metrics`."""
    if metric not in _process_metrics:
        _process_metrics.append(metric)
    return metric


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


LOGIN_FAILURES = process_metric(
    Counter("hr_login_failures", "Failed logins and wrong API tokens (this instance)", registry=None)
)


def _count_login_failure(sender, **kwargs) -> None:
    LOGIN_FAILURES.inc()


# Sent by django.contrib.auth for every failed login (and by hr_system.lockout for a
# wrong API token): counting it here is observation only, the lockout is axes' work.
user_login_failed.connect(_count_login_failure, dispatch_uid="hr_system.metrics.login_failures")


# Kinds of per-process files whose samples outlive their process (they only add up).
_FOLDED_KINDS = ("counter", "histogram", "summary")


def fold_dead_process(pid: int, path: str = "") -> None:
    """For gunicorn's `child_exit` hook (deploy/gunicorn.conf.py) in multiprocess mode:
    add a finished worker's counters and histograms to the directory's `*_archive.db`
    files, then delete its own files.

    A worker's files outlive it, so its saves stay counted; but gunicorn replaces a
    worker every `max_requests`, and each leaves files behind that every scrape reads
    (500 replaced workers made a scrape take about 0.3 s and 60 MB of /run). Folded, the
    directory holds one file per live worker plus the archive. Only gunicorn's master
    calls this, one worker at a time, so the archive has a single writer. A scrape in
    the instant between the archive's write and the removal would count that worker
    twice, once.
    """
    path = path or multiprocess_dir()
    if not path:
        return
    multiprocess.mark_process_dead(pid, path)  # its live gauges, if any
    for kind in _FOLDED_KINDS:
        dead = os.path.join(path, f"{kind}_{pid}.db")
        if not os.path.exists(dead):
            continue
        archive = MmapedDict(os.path.join(path, f"{kind}_archive.db"))
        try:
            for key, value, timestamp, _position in MmapedDict.read_all_values_from_file(dead):
                total, _ = archive.read_value(key)
                archive.write_value(key, total + value, timestamp)
        finally:
            archive.close()
        os.remove(dead)


class _DatabaseCollector:
    def collect(self) -> Iterable[Metric]:
        for collector in _collectors:
            yield from collector()


def render() -> bytes:
    """The text exposition of every registered family, read now."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseCollector())
    path = multiprocess_dir()
    if path:
        multiprocess.MultiProcessCollector(registry, path=path)
    else:
        for metric in _process_metrics:
            registry.register(metric)
    return generate_latest(registry)
