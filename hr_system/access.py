"""The single choke point for "may this user see or change this object".

Every page and every API endpoint fetches org units and employees through these
helpers. An object outside the caller's scope is reported as missing (404), so a
commune's HR officer cannot even learn that another commune's employee code exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from hr_system.models import Employee, OrgUnit, Role, SigningCredential

READ_KINDS = (Role.Kind.HR_OFFICER, Role.Kind.UNIT_HEAD, Role.Kind.EXAM_BOARD)
WRITE_KINDS = (Role.Kind.HR_OFFICER,)


def roles_of(user) -> list[Role]:
    """The user's roles, loaded once per request object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_hr_roles", None)
    if cached is None:
        cached = list(Role.objects.filter(user=user).select_related("unit"))
        user._hr_roles = cached
    return cached


def role_kinds(user) -> set[str]:
    kinds = {r.kind for r in roles_of(user)}
    if getattr(user, "is_superuser", False):
        kinds.add(Role.Kind.ADMIN)
    if getattr(user, "is_authenticated", False) and own_employee(user) is not None:
        kinds.add(Role.Kind.EMPLOYEE)
    return kinds


def is_admin(user) -> bool:
    return Role.Kind.ADMIN in role_kinds(user)


def has_role(user, *kinds: str) -> bool:
    return is_admin(user) or bool(role_kinds(user) & set(kinds))


def own_employee(user) -> Employee | None:
    """The employee record linked to this login, if any."""
    try:
        return user.employee
    except Employee.DoesNotExist:
        return None


def scope_q(user, kinds=READ_KINDS, field: str = "path") -> Q | None:
    """A Q over unit paths for the user's roles of `kinds`; None means everything."""
    if is_admin(user):
        return None
    q = Q(pk__in=[])
    for role in roles_of(user):
        if role.kind in kinds and role.unit is not None:
            q |= Q(**{f"{field}__startswith": role.unit.path})
    return q


def units_for(user, *, write: bool = False):
    """Org units the user may see (or manage, with write=True)."""
    kinds = WRITE_KINDS if write else READ_KINDS
    q = scope_q(user, kinds)
    units = OrgUnit.objects.all()
    if q is None:
        return units
    if not write:
        own = own_employee(user)
        if own is not None:
            q |= Q(pk=own.unit_id)
    return units.filter(q)


def employees_for(user, *, write: bool = False):
    """Employees the user may see (or change, with write=True)."""
    kinds = WRITE_KINDS if write else READ_KINDS
    q = scope_q(user, kinds, field="unit__path")
    employees = Employee.objects.select_related("unit")
    if q is None:
        return employees
    if not write:
        own = own_employee(user)
        if own is not None:
            q |= Q(pk=own.pk)
    return employees.filter(q)


def get_unit_for_user(user, code: str, *, write: bool = False) -> OrgUnit:
    unit = units_for(user).filter(code=code).first()
    if unit is None:
        raise Http404("Không tìm thấy đơn vị.")
    if write and not units_for(user, write=True).filter(pk=unit.pk).exists():
        raise PermissionDenied("Bạn không có quyền thay đổi đơn vị này.")
    return unit


def get_employee_for_user(user, code: str, *, write: bool = False) -> Employee:
    employee = employees_for(user).filter(code=code).first()
    if employee is None:
        raise Http404("Không tìm thấy cán bộ.")
    if write and not employees_for(user, write=True).filter(pk=employee.pk).exists():
        raise PermissionDenied("Bạn không có quyền thay đổi hồ sơ này.")
    return employee


def require_role(user, *kinds: str) -> None:
    if not has_role(user, *kinds):
        raise PermissionDenied("Bạn không có quyền thực hiện thao tác này.")


def filtered_employees(user, *, unit=None, q=None, category=None, active=None):
    """The employee list of pages and API: scoped, then narrowed by the list filters."""
    employees = employees_for(user)
    if unit:
        employees = employees.filter(unit__path__startswith=get_unit_for_user(user, unit).path)
    if q:
        employees = employees.search(q)
    if category:
        employees = employees.filter(category=category)
    if active is not None:
        on_duty = Employee.objects.active_on(timezone.localdate()).values("pk")
        employees = employees.filter(pk__in=on_duty) if active else employees.exclude(pk__in=on_duty)
    return employees.vn_ordered(by_unit=True)


def credentials_for(user):
    """Signing credentials the user may configure: an administrator's all, an HR
    officer's those of units in their subtree. Nobody else configures keys."""
    q = scope_q(user, WRITE_KINDS, field="unit__path")
    credentials = SigningCredential.objects.select_related("unit", "holder")
    return credentials if q is None else credentials.filter(q)


def get_credential_for_user(user, pk: int) -> SigningCredential:
    """One credential through `credentials_for`; another unit's is "not found" (404)."""
    credential = credentials_for(user).filter(pk=pk).first()
    if credential is None:
        raise Http404("Không tìm thấy chứng thư ký số.")
    return credential
