"""Every permission and scope helper of devices: a device belongs to the scope of its unit."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Device, Punch
from hr_system import access
from hr_system.models import Employee, Role

# How a punch in a clock's list reads to its viewer (punch_match).
MATCHED, OTHER_UNIT, UNMATCHED = "matched", "other_unit", "unmatched"
MATCH_LABELS = {
    MATCHED: "",
    OTHER_UNIT: _("mã khác đơn vị"),
    UNMATCHED: _("chưa khớp cán bộ"),
}


def devices_for(user, *, write: bool = False):
    """Devices the user may see (or manage). Pending ADMS devices have no unit: admins only."""
    kinds = access.WRITE_KINDS if write else access.READ_KINDS
    q = access.scope_q(user, kinds, field="unit__path")
    devices = Device.objects.select_related("unit")
    return devices if q is None else devices.filter(q)


def get_device_for_user(user, device_id: int, *, write: bool = False) -> Device:
    device = devices_for(user).filter(pk=device_id).first()
    if device is None:
        raise Http404("Không tìm thấy máy chấm công.")
    if write and not devices_for(user, write=True).filter(pk=device.pk).exists():
        raise PermissionDenied("Bạn không có quyền quản lý máy chấm công này.")
    return device


def units_for_devices(user):
    """Units a user may place a device in: the ones they manage."""
    return access.units_for(user, write=True)


def can_register_devices(user) -> bool:
    """HR officers (and administrators) register clocks for the units they manage."""
    return access.has_role(user, Role.Kind.HR_OFFICER)


def require_device_registrar(user) -> None:
    access.require_role(user, Role.Kind.HR_OFFICER)


def require_device_approver(user) -> None:
    """A clock that announced itself over ADMS is trusted only once an administrator says so."""
    if not access.is_admin(user):
        raise PermissionDenied("Chỉ quản trị hệ thống được duyệt máy mới.")


def punches_for(
    user,
    *,
    employee: str | None = None,
    device: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    """Punches the user may read: one employee's (from any clock), one device's, both
    (that person on that clock), or those of every device in view; optionally within
    work days `date_from`..`date_to` (local dates, inclusive). An employee or device
    out of view is a 404.

    Each punch carries `employee_visible` (its person is in the user's scope) and
    `code_known` (its code is someone's); read them through punch_match: a clock's list
    names only the people the user may see."""
    punches = with_visibility(user, Punch.objects.select_related("device", "employee"))
    if employee:
        punches = punches.filter(employee=access.get_employee_for_user(user, employee))
    if device:
        punches = punches.filter(device=get_device_for_user(user, device))
    if not employee and not device:
        punches = punches.filter(device__in=devices_for(user))
    # A work day is a local date in Asia/Ho_Chi_Minh (STYLE "Times"), whatever the clock's zone.
    zone = timezone.get_default_timezone()
    if date_from:
        punches = punches.filter(timestamp__gte=dt.datetime.combine(date_from, dt.time(), zone))
    if date_to:
        punches = punches.filter(timestamp__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), zone))
    return punches


def check_date_range(date_from: dt.date | None, date_to: dt.date | None) -> str:
    """The problem with a date range, in Vietnamese, or "" (pages and API say it alike)."""
    if date_from and date_to and date_to < date_from:
        return str(_("Đến ngày phải sau hoặc bằng từ ngày."))
    return ""


def with_visibility(user, punches):
    """Annotate punches with what punch_match needs, in the same query."""
    visible = access.employees_for(user).filter(pk=OuterRef("employee_id"))
    known = Employee.objects.filter(code=OuterRef("device_user_id"))
    return punches.annotate(employee_visible=Exists(visible), code_known=Exists(known))


def punch_match(punch) -> str:
    """MATCHED: the punch counts for a person the viewer may see (and may be named).
    OTHER_UNIT: it belongs to, or carries the code of, someone outside the clock's
    units or outside the viewer's scope: shown as "mã khác đơn vị", never by name.
    UNMATCHED: nobody has that code."""
    if punch.employee_id is not None and punch.employee_visible:
        return MATCHED
    if punch.employee_id is not None or punch.code_known:
        return OTHER_UNIT
    return UNMATCHED
