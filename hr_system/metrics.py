"""`/metrics`: Prometheus families built per scrape from the database.

Several gunicorn workers on several machines share one database, so a process-global
counter would only know its own process's share: every figure is read from the database
when scraped, into a registry made for that one request. `hr_system` may not import the
apps, so each app contributes its families by calling `register()` from its
`AppConfig.ready()`.

Metrics carry device names at most: never a person's name, code or answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Sum
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

CollectorFn = Callable[[], Iterable[Metric]]
_collectors: list[CollectorFn] = []


def register(collector: CollectorFn) -> CollectorFn:
    """Add a function returning metric families; registering it twice is a no-op."""
    if collector not in _collectors:
        _collectors.append(collector)
    return collector


def core_metrics() -> Iterable[Metric]:
    from axes.models import AccessAttempt

    from hr_system.models import WorkerHeartbeat

    failures = AccessAttempt.objects.aggregate(n=Sum("failures_since_start"))["n"] or 0
    yield CounterMetricFamily(
        "hr_login_failures", "Failed logins recorded by the lockout (not reset ones)", value=failures
    )
    now = timezone.now()
    age = GaugeMetricFamily("hr_worker_heartbeat_age_seconds", "Seconds since a worker's last step", labels=["worker"])
    for name, beat_at in WorkerHeartbeat.objects.values_list("name", "beat_at"):
        age.add_metric([name], max(0.0, (now - beat_at).total_seconds()))
    yield age


register(core_metrics)


class _DatabaseCollector:
    def collect(self) -> Iterable[Metric]:
        for collector in _collectors:
            yield from collector()


def render() -> bytes:
    """The text exposition of every registered family, read now."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseCollector())
    return generate_latest(registry)
