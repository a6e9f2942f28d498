"""Who may decide attendance matters for whom."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from hr_system import access
from hr_system.models import Employee, Role

DECIDERS = (Role.Kind.UNIT_HEAD, Role.Kind.HR_OFFICER)


def can_decide_for(user, employee: Employee) -> bool:
    """Unit heads (their subtree) and HR officers (theirs) approve leave and corrections."""
    q = access.scope_q(user, DECIDERS, field="unit__path")
    return q is None or Employee.objects.filter(q, pk=employee.pk).exists()


def require_decider(user, employee: Employee) -> None:
    if not can_decide_for(user, employee):
        raise PermissionDenied("Bạn không có quyền duyệt cho cán bộ này.")


def can_manage_rules(user, unit) -> bool:
    """HR officers set schedules, calendars, locks and discipline rules for their subtree."""
    return access.units_for(user, write=True).filter(pk=unit.pk).exists()


def require_rule_manager(user, unit) -> None:
    if not can_manage_rules(user, unit):
        raise PermissionDenied("Bạn không có quyền thay đổi quy định chấm công của đơn vị này.")
