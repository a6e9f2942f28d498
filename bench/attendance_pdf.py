"""[A] figures: a 300-person unit's month — recompute + timesheet, then the C01-HD PDF.

    .venv/bin/python -m bench.attendance_pdf [--out timesheet.pdf]

Builds a throw-away SQLite database: one unit with a Mon–Fri schedule, a clock synced
past the month, four punches a working day per person (some late, some early, a few
days missed, some annual leave, some half days), then times `reports.timesheet`
(after recomputing the month, as the worker does) and `reports.timesheet_pdf` against the target of 8 s
for 300 people. Wall-clock time: run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import io
import random
import time
import zoneinfo

from bench.attendance import worker_month
from bench.common import report, setup_django, timer

PEOPLE = 300
GIVEN = ["An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Hương", "Khánh", "Lan", "Minh", "Nga", "Phúc", "Thảo"]
FAMILY = ["Nguyễn", "Lò", "Cầm", "Hà", "Trần", "Lê", "Vì", "Quàng", "Đinh"]


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="also write the PDF here")
    args = parser.parse_args()

    setup_django()
    from django.utils import timezone
    from pypdf import PdfReader

    from attendance import actions, reports
    from attendance.models import LeaveRequest
    from devices.actions import store_punches
    from devices.models import Device
    from devices.records import RawPunch
    from hr_system.models import Employee, OrgUnit

    rng = random.Random(11)
    month = previous_month(timezone.localdate())
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    root = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE, place_name="Sơn La")
    unit = OrgUnit.add(
        code="BIG",
        name="Ủy ban nhân dân phường Mộc Châu",
        kind=OrgUnit.Kind.PEOPLES_COMMITTEE,
        parent=root,
        place_name="Mộc Châu",
        doc_symbol="UBND",
    )
    # The schedule first: creating it recomputes the unit, which is still empty.
    actions.create_schedule(
        acting_user=None,
        unit=unit,
        name="Giờ hành chính",
        valid_from=month,
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17, 0)}],
    )
    Employee.objects.bulk_create(
        Employee(
            code=str(700000 + i),
            full_name=f"{rng.choice(FAMILY)} Thị {rng.choice(GIVEN)}",
            unit=unit,
            category=Employee.Category.CIVIL_SERVANT,
            job_title=rng.choice(["Chuyên viên", "Cán sự", "Phó Chủ tịch", ""]),
            rank="Chuyên viên (01.003)",
            start_date=dt.date(2015, 1, 1),
        )
        for i in range(PEOPLE)
    )
    device = Device.objects.create(
        name="bench-clock",
        host="127.0.0.1",
        unit=unit,
        synced_through=dt.datetime.combine(last + dt.timedelta(days=3), dt.time(), zoneinfo.ZoneInfo("UTC")),
    )
    employees = list(Employee.objects.filter(unit=unit))
    punches, leaves = [], []
    for e in employees:
        day = month
        while day <= last:
            if day.weekday() < 5:
                roll = rng.random()
                if roll < 0.03:
                    pass  # a day missed without a reason: KP
                elif roll < 0.08:
                    # A day (or, one time in three, an afternoon: "+/P") of annual leave.
                    half = roll >= 0.06
                    leaves.append(
                        LeaveRequest(
                            employee=e,
                            leave_type="P",
                            start_date=day,
                            end_date=day,
                            portion="afternoon" if half else "full",
                            reason="Việc gia đình",
                            status=LeaveRequest.Status.APPROVED,
                        )
                    )
                    if half:
                        for t in (dt.time(7, 25), dt.time(11, 32)):
                            punches.append(RawPunch(e.code, dt.datetime.combine(day, t)))
                else:
                    late = rng.random() < 0.08
                    for start, minutes in ((dt.time(7, 20), 18 if late else 8), (dt.time(11, 30), 10)):
                        base = dt.datetime.combine(day, start)
                        punches.append(RawPunch(e.code, base + dt.timedelta(minutes=rng.randint(0, minutes))))
                    punches.append(RawPunch(e.code, dt.datetime.combine(day, dt.time(13, 20, rng.randint(0, 59)))))
                    leave_early = rng.random() < 0.03
                    out = dt.time(16, 30) if leave_early else dt.time(17, 0)
                    punches.append(
                        RawPunch(e.code, dt.datetime.combine(day, out) + dt.timedelta(minutes=rng.randint(0, 15)))
                    )
            day += dt.timedelta(days=1)
    LeaveRequest.objects.bulk_create(leaves)
    store_punches(device=device, records=punches, source="import")

    with timer() as t:  # the recompute worker's month, then the page's read-only report
        worker_month(unit, month)
        data = reports.timesheet(unit, month)
    assert len(data["rows"]) == PEOPLE
    report(
        f"timesheet data {month:%m/%Y}, {PEOPLE} people (recompute + pivot)",
        t["seconds"],
        "s",
        "info",
        True,
        f"{len(punches)} punches",
    )
    cpu = time.process_time()
    with timer() as t:
        content = reports.timesheet_pdf(data, unit)
    cpu = time.process_time() - cpu
    pages = len(PdfReader(io.BytesIO(content)).pages)
    report(
        f"timesheet PDF (C01-HD), {PEOPLE} people",
        t["seconds"],
        "s",
        "<= 8 s",
        t["seconds"] <= 8,
        # CPU time as well: on a busy machine the wall clock measures the neighbours.
        f"{pages} pages, {len(content) // 1024} KiB, CPU {cpu:.2f} s",
    )
    with timer() as t:
        xlsx = reports.timesheet_xlsx(data)
    report(f"timesheet Excel, {PEOPLE} people", t["seconds"], "s", "info", True, f"{len(xlsx) // 1024} KiB")
    if args.out:
        with open(args.out, "wb") as fh:
            fh.write(content)


if __name__ == "__main__":
    main()
