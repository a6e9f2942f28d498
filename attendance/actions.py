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

from attendance import engine, reports, rules
from attendance.models import (
    CalendarDay,
    Correction,
    DisciplineRule,
    EmployeeSchedule,
    LeaveRequest,
    MonthLock,
    Schedule,
    ScheduleSession,
    SinglePunchRule,
    TrackingStart,
    unit_tracking_start,
)
from hr_system import signed_documents
from hr_system.models import AuditLog, Employee, OrgUnit, SignedDocument, SigningCredential


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
    elif isinstance(obj, SinglePunchRule):
        _recompute_unit(obj.unit, obj.valid_from, obj.valid_to)
    elif isinstance(obj, TrackingStart):
        # The date it had before the edit is not known here: every stored day up to today.
        _recompute_unit(obj.unit, EARLIEST, None)


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


def _write_sessions(schedule: Schedule, sessions: list[dict]) -> None:
    for order, s in enumerate(sessions):
        ScheduleSession.objects.create(
            schedule=schedule,
            order=order,
            start=s["start"],
            end=s["end"],
            season_start=s.get("season_start") or "",
            season_end=s.get("season_end") or "",
        )


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
    _check_sessions(sessions)
    if not weekdays or any(c not in "0123456" for c in weekdays):
        raise AttendanceError("Ngày làm việc trong tuần không hợp lệ (0–6).", "weekdays")
    if employees:
        for person in employees:
            check_unlocked(person, valid_from, valid_to or max(valid_from, timezone.localdate()))
    else:
        check_rules_unlocked(unit, valid_from, valid_to)
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
        _write_sessions(schedule, sessions)
        for e in employees or ():
            EmployeeSchedule.objects.create(employee=e, schedule=schedule, valid_from=valid_from, valid_to=valid_to)
        AuditLog.record(user=acting_user, action="schedule.create", obj=schedule, unit=unit.code)
    _recompute_unit(unit, valid_from, valid_to)
    return schedule


def set_calendar_day(
    *, acting_user, date: dt.date, kind: str, name: str = "", notice: str = "", unit: OrgUnit | None = None
) -> CalendarDay:
    check_rules_unlocked(unit, date, date)
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
        # The lock froze the unit's whole subtree: every timesheet signed under it loses
        # its basis, so its signature is voided and the month can be regenerated.
        signed = SignedDocument.objects.in_force().filter(
            kind=signed_documents.TIMESHEET,
            unit__path__startswith=unit.path,
            subject_key__endswith=f":{month:%Y-%m}",
        )
        for doc in signed:
            signed_documents.void(
                acting_user=acting_user,
                kind=doc.kind,
                subject_key=doc.subject_key,
                reason=f"Mở khóa tháng {_month_label(month)}: {reason.strip()}",
            )
    # What changed while the month was frozen (late punches, rule data) shows at once.
    last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    engine.recompute(_unit_employees(unit), month, min(last, timezone.localdate()))


def timesheet_subject(unit: OrgUnit, month: dt.date) -> str:
    """The signed-document subject key of a unit's month sheet."""
    return f"{unit.pk}:{month:%Y-%m}"


def sign_timesheet(
    *,
    acting_user,
    unit: OrgUnit,
    month: dt.date,
    credential: SigningCredential | None,
    secret: str,
) -> SignedDocument:
    """The unit head signs the C01-HD sheet of a locked month (the sheet is the basis of
    pay: what is signed must not move, so only a locked month is signed)."""
    month = month.replace(day=1)
    data = reports.timesheet(unit, month)
    if not data["locked"]:
        raise AttendanceError(f"Tháng {_month_label(month)} chưa khóa sổ: chỉ ký số bảng chấm công của tháng đã khóa.")
    return signed_documents.sign_document(
        acting_user=acting_user,
        kind=signed_documents.TIMESHEET,
        subject=timesheet_subject(unit, month),
        unit=unit,
        pdf_and_slots=reports.timesheet_pdf_with_slots(data, unit),
        credential=credential,
        secret=secret,
        title=f"Bảng chấm công tháng {_month_label(month)} — {unit.name}",
        filename=f"bang-cham-cong-{unit.code}-{month:%Y-%m}-da-ky.pdf",
    )


# --- rule data: edits, closing and removal ---------------------------------------------
#
# Rule data is corrected or closed (an end date), not only added. A change that would
# alter the day results of a locked month is refused with the month named: a locked
# month is HR's approved record, and the engine would leave it as it is anyway, so
# accepting the change would make the sheet and the rules disagree silently.


def _locks_in(unit: OrgUnit | None, start: dt.date, end: dt.date):
    """Month locks of [start, end] that freeze someone a change to `unit`'s rules
    touches: on the unit, above it (a lock there freezes it) or below it (its people)."""
    locks = MonthLock.objects.filter(month__gte=engine.month_start(start), month__lte=end)
    if unit is not None:
        locks = locks.filter(Q(unit_id__in=engine.ancestor_ids(unit)) | Q(unit__path__startswith=unit.path))
    return locks.select_related("unit").order_by("month", "unit__path")


def check_rules_unlocked(unit: OrgUnit | None, start: dt.date, end: dt.date | None) -> None:
    """Refuse a rule change over [start, end] (None: open-ended, i.e. up to today) that
    would alter a locked month of the unit's people."""
    end = end or max(start, timezone.localdate())
    if end < start:
        return
    lock = _locks_in(unit, start, end).first()
    if lock is not None:
        raise AttendanceError(
            gettext(
                "Tháng %(m)s của %(u)s đã khóa sổ chấm công; thay đổi này sẽ làm thay đổi số liệu của tháng đó. "
                "Đề nghị mở khóa tháng trước, hoặc chọn ngày hiệu lực sau tháng đã khóa."
            )
            % {"m": _month_label(lock.month), "u": lock.unit.name}
        )


def _span(*ranges: tuple[dt.date, dt.date | None]) -> tuple[dt.date, dt.date | None]:
    """The smallest range holding every (start, end) given; an open end stays open."""
    start = min(r[0] for r in ranges)
    end = None if any(r[1] is None for r in ranges) else max(r[1] for r in ranges)
    return start, end


# Rule data is dated within these years; outside them is a typing slip (and 0001-01-01
# minus a day is no date at all).
FIRST_RULE_DATE, LAST_RULE_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def _check_date(value: dt.date | None, field: str) -> None:
    if value is not None and not FIRST_RULE_DATE <= value <= LAST_RULE_DATE:
        raise AttendanceError(gettext("Ngày phải trong khoảng 01/01/2000 – 31/12/2100."), field)


def _check_period(valid_from: dt.date, valid_to: dt.date | None) -> None:
    _check_date(valid_from, "valid_from")
    _check_date(valid_to, "valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise AttendanceError(gettext("Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu hiệu lực."), "valid_to")


# Calendar days -----------------------------------------------------------------------


def update_calendar_day(*, acting_user, day: CalendarDay, kind: str, name: str = "", notice: str = "") -> CalendarDay:
    """Correct a calendar day's kind, name or notice (the date is its identity: a day
    entered on the wrong date is removed and entered again)."""
    check_rules_unlocked(day.unit, day.date, day.date)
    before = {"kind": day.kind, "name": day.name, "notice": day.notice}
    with transaction.atomic():
        day.kind, day.name, day.notice, day.source = kind, name, notice, "manual"
        day.save(update_fields=["kind", "name", "notice", "source"])
        AuditLog.record(
            user=acting_user, action="calendar.update", obj=day, date=str(day.date), before=before, kind=kind
        )
    _recompute_unit(day.unit, day.date, day.date)
    return day


def remove_calendar_day(*, acting_user, day: CalendarDay) -> None:
    """Remove a day entered by mistake (a holiday on the wrong date); the days it
    touched are evaluated again by the normal week."""
    check_rules_unlocked(day.unit, day.date, day.date)
    unit, date = day.unit, day.date
    with transaction.atomic():
        AuditLog.record(
            user=acting_user,
            action="calendar.remove",
            obj=day,
            date=str(date),
            kind=day.kind,
            name=day.name,
            notice=day.notice,
        )
        day.delete()
    _recompute_unit(unit, date, date)


# Schedules ---------------------------------------------------------------------------


def schedule_people(schedule: Schedule) -> list[Employee]:
    """The people of an individual schedule (one with no unit)."""
    return list(
        Employee.objects.filter(schedule_overrides__schedule=schedule)
        .select_related("unit")
        .distinct()
        .order_by("code")
    )


def _check_schedule_unlocked(schedule: Schedule, start: dt.date, end: dt.date | None) -> None:
    if schedule.unit_id is not None:
        check_rules_unlocked(schedule.unit, start, end)
        return
    for person in schedule_people(schedule):
        check_unlocked(person, start, end or max(start, timezone.localdate()))


def _recompute_schedule(schedule: Schedule, people: list[Employee], start: dt.date, end: dt.date | None) -> None:
    if schedule.unit_id is not None:
        _recompute_unit(schedule.unit, start, end)
        return
    today = timezone.localdate()
    if people and start <= min(end or today, today):
        engine.recompute_stored(people, start, min(end or today, today))


def _check_sessions(sessions: list[dict]) -> None:
    if not sessions:
        raise AttendanceError(gettext("Lịch làm việc cần ít nhất một buổi."), "sessions")
    seasons: dict[tuple[str, str], list[tuple[dt.datetime, dt.datetime]]] = {}
    for s in sessions:
        bounds = rules.session_bounds(dt.date(2000, 1, 3), rules.Session(s["start"], s["end"]))
        key = (s.get("season_start") or "", s.get("season_end") or "")
        for other in seasons.setdefault(key, []):
            if bounds[0] < other[1] and other[0] < bounds[1]:
                raise AttendanceError(gettext("Các buổi làm việc trong cùng mùa bị chồng lên nhau."), "sessions")
        seasons[key].append(bounds)


SCHEDULE_FIELDS = ("name", "valid_from", "valid_to", "weekdays", "late_grace", "early_grace", "window_before")
SCHEDULE_FIELDS += ("window_after", "debounce")


def update_schedule(*, acting_user, schedule: Schedule, sessions: list[dict] | None = None, **fields) -> Schedule:
    """Correct a schedule, or close it (`valid_to`). `fields`: any of SCHEDULE_FIELDS;
    `sessions` (as for create_schedule) replace the schedule's sessions when given.
    Refused when the old or the new period covers a locked month."""
    unknown = set(fields) - set(SCHEDULE_FIELDS)
    if unknown:
        raise AttendanceError(gettext("Trường không sửa được: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    new = {name: fields.get(name, getattr(schedule, name)) for name in SCHEDULE_FIELDS}
    _check_period(new["valid_from"], new["valid_to"])
    if not new["weekdays"] or any(c not in "0123456" for c in new["weekdays"]):
        raise AttendanceError(gettext("Ngày làm việc trong tuần không hợp lệ (0–6)."), "weekdays")
    if sessions is not None:
        _check_sessions(sessions)
    before = {name: str(getattr(schedule, name)) for name in SCHEDULE_FIELDS}
    changed = {name for name in SCHEDULE_FIELDS if new[name] != getattr(schedule, name)}
    if not changed and sessions is None:
        return schedule
    if changed <= {"name"} and sessions is None:
        start, end = schedule.valid_from, schedule.valid_from - dt.timedelta(days=1)  # a name touches no day
    elif changed <= {"valid_to", "name"} and sessions is None:
        # Closing (or reopening) touches only the days between the two end dates.
        old_to, new_to = schedule.valid_to, new["valid_to"]
        start = min(d for d in (old_to, new_to) if d is not None) + dt.timedelta(days=1)
        end = None if old_to is None or new_to is None else max(old_to, new_to)
    else:
        start, end = _span((schedule.valid_from, schedule.valid_to), (new["valid_from"], new["valid_to"]))
    _check_schedule_unlocked(schedule, start, end)
    people = schedule_people(schedule) if schedule.unit_id is None else []
    with transaction.atomic():
        for name in SCHEDULE_FIELDS:
            setattr(schedule, name, new[name])
        schedule.save()
        if "valid_from" in changed or "valid_to" in changed:
            EmployeeSchedule.objects.filter(schedule=schedule).update(
                valid_from=schedule.valid_from, valid_to=schedule.valid_to
            )
        if sessions is not None:
            schedule.sessions.all().delete()
            _write_sessions(schedule, sessions)
        AuditLog.record(
            user=acting_user,
            action="schedule.update",
            obj=schedule,
            before=before,
            after={name: str(new[name]) for name in sorted(changed)},
            sessions_replaced=sessions is not None,
        )
    if start <= (end or max(start, timezone.localdate())):
        _recompute_schedule(schedule, people, start, end)
    return schedule


def remove_schedule(*, acting_user, schedule: Schedule) -> None:
    """Remove a schedule entered by mistake; the days it covered fall back to the
    schedule inherited from above (or the default office hours)."""
    start, end = schedule.valid_from, schedule.valid_to
    _check_schedule_unlocked(schedule, start, end)
    people = schedule_people(schedule) if schedule.unit_id is None else []
    unit = schedule.unit
    with transaction.atomic():
        AuditLog.record(
            user=acting_user,
            action="schedule.remove",
            obj=schedule,
            name=schedule.name,
            unit=unit.code if unit else None,
            employees=[p.code for p in people],
            valid_from=str(start),
            valid_to=str(end) if end else None,
        )
        schedule.delete()
    if unit is not None:
        _recompute_unit(unit, start, end)
    elif people:
        today = timezone.localdate()
        if start <= min(end or today, today):
            engine.recompute_stored(people, start, min(end or today, today))


# Discipline rules ---------------------------------------------------------------------
# Thresholds are read when a discipline report is made; they never change a day result,
# so no recompute and no month lock applies (a report of a locked month shows the rules
# in force in that month, as stored).


def add_discipline_rule(
    *,
    acting_user,
    unit: OrgUnit,
    metric: str,
    threshold: int,
    action: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> DisciplineRule:
    _check_period(valid_from, valid_to)
    if metric not in DisciplineRule.Metric.values:
        raise AttendanceError(gettext("Chỉ tiêu không hợp lệ."), "metric")
    if threshold < 1:
        raise AttendanceError(gettext("Ngưỡng phải từ 1 trở lên."), "threshold")
    if not action.strip():
        raise AttendanceError(gettext("Vui lòng ghi biện pháp (ví dụ: Nhắc nhở bằng văn bản)."), "action")
    overlap = DisciplineRule.objects.filter(unit=unit, metric=metric, threshold=threshold).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    )
    if valid_to is not None:
        overlap = overlap.filter(valid_from__lte=valid_to)
    if overlap.exists():
        raise AttendanceError(
            gettext(
                "Đơn vị đã có quy định cùng chỉ tiêu và ngưỡng trong thời gian này; hãy kết thúc quy định cũ trước."
            ),
            "threshold",
        )
    with transaction.atomic():
        rule = DisciplineRule.objects.create(
            unit=unit,
            metric=metric,
            threshold=threshold,
            action=action.strip(),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        AuditLog.record(
            user=acting_user,
            action="discipline_rule.add",
            obj=rule,
            unit=unit.code,
            metric=metric,
            threshold=threshold,
            valid_from=str(valid_from),
            valid_to=str(valid_to) if valid_to else None,
        )
    return rule


def close_discipline_rule(*, acting_user, rule: DisciplineRule, valid_to: dt.date) -> DisciplineRule:
    """End a rule on `valid_to` (it still applies to the periods before)."""
    _check_period(rule.valid_from, valid_to)
    with transaction.atomic():
        before = str(rule.valid_to) if rule.valid_to else None
        rule.valid_to = valid_to
        rule.save(update_fields=["valid_to"])
        AuditLog.record(
            user=acting_user, action="discipline_rule.close", obj=rule, before=before, valid_to=str(valid_to)
        )
    return rule


def remove_discipline_rule(*, acting_user, rule: DisciplineRule) -> None:
    """Remove a rule entered by mistake (a rule that was in force is closed instead)."""
    with transaction.atomic():
        AuditLog.record(
            user=acting_user,
            action="discipline_rule.remove",
            obj=rule,
            unit=rule.unit.code,
            metric=rule.metric,
            threshold=rule.threshold,
            valid_from=str(rule.valid_from),
            valid_to=str(rule.valid_to) if rule.valid_to else None,
        )
        rule.delete()


# The single-punch option -------------------------------------------------------------


def set_single_punch_rule(
    *, acting_user, unit: OrgUnit, option: str, valid_from: dt.date, valid_to: dt.date | None = None
) -> SinglePunchRule:
    """From `valid_from`, a session with one punch counts per `option` in the unit's
    subtree. A rule of the unit still open on that day is closed the day before, so one
    rule at a time is in force per unit."""
    _check_period(valid_from, valid_to)
    if option not in SinglePunchRule.Option.values:
        raise AttendanceError(gettext("Lựa chọn không hợp lệ."), "option")
    if SinglePunchRule.objects.filter(unit=unit, valid_from__gte=valid_from).exists():
        raise AttendanceError(
            gettext("Đơn vị đã có quy định bắt đầu từ ngày này hoặc sau đó; hãy sửa hoặc xóa quy định đó."),
            "valid_from",
        )
    check_rules_unlocked(unit, valid_from, valid_to)
    with transaction.atomic():
        SinglePunchRule.objects.filter(unit=unit, valid_from__lt=valid_from).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
        ).update(valid_to=valid_from - dt.timedelta(days=1))
        rule = SinglePunchRule.objects.create(
            unit=unit,
            option=option,
            valid_from=valid_from,
            valid_to=valid_to,
            created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        )
        AuditLog.record(
            user=acting_user,
            action="single_punch_rule.set",
            obj=rule,
            unit=unit.code,
            option=option,
            valid_from=str(valid_from),
            valid_to=str(valid_to) if valid_to else None,
        )
    _recompute_unit(unit, valid_from, valid_to)
    return rule


def close_single_punch_rule(*, acting_user, rule: SinglePunchRule, valid_to: dt.date) -> SinglePunchRule:
    """End the rule on `valid_to`: later days count as the rule above (or the default)."""
    _check_period(rule.valid_from, valid_to)
    old = rule.valid_to
    start = min(d for d in (old, valid_to) if d is not None) + dt.timedelta(days=1)
    end = None if old is None else max(old, valid_to)
    check_rules_unlocked(rule.unit, start, end)
    with transaction.atomic():
        rule.valid_to = valid_to
        rule.save(update_fields=["valid_to"])
        AuditLog.record(
            user=acting_user,
            action="single_punch_rule.close",
            obj=rule,
            before=str(old) if old else None,
            valid_to=str(valid_to),
        )
    _recompute_unit(rule.unit, start, end)
    return rule


def remove_single_punch_rule(*, acting_user, rule: SinglePunchRule) -> None:
    check_rules_unlocked(rule.unit, rule.valid_from, rule.valid_to)
    unit, start, end = rule.unit, rule.valid_from, rule.valid_to
    with transaction.atomic():
        AuditLog.record(
            user=acting_user,
            action="single_punch_rule.remove",
            obj=rule,
            unit=unit.code,
            option=rule.option,
            valid_from=str(start),
            valid_to=str(end) if end else None,
        )
        rule.delete()
    _recompute_unit(unit, start, end)


# Go-live dates ------------------------------------------------------------------------

EARLIEST = FIRST_RULE_DATE  # no day result is older: the span of "every day before"


def _go_live_span(old: dt.date | None, new: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """The days whose "tracked or not" changes when a unit's go-live moves from `old` to
    `new` (None: inherited from above or none, i.e. as far back as anything is stored)."""
    if old == new:
        return None
    low = EARLIEST if old is None or new is None else min(old, new)
    high = max(d for d in (old, new) if d is not None)
    return low, high - dt.timedelta(days=1)


def set_tracking_start(*, acting_user, unit: OrgUnit, date: dt.date | None, note: str = "") -> list[dt.date]:
    """Set (or, with `date=None`, remove) the unit's go-live date: days before it are
    not tracked in the unit's subtree, except where a unit below sets its own. The days
    that change are evaluated again, except in locked months: those keep the record HR
    approved (a pilot month kept from before go-live, say). Returns those months.

    Unlike a schedule or calendar change, this is not refused over a locked month: the
    go-live date is usually set after the fact, over months already closed, and says
    when tracking starts from now on, not that an approved month was wrong."""
    _check_date(date, "date")
    current = TrackingStart.objects.filter(unit=unit).first()
    inherited = unit_tracking_start(unit.parent) if unit.parent_id else None
    old = current.date if current else inherited
    new = date if date is not None else inherited
    span = _go_live_span(old, new)
    kept = sorted({lock.month for lock in _locks_in(unit, *span)}) if span is not None else []
    with transaction.atomic():
        if date is None:
            if current is None:
                return []
            AuditLog.record(user=acting_user, action="tracking_start.remove", obj=unit, before=str(current.date))
            current.delete()
        else:
            TrackingStart.objects.update_or_create(
                unit=unit,
                defaults={
                    "date": date,
                    "note": note,
                    "set_by": acting_user if getattr(acting_user, "is_authenticated", False) else None,
                    "set_at": timezone.now(),
                },
            )
            AuditLog.record(
                user=acting_user,
                action="tracking_start.set",
                obj=unit,
                before=str(current.date) if current else None,
                date=str(date),
                note=note,
                locked_months_kept=[_month_label(m) for m in kept],
            )
    if span is not None:
        _recompute_unit(unit, *span)
    return kept
