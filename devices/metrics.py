"""The clocks' families for `/metrics` (registered in `DevicesConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from devices.health import evaluate
from devices.models import Device, Punch, PunchTally


def device_metrics() -> Iterable[Metric]:
    now = timezone.now()
    states = {"online": 0, "offline": 0, "pending": 0}
    since_sync = GaugeMetricFamily(
        "hr_device_seconds_since_last_sync",
        "Seconds since the device's last successful sync (absent if it never had one)",
        labels=["device"],
    )
    # Device.health's rule (devices.health.evaluate) over plain rows: a model instance
    # and two zone conversions per clock were most of a scrape with 300 clocks. Online
    # depends only on elapsed time, so UTC instants serve as well as local ones.
    rows = (
        Device.objects.clocks()
        .filter(enabled=True)
        .order_by("name")
        .values_list("name", "approved", "transport", "poll_interval", "last_contact_at", "last_success_at")
    )
    for name, approved, transport, poll_interval, last_contact_at, last_success_at in rows:
        if not approved:
            states["pending"] += 1
        else:
            health = evaluate(
                now_local=now,
                last_contact_local=last_contact_at,
                poll_interval=poll_interval,
                record_count=None,
                record_capacity=None,
                drift_seconds=None,
                is_push=transport == Device.Transport.PUSH,
            )
            states["online" if health.online else "offline"] += 1
        if last_success_at is not None:
            since_sync.add_metric([name], max(0.0, (now - last_success_at).total_seconds()))
    by_state = GaugeMetricFamily("hr_devices", "Enabled devices by state", labels=["state"])
    for state, n in states.items():
        by_state.add_metric([state], n)
    yield by_state
    yield since_sync

    punches = CounterMetricFamily("hr_punches_stored", "Punches stored, by where they came from", labels=["source"])
    # The tally, not a count of the punch table: a few rows per clock whatever its size.
    counts = dict(PunchTally.objects.order_by().values_list("source").annotate(n=Sum("stored")))
    for source in Punch.Source.values:
        punches.add_metric([source], counts.get(source, 0))
    yield punches
