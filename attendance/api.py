"""Attendance API: day results, timesheet and discipline reports, leave and corrections,
schedules, the calendar and today's board. Mounted at /api/v1/attendance/.

Every endpoint is schema in → access helper → action → schema out. Requests are seen by
the employee they concern and by deciders (unit heads, HR) over that employee's unit;
unit-wide reads (timesheet, discipline, board) are for deciders only, so an employee
never sees colleagues' rows.
"""

import datetime as dt
import re
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from attendance import actions, engine, reports, rules
from attendance.access import DECIDERS, can_decide_for, require_decider, require_rule_manager
from attendance.actions import AttendanceError
from attendance.models import (
    CalendarDay,
    Correction,
    DayResult,
    EmployeeSchedule,
    LeaveRequest,
    LeaveType,
    Schedule,
)
from attendance.schemas import (
    BoardOut,
    CalendarDayIn,
    CalendarDayOut,
    CorrectionFilter,
    CorrectionIn,
    CorrectionOut,
    DayOut,
    DecisionIn,
    DisciplineOut,
    LeaveBalanceOut,
    LeaveFilter,
    LeaveIn,
    LeaveOut,
    ScheduleIn,
    ScheduleOut,
    SeedOut,
    TimesheetOut,
)
from hr_system import access
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.models import AuditLog, Employee, OrgUnit, Role

router = Router(tags=["Chấm công"])

MAX_RANGE_DAYS = 366
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# Extension → the bytes such a file starts with; the name alone proves nothing.
ATTACHMENT_MAGIC = {
    ".pdf": b"%PDF-",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".png": b"\x89PNG\r\n\x1a\n",
}
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# --- shared helpers (also used by the self-service pages) ---------------------------


@contextmanager
def attendance_errors():
    """AttendanceError → 422 in the one envelope, its message both on top and on the field."""
    try:
        yield
    except AttendanceError as exc:
        raise ApiError(422, "validation_error", str(exc), {exc.field: [str(exc)]}) from None


def own_employee(user) -> Employee | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.employee
    except Employee.DoesNotExist:
        return None


def decider_over(user, unit: OrgUnit) -> bool:
    q = access.scope_q(user, DECIDERS)
    return q is None or OrgUnit.objects.filter(q, pk=unit.pk).exists()


def unit_for_decider(user, code: str) -> OrgUnit:
    """A unit the caller manages as unit head or HR: 404 outside their view, 403 when
    they only see it as a member (an employee sees their own unit, not its timesheet)."""
    unit = access.get_unit_for_user(user, code)
    if not decider_over(user, unit):
        raise PermissionDenied(_("Chỉ trưởng đơn vị hoặc Phòng Nội vụ được xem dữ liệu chấm công của đơn vị."))
    return unit


def employee_for_reading(user, code: str | None) -> Employee:
    """The employee whose attendance the caller may read: themself, or someone they decide for."""
    own = own_employee(user)
    if not code:
        if own is None:
            raise invalid("employee", _("Tài khoản chưa gắn với cán bộ nào; hãy ghi mã chấm công."))
        return own
    employee = access.get_employee_for_user(user, code)
    if (own is None or own.pk != employee.pk) and not can_decide_for(user, employee):
        raise PermissionDenied(_("Bạn không có quyền xem dữ liệu chấm công của cán bộ này."))
    return employee


def employee_for_filing(user, code: str | None, *, approve: bool) -> Employee:
    """An employee files for themself; unit heads and HR file (and may approve) for their scope."""
    own = own_employee(user)
    if not code or (own is not None and code == own.code):
        if own is None:
            raise invalid("employee", _("Tài khoản chưa gắn với cán bộ nào; hãy ghi mã chấm công."))
        employee = own
    else:
        employee = access.get_employee_for_user(user, code)
        require_decider(user, employee)
    if approve:
        require_not_self(user, employee)
        require_decider(user, employee)
    return employee


def require_not_self(user, employee: Employee) -> None:
    own = own_employee(user)
    if own is not None and own.pk == employee.pk:
        raise PermissionDenied(_("Không thể tự duyệt đơn của chính mình."))


def require_decider_of(user, request_obj) -> None:
    require_not_self(user, request_obj.employee)
    require_decider(user, request_obj.employee)


def requests_for(user, model):
    """Leave requests or corrections the caller may see: their own, and their deciding scope."""
    rows = model.objects.select_related("employee", "employee__unit", "requested_by", "decided_by")
    q = access.scope_q(user, DECIDERS, field="employee__unit__path")
    if q is None:
        return rows
    own = own_employee(user)
    if own is not None:
        q |= Q(employee=own)
    return rows.filter(q)


def check_cancel(user, leave: LeaveRequest) -> None:
    """A decider may cancel any request in scope; the employee (or whoever filed it) may
    withdraw it while pending, or an approved one before it starts — taking the days and
    cancelling afterwards would rewrite a record the head already signed off."""
    own = own_employee(user)
    is_self = own is not None and own.pk == leave.employee_id
    if not is_self and can_decide_for(user, leave.employee):
        return
    if not (is_self or leave.requested_by_id == user.pk):
        raise PermissionDenied(_("Bạn không có quyền hủy đơn này."))
    if leave.status == LeaveRequest.Status.APPROVED and leave.start_date <= timezone.localdate():
        raise AttendanceError(_("Đơn đã được duyệt và đã đến ngày nghỉ; đề nghị người duyệt hủy giúp."))


def attachment_problem(upload) -> str | None:
    """Why an uploaded file is refused as a leave attachment, or None when it is fine."""
    ext = Path(upload.name or "").suffix.lower()
    magic = ATTACHMENT_MAGIC.get(ext)
    if magic is None:
        return _("Chỉ nhận tệp PDF, JPG hoặc PNG.")
    if upload.size > MAX_ATTACHMENT_BYTES:
        return _("Tệp đính kèm không được lớn hơn 5 MB.")
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        return _("Nội dung tệp không đúng định dạng %(ext)s.") % {"ext": ext.lstrip(".").upper()}
    return None


def attachment_name(upload) -> str:
    # The stored name is ours: a user's file name can carry anything.
    ext = Path(upload.name or "").suffix.lower()
    return f"don-nghi{'.jpg' if ext == '.jpeg' else ext}"


def parse_month(value: str) -> dt.date:
    match = MONTH_RE.match(value or "")
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            pass
    raise invalid("month", _("Tháng không hợp lệ (định dạng YYYY-MM)."))


def check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise invalid("end", _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise invalid("end", _("Khoảng thời gian tối đa là %(n)s ngày.") % {"n": MAX_RANGE_DAYS})


def unit_employees(unit: OrgUnit):
    return Employee.objects.filter(unit__path__startswith=unit.path)


def schedules_for(user, unit: OrgUnit):
    """Schedules that apply in a unit: its own and its ancestors' (inherited), plus the
    individual schedules of its people for those who decide for them."""
    q = Q(unit_id__in=engine.ancestor_ids(unit))
    if decider_over(user, unit):
        individual = EmployeeSchedule.objects.filter(employee__unit__path__startswith=unit.path)
        q |= Q(pk__in=individual.values("schedule_id"))
    return Schedule.objects.filter(q).select_related("unit").prefetch_related("sessions").order_by("-valid_from", "-id")


def calendar_for(year: int, unit: OrgUnit | None):
    """The national calendar, plus the unit's and its ancestors' own days."""
    q = Q(unit__isnull=True)
    if unit is not None:
        q |= Q(unit_id__in=engine.ancestor_ids(unit))
    return (
        CalendarDay.objects.filter(q, date__year=year)
        .select_related("unit")
        .order_by("date", F("unit__path").asc(nulls_first=True))
    )


def may_edit_national_calendar(user) -> bool:
    # The national calendar applies to every unit: only HR at the root (the province)
    # or a system administrator changes it; a commune adds its own days under its unit.
    return access.units_for(user, write=True).filter(depth=0).exists()


# --- today's board ---------------------------------------------------------------------

BOARD_LABELS = {
    "in": gettext_lazy("Có mặt"),
    "late": gettext_lazy("Đi muộn"),
    "absent": gettext_lazy("Vắng"),
    "on_leave": gettext_lazy("Nghỉ phép, chế độ"),
    "business_trip": gettext_lazy("Đi công tác"),
    "not_yet_in": gettext_lazy("Chưa đến"),
    "pending": gettext_lazy("Chờ dữ liệu máy chấm công"),
    "day_off": gettext_lazy("Ngày nghỉ"),
}
# A clock that reported within this long of now (or of the start of work) is fresh
# enough to say "not in yet"; the default poll interval is 5 minutes.
FRESH_CLOCK = dt.timedelta(minutes=20)


def _board_row(employee: Employee, inputs: engine.Inputs, result: DayResult | None, today, now_local) -> dict:
    plan = inputs.plan(employee, today)
    leaves = inputs.leaves_on(employee, today)
    punches = sorted(p for p in inputs.punches.get(employee.pk, ()) if p.date() == today)
    first = punches[0] if punches else None
    row = {"status": "", "first_punch": first.strftime("%H:%M") if first else None, "late_minutes": 0, "note": ""}
    if plan.kind != "work" or not plan.sessions:
        row["status"], row["note"] = "day_off", plan.note or (result.get_status_display() if result else "")
        return row
    full = next((lv for lv in leaves if lv.portion == "full"), None)
    if full is not None:
        row["status"] = "business_trip" if full.symbol == LeaveType.BUSINESS_TRIP else "on_leave"
        row["note"] = str(LeaveType(full.symbol).label)
        return row
    on_leave = {rules.MORNING for lv in leaves if lv.portion == "morning"} | {
        rules.AFTERNOON for lv in leaves if lv.portion == "afternoon"
    }
    expected = [i for i in range(len(plan.sessions)) if i not in on_leave]
    bounds = [rules.session_bounds(today, s) for s in plan.sessions]
    if first is not None:
        windows = rules.windows(today, plan)
        index = next((i for i, (lo, hi) in enumerate(windows) if lo <= first <= hi), None)
        if index is not None:
            late = int((first - bounds[index][0]).total_seconds() // 60)
            if index in expected and late > plan.late_grace:
                row["status"], row["late_minutes"] = "late", late
            missed = [i for i in expected if i < index]
            if missed:
                s = plan.sessions[missed[0]]
                row["note"] = _("Không chấm công buổi %(start)s–%(end)s") % {
                    "start": f"{s.start:%H:%M}",
                    "end": f"{s.end:%H:%M}",
                }
        row["status"] = row["status"] or "in"
        return row
    if on_leave:
        row["status"], row["note"] = "on_leave", _("Nghỉ nửa ngày")
        return row
    if result is not None and result.status == DayResult.Status.ABSENT:
        row["status"] = "absent"
        return row
    start, end = bounds[expected[0]]
    mark = inputs.synced.get(employee.unit_id)
    mark = mark.astimezone(engine.WORKDAY_TZ).replace(tzinfo=None) if mark else None
    if mark is None or mark < min(now_local, start) - FRESH_CLOCK:
        row["status"] = "pending"  # the clock has not reported lately: nobody is marked absent
    elif mark >= end:
        row["status"] = "absent"  # the clock reported the whole session and nothing came
    else:
        row["status"] = "not_yet_in"
    return row


def day_board(unit: OrgUnit, *, now: dt.datetime | None = None) -> dict:
    """Today's board for a unit's subtree: who is in, late, absent, on leave or travelling.

    Day results are recomputed first (they stay the record); the live view adds what the
    day's record cannot say yet: a single morning punch is "in" before any "out" exists,
    and a no-show is "not yet in" until the clock has reported the whole first session.
    """
    now = now or timezone.now()
    now_local = now.astimezone(engine.WORKDAY_TZ).replace(tzinfo=None)
    today = now_local.date()
    employees = list(
        unit_employees(unit).active_on(today).select_related("unit").order_by("unit__path", "full_name", "code")
    )
    engine.recompute(employees, today, today, now=now)
    results = {r.employee_id: r for r in DayResult.objects.filter(employee__in=employees, date=today)}
    inputs = engine.Inputs(employees, today, today)
    rows, counts = [], dict.fromkeys(BOARD_LABELS, 0)
    for e in employees:
        row = _board_row(e, inputs, results.get(e.pk), today, now_local)
        counts[row["status"]] += 1
        rows.append(
            {
                "employee_code": e.code,
                "full_name": e.full_name,
                "unit": e.unit.name,
                "status_label": str(BOARD_LABELS[row["status"]]),
                **row,
            }
        )
    return {
        "unit": unit.code,
        "unit_name": unit.name,
        "date": today,
        "generated_at": now,
        "counts": counts,
        "rows": rows,
    }


# --- day results and reports -------------------------------------------------------


@router.get("/days", response=list[DayOut])
def list_days(request, start: dt.date, end: dt.date, employee: str | None = None):
    """One employee's evaluated days; recomputed first (locked months are left as stored)."""
    check_range(start, end)
    person = employee_for_reading(request.user, employee)
    engine.recompute([person], start, end)
    return DayResult.objects.filter(employee=person, date__range=(start, end)).order_by("date")


@router.get("/timesheet", response=TimesheetOut)
def get_timesheet(request, unit: str, month: str):
    """The C01-HD month sheet of a unit's subtree."""
    month_date = parse_month(month)
    return reports.timesheet(unit_for_decider(request.user, unit), month_date)


@router.get("/discipline", response=DisciplineOut)
def get_discipline(request, unit: str, start: dt.date, end: dt.date):
    """Late/early/absence counts per person over a period, with the unit's rule flags."""
    check_range(start, end)
    return reports.discipline(unit_for_decider(request.user, unit), start, end)


@router.get("/board", response=BoardOut)
def get_board(request, unit: str):
    return day_board(unit_for_decider(request.user, unit))


# --- leave -------------------------------------------------------------------------------


def _leave(leave_id: int) -> LeaveRequest:
    leave = LeaveRequest.objects.select_related("employee", "employee__unit").filter(pk=leave_id).first()
    if leave is None:
        raise Http404(_("Không tìm thấy đơn nghỉ."))
    return leave


@router.post("/leave", response={201: LeaveOut})
def create_leave(request, payload: LeaveIn):
    employee = employee_for_filing(request.user, payload.employee, approve=payload.approve)
    with attendance_errors():
        leave = actions.request_leave(
            acting_user=request.user,
            employee=employee,
            leave_type=payload.leave_type,
            start_date=payload.start_date,
            end_date=payload.end_date,
            portion=payload.portion,
            reason=payload.reason,
            approve=payload.approve,
        )
    return Status(201, leave)


@router.get("/leave", response=list[LeaveOut])
@paginate(PageNumber)
def list_leave(request, filters: Query[LeaveFilter]):
    rows = requests_for(request.user, LeaveRequest)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.employee:
        rows = rows.filter(employee__code=filters.employee)
    return rows.order_by("-start_date", "-id")


@router.post("/leave/{leave_id}/approve", response=LeaveOut)
def approve_leave(request, leave_id: int, payload: DecisionIn | None = None):
    leave = _leave(leave_id)
    require_decider_of(request.user, leave)
    with attendance_errors():
        actions.decide_leave(acting_user=request.user, leave=leave, approve=True, note=payload.note if payload else "")
    return leave


@router.post("/leave/{leave_id}/reject", response=LeaveOut)
def reject_leave(request, leave_id: int, payload: DecisionIn):
    leave = _leave(leave_id)
    require_decider_of(request.user, leave)
    with attendance_errors():
        actions.decide_leave(acting_user=request.user, leave=leave, approve=False, note=payload.note)
    return leave


@router.post("/leave/{leave_id}/cancel", response=LeaveOut)
def cancel_leave(request, leave_id: int, payload: DecisionIn | None = None):
    leave = _leave(leave_id)
    with attendance_errors():
        check_cancel(request.user, leave)
        actions.cancel_leave(acting_user=request.user, leave=leave, note=payload.note if payload else "")
    return leave


@router.post("/leave/{leave_id}/attachment", response=LeaveOut)
def attach_to_leave(request, leave_id: int, file: File[UploadedFile]):
    """A PDF, JPG or PNG (≤ 5 MB) for a pending or approved request, e.g. a sick note."""
    leave = _leave(leave_id)
    own = own_employee(request.user)
    is_self = own is not None and own.pk == leave.employee_id
    if not (is_self or leave.requested_by_id == request.user.pk or can_decide_for(request.user, leave.employee)):
        raise PermissionDenied(_("Bạn không có quyền sửa đơn này."))
    if leave.status not in (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED):
        raise invalid("file", _("Đơn đã từ chối hoặc đã hủy không nhận thêm tệp."))
    problem = attachment_problem(file)
    if problem:
        raise invalid("file", problem)
    with transaction.atomic():
        leave.attachment.save(attachment_name(file), file, save=True)
        AuditLog.record(user=request.user, action="leave.attach", obj=leave, file=leave.attachment.name)
    return leave


@router.get("/leave/{leave_id}/attachment", url_name="attendance_leave_attachment")
def download_leave_attachment(request, leave_id: int):
    leave = requests_for(request.user, LeaveRequest).filter(pk=leave_id).first()
    if leave is None or not leave.attachment:
        raise Http404(_("Không tìm thấy tệp đính kèm."))
    ext = Path(leave.attachment.name).suffix.lower()
    return FileResponse(leave.attachment.open("rb"), as_attachment=True, filename=f"don-nghi-{leave.pk}{ext}")


@router.get("/leave-balance", response=LeaveBalanceOut)
def leave_balance(request, employee: str | None = None, year: int | None = Query(None, ge=2000, le=2100)):
    """Annual leave: entitlement (Labour Code 2019 arts. 113–114), used and remaining days."""
    person = employee_for_reading(request.user, employee)
    balance = actions.annual_leave_balance(person, year or timezone.localdate().year)
    return {"employee": person.code, **balance}


# --- corrections -------------------------------------------------------------------------


def _correction(correction_id: int) -> Correction:
    correction = Correction.objects.select_related("employee", "employee__unit").filter(pk=correction_id).first()
    if correction is None:
        raise Http404(_("Không tìm thấy đề nghị điều chỉnh."))
    return correction


@router.post("/corrections", response={201: CorrectionOut})
def create_correction(request, payload: CorrectionIn):
    employee = employee_for_filing(request.user, payload.employee, approve=payload.approve)
    with attendance_errors():
        correction = actions.request_correction(
            acting_user=request.user,
            employee=employee,
            date=payload.date,
            kind=payload.kind,
            session=payload.session,
            time_in=payload.time_in,
            time_out=payload.time_out,
            reason=payload.reason,
            approve=payload.approve,
        )
    return Status(201, correction)


@router.get("/corrections", response=list[CorrectionOut])
@paginate(PageNumber)
def list_corrections(request, filters: Query[CorrectionFilter]):
    rows = requests_for(request.user, Correction)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.employee:
        rows = rows.filter(employee__code=filters.employee)
    return rows.order_by("-date", "-id")


@router.post("/corrections/{correction_id}/approve", response=CorrectionOut)
def approve_correction(request, correction_id: int, payload: DecisionIn | None = None):
    correction = _correction(correction_id)
    require_decider_of(request.user, correction)
    with attendance_errors():
        actions.decide_correction(
            acting_user=request.user, correction=correction, approve=True, note=payload.note if payload else ""
        )
    return correction


@router.post("/corrections/{correction_id}/reject", response=CorrectionOut)
def reject_correction(request, correction_id: int, payload: DecisionIn):
    correction = _correction(correction_id)
    require_decider_of(request.user, correction)
    with attendance_errors():
        actions.decide_correction(acting_user=request.user, correction=correction, approve=False, note=payload.note)
    return correction


# --- schedules -------------------------------------------------------------------------


def schedule_employees(user, unit: OrgUnit, codes: list[str]) -> list[Employee]:
    """Employees for an individual schedule: each in the caller's view and in the unit."""
    people = []
    for code in dict.fromkeys(codes):
        employee = access.get_employee_for_user(user, code)
        if not employee.unit.path.startswith(unit.path):
            raise invalid("employees", _("Cán bộ %(code)s không thuộc đơn vị này.") % {"code": code})
        people.append(employee)
    return people


@router.post("/schedules", response={201: ScheduleOut})
def create_schedule(request, payload: ScheduleIn):
    unit = access.get_unit_for_user(request.user, payload.unit)
    require_rule_manager(request.user, unit)
    people = schedule_employees(request.user, unit, payload.employees)
    with attendance_errors():
        schedule = actions.create_schedule(
            acting_user=request.user,
            unit=unit,
            name=payload.name,
            valid_from=payload.valid_from,
            valid_to=payload.valid_to,
            weekdays="".join(sorted(set(payload.weekdays))),
            sessions=[s.dict() for s in payload.sessions],
            late_grace=payload.late_grace,
            early_grace=payload.early_grace,
            window_before=payload.window_before,
            window_after=payload.window_after,
            debounce=payload.debounce,
            employees=people or None,
        )
    return Status(201, schedule)


@router.get("/schedules", response=list[ScheduleOut])
@paginate(PageNumber)
def list_schedules(request, unit: str):
    return schedules_for(request.user, access.get_unit_for_user(request.user, unit))


# --- calendar ------------------------------------------------------------------------------


@router.post("/calendar", response={201: CalendarDayOut})
def set_calendar_day(request, payload: CalendarDayIn):
    """A holiday, an extra day off or a make-up working day, with the notice it comes from."""
    unit = None
    if payload.unit:
        unit = access.get_unit_for_user(request.user, payload.unit)
        require_rule_manager(request.user, unit)
    elif not may_edit_national_calendar(request.user):
        raise PermissionDenied(_("Chỉ Sở Nội vụ hoặc quản trị hệ thống được sửa lịch chung; hãy chọn đơn vị."))
    with attendance_errors():
        day = actions.set_calendar_day(
            acting_user=request.user,
            date=payload.date,
            kind=payload.kind,
            name=payload.name,
            notice=payload.notice,
            unit=unit,
        )
    return Status(201, day)


@router.get("/calendar", response=list[CalendarDayOut])
@paginate(PageNumber)
def list_calendar(request, year: int = Query(..., ge=2000, le=2100), unit: str | None = None):
    return calendar_for(year, access.get_unit_for_user(request.user, unit) if unit else None)


def seed_calendar(user, year: int) -> int:
    """Pre-fill the national holidays of a year; HR officers and administrators only."""
    if not access.has_role(user, Role.Kind.HR_OFFICER):
        raise PermissionDenied(_("Chỉ Phòng Nội vụ được nạp lịch nghỉ lễ."))
    created = actions.seed_holidays(year)
    # seed_holidays() keeps no audit trail of its own.
    AuditLog.record(user=user, action="calendar.seed", object_type="calendar", object_id=str(year), created=created)
    return created


@router.post("/calendar/seed", response=SeedOut)
def seed_calendar_year(request, year: int = Query(..., ge=2000, le=2100)):
    return {"year": year, "created": seed_calendar(request.user, year)}
