"""The one NinjaAPI, mounted at /api/v1/: auth, error envelope, pagination, org and people."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from ninja import File, Form, NinjaAPI, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.pagination import PaginationBase, paginate
from ninja.security import HttpBearer, django_auth
from pydantic import Field

from hr_system import access, actions, roster
from hr_system.models import ApiToken, AuditLog, Employee, OrgUnit, Role
from hr_system.schemas import (
    EmployeeIn,
    EmployeeOut,
    EmployeePatch,
    ImportReportOut,
    OrgUnitDetailOut,
    OrgUnitIn,
    OrgUnitOut,
    OrgUnitPatch,
)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer hrt_…` — a personal token; no CSRF needed."""

    def authenticate(self, request: HttpRequest, token: str):
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Hệ thống chấm công và đánh giá năng lực",
    version="1",
    urls_namespace="api",
    # Session auth checks CSRF on unsafe methods; token auth is for scripts.
    auth=[TokenAuth(), django_auth],
)


# --- one error envelope: {"error": {"code", "message", "fields"?}} -----------------


class ApiError(HttpError):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(status, message)
        self.code = code
        self.fields = fields


def error_response(request, status: int, code: str, message: str, fields: dict | None = None):
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return api.create_response(request, {"error": body}, status=status)


def field_errors(errors: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form", "file", "payload")]
        out.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", "invalid"))
    return out


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return error_response(request, 422, "validation_error", "Dữ liệu không hợp lệ.", field_errors(exc.errors))


@api.exception_handler(ApiError)
def on_api_error(request, exc: ApiError):
    return error_response(request, exc.status_code, exc.code, exc.message, exc.fields)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error_response(request, 401, "unauthorized", "Chưa đăng nhập hoặc mã truy cập không hợp lệ.")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found", str(exc) or "Không tìm thấy.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return error_response(request, 403, "forbidden", str(exc) or "Không có quyền.")


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", "Dữ liệu không hợp lệ.", {field: [message]})


# --- pagination ------------------------------------------------------------------


class PageNumber(PaginationBase):
    """?page=1&page_size=50 → {items, count, page, page_size}. Callers give a fixed ordering."""

    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    def paginate_queryset(self, queryset, pagination: Input, **params):
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[start : start + pagination.page_size]),
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }


# --- org units ---------------------------------------------------------------------

org = Router(tags=["Đơn vị"])


class OrgUnitFilter(Schema):
    kind: OrgUnit.Kind | None = None
    under: str | None = Field(None, description="Mã đơn vị: chỉ lấy cây con của đơn vị này")
    q: str | None = None
    active: bool | None = None


@org.get("/units", response=list[OrgUnitOut])
@paginate(PageNumber)
def list_units(request, filters: Query[OrgUnitFilter]):
    units = access.units_for(request.user).select_related("parent")
    if filters.kind:
        units = units.filter(kind=filters.kind)
    if filters.under:
        units = units.filter(path__startswith=access.get_unit_for_user(request.user, filters.under).path)
    if filters.q:
        units = units.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    if filters.active is not None:
        from django.utils import timezone

        active = units.active_on(timezone.localdate()).values("pk")
        units = units.filter(pk__in=active) if filters.active else units.exclude(pk__in=active)
    return units.order_by("path")


def unit_detail(unit: OrgUnit) -> dict:
    return {
        **OrgUnitOut.from_orm(unit).dict(),
        "children": list(unit.children.order_by("path").values_list("code", flat=True)),
        "predecessors": list(unit.predecessions.values_list("predecessor__code", flat=True)),
        "successors": list(unit.successions.values_list("successor__code", flat=True)),
        "employee_count": Employee.objects.filter(unit__path__startswith=unit.path).count(),
    }


@org.get("/units/{code}", response=OrgUnitDetailOut)
def get_unit(request, code: str):
    return unit_detail(access.get_unit_for_user(request.user, code))


@org.post("/units", response={201: OrgUnitDetailOut})
def create_unit(request, payload: OrgUnitIn):
    parent = None
    if payload.parent:
        parent = access.get_unit_for_user(request.user, payload.parent, write=True)
    elif not access.is_admin(request.user):
        raise PermissionDenied("Chỉ quản trị hệ thống được tạo đơn vị gốc.")
    if OrgUnit.objects.filter(code=payload.code).exists():
        raise invalid("code", "Mã đơn vị đã tồn tại.")
    if payload.valid_from and payload.valid_to and payload.valid_to < payload.valid_from:
        raise invalid("valid_to", "Ngày hết hiệu lực phải sau ngày bắt đầu.")
    data = payload.dict(exclude={"parent"})
    with transaction.atomic():
        unit = OrgUnit.add(parent=parent, **data)
        AuditLog.record(user=request.user, action="orgunit.create", obj=unit, code=unit.code)
    return Status(201, unit_detail(unit))


@org.patch("/units/{code}", response=OrgUnitDetailOut)
def update_unit(request, code: str, payload: OrgUnitPatch):
    unit = access.get_unit_for_user(request.user, code, write=True)
    changes = payload.dict(exclude_unset=True)
    for name, value in changes.items():
        setattr(unit, name, value)
    if unit.valid_from and unit.valid_to and unit.valid_to < unit.valid_from:
        raise invalid("valid_to", "Ngày hết hiệu lực phải sau ngày bắt đầu.")
    with transaction.atomic():
        unit.save()
        AuditLog.record(user=request.user, action="orgunit.update", obj=unit, changes=sorted(changes))
    return unit_detail(unit)


# --- employees --------------------------------------------------------------------

people = Router(tags=["Cán bộ"])


class EmployeeFilter(Schema):
    unit: str | None = Field(None, description="Mã đơn vị (gồm cả đơn vị trực thuộc)")
    q: str | None = Field(None, description="Tìm theo tên hoặc mã")
    category: Employee.Category | None = None
    active: bool | None = None


def filtered_employees(user, filters: EmployeeFilter):
    employees = access.employees_for(user)
    if filters.unit:
        employees = employees.filter(unit__path__startswith=access.get_unit_for_user(user, filters.unit).path)
    if filters.q:
        employees = employees.filter(Q(full_name__icontains=filters.q) | Q(code__startswith=filters.q))
    if filters.category:
        employees = employees.filter(category=filters.category)
    if filters.active is not None:
        from django.utils import timezone

        active = Employee.objects.active_on(timezone.localdate()).values("pk")
        employees = employees.filter(pk__in=active) if filters.active else employees.exclude(pk__in=active)
    return employees.order_by("unit__path", "full_name", "code")


@people.get("/employees", response=list[EmployeeOut])
@paginate(PageNumber)
def list_employees(request, filters: Query[EmployeeFilter]):
    return filtered_employees(request.user, filters)


@people.post("/employees/import", response=ImportReportOut)
def import_employees(
    request,
    file: File[UploadedFile],
    import_valid_rows: Form[bool] = False,
    dry_run: Form[bool] = False,
):
    """Import a roster (.xlsx/.csv). With rejected rows nothing is written unless
    `import_valid_rows` is true. The report lists each rejected row and its reason."""
    access.require_role(request.user, Role.Kind.HR_OFFICER)
    try:
        report = actions.import_employees(
            acting_user=request.user,
            data=file.read(),
            filename=file.name or "",
            import_valid_rows=import_valid_rows,
            dry_run=dry_run,
        )
    except roster.RosterFileError as exc:
        raise invalid("file", str(exc)) from None
    return report.as_dict()


@people.get("/employees/{code}", response=EmployeeOut)
def get_employee(request, code: str):
    return access.get_employee_for_user(request.user, code)


def _unit_for_write(user, code: str) -> OrgUnit:
    unit = access.units_for(user, write=True).filter(code=code).first()
    if unit is None:
        raise invalid("unit", "Không có đơn vị này trong phạm vi bạn quản lý.")
    return unit


def _check_dates(employee: Employee) -> None:
    if employee.start_date and employee.leave_date and employee.leave_date < employee.start_date:
        raise invalid("leave_date", "Ngày nghỉ việc phải sau ngày bắt đầu.")


@people.post("/employees", response={201: EmployeeOut})
def create_employee(request, payload: EmployeeIn):
    access.require_role(request.user, Role.Kind.HR_OFFICER)
    data = payload.dict()
    data["unit"] = _unit_for_write(request.user, data["unit"])
    data["gender"] = data["gender"] or ""
    employee = Employee(**data)
    _check_dates(employee)
    try:
        with transaction.atomic():
            employee.save()
            AuditLog.record(user=request.user, action="employee.create", obj=employee, code=employee.code)
    except IntegrityError:
        raise invalid("code", "Mã chấm công đã được sử dụng.") from None
    return Status(201, employee)


@people.patch("/employees/{code}", response=EmployeeOut)
def update_employee(request, code: str, payload: EmployeePatch):
    employee = access.get_employee_for_user(request.user, code, write=True)
    changes = payload.dict(exclude_unset=True)
    if "unit" in changes:
        changes["unit"] = _unit_for_write(request.user, changes["unit"])
    if changes.get("gender", "") is None:
        changes["gender"] = ""
    for name, value in changes.items():
        if value is None and name in ("full_name", "category", "job_title", "rank", "home_commune", "hardship_years"):
            raise invalid(name, "Trường này không được để trống.")
        setattr(employee, name, value)
    _check_dates(employee)
    with transaction.atomic():
        employee.save()
        AuditLog.record(user=request.user, action="employee.update", obj=employee, changes=sorted(changes))
    return employee


@org.get("/units-summary", response=list[dict])
def units_summary(request):
    """Head counts per visible unit (for dashboards)."""
    units = access.units_for(request.user).annotate(n=Count("employees")).order_by("path")
    return [{"code": u.code, "name": u.name, "depth": u.depth, "employees": u.n} for u in units]


api.add_router("/org", org)
api.add_router("/people", people)


def _mount_app_routers() -> None:
    """Each app owns its Router in <app>/api.py; mounted here so there is one API."""
    from assessments.api import router as assessments_router
    from attendance.api import router as attendance_router
    from devices.api import router as devices_router

    api.add_router("/devices", devices_router)
    api.add_router("/attendance", attendance_router)
    api.add_router("/assessments", assessments_router)


_mount_app_routers()
