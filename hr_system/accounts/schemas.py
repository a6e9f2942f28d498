"""Shapes of the accounts API (`/api/v1/accounts`)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from hr_system.models import Role
from hr_system.schemas import InSchema, choices

RoleKind = choices(Role.Kind, "RoleKind")


def _employee(user):
    return getattr(user, "employee", None) if hasattr(user, "employee") else None


def _full_name(user) -> str:
    employee = _employee(user)
    return employee.full_name if employee else user.get_full_name()


class RoleOut(Schema):
    id: int
    kind: RoleKind
    unit: str | None = Field(None, description="Mã đơn vị phạm vi (null: toàn hệ thống hoặc đơn vị của cán bộ)")
    unit_name: str | None = None

    @staticmethod
    def resolve_unit(obj) -> str | None:
        return obj.unit.code if obj.unit else None

    @staticmethod
    def resolve_unit_name(obj) -> str | None:
        return obj.unit.name if obj.unit else None


class AccountOut(Schema):
    """A login; `roles` are read from `user.roles.all()` (prefetch them, ordered)."""

    id: int
    username: str
    full_name: str
    employee: str | None = Field(None, description="Mã chấm công của cán bộ gắn với tài khoản")
    is_active: bool
    must_change_password: bool
    last_login: dt.datetime | None
    roles: list[RoleOut]

    @staticmethod
    def resolve_full_name(obj) -> str:
        return _full_name(obj)

    @staticmethod
    def resolve_employee(obj) -> str | None:
        employee = _employee(obj)
        return employee.code if employee else None

    @staticmethod
    def resolve_must_change_password(obj) -> bool:
        state = getattr(obj, "account_state", None) if hasattr(obj, "account_state") else None
        return bool(state and state.must_change_password)

    @staticmethod
    def resolve_roles(obj) -> list:
        return list(obj.roles.all())


class RoleHolderOut(RoleOut):
    user_id: int
    username: str
    full_name: str
    employee: str | None = None
    is_active: bool

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username

    @staticmethod
    def resolve_full_name(obj) -> str:
        return _full_name(obj.user)

    @staticmethod
    def resolve_employee(obj) -> str | None:
        employee = _employee(obj.user)
        return employee.code if employee else None

    @staticmethod
    def resolve_is_active(obj) -> bool:
        return obj.user.is_active


class AccountFilter(Schema):
    unit: str | None = Field(None, description="Mã đơn vị (gồm cả đơn vị trực thuộc)")
    kind: RoleKind | None = None
    q: str | None = Field(None, max_length=100, description="Tên đăng nhập, họ tên hoặc mã chấm công")
    active: bool | None = None


class AccountIn(InSchema):
    employee: str = Field(..., max_length=9, description="Mã chấm công của cán bộ chưa có tài khoản")
    username: str = Field("", max_length=150, description="Để trống: dùng tên gợi ý")
    role: RoleKind | None = Field(Role.Kind.EMPLOYEE, description="Vai trò ban đầu, phạm vi là đơn vị của cán bộ")


class PasswordOut(Schema):
    account: AccountOut
    temporary_password: str = Field(..., description="Chỉ trả về một lần; phải đổi ở lần đăng nhập đầu tiên")


class LinkIn(InSchema):
    employee: str = Field(..., max_length=9)


class RoleIn(InSchema):
    kind: RoleKind
    unit: str | None = Field(None, max_length=32, description="Mã đơn vị phạm vi (bỏ trống cho admin)")


class UsernameSuggestionOut(Schema):
    employee: str
    username: str


class OwnPasswordIn(InSchema):
    old_password: str = Field(..., max_length=128)
    new_password: str = Field(..., max_length=128)


class TokenIn(InSchema):
    name: str = Field("", max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="Mã đầy đủ, chỉ trả về một lần")
