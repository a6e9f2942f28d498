"""`/api/v1/accounts`: logins, roles, passwords and personal tokens for integrators,
with the same access rules and actions as the pages (hr_system.accounts.access,
.actions). A login outside the caller's subtree answers 404; a role above the caller's
own 403; a scope unit outside their subtree 422 on `unit`."""

from django.contrib.auth import SESSION_KEY, update_session_auth_hash
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from hr_system.accounts import AccountError, actions, middleware
from hr_system.accounts import access as account_access
from hr_system.accounts.schemas import (
    AccountFilter,
    AccountIn,
    AccountOut,
    LinkIn,
    OwnPasswordIn,
    PasswordOut,
    RoleHolderOut,
    RoleIn,
    RoleOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UsernameSuggestionOut,
)
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.models import ApiToken

router = Router(tags=["Tài khoản và vai trò"])


def _refused(exc: AccountError) -> ApiError:
    if exc.field == "__all__":
        return ApiError(409, "conflict", exc.message)
    return invalid(exc.field, exc.message)


def _account(user, user_id: int):
    """The login through access, with its roles loaded for AccountOut."""
    account = account_access.get_account_for_user(user, user_id)
    prefetch_related_objects([account], account_access.ROLES_IN_ORDER)
    return account


@router.get("/users", response=list[AccountOut])
@paginate(PageNumber)
def list_accounts(request, filters: Query[AccountFilter]):
    """Logins the caller manages (admins: all; HR officers: their subtree)."""
    account_access.require_account_manager(request.user)
    return account_access.filtered_accounts(request.user, **filters.dict())


@router.post("/users", response={201: PasswordOut})
def create_account(request, payload: AccountIn):
    """A login for an employee without one, with a temporary password returned once."""
    account_access.require_account_manager(request.user)
    employee = account_access.employee_for_login(request.user, payload.employee)
    try:
        account, password = actions.create_login(
            acting_user=request.user, employee=employee, username=payload.username, role_kind=payload.role
        )
    except AccountError as exc:
        raise _refused(exc) from None
    return Status(201, {"account": _account(request.user, account.pk), "temporary_password": password})


@router.get("/username-suggestion", response=UsernameSuggestionOut)
def suggest_username(request, employee: str):
    account_access.require_account_manager(request.user)
    found = account_access.employee_for_login(request.user, employee)
    return {"employee": found.code, "username": actions.suggest_username(found.full_name)}


@router.get("/users/{user_id}", response=AccountOut)
def get_account(request, user_id: int):
    return _account(request.user, user_id)


@router.post("/users/{user_id}/link", response=AccountOut)
def link_employee(request, user_id: int, payload: LinkIn):
    account = account_access.get_account_for_user(request.user, user_id)
    employee = account_access.employee_for_login(request.user, payload.employee)
    try:
        actions.link_employee(acting_user=request.user, account=account, employee=employee)
    except AccountError as exc:
        raise _refused(exc) from None
    return _account(request.user, user_id)


@router.post("/users/{user_id}/roles", response={201: RoleOut})
def grant_role(request, user_id: int, payload: RoleIn):
    account = account_access.get_account_for_user(request.user, user_id)
    try:
        unit = account_access.unit_for_grant(request.user, payload.unit)
        role = actions.grant_role(acting_user=request.user, account=account, kind=payload.kind, unit=unit)
    except AccountError as exc:
        raise _refused(exc) from None
    return Status(201, role)


@router.delete("/users/{user_id}/roles/{role_id}", response={204: None})
def revoke_role(request, user_id: int, role_id: int):
    account = account_access.get_account_for_user(request.user, user_id)
    role = account_access.role_of(account, role_id)
    try:
        actions.revoke_role(acting_user=request.user, account=account, role=role)
    except AccountError as exc:
        raise _refused(exc) from None
    return Status(204, None)


@router.post("/users/{user_id}/deactivate", response=AccountOut)
def deactivate(request, user_id: int):
    account = account_access.get_account_for_user(request.user, user_id)
    actions.set_active(acting_user=request.user, account=account, active=False)
    return _account(request.user, user_id)


@router.post("/users/{user_id}/reactivate", response=AccountOut)
def reactivate(request, user_id: int):
    account = account_access.get_account_for_user(request.user, user_id)
    actions.set_active(acting_user=request.user, account=account, active=True)
    return _account(request.user, user_id)


@router.post("/users/{user_id}/password-reset", response=PasswordOut)
def reset_password(request, user_id: int):
    """A new temporary password, returned once; the user must change it at next login."""
    account = account_access.get_account_for_user(request.user, user_id)
    password = actions.reset_password(acting_user=request.user, account=account)
    return {"account": _account(request.user, user_id), "temporary_password": password}


@router.get("/roles", response=list[RoleHolderOut])
@paginate(PageNumber)
def list_roles(request, filters: Query[AccountFilter]):
    """Who holds which role in a unit (and the units under it)."""
    account_access.require_account_manager(request.user)
    return account_access.filtered_roles(request.user, **filters.dict())


@router.post("/password", response={204: None})
def change_own_password(request, payload: OwnPasswordIn):
    """The caller's own password (the old one, then the configured validators)."""
    try:
        actions.change_own_password(
            user=request.user, old_password=payload.old_password, new_password=payload.new_password
        )
    except AccountError as exc:
        raise _refused(exc) from None
    if request.session.get(SESSION_KEY) == str(request.user.pk):  # signed in on this session, not by token
        update_session_auth_hash(request, request.user)
        middleware.forget(request)
    return Status(204, None)


@router.get("/tokens", response=list[TokenOut])
@paginate(PageNumber)
def list_tokens(request):
    """The caller's own personal tokens."""
    return ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")


@router.post("/tokens", response={201: TokenCreatedOut})
def create_token(request, payload: TokenIn):
    """A personal token for the caller (never for anyone else); the plain token is
    returned in this answer only."""
    token, raw = actions.issue_token(acting_user=request.user, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None})
def revoke_token(request, token_id: int):
    """Revoke one of the caller's own tokens; another user's token is not found."""
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    actions.revoke_token(acting_user=request.user, token=token)
    return Status(204, None)
