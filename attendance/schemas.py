"""Attendance API schemas: explicit fields in and out; inputs reject unknown keys."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, WithJsonSchema, field_validator, model_validator

from attendance.models import (
    CalendarDay,
    Correction,
    DisciplineRule,
    EmployeeSchedule,
    LeaveRequest,
    LeaveType,
    SinglePunchRule,
)
from hr_system.schemas import InSchema, PatchSchema, choices

MONTH_DAY = r"^\d{2}-\d{2}$"
CorrectionKind = choices(Correction.Kind, "CorrectionKind")
CalendarDayKind = choices(CalendarDay.Kind, "CalendarDayKind")
RequestStatus = choices(LeaveRequest.Status, "RequestStatus")


def _naive(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("Giờ theo giờ địa phương, không kèm múi giờ (HH:MM hoặc HH:MM:SS).")
    return value


# A wall-clock time of the unit's day ("07:30", "07:30:00"). Pydantic documents dt.time as
# `format: time`, which (RFC 3339) requires an offset these values never have.
LocalTime = Annotated[
    dt.time,
    AfterValidator(_naive),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"}),
]


# --- day results -------------------------------------------------------------------


class SessionOut(Schema):
    start: str
    end: str
    first_in: str | None = None
    last_out: str | None = None
    late_minutes: int = 0
    early_minutes: int = 0
    status: str = ""


class UncorrectedOut(Schema):
    """What the punches alone said about a day an approved correction changed."""

    status: str
    symbol: str
    late_minutes: int = 0
    early_minutes: int = 0
    missing_punches: int = 0


class DayOut(Schema):
    date: dt.date
    status: str = Field(..., description="not_tracked: trước ngày bắt đầu theo dõi chấm công (ký hiệu trống)")
    status_label: str
    symbol: str
    late_minutes: int
    early_minutes: int
    worked_minutes: int
    missing_punches: int
    late_count: int
    early_count: int
    absent_units: float = Field(..., description="Số ngày vắng không lý do (0, 0.5, 1)")
    corrected: bool = Field(..., description="Ngày đã được điều chỉnh theo đề nghị được duyệt")
    uncorrected: UncorrectedOut | None = Field(None, description="Kết quả theo lượt chấm công, trước điều chỉnh")
    sessions: list[SessionOut]
    reasons: list[str]

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_uncorrected(obj) -> dict | None:
        return obj.uncorrected if obj.corrected and obj.uncorrected else None


class UnitDayOut(DayOut):
    employee: str = Field(..., alias="employee.code")
    employee_name: str = Field(..., alias="employee.full_name")


# --- timesheet and discipline (shapes of attendance.reports) ----------------------


def _code(value) -> str:
    return getattr(value, "code", value)


def _month(value) -> str:
    return value.strftime("%Y-%m") if isinstance(value, dt.date) else str(value)


class TimesheetRowOut(Schema):
    employee_code: str
    full_name: str
    position: str = ""
    unit_name: str = ""
    days: dict[str, str]
    corrected: dict[str, UncorrectedOut] = Field(
        default_factory=dict, description="Ngày đã điều chỉnh → kết quả theo lượt chấm công"
    )
    totals: dict[str, float]
    late_count: int = 0
    early_count: int = 0
    absent_days: float = 0


class TimesheetOut(Schema):
    unit: str
    unit_name: str = ""
    month: str
    locked: bool
    days_in_month: int | None = None
    rows: list[TimesheetRowOut]

    @staticmethod
    def resolve_unit(obj) -> str:
        return _code(obj["unit"])

    @staticmethod
    def resolve_month(obj) -> str:
        return _month(obj["month"])


class DisciplineFlagOut(Schema):
    rule: str
    metric: str
    threshold: int
    value: float
    month: str = ""
    action: str


class DisciplineRowOut(Schema):
    employee_code: str
    full_name: str
    unit_name: str = ""
    late_count: int
    late_minutes: int
    early_count: int
    early_minutes: int
    absent_days: float
    missing_punches: int
    flags: list[DisciplineFlagOut]


class DisciplineOut(Schema):
    unit: str
    unit_name: str = ""
    start: dt.date
    end: dt.date
    rows: list[DisciplineRowOut]
    note: str = ""

    @staticmethod
    def resolve_unit(obj) -> str:
        return _code(obj["unit"])


# --- leave ---------------------------------------------------------------------------


class LeaveIn(InSchema):
    employee: str | None = Field(None, description="Mã chấm công; bỏ trống: đơn của chính mình")
    leave_type: LeaveType
    start_date: dt.date
    end_date: dt.date
    portion: LeaveRequest.Portion = LeaveRequest.Portion.FULL
    reason: str = Field(..., min_length=1, max_length=2000)
    approve: bool = Field(False, description="Trưởng đơn vị/Phòng Nội vụ duyệt luôn khi nhập")


class LeaveFilter(Schema):
    status: RequestStatus | None = None
    employee: str | None = None


class DecisionIn(InSchema):
    note: str = Field("", max_length=2000)


class LeaveOut(Schema):
    id: int
    employee: str = Field(..., alias="employee.code")
    employee_name: str = Field(..., alias="employee.full_name")
    leave_type: str
    leave_type_label: str
    start_date: dt.date
    end_date: dt.date
    portion: str
    reason: str
    status: str
    status_label: str
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    has_attachment: bool

    @staticmethod
    def resolve_leave_type_label(obj) -> str:
        return obj.get_leave_type_display()

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_requested_by(obj) -> str | None:
        return obj.requested_by.username if obj.requested_by_id else None

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return obj.decided_by.username if obj.decided_by_id else None

    @staticmethod
    def resolve_has_attachment(obj) -> bool:
        return bool(obj.attachment)


class LeaveBalanceOut(Schema):
    employee: str
    year: int
    years_of_service: int
    entitled: float
    used: float
    remaining: float


# --- corrections ---------------------------------------------------------------------


class CorrectionIn(InSchema):
    employee: str | None = Field(None, description="Mã chấm công; bỏ trống: đề nghị của chính mình")
    date: dt.date
    kind: CorrectionKind
    session: Correction.Session = Correction.Session.ALL
    time_in: LocalTime | None = None
    time_out: LocalTime | None = None
    reason: str = Field(..., min_length=1, max_length=2000)
    approve: bool = False

    @model_validator(mode="after")
    def forgot_needs_a_time(self):
        # Without times the engine treats a correction as an excused session; a forgotten
        # punch must say when the person actually arrived or left.
        if self.kind == Correction.Kind.FORGOT and self.time_in is None and self.time_out is None:
            raise ValueError("Quên chấm công: cần ghi giờ vào hoặc giờ ra.")
        return self


class CorrectionFilter(Schema):
    status: RequestStatus | None = None
    employee: str | None = None


class CorrectionOut(Schema):
    id: int
    employee: str = Field(..., alias="employee.code")
    employee_name: str = Field(..., alias="employee.full_name")
    date: dt.date
    kind: str
    kind_label: str
    session: str
    time_in: LocalTime | None
    time_out: LocalTime | None
    reason: str
    status: str
    status_label: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()


# --- schedules ----------------------------------------------------------------------


def _valid_month_day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        dt.date(2000, int(value[:2]), int(value[3:]))  # 2000 is a leap year: 02-29 is allowed
    except ValueError:
        raise ValueError("Ngày trong năm không hợp lệ (MM-DD).") from None
    return value


class ScheduleSessionIn(InSchema):
    start: LocalTime
    end: LocalTime
    season_start: str | None = Field(None, pattern=MONTH_DAY, description="MM-DD, ví dụ 04-16")
    season_end: str | None = Field(None, pattern=MONTH_DAY, description="MM-DD, ví dụ 10-15")

    check_month_days = field_validator("season_start", "season_end")(_valid_month_day)

    @model_validator(mode="after")
    def season_is_a_pair(self):
        if bool(self.season_start) != bool(self.season_end):
            raise ValueError("Mùa cần có cả ngày bắt đầu và ngày kết thúc.")
        return self


class ScheduleIn(InSchema):
    unit: str
    name: str = Field(..., min_length=1, max_length=120)
    valid_from: dt.date
    valid_to: dt.date | None = None
    weekdays: str = Field("01234", pattern=r"^[0-6]{1,7}$", description="0 = thứ Hai … 6 = Chủ nhật")
    sessions: list[ScheduleSessionIn] = Field(..., min_length=1, max_length=8)
    late_grace: int = Field(5, ge=0, le=120)
    early_grace: int = Field(5, ge=0, le=120)
    window_before: int = Field(60, ge=0, le=720)
    window_after: int = Field(60, ge=0, le=720)
    debounce: int = Field(3, ge=0, le=60)
    employees: list[str] = Field(default_factory=list, description="Mã chấm công: lịch riêng cho từng người")


class ScheduleUpdateIn(PatchSchema):
    """A correction of a schedule; a field left out stays as it is. `valid_to` closes it
    (null reopens it); `sessions`, when given, replace all of its sessions."""

    nullable = frozenset({"valid_to"})

    name: str | None = Field(None, min_length=1, max_length=120)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    weekdays: str | None = Field(None, pattern=r"^[0-6]{1,7}$", description="0 = thứ Hai … 6 = Chủ nhật")
    sessions: list[ScheduleSessionIn] | None = Field(None, min_length=1, max_length=8)
    late_grace: int | None = Field(None, ge=0, le=120)
    early_grace: int | None = Field(None, ge=0, le=120)
    window_before: int | None = Field(None, ge=0, le=720)
    window_after: int | None = Field(None, ge=0, le=720)
    debounce: int | None = Field(None, ge=0, le=60)


class CloseIn(InSchema):
    valid_to: dt.date = Field(..., description="Ngày cuối cùng còn hiệu lực")


class ScheduleSessionOut(Schema):
    start: LocalTime
    end: LocalTime
    season_start: str
    season_end: str


class ScheduleOut(Schema):
    id: int
    unit: str | None = Field(None, alias="unit.code")
    name: str
    valid_from: dt.date
    valid_to: dt.date | None
    weekdays: str
    late_grace: int
    early_grace: int
    window_before: int
    window_after: int
    debounce: int
    sessions: list[ScheduleSessionOut]
    employees: list[str]

    @staticmethod
    def resolve_sessions(obj) -> list:
        return sorted(obj.sessions.all(), key=lambda s: (s.season_start, s.order))

    @staticmethod
    def resolve_employees(obj) -> list[str]:
        return list(
            EmployeeSchedule.objects.filter(schedule=obj)
            .order_by("employee__code")
            .values_list("employee__code", flat=True)
        )


# --- calendar -----------------------------------------------------------------------


class CalendarDayIn(InSchema):
    date: dt.date
    kind: CalendarDayKind
    name: str = Field("", max_length=200)
    notice: str = Field("", max_length=100, description="Số văn bản, ví dụ 12729/VPCP-KGVX")
    unit: str | None = Field(None, description="Mã đơn vị; bỏ trống: lịch chung toàn quốc")


class CalendarDayOut(Schema):
    id: int
    date: dt.date
    kind: str
    kind_label: str
    name: str
    notice: str
    unit: str | None = Field(None, alias="unit.code")
    source: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()


class CalendarDayUpdateIn(PatchSchema):
    kind: CalendarDayKind | None = None
    name: str | None = Field(None, max_length=200)
    notice: str | None = Field(None, max_length=100)


class SeedIn(InSchema):
    year: int = Field(..., ge=2000, le=2100)


class SeedOut(Schema):
    year: int
    created: int


# --- today's board ----------------------------------------------------------------------


class BoardRowOut(Schema):
    employee_code: str
    full_name: str
    unit: str
    status: str
    status_label: str
    first_punch: str | None
    late_minutes: int
    note: str
    corrected: bool = Field(False, description="Hôm nay đã được điều chỉnh theo đề nghị được duyệt")
    uncorrected: str = Field("", description="Kết quả theo lượt chấm công, trước điều chỉnh")


class BoardOut(Schema):
    unit: str
    date: dt.date
    generated_at: dt.datetime
    counts: dict[str, int]
    rows: list[BoardRowOut]


# --- unit rules: discipline thresholds, the single-punch option, go-live dates -----------

DisciplineMetric = choices(DisciplineRule.Metric, "DisciplineMetric")
SinglePunchOption = choices(SinglePunchRule.Option, "SinglePunchOption")


class DisciplineRuleIn(InSchema):
    unit: str
    metric: DisciplineMetric
    threshold: int = Field(..., ge=1, le=100000, description="Từ giá trị này trở lên trong một tháng")
    action: str = Field("Nhắc nhở bằng văn bản", min_length=1, max_length=200)
    valid_from: dt.date
    valid_to: dt.date | None = None


class DisciplineRuleOut(Schema):
    id: int
    unit: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    metric: str
    metric_label: str
    threshold: int
    action: str
    valid_from: dt.date
    valid_to: dt.date | None

    @staticmethod
    def resolve_metric_label(obj) -> str:
        return obj.get_metric_display()


class SinglePunchRuleIn(InSchema):
    unit: str
    option: SinglePunchOption
    valid_from: dt.date
    valid_to: dt.date | None = None


class SinglePunchRuleOut(Schema):
    id: int
    unit: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    option: str
    option_label: str
    valid_from: dt.date
    valid_to: dt.date | None

    @staticmethod
    def resolve_option_label(obj) -> str:
        return obj.get_option_display()


class TrackingStartIn(InSchema):
    date: dt.date | None = Field(..., description="Ngày bắt đầu theo dõi chấm công; null: bỏ ngày riêng của đơn vị")
    note: str = Field("", max_length=200)


class TrackingStartOut(Schema):
    unit: str
    unit_name: str
    own_date: dt.date | None = Field(None, description="Ngày riêng của đơn vị")
    date: dt.date | None = Field(None, description="Ngày áp dụng (của đơn vị hoặc kế thừa từ cấp trên)")
    inherited_from: str | None = Field(None, description="Mã đơn vị cấp trên có ngày áp dụng")
    note: str = ""
    locked_months_kept: list[str] = Field(
        default_factory=list, description="Tháng đã khóa sổ giữ nguyên số liệu khi đổi ngày (YYYY-MM)"
    )
