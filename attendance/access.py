"""Who may see and decide attendance matters, for whom: every scope and permission
helper of the attendance pages and API.

Objects outside the caller's view are missing (Http404, never 403: a 403 would confirm
that the id exists in another unit), objects in view but out of reach are forbidden
(PermissionDenied). A request that names something unusable raises
`InvalidField`; no helper raises an API error type: the API and the pages each
translate these into their own kind of error.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance import engine
from attendance.actions import AttendanceError
from attendance.models import CalendarDay, EmployeeSchedule, LeaveRequest, Schedule
from hr_system import access, signed_documents
from hr_system.access import own_employee
from hr_system.models import Employee, OrgUnit, Role

DECIDERS = (Role.Kind.UNIT_HEAD, Role.Kind.HR_OFFICER)


class InvalidField(AttendanceError):
    """A field names something unusable here (no linked employee, someone outside the
    unit). The API reports it as it reports schema errors: "invalid data" on top and
    the reason on the field; a page shows the reason."""


# --- deciders ----------------------------------------------------------------------------


def can_decide_for(user, employee: Employee) -> bool:
    """Unit heads (their subtree) and HR officers (theirs) approve leave and corrections."""
    q = access.scope_q(user, DECIDERS, field="unit__path")
    return q is None or Employee.objects.filter(q, pk=employee.pk).exists()


def require_decider(user, employee: Employee) -> None:
    if not can_decide_for(user, employee):
        raise PermissionDenied("Bạn không có quyền duyệt cho cán bộ này.")


def require_not_self(user, employee: Employee) -> None:
    own = own_employee(user)
    if own is not None and own.pk == employee.pk:
        raise PermissionDenied(_("Không thể tự duyệt đơn của chính mình."))


def _is_own(user, request_obj) -> bool:
    own = own_employee(user)
    return own is not None and own.pk == request_obj.employee_id


def require_in_view(user, request_obj) -> None:
    """A leave request or correction the caller cannot see at all is missing (404):
    seen are their own, those they filed, and those of the people they decide for."""
    if not (
        _is_own(user, request_obj)
        or request_obj.requested_by_id == user.pk
        or can_decide_for(user, request_obj.employee)
    ):
        raise Http404(_("Không tìm thấy đơn."))


def require_decider_of(user, request_obj) -> None:
    """A leave request or correction is decided by someone else who decides for its employee."""
    require_in_view(user, request_obj)
    require_not_self(user, request_obj.employee)
    require_decider(user, request_obj.employee)


def decider_units(user):
    """Units whose attendance the user reads as unit head or HR officer (their subtrees).

    Plain employees see their own unit in the org pages (access.units_for), but not their
    colleagues' attendance or discipline figures.
    """
    q = access.scope_q(user, DECIDERS)
    return OrgUnit.objects.all() if q is None else OrgUnit.objects.filter(q)


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


def unit_for_report(user, code: str) -> OrgUnit:
    """A unit for the timesheet and discipline pages: 403 for someone who decides for no
    unit at all, 404 for any unit outside the units they decide for."""
    if not access.has_role(user, *DECIDERS):
        raise PermissionDenied(_("Bạn không có quyền xem số liệu chấm công."))
    unit = access.get_unit_for_user(user, code)  # out of scope: 404
    if not decider_units(user).filter(pk=unit.pk).exists():
        raise Http404(_("Không tìm thấy đơn vị."))
    return unit


def unit_for_timesheet_signer(user, code: str) -> OrgUnit:
    """A unit whose month sheet the caller signs: 404 outside the units they decide for,
    403 for a decider who is not its unit head (signed_documents.KINDS says who signs)."""
    unit = unit_for_report(user, code)
    if not signed_documents.may_sign(user, signed_documents.KINDS[signed_documents.TIMESHEET], unit):
        raise PermissionDenied(_("Chỉ thủ trưởng đơn vị được ký số bảng chấm công của đơn vị."))
    return unit


# --- employees -----------------------------------------------------------------------------


def require_own_employee(user) -> Employee:
    """The employee linked to the login; pages an employee uses for themself need one."""
    employee = own_employee(user)
    if employee is None:
        raise PermissionDenied(_("Tài khoản của bạn chưa gắn với hồ sơ cán bộ nào."))
    return employee


def employee_for_reading(user, code: str | None) -> Employee:
    """The employee whose attendance the caller may read: themself, or someone they decide for."""
    own = own_employee(user)
    if not code:
        if own is None:
            raise InvalidField(_("Tài khoản chưa gắn với cán bộ nào; hãy ghi mã chấm công."), "employee")
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
            raise InvalidField(_("Tài khoản chưa gắn với cán bộ nào; hãy ghi mã chấm công."), "employee")
        employee = own
    else:
        employee = access.get_employee_for_user(user, code)
        require_decider(user, employee)
    if approve:
        require_not_self(user, employee)
        require_decider(user, employee)
    return employee


# --- leave requests and corrections -------------------------------------------------------


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
    require_in_view(user, leave)
    is_self = _is_own(user, leave)
    if not is_self and can_decide_for(user, leave.employee):
        return
    if not (is_self or leave.requested_by_id == user.pk):
        raise PermissionDenied(_("Bạn không có quyền hủy đơn này."))
    if leave.status == LeaveRequest.Status.APPROVED and leave.start_date <= timezone.localdate():
        raise AttendanceError(_("Đơn đã được duyệt và đã đến ngày nghỉ; đề nghị người duyệt hủy giúp."))


def require_leave_editor(user, leave: LeaveRequest) -> None:
    """The employee, whoever filed the request, and its deciders add to it (an attachment);
    everyone else does not see it (404)."""
    require_in_view(user, leave)


# --- rule data: schedules and the calendar ----------------------------------------------


def can_manage_rules(user, unit) -> bool:
    """HR officers set schedules, calendars, locks and discipline rules for their subtree."""
    return access.units_for(user, write=True).filter(pk=unit.pk).exists()


def require_rule_manager(user, unit) -> None:
    if not can_manage_rules(user, unit):
        raise PermissionDenied("Bạn không có quyền thay đổi quy định chấm công của đơn vị này.")


def schedules_for(user, unit: OrgUnit):
    """Schedules that apply in a unit: its own and its ancestors' (inherited), plus the
    individual schedules of its people for those who decide for them."""
    q = Q(unit_id__in=engine.ancestor_ids(unit))
    if decider_over(user, unit):
        individual = EmployeeSchedule.objects.filter(employee__unit__path__startswith=unit.path)
        q |= Q(pk__in=individual.values("schedule_id"))
    return Schedule.objects.filter(q).select_related("unit").prefetch_related("sessions").order_by("-valid_from", "-id")


def schedule_employees(user, unit: OrgUnit, codes: list[str]) -> list[Employee]:
    """Employees for an individual schedule: each in the caller's view and in the unit."""
    people = []
    for code in dict.fromkeys(codes):
        employee = access.get_employee_for_user(user, code)
        if not employee.unit.path.startswith(unit.path):
            raise InvalidField(_("Cán bộ %(code)s không thuộc đơn vị này.") % {"code": code}, "employees")
        people.append(employee)
    return people


def may_edit_national_calendar(user) -> bool:
    # The national calendar applies to every unit: only HR at the root (the province)
    # or a system administrator changes it; a commune adds its own days under its unit.
    return access.units_for(user, write=True).filter(depth=0).exists()


def require_holiday_seeder(user) -> None:
    """Pre-filling a year's national holidays writes the calendar every unit uses: the
    province's HR (an officer of a root unit) or an administrator, as for any other
    change to the national calendar. A commune officer once wrote 56 years of it."""
    if not may_edit_national_calendar(user):
        raise PermissionDenied(_("Chỉ Sở Nội vụ hoặc quản trị hệ thống được nạp lịch nghỉ lễ toàn quốc."))


def _managed_or_missing(user, unit: OrgUnit) -> None:
    """A unit's rule data: 404 outside the caller's view, 403 in view but not managed."""
    if not access.units_for(user).filter(pk=unit.pk).exists():
        raise Http404(_("Không tìm thấy."))
    require_rule_manager(user, unit)


def unit_rule_for_manager(user, model, pk: int):
    """A discipline rule or single-punch rule (`model`) the caller may change."""
    obj = model.objects.select_related("unit").filter(pk=pk).first()
    if obj is None:
        raise Http404(_("Không tìm thấy quy định."))
    _managed_or_missing(user, obj.unit)
    return obj


def calendar_day_for_manager(user, pk: int) -> CalendarDay:
    """A calendar day the caller may correct or remove: a unit's own day in their
    subtree, or a national day for those who may edit the national calendar."""
    day = CalendarDay.objects.select_related("unit").filter(pk=pk).first()
    if day is None:
        raise Http404(_("Không tìm thấy ngày trong lịch."))
    if day.unit is None:
        if not may_edit_national_calendar(user):
            raise PermissionDenied(_("Chỉ Sở Nội vụ hoặc quản trị hệ thống được sửa lịch chung."))
    else:
        _managed_or_missing(user, day.unit)
    return day


def schedule_for_manager(user, pk: int) -> Schedule:
    """A schedule the caller may correct, close or remove: a unit schedule of a unit they
    manage, or an individual schedule whose every person is in a unit they manage."""
    schedule = Schedule.objects.select_related("unit").filter(pk=pk).first()
    if schedule is None:
        raise Http404(_("Không tìm thấy lịch làm việc."))
    if schedule.unit is not None:
        _managed_or_missing(user, schedule.unit)
        return schedule
    units = OrgUnit.objects.filter(employees__schedule_overrides__schedule=schedule).distinct()
    visible = access.units_for(user)
    if not units.exists() or not visible.filter(pk__in=units.values("pk")).exists():
        raise Http404(_("Không tìm thấy lịch làm việc."))
    for unit in units:
        require_rule_manager(user, unit)
    return schedule


def hr_page_unit(user, code: str | None) -> tuple[OrgUnit, object]:
    """The unit an HR page works on, and the units the officer manages (its picker):
    the unit asked for (404 outside their view), else the first one they manage."""
    access.require_role(user, Role.Kind.HR_OFFICER)
    managed = access.units_for(user, write=True).order_by("path")
    code = code or next(iter(managed.values_list("code", flat=True)[:1]), None)
    if code is None:
        raise PermissionDenied(_("Bạn chưa được giao quản lý đơn vị nào."))
    return access.get_unit_for_user(user, code), managed
