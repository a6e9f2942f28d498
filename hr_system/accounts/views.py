"""Account pages: logins and roles for HR officers and administrators, and everyone's
own password. Every login, unit and employee comes through hr_system.accounts.access;
every write through hr_system.accounts.actions. A temporary password is rendered in the
answer to the POST that made it and stored nowhere (not in the session, not in a
message cookie), with `Cache-Control: no-store`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hr_system import access
from hr_system.accounts import AccountError, actions, middleware
from hr_system.accounts import access as account_access
from hr_system.accounts.forms import AccountCreateForm, AccountFilterForm, LinkForm, OwnPasswordChangeForm, RoleForm
from hr_system.models import Role

PAGE_SIZE = 50


def _filters(request) -> tuple[AccountFilterForm, dict]:
    form = AccountFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    active = data.get("active")
    return form, {
        "unit": data.get("unit") or None,
        "kind": data.get("kind") or None,
        "q": data.get("q") or None,
        "active": None if active in (None, "") else active == "1",
    }


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _listing(request, template: str, lister):
    account_access.require_account_manager(request.user)
    form, filters = _filters(request)
    page = Paginator(lister(request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"form": form, "page": page, "query": _query_without_page(request)})


@login_required
def account_list(request):
    return _listing(request, "hr/accounts/list.html", account_access.filtered_accounts)


@login_required
def account_roles(request):
    """Who holds which role in a unit (its subtree), filterable by kind and name."""
    return _listing(request, "hr/accounts/roles.html", account_access.filtered_roles)


def _password_shown(request, account, password: str, *, created: bool):
    response = render(
        request, "hr/accounts/password_shown.html", {"account": account, "password": password, "created": created}
    )
    add_never_cache_headers(response)
    return response


@login_required
def account_create(request):
    """Pick an employee without a login (in scope), then create the login."""
    account_access.require_account_manager(request.user)
    code = request.POST.get("employee") or request.GET.get("employee")
    if not code:
        q = request.GET.get("q", "").strip()
        candidates = access.employees_for(request.user, write=True).filter(user__isnull=True)
        candidates = candidates.search(q).vn_ordered()[:PAGE_SIZE]
        return render(request, "hr/accounts/pick_employee.html", {"candidates": candidates, "q": q})
    employee = account_access.employee_for_login(request.user, code)
    form = AccountCreateForm(request.POST or None, user=request.user, initial={"role_kind": Role.Kind.EMPLOYEE})
    if request.method == "POST" and form.is_valid():
        try:
            account, password = actions.create_login(
                acting_user=request.user,
                employee=employee,
                username=form.cleaned_data["username"],
                role_kind=form.cleaned_data["role_kind"] or None,
            )
        except AccountError as exc:
            form.add_error("username" if exc.field == "username" else None, exc.message)
        else:
            return _password_shown(request, account, password, created=True)
    suggestion = actions.suggest_username(employee.full_name) if employee.user_id is None else ""
    return render(request, "hr/accounts/create.html", {"employee": employee, "form": form, "suggestion": suggestion})


def _detail(request, account, *, role_form=None, link_form=None, status=200):
    roles = Role.objects.filter(user=account).select_related("unit").order_by("kind", "unit__path")
    employee = getattr(account, "employee", None) if hasattr(account, "employee") else None
    return render(
        request,
        "hr/accounts/detail.html",
        {
            "account": account,
            "employee": employee,
            "roles": roles,
            "state": getattr(account, "account_state", None) if hasattr(account, "account_state") else None,
            "role_form": role_form or RoleForm(user=request.user),
            "link_form": link_form or LinkForm(),
            "is_self": account.pk == request.user.pk,
        },
        status=status,
    )


@login_required
def account_detail(request, account_id: int):
    return _detail(request, account_access.get_account_for_user(request.user, account_id))


@login_required
@require_POST
def account_role_add(request, account_id: int):
    account = account_access.get_account_for_user(request.user, account_id)
    form = RoleForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            unit = account_access.unit_for_grant(request.user, form.cleaned_data["unit"])
            role = actions.grant_role(
                acting_user=request.user, account=account, kind=form.cleaned_data["kind"], unit=unit
            )
        except AccountError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Đã cấp vai trò %(kind)s cho %(user)s.")
                % {"kind": role.get_kind_display(), "user": account.username},
            )
            return redirect("account_detail", account_id=account.pk)
    return _detail(request, account, role_form=form, status=422)


@login_required
@require_POST
def account_role_remove(request, account_id: int, role_id: int):
    account = account_access.get_account_for_user(request.user, account_id)
    role = account_access.role_of(account, role_id)
    try:
        actions.revoke_role(acting_user=request.user, account=account, role=role)
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã thu hồi vai trò %(kind)s.") % {"kind": role.get_kind_display()})
    return redirect("account_detail", account_id=account.pk)


@login_required
@require_POST
def account_link(request, account_id: int):
    account = account_access.get_account_for_user(request.user, account_id)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            employee = account_access.employee_for_login(request.user, form.cleaned_data["employee"])
            actions.link_employee(acting_user=request.user, account=account, employee=employee)
        except AccountError as exc:
            form.add_error("employee", exc.message)
        else:
            messages.success(request, _("Đã gắn tài khoản với cán bộ %(name)s.") % {"name": employee.full_name})
            return redirect("account_detail", account_id=account.pk)
    return _detail(request, account, link_form=form, status=422)


@login_required
@require_POST
def account_set_active(request, account_id: int):
    account = account_access.get_account_for_user(request.user, account_id)
    active = request.POST.get("active") == "1"
    actions.set_active(acting_user=request.user, account=account, active=active)
    messages.success(request, _("Đã mở khóa tài khoản.") if active else _("Đã khóa tài khoản."))
    return redirect("account_detail", account_id=account.pk)


@login_required
@require_POST
def account_password_reset(request, account_id: int):
    account = account_access.get_account_for_user(request.user, account_id)
    password = actions.reset_password(acting_user=request.user, account=account)
    return _password_shown(request, account, password, created=False)


@login_required
def password_change(request):
    """Everyone's own password: Django's form and validators. The session stays signed
    in after the change."""
    form = OwnPasswordChangeForm(request.user, request.POST or None)
    forced = middleware.must_change_password(request)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        actions.password_changed(user=user)
        middleware.forget(request)
        messages.success(request, _("Đã đổi mật khẩu."))
        target = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = ""
        return redirect(target or "dashboard")
    return render(
        request,
        "registration/password_change_form.html",
        {"form": form, "forced": forced, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=422 if form.errors else 200,
    )
