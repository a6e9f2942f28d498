"""The clocks' families for `/metrics` (registered in `DevicesConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from devices.models import Device, Punch


def device_metrics() -> Iterable[Metric]:
    now = timezone.now()
    states = {"online": 0, "offline": 0, "pending": 0}
    since_sync = GaugeMetricFamily(
        "hr_device_seconds_since_last_sync",
        "Seconds since the device's last successful sync (absent if it never had one)",
        labels=["device"],
    )
    fields = ["name", "enabled", "approved", "transport", "poll_interval", "last_contact_at", "last_success_at"]
    fields += ["record_count", "record_capacity", "clock_drift", "timezone"]
    for device in Device.objects.filter(enabled=True).only(*fields).order_by("name"):
        if not device.approved:
            states["pending"] += 1
        else:
            states["online" if device.health(now).online else "offline"] += 1
        if device.last_success_at is not None:
            since_sync.add_metric([device.name], max(0.0, (now - device.last_success_at).total_seconds()))
    by_state = GaugeMetricFamily("hr_devices", "Enabled devices by state", labels=["state"])
    for state, n in states.items():
        by_state.add_metric([state], n)
    yield by_state
    yield since_sync

    punches = CounterMetricFamily("hr_punches_stored", "Punches stored, by where they came from", labels=["source"])
    counts = dict(Punch.objects.order_by().values_list("source").annotate(n=Count("id")))
    for source in Punch.Source.values:
        punches.add_metric([source], counts.get(source, 0))
    yield punches
