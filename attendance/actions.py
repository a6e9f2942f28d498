"""Attendance writes: requests, decisions, rule data, month locks; and today's board.

Each function is atomic, audited, refuses changes to a locked month with a clear
message, and recomputes the affected day results before returning, so an approval or
a cancellation shows in the timesheet at once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from attendance import engine, rules
from attendance.models import (
    CalendarDay,
    Correction,
    EmployeeSchedule,
    LeaveRequest,
    MonthLock,
    Schedule,
    ScheduleSession,
)
from hr_system.models import AuditLog, Employee, OrgUnit


class AttendanceError(ValueError):
    """A request that cannot be accepted; the message is shown to the user as is."""

    def __init__(self, message: str, field: str = "__all__"):
        super().__init__(message)
        self.field = field


def _month_label(day: dt.date) -> str:
    return f"{day.month:02d}/{day.year}"


def check_unlocked(employee: Employee, start: dt.date, end: dt.date) -> None:
    frozen = engine.locked_pairs([employee], start, end)
    if frozen:
        months = ", ".join(sorted(_month_label(m) for _e, m in frozen))
        raise AttendanceError(f"Tháng {months} đã khóa sổ chấm công; đề nghị Phòng Nội vụ mở khóa trước khi thay đổi.")


def _recompute_employee(employee: Employee, start: dt.date, end: dt.date) -> None:
    today = timezone.localdate()
    engine.recompute([employee], start, min(end, today + dt.timedelta(days=31)))


# --- leave -----------------------------------------------------------------------


def request_leave(
    *,
    acting_user,
    employee: Employee,
    leave_type: str,
    start_date: dt.date,
    end_date: dt.date,
    portion: str = LeaveRequest.Portion.FULL,
    reason: str,
    attachment=None,
    approve: bool = False,
) -> LeaveRequest:
    """File a leave request; HR (or a unit head for their unit) may approve it directly."""
    if end_date < start_date:
        raise AttendanceError("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.", "end_date")
    if portion != LeaveRequest.Portion.FULL and start_date != end_date:
        raise AttendanceError("Nghỉ nửa ngày chỉ áp dụng cho một ngày.", "portion")
    if not reason.strip():
        raise AttendanceError("Vui lòng ghi lý do.", "reason")
    check_unlocked(employee, start_date, end_date)
    with transaction.atomic():
        # Lock the employee row so two overlapping requests cannot both pass the check.
        Employee.objects.select_for_update().filter(pk=employee.pk).first()
        overlapping = LeaveRequest.objects.filter(
            employee=employee,
            status__in=[LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED],
            start_date__lte=end_date,
            end_date__gte=start_date,
        )
        for other in overlapping:
            halves = {other.portion, portion}
            if not (halves == {"morning", "afternoon"}):
                raise AttendanceError(
                    f"Trùng với đơn nghỉ đã có từ {other.start_date:%d/%m/%Y} đến {other.end_date:%d/%m/%Y}.",
                    "start_date",
                )
        leave = LeaveRequest.objects.create(
            employee=employee,
            leave_type=leave_type,
            start_date=start_date,
            end_date=end_date,
            portion=portion,
            reason=reason.strip(),
            requested_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        )
        if attachment is not None:
            leave.attachment.save(attachment.name, attachment, save=True)
        AuditLog.record(
            user=acting_user,
            action="leave.request",
            obj=leave,
            type=leave_type,
            start=str(start_date),
            end=str(end_date),
        )
        if approve:
            _decide(leave, acting_user, LeaveRequest.Status.APPROVED, "")
    if approve:
        _recompute_employee(employee, start_date, end_date)
    return leave


def _decide(obj, acting_user, status: str, note: str) -> None:
    obj.status = status
    obj.decided_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    obj.decided_at = timezone.now()
    obj.decision_note = note
    obj.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    AuditLog.record(user=acting_user, action=f"{obj._meta.model_name}.{status}", obj=obj, note=note)


def decide_leave(*, acting_user, leave: LeaveRequest, approve: bool, note: str = "") -> LeaveRequest:
    if leave.status != LeaveRequest.Status.PENDING:
        raise AttendanceError("Đơn này đã được xử lý.")
    if not approve and not note.strip():
        raise AttendanceError("Vui lòng ghi lý do từ chối.", "note")
    check_unlocked(leave.employee, leave.start_date, leave.end_date)
    with transaction.atomic():
        _decide(leave, acting_user, LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REJECTED, note)
    if approve:
        _recompute_employee(leave.employee, leave.start_date, leave.end_date)
    return leave


def cancel_leave(*, acting_user, leave: LeaveRequest, note: str = "") -> LeaveRequest:
    if leave.status not in (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED):
        raise AttendanceError("Đơn này không thể hủy.")
    check_unlocked(leave.employee, leave.start_date, leave.end_date)
    was_approved = leave.status == LeaveRequest.Status.APPROVED
    with transaction.atomic():
        # Keep who approved it: the cancellation is its own audit record.
        leave.status = LeaveRequest.Status.CANCELLED
        leave.save(update_fields=["status"])
        AuditLog.record(user=acting_user, action="leaverequest.cancelled", obj=leave, note=note)
    if was_approved:
        _recompute_employee(leave.employee, leave.start_date, leave.end_date)
    return leave


MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# Extension → the bytes such a file starts with; the name alone proves nothing.
ATTACHMENT_MAGIC = {
    ".pdf": b"%PDF-",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".png": b"\x89PNG\r\n\x1a\n",
}


def attachment_problem(upload) -> str | None:
    """Why an uploaded file is refused as a leave attachment, or None when it is fine."""
    ext = Path(upload.name or "").suffix.lower()
    magic = ATTACHMENT_MAGIC.get(ext)
    if magic is None:
        return gettext("Chỉ nhận tệp PDF, JPG hoặc PNG.")
    if upload.size > MAX_ATTACHMENT_BYTES:
        return gettext("Tệp đính kèm không được lớn hơn 5 MB.")
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        return gettext("Nội dung tệp không đúng định dạng %(ext)s.") % {"ext": ext.lstrip(".").upper()}
    return None


def attachment_name(upload) -> str:
    # The stored name is ours: a user's file name can carry anything.
    ext = Path(upload.name or "").suffix.lower()
    return f"don-nghi{'.jpg' if ext == '.jpeg' else ext}"


def annual_leave_balance(employee: Employee, year: int) -> dict:
    """Entitlement (Labour Code arts. 113–114) minus approved annual leave taken in the year."""
    start_service = employee.sector_start or employee.start_date
    years = 0
    if start_service:
        ref = dt.date(year, 12, 31)
        years = ref.year - start_service.year - ((ref.month, ref.day) < (start_service.month, start_service.day))
    entitled = rules.annual_leave_entitlement(years)
    used = 0.0
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    # Leave days used are the working days inside each leave: public holidays and days off
    # do not count, make-up working days do (the national calendar, reference §1.3).
    special = dict(
        CalendarDay.objects.filter(unit__isnull=True, date__range=(year_start, year_end)).values_list("date", "kind")
    )

    def working(day: dt.date) -> bool:
        kind = special.get(day)
        return kind == CalendarDay.Kind.WORKDAY or (day.weekday() < 5 and kind is None)

    for lv in LeaveRequest.objects.filter(
        employee=employee,
        leave_type="P",
        status=LeaveRequest.Status.APPROVED,
        start_date__lte=year_end,
        end_date__gte=year_start,
    ):
        first = max(lv.start_date, year_start)
        span = (min(lv.end_date, year_end) - first).days + 1
        used += 0.5 if lv.portion != "full" else sum(1 for i in range(span) if working(first + dt.timedelta(days=i)))
    return {"year": year, "years_of_service": years, "entitled": entitled, "used": used, "remaining": entitled - used}


# --- corrections -------------------------------------------------------------------


def request_correction(
    *,
    acting_user,
    employee: Employee,
    date: dt.date,
    kind: str,
    session: str = "all",
    time_in=None,
    time_out=None,
    reason: str,
    approve: bool = False,
) -> Correction:
    if date > timezone.localdate():
        raise AttendanceError("Không thể đề nghị điều chỉnh cho ngày trong tương lai.", "date")
    if not reason.strip():
        raise AttendanceError("Vui lòng ghi lý do.", "reason")
    if time_in and time_out and session != "all" and time_out <= time_in:
        raise AttendanceError("Giờ ra phải sau giờ vào.", "time_out")
    check_unlocked(employee, date, date)
    with transaction.atomic():
        correction = Correction.objects.create(
            employee=employee,
            date=date,
            kind=kind,
            session=session,
            time_in=time_in,
            time_out=time_out,
            reason=reason.strip(),
            requested_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        )
        AuditLog.record(user=acting_user, action="correction.request", obj=correction, date=str(date), kind=kind)
        if approve:
            _decide(correction, acting_user, Correction.Status.APPROVED, "")
    if approve:
        _recompute_employee(employee, date, date)
    return correction


def decide_correction(*, acting_user, correction: Correction, approve: bool, note: str = "") -> Correction:
    if correction.status != Correction.Status.PENDING:
        raise AttendanceError("Đề nghị này đã được xử lý.")
    if not approve and not note.strip():
        raise AttendanceError("Vui lòng ghi lý do từ chối.", "note")
    check_unlocked(correction.employee, correction.date, correction.date)
    with transaction.atomic():
        _decide(correction, acting_user, Correction.Status.APPROVED if approve else Correction.Status.REJECTED, note)
    if approve:
        _recompute_employee(correction.employee, correction.date, correction.date)
    return correction


# --- rule data ---------------------------------------------------------------------


def _unit_employees(unit: OrgUnit):
    return Employee.objects.filter(unit__path__startswith=unit.path)


def recompute_after_edit(obj) -> None:
    """Bring the day results an edit made outside these actions (the Django admin) touched
    up to date: a schedule or calendar day over its unit and dates, a leave request,
    correction or personal schedule over its employee and dates. Rows to come and locked
    months are left as the engine leaves them."""
    if isinstance(obj, Schedule):
        _recompute_unit(obj.unit, obj.valid_from, obj.valid_to)
    elif isinstance(obj, CalendarDay):
        _recompute_unit(obj.unit, obj.date, obj.date)
    elif isinstance(obj, LeaveRequest):
        _recompute_employee(obj.employee, obj.start_date, obj.end_date)
    elif isinstance(obj, Correction):
        _recompute_employee(obj.employee, obj.date, obj.date)
    elif isinstance(obj, EmployeeSchedule):
        _recompute_employee(obj.employee, obj.valid_from, obj.valid_to or timezone.localdate())


def _recompute_unit(unit: OrgUnit | None, start: dt.date, end: dt.date | None) -> None:
    today = timezone.localdate()
    end = min(end or today, today)
    if start > end:
        return
    employees = Employee.objects.all() if unit is None else _unit_employees(unit)
    # Everyone employed at any time in the range, not only on its first or last day.
    employed = employees.filter(Q(start_date__isnull=True) | Q(start_date__lte=end)).filter(
        Q(leave_date__isnull=True) | Q(leave_date__gt=start)
    )
    engine.recompute_stored(employed, start, end)


def create_schedule(
    *,
    acting_user,
    unit: OrgUnit,
    name: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    weekdays: str,
    sessions: list[dict],
    late_grace: int = 5,
    early_grace: int = 5,
    window_before: int = 60,
    window_after: int = 60,
    debounce: int = 3,
    employees: list[Employee] | None = None,
) -> Schedule:
    """A unit schedule (or an individual one for `employees`). Sessions: [{start, end,
    season_start?, season_end?}]; sessions of one season must not overlap."""
    if valid_to and valid_to < valid_from:
        raise AttendanceError("Ngày hết hiệu lực phải sau ngày bắt đầu.", "valid_to")
    if not sessions:
        raise AttendanceError("Lịch làm việc cần ít nhất một buổi.", "sessions")
    if not weekdays or any(c not in "0123456" for c in weekdays):
        raise AttendanceError("Ngày làm việc trong tuần không hợp lệ (0–6).", "weekdays")
    seasons: dict[tuple[str, str], list[tuple[dt.datetime, dt.datetime]]] = {}
    for s in sessions:
        bounds = rules.session_bounds(dt.date(2000, 1, 3), rules.Session(s["start"], s["end"]))
        key = (s.get("season_start") or "", s.get("season_end") or "")
        for other in seasons.setdefault(key, []):
            if bounds[0] < other[1] and other[0] < bounds[1]:
                raise AttendanceError("Các buổi làm việc trong cùng mùa bị chồng lên nhau.", "sessions")
        seasons[key].append(bounds)
    with transaction.atomic():
        schedule = Schedule.objects.create(
            unit=None if employees else unit,
            name=name,
            valid_from=valid_from,
            valid_to=valid_to,
            weekdays=weekdays,
            late_grace=late_grace,
            early_grace=early_grace,
            window_before=window_before,
            window_after=window_after,
            debounce=debounce,
        )
        for order, s in enumerate(sessions):
            ScheduleSession.objects.create(
                schedule=schedule,
                order=order,
                start=s["start"],
                end=s["end"],
                season_start=s.get("season_start") or "",
                season_end=s.get("season_end") or "",
            )
        for e in employees or ():
            EmployeeSchedule.objects.create(employee=e, schedule=schedule, valid_from=valid_from, valid_to=valid_to)
        AuditLog.record(user=acting_user, action="schedule.create", obj=schedule, unit=unit.code)
    _recompute_unit(unit, valid_from, valid_to)
    return schedule


def set_calendar_day(
    *, acting_user, date: dt.date, kind: str, name: str = "", notice: str = "", unit: OrgUnit | None = None
) -> CalendarDay:
    with transaction.atomic():
        day, _ = CalendarDay.objects.update_or_create(
            unit=unit,
            date=date,
            defaults={
                "kind": kind,
                "name": name,
                "notice": notice,
                "source": "manual",
                "created_by": acting_user if getattr(acting_user, "is_authenticated", False) else None,
            },
        )
        AuditLog.record(user=acting_user, action="calendar.set", obj=day, date=str(date), kind=kind, notice=notice)
    _recompute_unit(unit, date, date)
    return day


# A person seeds the year before, this year and the two after (the notices for a year
# come out late in the year before); the command line seeds any year.
SEED_YEARS_BACK, SEED_YEARS_AHEAD = 1, 2


def seed_years(today: dt.date | None = None) -> range:
    year = (today or timezone.localdate()).year
    return range(year - SEED_YEARS_BACK, year + SEED_YEARS_AHEAD + 1)


def seed_holidays(year: int, *, acting_user=None) -> int:
    """Pre-fill the national calendar from the `holidays` package (Labour Code art. 112).

    Audited when a person asks for it (`acting_user`), and then only for `seed_years()`;
    the commands and the demo do not.

    Only days off come from the package; make-up working days (ngày làm bù) and swaps
    it does not know (e.g. 2026: Fri 2 Jan off, Sat 10 Jan worked — Văn bản
    12729/VPCP-KGVX) are entered by HR from the year's notice. Manual entries win.
    """
    import holidays

    allowed = seed_years()
    if acting_user is not None and year not in allowed:
        raise AttendanceError(
            f"Chỉ nạp lịch nghỉ lễ cho các năm {allowed[0]}–{allowed[-1]}.",
            "year",
        )
    created = 0
    for day, name in sorted(holidays.country_holidays("VN", years=year, language="vi").items()):
        _obj, made = CalendarDay.objects.get_or_create(
            unit=None, date=day, defaults={"kind": CalendarDay.Kind.HOLIDAY, "name": name, "source": "holidays"}
        )
        created += made
        if made:
            _recompute_unit(None, day, day)
    if acting_user is not None:
        AuditLog.record(
            user=acting_user, action="calendar.seed", object_type="calendar", object_id=str(year), created=created
        )
    return created


def lock_month(*, acting_user, unit: OrgUnit, month: dt.date) -> MonthLock:
    month = month.replace(day=1)
    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    # Freeze what HR approved: bring the month up to date, then lock it.
    engine.recompute(_unit_employees(unit), month, min(last, timezone.localdate()))
    with transaction.atomic():
        lock, created = MonthLock.objects.get_or_create(unit=unit, month=month, defaults={"locked_by": acting_user})
        if not created:
            raise AttendanceError(f"Tháng {_month_label(month)} đã được khóa trước đó.")
        AuditLog.record(user=acting_user, action="month.lock", obj=unit, month=str(month))
    return lock


def unlock_month(*, acting_user, unit: OrgUnit, month: dt.date, reason: str) -> None:
    if not reason.strip():
        raise AttendanceError("Vui lòng ghi lý do mở khóa.", "reason")
    month = month.replace(day=1)
    with transaction.atomic():
        deleted, _ = MonthLock.objects.filter(unit=unit, month=month).delete()
        if not deleted:
            # A lock on a parent unit freezes this unit too; only that unit can lift it.
            above = (
                MonthLock.objects.filter(unit_id__in=engine.ancestor_ids(unit), month=month)
                .select_related("unit")
                .order_by("unit__depth")
                .first()
            )
            if above is not None:
                raise AttendanceError(
                    f"Tháng {_month_label(month)} được khóa ở cấp {above.unit.name}; "
                    "cần mở khóa tại đơn vị đó (hoặc đề nghị đơn vị đó mở khóa)."
                )
            raise AttendanceError(f"Tháng {_month_label(month)} chưa bị khóa.")
        AuditLog.record(user=acting_user, action="month.unlock", obj=unit, month=str(month), reason=reason)
    # What changed while the month was frozen (late punches, rule data) shows at once.
    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    engine.recompute(_unit_employees(unit), month, min(last, timezone.localdate()))
