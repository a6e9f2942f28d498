"""The recompute worker's backlog for `/metrics` (registered in `AttendanceConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric

from attendance.models import RecomputeState
from devices.models import Punch


def attendance_metrics() -> Iterable[Metric]:
    # Counting stale days exactly (attendance.reports) is too slow for every scrape; the
    # punches the worker has not read yet are one indexed count (Punch.received_at).
    state = RecomputeState.load()
    pending = Punch.objects.all()
    if state.punches_through is not None:
        pending = pending.filter(received_at__gt=state.punches_through)
    yield GaugeMetricFamily(
        "hr_recompute_backlog_punches",
        "Punches received after the recompute worker's last processed one",
        value=pending.count(),
    )
