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

from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.metrics import MetricWrapperBase

CollectorFn = Callable[[], Iterable[Metric]]
_collectors: list[CollectorFn] = []
_process_metrics: list[MetricWrapperBase] = []


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
    for name, beat_at in WorkerHeartbeat.objects.values_list("name", "beat_at"):
        age.add_metric([name], max(0.0, (now - beat_at).total_seconds()))
    yield age


register(core_metrics)


def process_metric(metric: MetricWrapperBase) -> MetricWrapperBase:
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
