"""Demo attendance: Sơn La office hours, the 2026 calendar, and January 2026 for the
Mộc Châu ward — a month with a holiday (1 Jan), a swapped day off (Fri 2 Jan) and a
make-up working Saturday (10 Jan), with realistic lateness, forgotten punches, leave,
a business trip and one unexcused absence, so the timesheet can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from attendance import actions, engine
from attendance.models import CalendarDay, DisciplineRule, LeaveRequest, MonthLock, Schedule, TrackingStart
from devices.actions import store_punches
from devices.models import Device
from devices.records import RawPunch
from hr_system.models import Employee, OrgUnit

MONTH = dt.date(2026, 1, 1)
UNIT = "P-MOCCHAU"
NOTICE_2026_NEW_YEAR = "12729/VPCP-KGVX"  # Fri 2 Jan off, swapped with Sat 10 Jan (reference §1.3)
IMPORT_DEVICE = "Dữ liệu chấm công nhập từ tệp (demo tháng 01/2026)"


def ensure_schedule(admin) -> Schedule:
    province = OrgUnit.objects.get(code="SL")
    existing = Schedule.objects.filter(unit=province, name__startswith="Giờ làm việc").first()
    if existing:
        return existing
    # Sơn La's own decision was not found (reference §1.2 [U]); these are the common
    # summer/winter pairs (e.g. Vĩnh Phúc QĐ 873/QĐ-UBND), to be replaced by the province's.
    return actions.create_schedule(
        acting_user=admin,
        unit=province,
        name="Giờ làm việc mùa hè / mùa đông (mặc định, cần xác nhận)",
        valid_from=dt.date(2025, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[
            {"start": dt.time(7, 0), "end": dt.time(11, 30), "season_start": "04-16", "season_end": "10-15"},
            {"start": dt.time(13, 30), "end": dt.time(17, 0), "season_start": "04-16", "season_end": "10-15"},
            {"start": dt.time(7, 30), "end": dt.time(12, 0), "season_start": "10-16", "season_end": "04-15"},
            {"start": dt.time(13, 0), "end": dt.time(16, 30), "season_start": "10-16", "season_end": "04-15"},
        ],
    )


def ensure_calendar(admin) -> None:
    for year in (2025, 2026):
        actions.seed_holidays(year)
    if not CalendarDay.objects.filter(unit=None, date=dt.date(2026, 1, 10)).exists():
        actions.set_calendar_day(
            acting_user=admin,
            date=dt.date(2026, 1, 2),
            kind=CalendarDay.Kind.DAY_OFF,
            name="Nghỉ Tết Dương lịch (hoán đổi)",
            notice=NOTICE_2026_NEW_YEAR,
        )
        actions.set_calendar_day(
            acting_user=admin,
            date=dt.date(2026, 1, 10),
            kind=CalendarDay.Kind.WORKDAY,
            name="Làm bù cho thứ Sáu 02/01/2026",
            notice=NOTICE_2026_NEW_YEAR,
        )


def month_punches(codes: list[str], workdays: list[dt.date], rng: random.Random, skip: set[tuple[str, dt.date]]):
    """Four punches a day per person in winter hours (07:30–12:00, 13:00–16:30)."""
    out = []
    for day in workdays:
        for code in codes:
            if (code, day) in skip:
                continue
            late = rng.random() < 0.08
            early = rng.random() < 0.04
            forgot = rng.random() < 0.03
            times = [
                dt.time(7, rng.randint(40, 59)) if late else dt.time(7, rng.randint(12, 29)),
                dt.time(12, rng.randint(0, 9)),
                dt.time(12, rng.randint(45, 59)),
                dt.time(16, rng.randint(0, 15)) if early else dt.time(16, rng.randint(31, 50)),
            ]
            if forgot:
                times.pop(rng.randrange(4))
            for t in times:
                out.append(RawPunch(code, dt.datetime.combine(day, t), status=1, punch=255))
            if rng.random() < 0.05:  # a nervous double tap on the reader
                out.append(
                    RawPunch(code, dt.datetime.combine(day, times[0]) + dt.timedelta(seconds=40), status=1, punch=255)
                )
    return out


@transaction.atomic
def seed() -> dict:
    admin = get_user_model().objects.get(username="admin")
    ensure_schedule(admin)
    ensure_calendar(admin)
    unit = OrgUnit.objects.get(code=UNIT)
    employees = list(Employee.objects.filter(unit__path__startswith=unit.path).active_on(MONTH).order_by("code"))
    codes = [e.code for e in employees]
    by_code = {e.code: e for e in employees}
    last = dt.date(2026, 1, 31)
    # Working days: weekdays except 1–2 Jan, plus the make-up Saturday 10 Jan.
    workdays = [d for d in engine.days(dt.date(2026, 1, 3), last) if d.weekday() < 5] + [dt.date(2026, 1, 10)]
    rng = random.Random(202601)
    # People: annual leave, a business trip, a half day, sickness, an unexcused absence.
    plan = [
        (codes[3], "P", dt.date(2026, 1, 12), dt.date(2026, 1, 13), "full", "Nghỉ phép năm việc gia đình"),
        (codes[5], "CT", dt.date(2026, 1, 19), dt.date(2026, 1, 21), "full", "Đi công tác tại Sở Nội vụ tỉnh"),
        (codes[7], "P", dt.date(2026, 1, 22), dt.date(2026, 1, 22), "afternoon", "Nghỉ phép buổi chiều"),
        (codes[9], "Ô", dt.date(2026, 1, 26), dt.date(2026, 1, 27), "full", "Ốm, có giấy của Trạm Y tế"),
    ]
    skip = set()
    for code, _kind, start, end, portion, _reason in plan:
        for d in engine.days(start, end):
            if portion == "full":
                skip.add((code, d))
    absent = (codes[11], dt.date(2026, 1, 15))
    skip.add(absent)
    device, _ = Device.objects.get_or_create(
        name=IMPORT_DEVICE,
        defaults={"unit": unit, "host": "", "transport": Device.Transport.PUSH, "enabled": False, "file_source": True},
    )
    punches = month_punches(codes, sorted(workdays), rng, skip)
    # Half-day leave: drop that afternoon's punches.
    half_code, half_day = plan[2][0], plan[2][2]
    punches = [
        p
        for p in punches
        if not (p.user_id == half_code and p.local_time.date() == half_day and p.local_time.time() >= dt.time(12, 30))
    ]
    new, _dups = store_punches(device=device, records=punches, source="import")
    # Every clock serving the ward has delivered January (the import stands in for them).
    Device.objects.filter(unit=unit).exclude(synced_through__gte=dt.datetime(2026, 2, 1, tzinfo=dt.UTC)).update(
        synced_through=dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    )
    for code, kind, start, end, portion, reason in plan:
        if not LeaveRequest.objects.filter(employee=by_code[code], start_date=start).exists():
            actions.request_leave(
                acting_user=admin,
                employee=by_code[code],
                leave_type=kind,
                start_date=start,
                end_date=end,
                portion=portion,
                reason=reason,
                approve=True,
            )
    engine.recompute(Employee.objects.filter(pk__in=[e.pk for e in employees]), MONTH, last)
    # January is the ward's pilot month, approved by HR; the clocks serving the
    # province go live on the day the demo is first seeded. Days in between are not
    # tracked (blank, never KP), so the current month shows no false absences.
    if not MonthLock.objects.filter(unit=unit, month=MONTH).exists():
        actions.lock_month(acting_user=admin, unit=unit, month=MONTH)
    ensure_discipline_rules(admin, unit)
    go_live = ensure_go_live(admin)
    return {"employees": len(employees), "punches": new, "absent": absent, "go_live": go_live}


def ensure_discipline_rules(admin, unit: OrgUnit) -> None:
    """The ward's nội quy thresholds (its own choice: no statute fixes them)."""
    if DisciplineRule.objects.filter(unit=unit).exists():
        return
    for metric, threshold in (("late_count", 3), ("absent_days", 1), ("missing_punches", 4)):
        actions.add_discipline_rule(
            acting_user=admin,
            unit=unit,
            metric=metric,
            threshold=threshold,
            action="Nhắc nhở bằng văn bản",
            valid_from=dt.date(2025, 7, 1),
        )


def ensure_go_live(admin) -> dt.date:
    """The province's attendance go-live date: the day of the first seed, kept after."""
    province = OrgUnit.objects.get(code="SL")
    existing = TrackingStart.objects.filter(unit=province).first()
    if existing is not None:
        return existing.date
    today = timezone.localdate()
    actions.set_tracking_start(
        acting_user=admin, unit=province, date=today, note="Lắp máy chấm công, bắt đầu theo dõi (dữ liệu mẫu)"
    )
    return today


def demo_workers() -> list[list[str]]:
    """Keep day results fresh while the demo's clocks deliver punches: pages only read
    them. The first round also fills in the days the seed did not compute (from
    1 January of last year), so the timesheet says "being recomputed" for a few seconds."""
    return [["recompute_attendance", "--loop", "--sleep", "20"]]
