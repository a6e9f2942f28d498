"""Device health and alerts: a pure function over a device's last known state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

OFFLINE_ALERT_MINUTES = 30  # offline this long during office hours raises an alert
CAPACITY_ALERT_PERCENT = 80.0
DRIFT_ALERT_SECONDS = 120
OFFICE_HOURS = (dt.time(7, 0), dt.time(17, 30))  # local; Decision 188/1999/QĐ-TTg 5-day week


@dataclass
class Health:
    online: bool
    offline_minutes: int | None
    capacity_percent: float | None
    drift_seconds: int | None
    alerts: list[str] = field(default_factory=list)


def evaluate(
    *,
    now_local: dt.datetime,
    last_contact_local: dt.datetime | None,
    poll_interval: int,
    record_count: int | None,
    record_capacity: int | None,
    drift_seconds: int | None,
    is_push: bool = False,
) -> Health:
    """Online means heard from within two poll intervals (at least 10 minutes)."""
    window = dt.timedelta(seconds=max(600, 2 * poll_interval))
    online = last_contact_local is not None and now_local - last_contact_local <= window
    offline_minutes = (
        None if last_contact_local is None else int((now_local - last_contact_local).total_seconds() // 60)
    )
    capacity = (
        round(100.0 * record_count / record_capacity, 1) if record_capacity and record_count is not None else None
    )
    alerts = []
    in_office_hours = now_local.weekday() < 5 and OFFICE_HOURS[0] <= now_local.time() <= OFFICE_HOURS[1]
    if in_office_hours and (offline_minutes is None or offline_minutes >= OFFLINE_ALERT_MINUTES) and not online:
        alerts.append(
            "Mất kết nối trong giờ làm việc" + (f" {offline_minutes} phút" if offline_minutes is not None else "")
        )
    if capacity is not None and capacity > CAPACITY_ALERT_PERCENT:
        alerts.append(f"Bộ nhớ chấm công đã dùng {capacity}%")
    if drift_seconds is not None and abs(drift_seconds) > DRIFT_ALERT_SECONDS and not is_push:
        alerts.append(f"Đồng hồ máy lệch {drift_seconds} giây")
    return Health(online, offline_minutes, capacity, drift_seconds, alerts)
