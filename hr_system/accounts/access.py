"""Who may manage which login, and grant which role, where.

The privilege ladder (a role may be granted only by someone standing at least as high
over the role's scope unit):

    employee (0) < unit_head (1) = exam_board (1) < hr_officer (2) < admin (3)

- A system administrator (superuser or an `admin` role) manages every login and grants
  every role, `admin` included. Only administrators grant `admin`.
- An HR officer manages logins only inside the subtrees of their `hr_officer` roles and
  grants the kinds up to their own (employee, unit_head, exam_board, hr_officer), each
  with a scope unit inside one of those subtrees: a commune's officer may name a deputy
  officer or a school's head in the commune, never anything for the province.
- A login is inside an officer's subtree when its linked employee and every one of its
  scoped roles lie there. A login with anything outside (an employee elsewhere, a role
  scoped elsewhere), an administrator or staff login, and a bare login with neither an
  employee nor a scoped role are outside: the officer is answered "not found" (404),
  as for any object outside their scope (hr_system/access.py).
- Nobody changes their own roles, activity or password through these actions: one's
  own password is changed with the old one (the password-change page), and granting
  oneself a role would skip the second pair of eyes the ladder exists for.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _

from hr_system import access
from hr_system.accounts import AccountError
from hr_system.models import Employee, OrgUnit, Role, folded_match

RANK = {
    Role.Kind.EMPLOYEE: 0,
    Role.Kind.UNIT_HEAD: 1,
    Role.Kind.EXAM_BOARD: 1,
    Role.Kind.HR_OFFICER: 2,
    Role.Kind.ADMIN: 3,
}
MANAGER_KINDS = (Role.Kind.HR_OFFICER,)
# A login's roles as lists show them (prefetched for a page of logins).
ROLES_IN_ORDER = Prefetch("roles", queryset=Role.objects.select_related("unit").order_by("kind", "unit__path", "pk"))


def is_account_manager(user) -> bool:
    return access.has_role(user, *MANAGER_KINDS)


def require_account_manager(user) -> None:
    if not is_account_manager(user):
        raise PermissionDenied(_("Chỉ quản trị hệ thống và cán bộ Phòng Nội vụ được quản lý tài khoản."))


def managed_units(user):
    """The units whose logins and roles `user` manages (all of them for an admin)."""
    return access.units_for(user, write=True)


def accounts_for(user):
    """The logins `user` may manage (see the module docstring), for lists and lookups."""
    User = get_user_model()
    users = User.objects.select_related("employee", "employee__unit", "account_state")
    if access.is_admin(user):
        return users
    if not is_account_manager(user):
        return users.none()
    units = managed_units(user).values("pk")
    inside = User.objects.filter(Q(employee__unit__in=units) | Q(roles__unit__in=units)).values("pk")
    roles_outside = Role.objects.filter(Q(kind=Role.Kind.ADMIN) | (Q(unit__isnull=False) & ~Q(unit__in=units)))
    employee_outside = Employee.objects.filter(user__isnull=False).exclude(unit__in=units)
    return (
        users.filter(pk__in=inside, is_superuser=False, is_staff=False)
        .exclude(pk__in=roles_outside.values("user_id"))
        .exclude(pk__in=employee_outside.values("user_id"))
    )


def get_account_for_user(user, account_id) -> object:
    """The login `account_id` if `user` may manage it; 404 otherwise (also for oneself,
    whose roles and password are not managed through these pages)."""
    require_account_manager(user)
    try:
        account_id = int(account_id)
    except (TypeError, ValueError):
        raise Http404(_("Không tìm thấy tài khoản.")) from None
    account = accounts_for(user).filter(pk=account_id).first()
    if account is None:
        raise Http404(_("Không tìm thấy tài khoản."))
    return account


def require_not_self(user, account) -> None:
    if account.pk == user.pk:
        raise PermissionDenied(_("Không thể thực hiện thao tác này trên chính tài khoản của mình."))


def rank_over(user, unit: OrgUnit | None) -> int:
    """How high `user` stands over `unit` as an account manager: 3 for an admin, 2 where
    one of their HR-officer roles covers the unit, -1 where nothing of theirs does."""
    if access.is_admin(user):
        return RANK[Role.Kind.ADMIN]
    if unit is None:
        return -1
    covering = [
        RANK[r.kind]
        for r in access.roles_of(user)
        if r.kind in MANAGER_KINDS and r.unit is not None and unit.path.startswith(r.unit.path)
    ]
    return max(covering, default=-1)


def check_grant(user, kind: str, unit: OrgUnit | None) -> None:
    """Refuse a role above the granter's own over `unit` (PermissionDenied). The unit
    itself is checked by `unit_for_grant`."""
    if kind not in RANK:
        raise PermissionDenied(_("Vai trò không hợp lệ."))
    if RANK[kind] > rank_over(user, unit):
        raise PermissionDenied(_("Bạn không được cấp vai trò cao hơn vai trò của mình."))


def unit_for_grant(user, code: str | None) -> OrgUnit | None:
    """The scope unit named `code`, if `user` manages it; None for no code. A unit
    outside their subtree is refused like one that does not exist (AccountError)."""
    if not code:
        return None
    unit = managed_units(user).filter(code=code).first()
    if unit is None:
        raise AccountError(_("Không có đơn vị này trong phạm vi bạn quản lý."), "unit")
    return unit


def employee_for_login(user, code: str) -> Employee:
    """An employee in `user`'s managed subtree, to create or link a login for (404 outside)."""
    employee = access.employees_for(user, write=True).filter(code=code).first()
    if employee is None:
        raise Http404(_("Không tìm thấy cán bộ."))
    return employee


def roles_for(user):
    """The roles `user` may list: those scoped inside the units they manage, and the
    unscoped employee roles of people there. Admins see every role."""
    roles = Role.objects.select_related("user", "unit", "user__employee", "user__employee__unit")
    if access.is_admin(user):
        return roles
    if not is_account_manager(user):
        return roles.none()
    units = managed_units(user).values("pk")
    return roles.filter(
        Q(unit__in=units) | Q(unit__isnull=True, kind=Role.Kind.EMPLOYEE, user__employee__unit__in=units)
    )


def grantable_kinds(user) -> list[tuple[str, str]]:
    """The role kinds `user` could grant somewhere, for the forms' choices."""
    top = max((rank_over(user, r.unit) for r in access.roles_of(user) if r.unit is not None), default=-1)
    if access.is_admin(user):
        top = RANK[Role.Kind.ADMIN]
    return [(k, label) for k, label in Role.Kind.choices if RANK[k] <= top]


def _unit_path(user, code: str) -> str:
    unit = managed_units(user).filter(code=code).first()
    if unit is None:
        raise Http404(_("Không tìm thấy đơn vị."))
    return unit.path


def filtered_accounts(user, *, unit=None, kind=None, q=None, active=None):
    """The login list of pages and API: scoped, then narrowed by the list filters
    (`unit`: its subtree, where the person works or a role is scoped)."""
    accounts = accounts_for(user)
    if unit:
        path = _unit_path(user, unit)
        accounts = accounts.filter(Q(employee__unit__path__startswith=path) | Q(roles__unit__path__startswith=path))
    if kind:
        accounts = accounts.filter(roles__kind=kind)
    if q:
        q = q.strip()
        accounts = accounts.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | (folded_match("employee__name_folded", q) or Q(pk__in=[]))
            | Q(employee__code__startswith=q)
        )
    if active is not None:
        accounts = accounts.filter(is_active=active)
    return accounts.distinct().prefetch_related(ROLES_IN_ORDER).order_by("username", "pk")


def filtered_roles(user, *, unit=None, kind=None, q=None, active=None):
    """Who holds which role in a unit's subtree (an unscoped employee role counts where
    the person works), for pages and API."""
    roles = roles_for(user)
    if unit:
        path = _unit_path(user, unit)
        roles = roles.filter(
            Q(unit__path__startswith=path) | Q(unit__isnull=True, user__employee__unit__path__startswith=path)
        )
    if kind:
        roles = roles.filter(kind=kind)
    if q:
        q = q.strip()
        roles = roles.filter(
            Q(user__username__icontains=q)
            | Q(user__first_name__icontains=q)
            | (folded_match("user__employee__name_folded", q) or Q(pk__in=[]))
        )
    if active is not None:
        roles = roles.filter(user__is_active=active)
    return roles.order_by("unit__path", "kind", "user__username", "pk")


def role_of(account, role_id) -> Role:
    """One role of a login already fetched through access (404 for another's)."""
    role = Role.objects.select_related("unit").filter(pk=role_id, user=account).first()
    if role is None:
        raise Http404(_("Không tìm thấy vai trò."))
    return role
