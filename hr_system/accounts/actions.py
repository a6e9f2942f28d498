"""Every write on logins, roles, passwords and tokens: keyword-only, atomic, audited.

Callers (pages and the API) have already fetched the login, unit and employee through
`hr_system.accounts.access`; the rules that depend on what is being written (the
privilege ladder, one login per employee, a free username) are checked here, so both
callers refuse the same things with the same Vietnamese message. Audit details never
carry a password or a token.
"""

from __future__ import annotations

import secrets

from axes.utils import reset as reset_lockout
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hr_system import access
from hr_system.accounts import AccountError
from hr_system.accounts import access as account_access
from hr_system.models import AccountState, ApiToken, AuditLog, Employee, OrgUnit, Role
from hr_system.text import fold

# Unambiguous characters only (no 0/O, 1/l/I): the password is read off a screen and
# typed, often on a phone.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_LENGTH = 12
USERNAME_MAX = 150


def temporary_password() -> str:
    while True:
        candidate = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
        # Mixed case and a digit, so that it passes any of the configured validators.
        if any(c.isdigit() for c in candidate) and any(c.isupper() for c in candidate):
            return candidate


def suggest_username(full_name: str) -> str:
    """The given name followed by the initials of the family and middle names, the
    usual form of a Vietnamese agency's logins ("Nguyễn Thị Hoa" → "hoant"), folded to
    ASCII; a number is added when the name is taken ("hoant2")."""
    words = [w for w in fold(full_name).replace("-", " ").split() if w.isalnum()]
    base = (words[-1] + "".join(w[0] for w in words[:-1])) if words else "canbo"
    base = base[: USERNAME_MAX - 6]
    User = get_user_model()
    taken = {u.lower() for u in User.objects.filter(username__istartswith=base).values_list("username", flat=True)}
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def _employee_unit(account) -> OrgUnit | None:
    employee = Employee.objects.filter(user=account).select_related("unit").first()
    return employee.unit if employee else None


def _mark_set_by(account, acting_user) -> None:
    AccountState.objects.update_or_create(
        user=account,
        defaults={"must_change_password": True, "password_set_by": acting_user, "password_set_at": timezone.now()},
    )


def _check_username(username: str) -> str:
    username = (username or "").strip()
    User = get_user_model()
    try:
        User.username_validator(username)
    except ValidationError:
        raise AccountError(
            _("Tên đăng nhập chỉ gồm chữ cái không dấu, chữ số và các ký tự @ . + - _ (tối đa 150 ký tự)."),
            "username",
        ) from None
    if not username or len(username) > USERNAME_MAX:
        raise AccountError(_("Tên đăng nhập không hợp lệ."), "username")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(_("Tên đăng nhập đã được sử dụng."), "username")
    return username


def create_login(
    *, acting_user, employee: Employee, username: str = "", role_kind: str | None = Role.Kind.EMPLOYEE
) -> tuple[object, str]:
    """A new login for `employee` with a temporary password (returned, shown once) that
    must be changed at first login, and an initial role scoped to the employee's unit.
    `employee` comes through access (inside the caller's subtree)."""
    if employee.user_id is not None:
        raise AccountError(_("Cán bộ này đã có tài khoản đăng nhập."), "employee")
    username = _check_username(username or suggest_username(employee.full_name))
    if role_kind:
        account_access.check_grant(acting_user, role_kind, employee.unit)
    password = temporary_password()
    User = get_user_model()
    with transaction.atomic():
        account = User.objects.create_user(username=username, password=password, first_name=employee.full_name[:150])
        # A conditional update: two officers creating a login for one person at once
        # leave one login linked, the other rolled back.
        if not Employee.objects.filter(pk=employee.pk, user__isnull=True).update(user=account):
            raise AccountError(_("Cán bộ này đã có tài khoản đăng nhập."), "employee")
        employee.user = account
        _mark_set_by(account, acting_user)
        roles = []
        if role_kind:
            Role.objects.create(user=account, kind=role_kind, unit=employee.unit)
            roles.append(role_kind)
        AuditLog.record(
            user=acting_user,
            action="account.create",
            obj=account,
            username=username,
            employee=employee.code,
            roles=roles,
        )
    return account, password


def link_employee(*, acting_user, account, employee: Employee) -> None:
    """Link an existing login (without an employee) to `employee` (without a login)."""
    account_access.require_not_self(acting_user, account)
    if Employee.objects.filter(user=account).exists():
        raise AccountError(_("Tài khoản này đã gắn với một cán bộ khác."), "employee")
    if employee.user_id is not None:
        raise AccountError(_("Cán bộ này đã có tài khoản đăng nhập."), "employee")
    with transaction.atomic():
        if not Employee.objects.filter(pk=employee.pk, user__isnull=True).update(user=account):
            raise AccountError(_("Cán bộ này đã có tài khoản đăng nhập."), "employee")
        employee.user = account
        AuditLog.record(user=acting_user, action="account.link", obj=account, employee=employee.code)


def grant_role(*, acting_user, account, kind: str, unit: OrgUnit | None) -> Role:
    """Give `account` the role `kind` over `unit`'s subtree, within the ladder."""
    account_access.require_not_self(acting_user, account)
    if kind == Role.Kind.ADMIN:
        unit = None  # an administrator's scope is everything
    elif kind == Role.Kind.EMPLOYEE and unit is None:
        unit = _employee_unit(account)  # where the person works
    if unit is None and kind != Role.Kind.ADMIN and not (kind == Role.Kind.EMPLOYEE and access.is_admin(acting_user)):
        raise AccountError(_("Vai trò này cần chọn đơn vị phạm vi."), "unit")
    account_access.check_grant(acting_user, kind, unit)
    if Role.objects.filter(user=account, kind=kind, unit=unit).exists():
        raise AccountError(_("Tài khoản đã có vai trò này ở đơn vị này."), "kind")
    try:
        with transaction.atomic():
            role = Role.objects.create(user=account, kind=kind, unit=unit)
            AuditLog.record(
                user=acting_user, action="account.role_grant", obj=account, kind=kind, unit=unit.code if unit else None
            )
    except IntegrityError:  # granted by someone else in the meantime
        raise AccountError(_("Tài khoản đã có vai trò này ở đơn vị này."), "kind") from None
    return role


def revoke_role(*, acting_user, account, role: Role) -> None:
    """Remove one role of `account`; the caller may remove only what it could grant."""
    account_access.require_not_self(acting_user, account)
    if role.user_id != account.pk:
        raise AccountError(_("Vai trò không thuộc tài khoản này."), "role")
    # An unscoped employee role counts where the person works.
    unit = role.unit or (None if role.kind == Role.Kind.ADMIN else _employee_unit(account))
    account_access.check_grant(acting_user, role.kind, unit)
    with transaction.atomic():
        Role.objects.filter(pk=role.pk).delete()
        AuditLog.record(
            user=acting_user,
            action="account.role_revoke",
            obj=account,
            kind=role.kind,
            unit=role.unit.code if role.unit else None,
        )


def set_active(*, acting_user, account, active: bool) -> None:
    """Deactivate (the login can no longer sign in; its sessions and API tokens stop
    working at once, since both check `is_active`) or reactivate a login."""
    account_access.require_not_self(acting_user, account)
    if account.is_active == active:
        return
    with transaction.atomic():
        account.is_active = active
        account.save(update_fields=["is_active"])
        AuditLog.record(user=acting_user, action="account.reactivate" if active else "account.deactivate", obj=account)


def reset_password(*, acting_user, account) -> str:
    """A new temporary password (returned, to be shown once) that must be changed at the
    next login. The old password's sessions end: Django ties a session to the password
    hash. The login's lockout (django-axes) is lifted, since a locked-out official is
    the usual reason for a reset."""
    account_access.require_not_self(acting_user, account)
    password = temporary_password()
    with transaction.atomic():
        account.set_password(password)
        account.save(update_fields=["password"])
        _mark_set_by(account, acting_user)
        AuditLog.record(user=acting_user, action="account.password_reset", obj=account)
    reset_lockout(username=account.username.casefold())
    return password


def password_changed(*, user) -> None:
    """Record that `user` set their own password (already saved by the form): the
    temporary-password flag is cleared."""
    with transaction.atomic():
        AccountState.objects.update_or_create(
            user=user,
            defaults={"must_change_password": False, "password_set_by": user, "password_set_at": timezone.now()},
        )
        AuditLog.record(user=user, action="account.password_change", obj=user)


def change_own_password(*, user, old_password: str, new_password: str) -> None:
    """The API's own-password change: the old password, then Django's validators."""
    if not user.check_password(old_password):
        raise AccountError(_("Mật khẩu cũ không chính xác. Hãy nhập lại lần nữa"), "old_password")
    if old_password == new_password:
        raise AccountError(_("Mật khẩu mới phải khác mật khẩu cũ."), "new_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages), "new_password") from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    password_changed(user=user)


def issue_token(*, acting_user, name: str) -> tuple[ApiToken, str]:
    """A personal token for `acting_user` only; the plain value is returned once."""
    name = (name or "").strip()[:100] or _("Mã truy cập")
    with transaction.atomic():
        token, raw = ApiToken.issue(acting_user, name)
        AuditLog.record(user=acting_user, action="account.token_create", obj=token, name=name)
    return token, raw


def revoke_token(*, acting_user, token: ApiToken) -> None:
    if token.user_id != acting_user.pk:
        raise AccountError(_("Không tìm thấy mã truy cập."), "token")
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoke()
        AuditLog.record(user=acting_user, action="account.token_revoke", obj=token, name=token.name)
