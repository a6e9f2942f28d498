"""[A] figures: a month's timesheet computed from raw punches, at 2,000 employees on
SQLite and 20,000 on PostgreSQL, with the cost per employee at both sizes."""

from __future__ import annotations

import datetime as dt
import os
import random
import sys

from bench.common import report, setup_django, timer

MONTH = dt.date(2026, 3, 1)  # 22 working days, no holiday


def build(n_employees: int, sql_bulk: bool) -> object:
    from attendance import actions
    from devices.actions import store_punches
    from devices.models import Device
    from devices.records import RawPunch
    from hr_system.models import Employee, OrgUnit

    root = OrgUnit.add(code=f"B{n_employees}", name="Tỉnh (bench)", kind=OrgUnit.Kind.PROVINCE)
    actions.create_schedule(
        acting_user=None,
        unit=root,
        name="Giờ hành chính",
        valid_from=dt.date(2026, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17, 0)}],
    )
    Employee.objects.bulk_create(
        Employee(
            code=str(n_employees * 1000 + i),  # distinct per bench size
            full_name=f"Nguyễn Văn Bình {i}",
            unit=root,
            category="civil_servant",
            start_date=dt.date(2020, 1, 1),
        )
        for i in range(n_employees)
    )
    device = Device.objects.create(
        name=f"bench-{n_employees}", host="127.0.0.1", unit=root, synced_through=dt.datetime(2026, 4, 2, tzinfo=dt.UTC)
    )
    workdays = [MONTH + dt.timedelta(days=i) for i in range(31) if (MONTH + dt.timedelta(days=i)).weekday() < 5]
    assert len(workdays) == 22
    if sql_bulk:
        # 1.76 M punches: generated inside PostgreSQL, not over the wire, to keep set-up short.
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO devices_punch (device_id, device_user_id, local_time, timestamp, status, punch, verify,
                                           source, received_at, employee_id)
                SELECT %s, e.code, to_char(d + t, 'YYYY-MM-DD HH24:MI:SS'), (d + t) AT TIME ZONE 'Asia/Ho_Chi_Minh',
                       1, 255, 1, 'import', now(), e.id
                FROM hr_system_employee e
                CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') AS d
                CROSS JOIN (VALUES (time '07:25'), (time '11:33'), (time '13:27'), (time '17:04')) AS v(t)
                WHERE e.unit_id = %s AND extract(isodow FROM d) < 6
                """,
                [device.pk, MONTH, dt.date(2026, 3, 31), root.pk],
            )
    else:
        rng = random.Random(5)
        codes = list(Employee.objects.filter(unit=root).values_list("code", flat=True))
        batch = []
        for day in workdays:
            for code in codes:
                for t in ((7, 20 + rng.randint(0, 25)), (11, 31), (13, 28), (17, rng.randint(0, 9))):
                    batch.append(RawPunch(code, dt.datetime.combine(day, dt.time(*t))))
            if len(batch) > 50_000:
                store_punches(device=device, records=batch, source="import")
                batch = []
        store_punches(device=device, records=batch, source="import")
    return root


def worker_month(unit, month: dt.date) -> None:
    """What the recompute worker does for a month it has not seen: recompute it, then
    record how far it has read (the watermarks a page's freshness check compares with)."""
    import calendar

    from django.db.models import Max

    from attendance import engine
    from attendance.models import RecomputeState
    from devices.models import Punch
    from hr_system.models import Employee

    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    engine.recompute(Employee.objects.filter(unit__path__startswith=unit.path), month, last)
    state = RecomputeState.load()
    state.punches_through = Punch.objects.aggregate(at=Max("received_at"))["at"]
    state.employees_through = Employee.objects.aggregate(at=Max("updated_at"))["at"]
    state.save()


def run(n: int, target: float | None, label: str, sql_bulk: bool) -> float:
    from attendance import reports
    from attendance.models import DayResult

    unit = build(n, sql_bulk)
    # The recompute worker's month, then the page's read-only report.
    with timer() as t:
        worker_month(unit, MONTH)
        with timer() as read:
            sheet = reports.timesheet(unit, MONTH)
    assert len(sheet["rows"]) == n
    assert DayResult.objects.filter(employee__unit=unit, date__month=3).count() == n * 31
    per = t["seconds"] / n * 1000
    name = f"timesheet {n:,} employees x 1 month from raw punches ({label})"
    if target is None:  # a size measured only to show how the cost grows
        print(f"       {name}: {t['seconds']:.3f} s, {per:.3f} ms per employee", flush=True)
    else:
        report(
            name,
            t["seconds"],
            "s",
            f"<= {target:g} s",
            t["seconds"] <= target,
            f"{per:.3f} ms per employee; the page's read alone {read['seconds']:.2f} s",
        )
    return per


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    if which == "sqlite":
        setup_django()
        run(2_000, 3, "SQLite", sql_bulk=False)
        return
    url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/hr_bench")
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    setup_django(url)
    small = run(2_000, None, "PostgreSQL", sql_bulk=True)
    large = run(20_000, 30, "PostgreSQL", sql_bulk=True)
    print(f"       growth: cost per employee at 20,000 / at 2,000 = {large / small:.2f} (1.00 = linear)", flush=True)


if __name__ == "__main__":
    main()
