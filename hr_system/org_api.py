"""hr_system's own API: org units and people. Mounted by the composition root."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from hr_system import access, actions
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.models import AuditLog, Employee, OrgUnit, Role, citizen_id_validator
from hr_system.schemas import (
    ConsentIn,
    ConsentOut,
    EmployeeDetailOut,
    EmployeeFilter,
    EmployeeIn,
    EmployeeOut,
    EmployeePatch,
    ImportReportOut,
    OrgUnitDetailOut,
    OrgUnitIn,
    OrgUnitOut,
    OrgUnitPatch,
    UnitKind,
    UnitSummaryOut,
)
from hr_system.uploads import UploadRejected, read_upload

# --- org units ---------------------------------------------------------------------

org = Router(tags=["Đơn vị"])


class OrgUnitFilter(Schema):
    kind: UnitKind | None = None
    under: str | None = Field(None, description="Mã đơn vị: chỉ lấy cây con của đơn vị này")
    q: str | None = Field(None, description="Tìm theo tên đơn vị (có dấu hay không dấu) hoặc mã đơn vị")
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
        units = units.search(filters.q)
    if filters.active is not None:
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


@people.get("/employees", response=list[EmployeeOut])
@paginate(PageNumber)
def list_employees(request, filters: Query[EmployeeFilter]):
    return access.with_shown_birth_dates(request.user, access.filtered_employees(request.user, **filters.dict()))


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
            data=read_upload(file),
            filename=file.name or "",
            import_valid_rows=import_valid_rows,
            dry_run=dry_run,
        )
    except UploadRejected as exc:  # 413 over the size limit, 422 otherwise
        raise ApiError(exc.status, exc.code, exc.summary, {"file": [str(exc)]}) from None
    return report.as_dict()


def _detail(request, employee: Employee) -> Employee:
    """The employee as EmployeeDetailOut shows it: the citizen-ID number only to an HR
    officer whose scope covers the person."""
    hr = access.employees_for(request.user, write=True).filter(pk=employee.pk).exists()
    employee.shown_citizen_id = employee.citizen_id if hr else None
    own = access.own_employee(request.user)
    employee.shown_date_of_birth = employee.date_of_birth if hr or (own and own.pk == employee.pk) else None
    return employee


def _citizen_id(value: str | None, employee: Employee | None = None) -> str | None:
    """A citizen-ID number from the API: 12 digits, not someone else's (422 otherwise)."""
    value = (value or "").strip() or None
    if value is None:
        return None
    try:
        citizen_id_validator(value)
    except ValidationError as exc:
        raise invalid("citizen_id", exc.messages[0]) from None
    if actions.citizen_id_taken(value, exclude_pk=employee.pk if employee else None):
        raise invalid("citizen_id", actions.CITIZEN_ID_TAKEN)
    return value


@people.get("/employees/{code}", response=EmployeeDetailOut)
def get_employee(request, code: str):
    return _detail(request, access.get_employee_for_user(request.user, code))


def _unit_for_write(user, code: str) -> OrgUnit:
    unit = access.units_for(user, write=True).filter(code=code).first()
    if unit is None:
        raise invalid("unit", "Không có đơn vị này trong phạm vi bạn quản lý.")
    return unit


def _check_dates(employee: Employee) -> None:
    if employee.start_date and employee.leave_date and employee.leave_date < employee.start_date:
        raise invalid("leave_date", "Ngày nghỉ việc phải sau ngày bắt đầu.")


@people.post("/employees", response={201: EmployeeDetailOut})
def create_employee(request, payload: EmployeeIn):
    access.require_role(request.user, Role.Kind.HR_OFFICER)
    data = payload.dict()
    data["unit"] = _unit_for_write(request.user, data["unit"])
    data["gender"] = data["gender"] or ""
    data["citizen_id"] = _citizen_id(data.get("citizen_id"))
    employee = Employee(**data)
    _check_dates(employee)
    try:
        with transaction.atomic():
            employee.save()
            AuditLog.record(user=request.user, action="employee.create", obj=employee, code=employee.code)
    except IntegrityError:
        if employee.citizen_id and actions.citizen_id_taken(employee.citizen_id):
            raise invalid("citizen_id", actions.CITIZEN_ID_TAKEN) from None
        raise invalid("code", actions.CODE_TAKEN) from None
    return Status(201, _detail(request, employee))


@people.patch("/employees/{code}", response=EmployeeDetailOut)
def update_employee(request, code: str, payload: EmployeePatch):
    employee = access.get_employee_for_user(request.user, code, write=True)
    changes = payload.dict(exclude_unset=True)
    if "unit" in changes:
        changes["unit"] = _unit_for_write(request.user, changes["unit"])
    if changes.get("gender", "") is None:
        changes["gender"] = ""
    if "citizen_id" in changes:
        changes["citizen_id"] = _citizen_id(changes["citizen_id"], employee)
    for name, value in changes.items():  # null only where EmployeePatch.nullable allows it
        setattr(employee, name, value)
    _check_dates(employee)
    try:
        with transaction.atomic():
            employee.save()
            AuditLog.record(user=request.user, action="employee.update", obj=employee, changes=sorted(changes))
    except IntegrityError:
        raise invalid("citizen_id", actions.CITIZEN_ID_TAKEN) from None
    return _detail(request, employee)


# --- consents ---------------------------------------------------------------------


@people.get("/employees/{code}/consents", response=list[ConsentOut])
def list_consents(request, code: str):
    """The person's consents, newest first: HR over the person, and the person."""
    _employee, consents = access.consents_for(request.user, code)
    return consents.order_by("-given_at", "-pk")


@people.post("/employees/{code}/consents", response={201: ConsentOut})
def record_consent(request, code: str, payload: ConsentIn):
    employee = access.get_employee_for_user(request.user, code, write=True)
    try:
        consent = actions.record_consent(
            acting_user=request.user,
            employee=employee,
            purpose=payload.purpose,
            evidence=payload.evidence,
            given_at=payload.given_at,
        )
    except actions.ConsentError as exc:
        raise invalid(exc.field, str(exc)) from None
    return Status(201, consent)


@people.post("/employees/{code}/consents/{consent_id}/withdraw", response=ConsentOut)
def withdraw_consent(request, code: str, consent_id: int):
    """Withdraw: stored fingerprint templates are deleted and deletion queued on the clocks."""
    consent = access.get_consent_for_user(request.user, code, consent_id, write=True)
    try:
        actions.withdraw_consent(acting_user=request.user, consent=consent)
    except actions.ConsentError as exc:
        raise invalid(exc.field, str(exc)) from None
    return consent


@org.get("/units-summary", response=list[UnitSummaryOut])
def units_summary(request):
    """Head counts per visible unit (for dashboards)."""
    units = access.units_for(request.user).annotate(n=Count("employees")).order_by("path")
    return [{"code": u.code, "name": u.name, "depth": u.depth, "employees": u.n} for u in units]
