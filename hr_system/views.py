"""Web pages for the organisation and its people. Every object goes through access.py."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hr_system import access, actions, panels, pdf, reports, roster
from hr_system.accounts import actions as account_actions
from hr_system.forms import ConsentForm, EmployeeForm
from hr_system.models import ApiToken, Employee, OrgUnit, Role
from hr_system.schemas import EmployeeFilter
from hr_system.uploads import PendingUpload, UploadRejected, read_upload

# Roster files wait under MEDIA_ROOT between the report and the import (hr_system.uploads).
UPLOADS = "imports"


def login_view(request):
    """Username/password login. Failures are counted and locked out by django-axes
    (hr_system.lockout): a locked-out attempt never reaches the password check, and
    AxesMiddleware answers it with the lockout message."""
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        user = authenticate(request, username=username, password=password)
        if user is None:
            error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        else:
            login(request, user)
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = ""
            return redirect(target or "dashboard")
    return render(
        request,
        "registration/login.html",
        {"error": error, "username": username, "next": request.GET.get("next", "")},
        status=403 if error else 200,
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


@login_required
def dashboard(request):
    """What needs doing, per role: each app adds its panels (hr_system.panels), scoped to
    the viewer — approvals, clocks to look at, today's absences, exams open now."""
    user = request.user
    employee = access.own_employee(user)
    units = access.units_for(user)
    context = {
        "employee": employee,
        "roles": [r for r in access.roles_of(user)],
        "unit_count": units.count(),
        "employee_count": access.employees_for(user).count(),
        "today": timezone.localdate(),
        "panels": panels.dashboard_panels(request),
    }
    return render(request, "hr/dashboard.html", context)


@login_required
def org_tree(request):
    if not access.has_role(request.user, *access.READ_KINDS):
        raise PermissionDenied(_("Bạn không có quyền xem cơ cấu tổ chức."))
    today = timezone.localdate()
    q = request.GET.get("q", "")
    units = list(access.units_for(request.user).search(q).annotate(n=Count("employees")).order_by("path"))
    base_depth = min((u.depth for u in units), default=0)
    for unit in units:
        unit.indent = unit.depth - base_depth
        unit.active = unit.is_active_on(today)
    return render(request, "hr/org_tree.html", {"units": units, "q": q})


def _filters_from(request) -> EmployeeFilter:
    active = request.GET.get("active")
    return EmployeeFilter(
        unit=request.GET.get("unit") or None,
        q=request.GET.get("q") or None,
        category=request.GET.get("category") or None,
        active=None if active in (None, "") else active == "1",
    )


@login_required
def employee_list(request):
    try:
        filters = _filters_from(request)
    except ValueError:
        filters = EmployeeFilter()
        messages.error(request, _("Bộ lọc không hợp lệ."))
    employees = access.filtered_employees(request.user, **filters.dict())
    page = Paginator(employees, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hr/employee_list.html",
        {
            "page": page,
            "filters": filters,
            "units": access.units_for(request.user).order_by("path"),
            "categories": reports.Employee.Category.choices,
            "query": query.urlencode(),
        },
    )


@login_required
def employee_detail(request, code: str):
    """One person: their record (HR in scope edits it), and what the apps add through
    hr_system.panels — the month of days with punches, leave and corrections, exams
    sat, transfer history. Unit heads read; the person reads their own page."""
    employee = access.get_employee_for_user(request.user, code)
    can_edit = access.employees_for(request.user, write=True).filter(pk=employee.pk).exists()
    form = None
    if request.method == "POST":
        employee = access.get_employee_for_user(request.user, code, write=True)
        # The form writes into its instance while validating: give it a copy, so the page
        # still shows the stored record beside the errors and the action sees the changes.
        form = EmployeeForm(request.POST, instance=Employee.objects.get(pk=employee.pk), user=request.user)
        if form.is_valid():
            changed = actions.update_employee(acting_user=request.user, employee=employee, changes=form.cleaned_data)
            if changed:
                messages.success(request, _("Đã lưu thay đổi hồ sơ của %(name)s.") % {"name": employee.full_name})
            else:
                messages.info(request, _("Không có thay đổi nào."))
            return redirect("employee_detail", code=employee.code)
        messages.error(request, _("Chưa lưu: vui lòng sửa các trường được đánh dấu."))
    elif can_edit:
        form = EmployeeForm(instance=employee, user=request.user)
    own = access.own_employee(request.user)
    context = {
        "e": employee,
        "can_edit": can_edit,
        "form": form,
        # Date of birth is personal data: HR in scope and the person themself only.
        "show_personal": can_edit or (own is not None and own.pk == employee.pk),
        "sections": panels.profile_sections(request, employee),
        "consents": employee.consents.select_related("recorded_by", "withdrawn_by")
        if access.may_see_consents(request.user, employee)
        else None,
        "consent_form": ConsentForm() if can_edit else None,
    }
    return render(request, "hr/employee_detail.html", context)


@login_required
@require_POST
def employee_consent_add(request, code: str):
    """HR records an employee's consent (the signed form's number as evidence)."""
    employee = access.get_employee_for_user(request.user, code, write=True)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Chưa ghi sự đồng ý: %(errors)s") % {"errors": _form_errors(form)})
        return redirect(reverse("employee_detail", args=[employee.code]) + "#dong-y")
    try:
        given_on = form.cleaned_data["given_on"]
        actions.record_consent(
            acting_user=request.user,
            employee=employee,
            purpose=form.cleaned_data["purpose"],
            evidence=form.cleaned_data["evidence"],
            # A form signed on an earlier day: its start, in local time.
            given_at=timezone.make_aware(dt.datetime.combine(given_on, dt.time.min)) if given_on else None,
        )
    except actions.ConsentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã ghi sự đồng ý của %(name)s.") % {"name": employee.full_name})
    return redirect(reverse("employee_detail", args=[employee.code]) + "#dong-y")


@login_required
@require_POST
def employee_consent_withdraw(request, code: str, pk: int):
    """HR records that the employee withdrew a consent; the processing stops at once
    (stored fingerprint templates deleted, deletion queued on the clocks)."""
    consent = access.get_consent_for_user(request.user, code, pk, write=True)
    try:
        effects = actions.withdraw_consent(acting_user=request.user, consent=consent)
    except actions.ConsentError as exc:
        messages.error(request, str(exc))
    else:
        message = _("Đã ghi việc rút lại sự đồng ý.")
        if "templates_deleted" in effects:
            message += " " + _("Đã xóa %(n)d mẫu vân tay lưu tập trung; %(q)d lệnh xóa đã gửi tới máy chấm công.") % {
                "n": effects["templates_deleted"],
                "q": effects["clock_deletions_queued"],
            }
        messages.success(request, message)
    return redirect(reverse("employee_detail", args=[code]) + "#dong-y")


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _list_document(request):
    filters = _filters_from(request)
    employees = access.with_shown_birth_dates(request.user, access.filtered_employees(request.user, **filters.dict()))
    unit = access.get_unit_for_user(request.user, filters.unit) if filters.unit else None
    if unit is None:
        scope = [r.unit for r in access.roles_of(request.user) if r.unit is not None]
        unit = scope[0] if scope else OrgUnit.objects.filter(depth=0).first()
    return unit, employees


@login_required
def employee_list_pdf(request):
    unit, employees = _list_document(request)
    content = pdf.render_pdf(
        "pdf/employee_list.html",
        {
            "agency": unit.issuing_agency() if unit else "",
            "doc_symbol": f"DS-{unit.doc_symbol or 'NV'}" if unit else "DS-NV",
            "date_line": unit.date_line() if unit else "",
            "doc_type": "DANH SÁCH",
            "doc_summary": f"Cán bộ, công chức, viên chức và người lao động {unit.name if unit else ''}".strip(),
            "rows": reports.employee_rows(employees),
            "recipients": ["Phòng Nội vụ"],
        },
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="danh-sach-{unit.code if unit else "all"}.pdf"'
    return response


@login_required
def employee_list_xlsx(request):
    unit, employees = _list_document(request)
    response = HttpResponse(
        reports.employee_xlsx(employees),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="danh-sach-{unit.code if unit else "all"}.xlsx"'
    return response


@login_required
def import_template(request):
    response = HttpResponse(
        roster.template_workbook(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="mau-danh-sach-can-bo.xlsx"'
    return response


@login_required
def employee_import(request):
    """Upload → report. With rejected rows nothing is written; the officer may then
    explicitly choose to import only the valid rows of the same file, or cancel."""
    access.require_role(request.user, Role.Kind.HR_OFFICER)
    report = None
    pending = PendingUpload(request.session, UPLOADS)
    if request.method == "POST":
        if request.POST.get("cancel"):
            pending.discard()
            messages.info(request, _("Đã hủy lần nhập; tệp đã tải lên được xóa khỏi máy chủ."))
            return redirect("employee_import")
        upload = request.FILES.get("file")
        if upload is not None:
            pending.discard()  # a new upload replaces the pending file, accepted or not
            filename = upload.name
        elif pending.info and request.POST.get("import_valid_rows"):
            data, filename = pending.read(), pending.info["filename"]
            if data is None:
                pending.discard()
                messages.error(request, _("Tệp đã tải lên không còn trên máy chủ; vui lòng tải lên lại."))
                return redirect("employee_import")
        else:
            messages.error(request, _("Vui lòng chọn tệp danh sách (.xlsx hoặc .csv)."))
            return redirect("employee_import")
        try:
            if upload is not None:
                data = read_upload(upload)
            report = actions.import_employees(
                acting_user=request.user,
                data=data,
                filename=filename,
                import_valid_rows=bool(request.POST.get("import_valid_rows")),
                dry_run=bool(request.POST.get("dry_run")),
            )
        except UploadRejected as exc:  # the file as a whole: nothing of it is kept
            pending.discard()
            messages.error(request, str(exc))
            return redirect("employee_import")
        if report.written:
            pending.discard()
            messages.success(
                request,
                _("Đã nhập: %(c)s thêm mới, %(u)s cập nhật, %(r)s dòng bị từ chối.")
                % {"c": report.created, "u": report.updated, "r": len(report.rejected)},
            )
        elif upload is not None:
            pending.save(data, filename)
    return render(request, "hr/employee_import.html", {"report": report})


@login_required
def api_tokens(request):
    new_token = None
    if request.method == "POST":
        if request.POST.get("revoke"):
            token_id = request.POST["revoke"]
            token = get_object_or_404(ApiToken, pk=token_id if token_id.isdigit() else 0, user=request.user)
            account_actions.revoke_token(acting_user=request.user, token=token)
            messages.success(request, _("Đã thu hồi mã truy cập."))
            return redirect("api_tokens")
        _token, new_token = account_actions.issue_token(acting_user=request.user, name=request.POST.get("name", ""))
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "hr/api_tokens.html", {"tokens": tokens, "new_token": new_token})
