"""Exam figures for `/metrics` (registered in `AssessmentsConfig.ready()`).

No answer-save latency histogram: a histogram is per-request data, and kept in a
process it would show only that gunicorn worker's share (prometheus_client's
multiprocess mode needs a shared directory per machine, and several machines still
would not add up). The load bench measures save latency instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric

from assessments.models import Attempt


def assessment_metrics() -> Iterable[Metric]:
    yield GaugeMetricFamily(
        "hr_exam_attempts_in_progress",
        "Exam attempts started and not yet submitted or finalised",
        value=Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).count(),
    )
