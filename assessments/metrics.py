"""Exam figures for `/metrics`: attempts in progress from the database (registered in
`AssessmentsConfig.ready()`), and the answer-save latency kept by each process that
serves saves (see hr_system.metrics on PROMETHEUS_MULTIPROC_DIR for several workers)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

from assessments.models import Attempt
from hr_system.metrics import process_metric

# Around the load bench's target (p95 ≤ 150 ms through the proxy), finer below it.
ANSWER_SAVE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)

ANSWER_SAVE_SECONDS = process_metric(
    Histogram(
        "hr_answer_save_seconds",
        "Time to save one exam answer, in the endpoint (refused saves included)",
        buckets=ANSWER_SAVE_BUCKETS,
        registry=None,
    )
)


def assessment_metrics() -> Iterable[Metric]:
    yield GaugeMetricFamily(
        "hr_exam_attempts_in_progress",
        "Exam attempts started and not yet submitted or finalised",
        value=Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS).count(),
    )
