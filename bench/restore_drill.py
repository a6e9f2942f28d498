"""[F] restore drill on PostgreSQL: one year of a 2,000-person province.

2,000 employees on 100 clocks, 4 punches a working day for 250 days (2 million punches)
and a day result per person per day (500,000), generated in SQL. `manage.py backup` and
`manage.py restore` run as an operator runs them, each in its own process; the restore
goes into a new empty database and verifies itself against the manifest.
Exams and transfer rounds are not generated: next to the punches their rows are few.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, report, setup_django, timer

EMPLOYEES, DEVICES, DAYS, PUNCHES_A_DAY = 2_000, 100, 250, 4

GENERATE = f"""
INSERT INTO devices_punch (device_id, device_user_id, local_time, timestamp, status, punch, verify, source,
                           received_at, employee_id)
SELECT d.id, emp.code, to_char(t, 'YYYY-MM-DD HH24:MI:SS'), t - interval '7 hours', 0, 0, 1, 'pull', t, emp.id
FROM hr_system_employee emp
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM devices_device) d ON d.n = mod(emp.id, {DEVICES})
CROSS JOIN generate_series(0, {DAYS - 1}) day
CROSS JOIN unnest(ARRAY[interval '7 hours 25 min', interval '11 hours 31 min', interval '13 hours 28 min',
                        interval '17 hours 2 min']) AS k(at)
CROSS JOIN LATERAL (SELECT timestamp '2026-01-01' + day * interval '1 day' + k.at
                           + mod(emp.id, 9) * interval '1 min' AS t) tt;
INSERT INTO attendance_dayresult (employee_id, date, status, symbol, late_minutes, early_minutes, worked_minutes,
                                  missing_punches, late_count, early_count, absent_units, sessions, reasons,
                                  computed_at)
SELECT emp.id, date '2026-01-01' + day, 'present', '+', 0, 0, 480, 0, 0, 0, 0, '[]', '[]', now()
FROM hr_system_employee emp CROSS JOIN generate_series(0, {DAYS - 1}) day;
ANALYZE;
"""


def manage(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def main() -> None:
    import psycopg

    base = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/hr_bench")
    server, name = base.rsplit("/", 1)
    source, target = f"{name}_drill", f"{name}_drill_restored"
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        for db in (source, target):
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db}"')
    setup_django(f"{server}/{source}")
    from django.db import connection

    from devices.models import Device
    from hr_system.models import Employee, OrgUnit

    unit = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE)
    Device.objects.bulk_create(
        Device(name=f"Máy {i}", unit=unit, host=f"10.0.{i // 250}.{i % 250 + 1}") for i in range(DEVICES)
    )
    with timer() as t, connection.cursor() as cursor:
        Employee.objects.bulk_create(
            Employee(code=str(100000 + e), full_name=f"Nguyễn Văn {e}", unit=unit, category="civil_servant")
            for e in range(EMPLOYEES)
        )
        for statement in GENERATE.split(";\n"):
            if statement.strip():
                cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM devices_punch")
        punches = cursor.fetchone()[0]
    print(
        f"       generated {punches:,} punches and {EMPLOYEES * DAYS:,} day results in {t['seconds']:.0f} s", flush=True
    )
    connection.close()

    dest = Path(tempfile.mkdtemp(prefix="hr-drill-"))
    with timer() as b:
        proc = manage(f"{server}/{source}", "backup", "--dest", str(dest))
    assert proc.returncode == 0, proc.stderr
    (dump,) = dest.glob("hr-*.dump")
    size_mb = dump.stat().st_size / 2**20
    millions = punches / 1e6
    report(
        "backup (pg_dump custom + manifest)",
        b["seconds"],
        "s",
        "<= 60 s",
        b["seconds"] <= 60,
        f"{size_mb:.0f} MiB, {b['seconds'] / millions:.1f} s per million punches",
    )
    with timer() as r:
        proc = manage(f"{server}/{target}", "restore", str(dump))
    verified = proc.returncode == 0
    report(
        "restore into an empty database, verified (recovery time)",
        r["seconds"],
        "s",
        "<= 120 s",
        r["seconds"] <= 120 and verified,
        f"{r['seconds'] / millions:.1f} s per million punches",
    )
    print(f"       verification: {'rows and punch digest match the manifest' if verified else 'FAILED'}", flush=True)
    if not verified:
        print(proc.stderr, flush=True)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        for db in (source, target):
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    for p in dest.iterdir():
        p.unlink()
    dest.rmdir()
    sys.exit(0 if verified else 1)


if __name__ == "__main__":
    main()
