"""The recompute worker's backlog for `/metrics` (registered in `AttendanceConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric

from attendance.models import RecomputeState
from devices.models import Punch

BACKLOG_CAP = 100_000


def attendance_metrics() -> Iterable[Metric]:
    # Counting stale days exactly (attendance.reports) is too slow for every scrape; the
    # punches the worker has not read yet are one indexed count (Punch.received_at).
    state = RecomputeState.load()
    pending = Punch.objects.all()
    if state.punches_through is not None:
        pending = pending.filter(received_at__gt=state.punches_through)
    # Capped: before the worker's first round every punch is pending, and counting two
    # million of them would cost a scrape ~0.3 s. The figure reads "at least" at the cap.
    yield GaugeMetricFamily(
        "hr_recompute_backlog_punches",
        f"Punches received after the recompute worker's last processed one (at most {BACKLOG_CAP})",
        value=pending.order_by()[:BACKLOG_CAP].count(),
    )
