"""[13] figures: /healthz and /metrics with 300 devices registered (target ≤ 50 ms each).

On PostgreSQL, with the data of a province's year: 300 clocks, 2,000 people, about
2 million punches (generated in SQL, as bench/restore_drill does, with the tally the
store keeps), 10,000 exam attempts and a few hundred lockout rows. A per-scrape count of
the punch table shows here (it made a scrape take 0.56 s at 2 million punches, before
devices.models.PunchTally). The recompute worker is an hour behind, as a worker
between rounds is. Each endpoint is asked ROUNDS times through Django's test client
(the whole middleware stack, no network); the verdict is on p95.

    python -m bench.health            # BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/hr_bench)
    BENCH_HEALTH_PUNCHES=500000 python -m bench.health
    BENCH_KEEP_DB=1 python -m bench.health   # leave <name>_health behind, for a profiler
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import statistics
import time

from bench.common import report, setup_django, timer

DEVICES = 300
EMPLOYEES = 2_000
EXAMS = 5
PUNCHES = int(os.environ.get("BENCH_HEALTH_PUNCHES", "2000000"))
ROUNDS = 200
TOKEN = "bench-metrics-token"
TARGET_MS = 50

# One punch every 15 s over the year before now (2 million ≈ 347 days), spread over the
# clocks and people; every third came by ADMS push. The unique key holds: each instant
# occurs once.
GENERATE = """
INSERT INTO devices_punch (device_id, device_user_id, local_time, timestamp, status, punch, verify, source,
                           received_at, employee_id)
SELECT d.id, (100000 + mod(i, {employees}))::text, to_char(t + interval '7 hours', 'YYYY-MM-DD HH24:MI:SS'), t,
       0, 0, 1, CASE WHEN mod(i, 3) = 0 THEN 'push' ELSE 'pull' END, t, NULL
FROM generate_series(0, {punches} - 1) i
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM devices_device) d ON d.n = mod(i, {devices})
CROSS JOIN LATERAL (SELECT now() - ({punches} - i) * interval '15 seconds' AS t) tt;
INSERT INTO devices_punchtally (device_id, source, stored)
SELECT device_id, source, count(*) FROM devices_punch GROUP BY device_id, source;
ANALYZE;
"""


def timings(client, path: str, headers: dict, rounds: int = ROUNDS) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path, secure=True, **headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return times


def main() -> None:
    import psycopg

    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/hr_bench")
    server, name = base.rsplit("/", 1)
    database = f"{name}_health"
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["METRICS_TOKEN"] = TOKEN
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    # The figure is this process's: a multiprocess directory left in the environment
    # would be read instead (and might not exist here).
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    setup_django(f"{server}/{database}")
    logging.getLogger("hr.request").setLevel(logging.WARNING)  # one line per request: not here
    from axes.models import AccessAttempt
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from assessments.models import Attempt, Exam
    from attendance.models import RecomputeState
    from devices.models import Device
    from hr_system.models import Employee, OrgUnit, WorkerHeartbeat

    unit = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE)
    now = timezone.now()
    Device.objects.bulk_create(
        Device(
            name=f"Máy {i:03d}",
            host=f"10.1.{i // 250}.{i % 250 + 1}",
            unit=unit,
            transport=Device.Transport.PUSH if i % 4 == 0 else Device.Transport.TCP,
            serial_number=f"CDQ{i:010d}" if i % 4 == 0 else None,
            approved=i % 25 != 0,
            # Most answered within minutes; every tenth has been silent for two days.
            last_contact_at=now - dt.timedelta(days=2 if i % 10 == 9 else 0, minutes=i % 30),
            last_success_at=now - dt.timedelta(days=2 if i % 10 == 9 else 0, minutes=i % 30),
        )
        for i in range(DEVICES)
    )
    employees = Employee.objects.bulk_create(
        Employee(code=str(100000 + e), full_name=f"Nguyễn Văn {e}", unit=unit, category="civil_servant")
        for e in range(EMPLOYEES)
    )
    with timer() as t, connection.cursor() as cursor:
        for statement in GENERATE.format(punches=PUNCHES, devices=DEVICES, employees=EMPLOYEES).split(";\n"):
            if statement.strip():
                cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM devices_punch")
        punches = cursor.fetchone()[0]
    print(f"       generated {punches:,} punches in {t['seconds']:.0f} s", flush=True)
    for x in range(EXAMS):
        exam = Exam.objects.create(
            title=f"Kỳ thi {x}", unit=unit, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=1)
        )
        live = x == EXAMS - 1
        Attempt.objects.bulk_create(
            Attempt(
                exam=exam,
                employee=e,
                status=Attempt.Status.IN_PROGRESS if live and i < 300 else Attempt.Status.FINALIZED,
            )
            for i, e in enumerate(employees)
        )
    AccessAttempt.objects.bulk_create(
        AccessAttempt(username=f"u{i}", ip_address=f"192.0.2.{i % 250}", user_agent="b", failures_since_start=i % 5)
        for i in range(300)
    )
    RecomputeState.objects.create(pk=1, punches_through=now - dt.timedelta(hours=1))
    for worker in ("poll_devices", "recompute_attendance", "finalize_attempts"):
        WorkerHeartbeat.objects.create(name=worker, host="bench", pid=1, started_at=now, beat_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client(HTTP_HOST="localhost")
    # Others' work on the machine shows in these figures: say how busy it was.
    print(f"       load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    for path, headers in (("/healthz", {}), ("/metrics", {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"})):
        timings(client, path, headers, rounds=10)  # warm-up: the first request loads code and plans
        times = timings(client, path, headers)
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        report(
            f"GET {path}, {DEVICES} devices, {punches:,} punches (p95), PostgreSQL",
            p95,
            "ms",
            f"<= {TARGET_MS} ms",
            p95 <= TARGET_MS,
            f"p50 {median:.1f} ms",
        )
    connection.close()
    if not os.environ.get("BENCH_KEEP_DB"):
        with psycopg.connect(server + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
