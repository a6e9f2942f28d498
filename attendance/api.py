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
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from attendance import actions, engine, reports
from attendance.access import (
    InvalidField,
    calendar_day_for_manager,
    check_cancel,
    employee_for_filing,
    employee_for_reading,
    may_edit_national_calendar,
    requests_for,
    require_decider_of,
    require_holiday_seeder,
    require_leave_editor,
    require_rule_manager,
    schedule_employees,
    schedule_for_manager,
    schedules_for,
    unit_for_decider,
    unit_for_report,
    unit_for_timesheet_signer,
    unit_rule_for_manager,
)
from attendance.actions import AttendanceError
from attendance.models import (
    CalendarDay,
    Correction,
    DayResult,
    DisciplineRule,
    LeaveRequest,
    SinglePunchRule,
    tracking_table,
)
from attendance.schemas import (
    BoardOut,
    CalendarDayIn,
    CalendarDayOut,
    CalendarDayUpdateIn,
    CloseIn,
    CorrectionFilter,
    CorrectionIn,
    CorrectionOut,
    DayOut,
    DecisionIn,
    DisciplineOut,
    DisciplineRuleIn,
    DisciplineRuleOut,
    LeaveBalanceOut,
    LeaveFilter,
    LeaveIn,
    LeaveOut,
    ScheduleIn,
    ScheduleOut,
    ScheduleUpdateIn,
    SeedIn,
    SeedOut,
    SinglePunchRuleIn,
    SinglePunchRuleOut,
    TimesheetOut,
    TrackingStartIn,
    TrackingStartOut,
    UnitDayOut,
)
from hr_system import access, signed_documents
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.models import AuditLog, OrgUnit
from hr_system.schemas import SignedDocumentOut, SignIn
from hr_system.signed_documents import api as signed_api

router = Router(tags=["Chấm công"])

MAX_RANGE_DAYS = 366
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


# --- input checks of this API --------------------------------------------------------


@contextmanager
def attendance_errors():
    """The neutral errors of actions and access helpers → 422 in the one envelope.

    InvalidField reads like a schema error ("invalid data", the reason on the field);
    any other AttendanceError puts its message both on top and on the field.
    """
    try:
        yield
    except InvalidField as exc:
        raise invalid(exc.field, str(exc)) from None
    except AttendanceError as exc:
        raise ApiError(422, "validation_error", str(exc), {exc.field: [str(exc)]}) from None


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


# --- day results and reports -------------------------------------------------------


@router.get("/days", response=list[DayOut])
def list_days(request, start: dt.date, end: dt.date, employee: str | None = None):
    """One employee's evaluated days as stored (kept current by the recompute worker)."""
    check_range(start, end)
    with attendance_errors():
        person = employee_for_reading(request.user, employee)
    return DayResult.objects.filter(employee=person, date__range=(start, end)).order_by("date")


@router.get("/units/{unit}/days", response=list[UnitDayOut])
@paginate(PageNumber)
def list_unit_days(request, unit: str, start: dt.date, end: dt.date):
    """Every evaluated day of a unit's subtree over a period, for integrators: one row
    per person and day, ordered by person (Vietnamese list order) then date."""
    check_range(start, end)
    scope = unit_for_decider(request.user, unit)
    rows = DayResult.objects.filter(
        employee__unit__path__startswith=scope.path, date__range=(start, end)
    ).select_related("employee")
    # Employee.objects.vn_ordered()'s order (given name, then family and middle names,
    # then code), then the date: a page is one slice of a fixed order.
    return rows.order_by("employee__sort_key", "employee__code", "date")


@router.get("/timesheet", response=TimesheetOut)
def get_timesheet(request, unit: str, month: str):
    """The C01-HD month sheet of a unit's subtree."""
    month_date = parse_month(month)
    return reports.timesheet(unit_for_decider(request.user, unit), month_date)


@router.post("/timesheet/sign", response=SignedDocumentOut)
def sign_timesheet(request, unit: str, month: str, body: SignIn):
    """The unit head signs a locked month's C01-HD sheet (PAdES); the signed bytes are
    stored and handed out by `timesheet/signed.pdf` from then on."""
    month_date = parse_month(month)
    unit_obj = unit_for_timesheet_signer(request.user, unit)
    try:
        return signed_api.sign_or_error(
            actions.sign_timesheet, body, acting_user=request.user, unit=unit_obj, month=month_date
        )
    except AttendanceError as exc:
        raise ApiError(409, "not_locked", str(exc)) from None


@router.get("/timesheet/signed.pdf")
def timesheet_signed_pdf(request, unit: str, month: str):
    """The signed copy in force of a unit's month sheet (404 while unsigned)."""
    month_date = parse_month(month)
    unit_obj = unit_for_report(request.user, unit)
    return signed_api.signed_pdf(
        signed_documents.current(signed_documents.TIMESHEET, actions.timesheet_subject(unit_obj, month_date))
    )


@router.get("/discipline", response=DisciplineOut)
def get_discipline(request, unit: str, start: dt.date, end: dt.date):
    """Late/early/absence counts per person over a period, with the unit's rule flags."""
    check_range(start, end)
    return reports.discipline(unit_for_decider(request.user, unit), start, end)


@router.get("/board", response=BoardOut)
def get_board(request, unit: str):
    return reports.day_board(unit_for_decider(request.user, unit))


# --- leave -------------------------------------------------------------------------------


def _leave(leave_id: int) -> LeaveRequest:
    leave = LeaveRequest.objects.select_related("employee", "employee__unit").filter(pk=leave_id).first()
    if leave is None:
        raise Http404(_("Không tìm thấy đơn nghỉ."))
    return leave


@router.post("/leave", response={201: LeaveOut})
def create_leave(request, payload: LeaveIn):
    with attendance_errors():
        employee = employee_for_filing(request.user, payload.employee, approve=payload.approve)
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
    require_leave_editor(request.user, leave)
    if leave.status not in (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED):
        raise invalid("file", _("Đơn đã từ chối hoặc đã hủy không nhận thêm tệp."))
    problem = actions.attachment_problem(file)
    if problem:
        raise invalid("file", problem)
    with transaction.atomic():
        leave.attachment.save(actions.attachment_name(file), file, save=True)
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
    with attendance_errors():
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
    with attendance_errors():
        employee = employee_for_filing(request.user, payload.employee, approve=payload.approve)
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


@router.post("/schedules", response={201: ScheduleOut})
def create_schedule(request, payload: ScheduleIn):
    unit = access.get_unit_for_user(request.user, payload.unit)
    require_rule_manager(request.user, unit)
    with attendance_errors():
        people = schedule_employees(request.user, unit, payload.employees)
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


@router.patch("/schedules/{schedule_id}", response=ScheduleOut)
def update_schedule(request, schedule_id: int, payload: ScheduleUpdateIn):
    """Correct a schedule, or close it with `valid_to`; refused if the change would
    alter a locked month."""
    schedule = schedule_for_manager(request.user, schedule_id)
    changes = payload.dict(exclude_unset=True)
    sessions = changes.pop("sessions", None)
    if "weekdays" in changes:
        changes["weekdays"] = "".join(sorted(set(changes["weekdays"])))
    with attendance_errors():
        return actions.update_schedule(acting_user=request.user, schedule=schedule, sessions=sessions, **changes)


@router.post("/schedules/{schedule_id}/close", response=ScheduleOut)
def close_schedule(request, schedule_id: int, payload: CloseIn):
    """End a schedule on `valid_to`: later days follow the schedule inherited from above."""
    schedule = schedule_for_manager(request.user, schedule_id)
    with attendance_errors():
        return actions.update_schedule(acting_user=request.user, schedule=schedule, valid_to=payload.valid_to)


@router.delete("/schedules/{schedule_id}", response={204: None})
def remove_schedule(request, schedule_id: int):
    """Remove a schedule entered by mistake."""
    schedule = schedule_for_manager(request.user, schedule_id)
    with attendance_errors():
        actions.remove_schedule(acting_user=request.user, schedule=schedule)
    return Status(204, None)


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


# Declared before "/calendar/{day_id}": the first route whose path matches answers
# (405 for a POST to "seed" otherwise).
@router.post("/calendar/seed", response=SeedOut)
def seed_calendar_year(request, payload: SeedIn):
    require_holiday_seeder(request.user)
    with attendance_errors():
        return {"year": payload.year, "created": actions.seed_holidays(payload.year, acting_user=request.user)}


@router.patch("/calendar/{day_id}", response=CalendarDayOut)
def update_calendar_day(request, day_id: int, payload: CalendarDayUpdateIn):
    """Correct a day's kind, name or notice; refused if its month is locked."""
    day = calendar_day_for_manager(request.user, day_id)
    changes = payload.dict(exclude_unset=True)
    with attendance_errors():
        actions.update_calendar_day(
            acting_user=request.user,
            day=day,
            kind=changes.get("kind", day.kind),
            name=changes.get("name", day.name),
            notice=changes.get("notice", day.notice),
        )
    return day


@router.delete("/calendar/{day_id}", response={204: None})
def remove_calendar_day(request, day_id: int):
    """Remove a day entered by mistake (e.g. a holiday on the wrong date)."""
    day = calendar_day_for_manager(request.user, day_id)
    with attendance_errors():
        actions.remove_calendar_day(acting_user=request.user, day=day)
    return Status(204, None)


# --- unit rules: discipline thresholds, the single-punch option, go-live dates -----------


def _unit_rule_write(request, payload, action):
    """A new rule of a unit the caller manages (the unit named in the body)."""
    unit = access.get_unit_for_user(request.user, payload.unit)
    require_rule_manager(request.user, unit)
    with attendance_errors():
        return action(acting_user=request.user, unit=unit, **payload.dict(exclude={"unit"}))


@router.get("/discipline-rules", response=list[DisciplineRuleOut])
@paginate(PageNumber)
def list_discipline_rules(request, unit: str):
    """The rules that apply in a unit: its own and those inherited from above."""
    scope = unit_for_decider(request.user, unit)
    return (
        DisciplineRule.objects.filter(unit_id__in=engine.ancestor_ids(scope))
        .select_related("unit")
        .order_by("unit__depth", "metric", "-valid_from", "id")
    )


@router.post("/discipline-rules", response={201: DisciplineRuleOut})
def add_discipline_rule(request, payload: DisciplineRuleIn):
    return Status(201, _unit_rule_write(request, payload, actions.add_discipline_rule))


@router.post("/discipline-rules/{rule_id}/close", response=DisciplineRuleOut)
def close_discipline_rule(request, rule_id: int, payload: CloseIn):
    rule = unit_rule_for_manager(request.user, DisciplineRule, rule_id)
    with attendance_errors():
        return actions.close_discipline_rule(acting_user=request.user, rule=rule, valid_to=payload.valid_to)


@router.delete("/discipline-rules/{rule_id}", response={204: None})
def remove_discipline_rule(request, rule_id: int):
    rule = unit_rule_for_manager(request.user, DisciplineRule, rule_id)
    actions.remove_discipline_rule(acting_user=request.user, rule=rule)
    return Status(204, None)


@router.get("/single-punch-rules", response=list[SinglePunchRuleOut])
@paginate(PageNumber)
def list_single_punch_rules(request, unit: str):
    """How a one-punch session counts in a unit: its own rules and those inherited."""
    scope = unit_for_decider(request.user, unit)
    return (
        SinglePunchRule.objects.filter(unit_id__in=engine.ancestor_ids(scope))
        .select_related("unit")
        .order_by("unit__depth", "-valid_from", "id")
    )


@router.post("/single-punch-rules", response={201: SinglePunchRuleOut})
def set_single_punch_rule(request, payload: SinglePunchRuleIn):
    """From `valid_from` on, a session with one punch counts as `option` in the unit's
    subtree; the unit's rule in force then is closed the day before."""
    return Status(201, _unit_rule_write(request, payload, actions.set_single_punch_rule))


@router.post("/single-punch-rules/{rule_id}/close", response=SinglePunchRuleOut)
def close_single_punch_rule(request, rule_id: int, payload: CloseIn):
    rule = unit_rule_for_manager(request.user, SinglePunchRule, rule_id)
    with attendance_errors():
        return actions.close_single_punch_rule(acting_user=request.user, rule=rule, valid_to=payload.valid_to)


@router.delete("/single-punch-rules/{rule_id}", response={204: None})
def remove_single_punch_rule(request, rule_id: int):
    rule = unit_rule_for_manager(request.user, SinglePunchRule, rule_id)
    with attendance_errors():
        actions.remove_single_punch_rule(acting_user=request.user, rule=rule)
    return Status(204, None)


@router.get("/tracking-starts", response=list[TrackingStartOut])
@paginate(PageNumber)
def list_tracking_starts(request, unit: str):
    """Go-live dates of a unit and every unit below it: each unit's own date and the
    one that applies (own or inherited)."""
    scope = unit_for_decider(request.user, unit)
    return tracking_table(OrgUnit.objects.filter(path__startswith=scope.path).order_by("path"))


@router.put("/tracking-starts/{unit}", response=TrackingStartOut)
def set_tracking_start(request, unit: str, payload: TrackingStartIn):
    """Set the unit's go-live date (null: remove its own date and inherit again). Days
    that change are evaluated again, except in locked months, which keep their approved
    record (listed in `locked_months_kept`)."""
    scope = access.get_unit_for_user(request.user, unit)
    require_rule_manager(request.user, scope)
    with attendance_errors():
        kept = actions.set_tracking_start(acting_user=request.user, unit=scope, date=payload.date, note=payload.note)
    return {**tracking_table([scope])[0], "locked_months_kept": [f"{m:%Y-%m}" for m in kept]}
