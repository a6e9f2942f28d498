from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.db import models
from ninja import Field, Schema
from pydantic import ConfigDict, WithJsonSchema, field_validator

from hr_system.models import EMPLOYEE_CODE_RE, Consent, Employee, OrgUnit


class InSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class PatchSchema(InSchema):
    """A partial update: a field left out stays as it is. Every field is optional, but
    `null` is a value only for the fields in `nullable` (those the model may leave
    empty); for any other field it is refused like a wrong type (422), and the OpenAPI
    document does not offer it. Without this, {"host": null} reached the database's
    NOT NULL constraint as a 500."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_allowed(cls, value, info):
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("Trường này không được để trống (null); bỏ trường ra nếu không muốn thay đổi.")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for name, prop in target.get("properties", {}).items():
            if name in cls.nullable or "anyOf" not in prop:
                continue
            options = [o for o in prop["anyOf"] if o != {"type": "null"}]
            if len(options) == 1:
                del prop["anyOf"]
                prop.update(options[0])
            else:
                prop["anyOf"] = options
        return schema


def choices(enum: type[models.TextChoices], title: str):
    """`enum` as a field type, documented inline under its own title.

    Pydantic names an enum's OpenAPI component after its class, and several models nest a
    `Kind` or a `Status`: the document kept one `Kind` for all of them (a unit's kind was
    documented as a transfer kind), so clients and `make fuzz` took valid answers for wrong.
    """
    return Annotated[enum, WithJsonSchema({"title": title, "type": "string", "enum": [c.value for c in enum]})]


UnitKind = choices(OrgUnit.Kind, "UnitKind")


class EmployeeFilter(Schema):
    unit: str | None = Field(None, description="Mã đơn vị (gồm cả đơn vị trực thuộc)")
    q: str | None = Field(
        None,
        description="Tìm theo tên (có dấu hay không dấu, chữ hoa hay thường; đủ mọi từ đã gõ) hoặc đầu mã chấm công",
    )
    category: Employee.Category | None = None
    active: bool | None = None


class ErrorBody(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(..., description="validation_error, unauthorized, forbidden, not_found, …")
    message: str
    fields: dict[str, list[str]] | None = Field(None, description="Lỗi theo từng trường (chỉ khi dữ liệu sai)")


class ErrorOut(Schema):
    """The one error envelope (`hr_system.api_base.error_body`): the body of every 4xx."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorBody


class OrgUnitOut(Schema):
    code: str
    name: str
    kind: UnitKind
    admin_code: str
    parent: str | None = Field(None, alias="parent.code")
    depth: int
    valid_from: dt.date | None
    valid_to: dt.date | None


class UnitSummaryOut(Schema):
    code: str
    name: str
    depth: int
    employees: int


class OrgUnitDetailOut(OrgUnitOut):
    children: list[str]
    predecessors: list[str]
    successors: list[str]
    employee_count: int


class OrgUnitIn(InSchema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=200)
    kind: UnitKind
    parent: str | None = None
    admin_code: str = Field("", max_length=16)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class OrgUnitPatch(PatchSchema):
    nullable = frozenset({"valid_from", "valid_to"})

    name: str | None = Field(None, min_length=1, max_length=200)
    admin_code: str | None = Field(None, max_length=16)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class EmployeeOut(Schema):
    code: str
    full_name: str
    # Null unless the caller may see it: an HR officer in scope, or the person (issue 16).
    date_of_birth: dt.date | None = Field(
        None, alias="shown_date_of_birth", description="Ngày sinh: chỉ Phòng Nội vụ trong phạm vi và chính người đó"
    )
    gender: str
    category: Employee.Category
    job_title: str
    rank: str
    unit: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    sector_start: dt.date | None
    unit_start: dt.date | None
    hardship_years: Decimal
    home_commune: str
    distance_km: Decimal | None
    start_date: dt.date | None
    leave_date: dt.date | None
    has_account: bool

    @staticmethod
    def resolve_has_account(obj) -> bool:
        return obj.user_id is not None


class EmployeeDetailOut(EmployeeOut):
    """One employee. The citizen-ID number only for HR officers whose scope covers the
    person (null for everyone else); lists never carry it."""

    citizen_id: str | None = Field(None, alias="shown_citizen_id", description="Số định danh cá nhân (12 chữ số)")


class EmployeeFields(InSchema):
    full_name: str = Field(..., min_length=1, max_length=120)
    date_of_birth: dt.date | None = None
    citizen_id: str | None = Field(None, max_length=32, description="Số định danh cá nhân (căn cước): 12 chữ số")
    gender: Employee.Gender | None = None
    category: Employee.Category
    job_title: str = Field("", max_length=120)
    rank: str = Field("", max_length=120)
    unit: str
    sector_start: dt.date | None = None
    unit_start: dt.date | None = None
    hardship_years: Decimal = Field(Decimal(0), ge=0, le=99)
    home_commune: str = Field("", max_length=120)
    distance_km: Decimal | None = Field(None, ge=0, le=9999)
    start_date: dt.date | None = None
    leave_date: dt.date | None = None


class EmployeeIn(EmployeeFields):
    code: str = Field(..., pattern=EMPLOYEE_CODE_RE)


class EmployeePatch(PatchSchema):
    nullable = frozenset(
        {
            "date_of_birth",
            "citizen_id",
            "gender",
            "sector_start",
            "unit_start",
            "distance_km",
            "start_date",
            "leave_date",
        }
    )

    full_name: str | None = Field(None, min_length=1, max_length=120)
    date_of_birth: dt.date | None = None
    citizen_id: str | None = Field(None, max_length=32, description="Số định danh cá nhân (căn cước): 12 chữ số")
    gender: Employee.Gender | None = None
    category: Employee.Category | None = None
    job_title: str | None = Field(None, max_length=120)
    rank: str | None = Field(None, max_length=120)
    unit: str | None = None
    sector_start: dt.date | None = None
    unit_start: dt.date | None = None
    hardship_years: Decimal | None = Field(None, ge=0, le=99)
    home_commune: str | None = Field(None, max_length=120)
    distance_km: Decimal | None = Field(None, ge=0, le=9999)
    start_date: dt.date | None = None
    leave_date: dt.date | None = None


class RejectedRowOut(Schema):
    row: int
    code: str
    reason: str


class ImportReportOut(Schema):
    total_rows: int
    created: int
    updated: int
    rejected: list[RejectedRowOut]
    written: bool
    dry_run: bool


ConsentPurpose = choices(Consent.Purpose, "ConsentPurpose")


class ConsentIn(InSchema):
    purpose: ConsentPurpose
    evidence: str = Field(..., max_length=200, description="Căn cứ, ví dụ: phiếu đồng ý số 12/2026")
    given_at: dt.datetime | None = Field(None, description="Thời điểm ký phiếu đồng ý; mặc định: lúc ghi")


class ConsentOut(Schema):
    id: int
    employee: str = Field(..., alias="employee.code")
    purpose: ConsentPurpose
    given_at: dt.datetime
    evidence: str
    recorded_by: str | None
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    active: bool

    @staticmethod
    def resolve_recorded_by(obj) -> str | None:
        return obj.recorded_by.username if obj.recorded_by_id else None

    @staticmethod
    def resolve_withdrawn_by(obj) -> str | None:
        return obj.withdrawn_by.username if obj.withdrawn_by_id else None

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.withdrawn_at is None


# --- own-data export (issue 16): hr_system.personal_data --------------------------------


class PersonalFieldOut(Schema):
    label: str
    value: Any = Field(None, description="chuỗi, số, ngày (ISO 8601), true/false hoặc null")


class PersonalSectionOut(Schema):
    key: str = Field(..., description="phân hệ.phần, ví dụ hr_system.profile")
    title: str
    fields: list[PersonalFieldOut] | None = Field(None, description="một bản ghi: các cặp nhãn — giá trị")
    columns: list[str] | None = Field(None, description="một bảng: tên cột")
    rows: list[list[Any]] | None = Field(None, description="một bảng: các dòng, theo thứ tự cột")
    note: str = ""


class PersonalDataOut(Schema):
    generated_at: dt.datetime
    employee_code: str
    sections: list[PersonalSectionOut]


# --- signed documents ---------------------------------------------------------------


class SignIn(InSchema):
    """Sign a document: the signer's credential and its PIN or passphrase (write-only:
    used for this one signature, never stored, never returned, never logged)."""

    credential: int = Field(..., ge=1, le=2**63 - 1)
    secret: str = Field(..., min_length=1, max_length=256, json_schema_extra={"writeOnly": True})
    agency_credential: int | None = Field(None, ge=1, le=2**63 - 1)
    agency_secret: str | None = Field(None, max_length=256, json_schema_extra={"writeOnly": True})


class SignedDocumentOut(Schema):
    id: int
    kind: str
    subject_key: str
    unit: str = Field(..., alias="unit.code")
    title: str
    filename: str
    sha256: str
    size: int
    status: str
    signer_name: str
    signed_at: dt.datetime
    voided_at: dt.datetime | None
    void_reason: str
