"""[13] figures: /healthz and /metrics with 300 devices registered (target ≤ 50 ms each).

The punch table holds about a month of a 2,000-person province, since the punch count
by source is the one figure whose cost grows with the data.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time

from bench.common import report, setup_django

DEVICES = 300
PUNCHES = 100_000
ROUNDS = 50
TOKEN = "bench-metrics-token"


def main() -> None:
    os.environ["METRICS_TOKEN"] = TOKEN
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    setup_django()
    from django.test import Client
    from django.utils import timezone

    from attendance.models import RecomputeState
    from devices.models import Device, Punch
    from hr_system.models import OrgUnit, WorkerHeartbeat

    unit = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE)
    now = timezone.now()
    devices = Device.objects.bulk_create(
        Device(
            name=f"Máy {i:03d}",
            host=f"10.1.{i // 250}.{i % 250 + 1}",
            unit=unit,
            approved=i % 25 != 0,
            last_contact_at=now - dt.timedelta(minutes=i % 30),
            last_success_at=now - dt.timedelta(minutes=i % 30),
        )
        for i in range(DEVICES)
    )
    start = now - dt.timedelta(days=30)
    Punch.objects.bulk_create(
        (
            Punch(
                device=devices[i % DEVICES],
                device_user_id=str(i // DEVICES),
                local_time=(start + dt.timedelta(seconds=i * 25)).strftime("%Y-%m-%d %H:%M:%S"),
                timestamp=start + dt.timedelta(seconds=i * 25),
                source="pull" if i % 3 else "push",
                received_at=start + dt.timedelta(seconds=i * 25),
            )
            for i in range(PUNCHES)
        ),
        batch_size=5000,
    )
    RecomputeState.objects.create(pk=1, punches_through=now - dt.timedelta(hours=1))
    for name in ("poll_devices", "recompute_attendance", "finalize_attempts"):
        WorkerHeartbeat.objects.create(name=name, host="bench", pid=1, started_at=now, beat_at=timezone.now())

    client = Client(HTTP_HOST="localhost")
    for path, headers, expected in (
        ("/healthz", {}, 200),
        ("/metrics", {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}, 200),
    ):
        times = []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            response = client.get(path, secure=True, **headers)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == expected, (path, response.status_code, response.content[:300])
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        report(
            f"GET {path}, {DEVICES} devices, {PUNCHES:,} punches (median)",
            median,
            "ms",
            "<= 50 ms",
            median <= 50,
            f"p95 {p95:.1f} ms",
        )


if __name__ == "__main__":
    main()
