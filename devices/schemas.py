from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from devices.access import MATCH_LABELS, punch_match
from devices.models import Device
from hr_system.schemas import InSchema, PatchSchema

SERIAL_HELP = "Số serial của máy (bắt buộc với máy ADMS: máy lạ không được nhận)"
EXTRA_UNITS_HELP = "Mã các đơn vị dùng chung máy (cả đơn vị trực thuộc); danh sách người dùng trên máy gồm cả họ"
ACCEPTS_HELP = (
    "Mã đơn vị mà mọi cán bộ thuộc nó (cả đơn vị trực thuộc) được tính công khi chấm trên máy này, "
    "dành cho cán bộ làm việc ở nhiều cơ quan; rỗng: không"
)


class DeviceHealthOut(Schema):
    online: bool
    offline_minutes: int | None
    capacity_percent: float | None
    drift_seconds: int | None
    alerts: list[str]


class DeviceOut(Schema):
    """Never includes the comm key: it is write-only."""

    id: int
    name: str
    unit: str | None = Field(None, alias="unit.code")
    host: str
    port: int
    transport: Device.Transport
    timezone: str
    enabled: bool
    approved: bool
    poll_interval: int
    clock_policy: Device.ClockPolicy
    log_policy: Device.LogPolicy
    serial_number: str | None
    extra_units: list[str]
    accepts_subtree: str | None = Field(None, alias="accepts_subtree.code")
    failures: int
    next_poll_at: dt.datetime
    firmware: str
    platform: str
    last_contact_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error: str
    clock_drift: int | None
    user_count: int | None
    record_count: int | None
    record_capacity: int | None
    has_comm_key: bool
    file_source: bool = Field(..., description="Nguồn nhập tệp, không phải máy chấm công: không có trạng thái kết nối")
    health: DeviceHealthOut

    @staticmethod
    def resolve_extra_units(obj) -> list[str]:
        return sorted(u.code for u in obj.extra_units.all())

    @staticmethod
    def resolve_has_comm_key(obj) -> bool:
        return bool(obj.comm_key)

    @staticmethod
    def resolve_health(obj) -> dict:
        return obj.health().__dict__


class DeviceIn(InSchema):
    name: str = Field(..., min_length=1, max_length=100)
    unit: str | None = None
    host: str = Field("", max_length=253)
    port: int = Field(4370, ge=1, le=65535)
    transport: Device.Transport = Device.Transport.TCP
    comm_key: int = Field(0, ge=0, le=999999)
    timezone: str = "Asia/Ho_Chi_Minh"
    enabled: bool = True
    poll_interval: int = Field(300, ge=10, le=86400)
    clock_policy: Device.ClockPolicy = Device.ClockPolicy.MEASURE
    log_policy: Device.LogPolicy = Device.LogPolicy.KEEP
    serial_number: str | None = Field(None, min_length=1, max_length=64, description=SERIAL_HELP)
    extra_units: list[str] = Field([], max_length=50, description=EXTRA_UNITS_HELP)
    accepts_subtree: str | None = Field(None, max_length=32, description=ACCEPTS_HELP)


class DevicePatch(PatchSchema):
    # null unassigns a clock (administrators), clears its serial, shared units, subtree
    nullable = frozenset({"unit", "serial_number", "extra_units", "accepts_subtree"})

    name: str | None = Field(None, min_length=1, max_length=100)
    unit: str | None = None
    host: str | None = Field(None, max_length=253)
    port: int | None = Field(None, ge=1, le=65535)
    transport: Device.Transport | None = None
    comm_key: int | None = Field(None, ge=0, le=999999)
    timezone: str | None = None
    enabled: bool | None = None
    poll_interval: int | None = Field(None, ge=10, le=86400)
    clock_policy: Device.ClockPolicy | None = None
    log_policy: Device.LogPolicy | None = None
    serial_number: str | None = Field(None, min_length=1, max_length=64, description=SERIAL_HELP)
    extra_units: list[str] | None = Field(None, max_length=50, description=EXTRA_UNITS_HELP)
    accepts_subtree: str | None = Field(None, max_length=32, description=ACCEPTS_HELP)


class SyncRunOut(Schema):
    id: int
    kind: str
    worker: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    ok: bool
    skipped: bool
    fetched: int
    new: int
    duplicates: int
    invalid: int
    error: str


def _iso_date(value):
    """ISO 8601 dates (the API's format), refused with a Vietnamese message."""
    if value in (None, "") or isinstance(value, dt.date):
        return value or None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PydanticCustomError("date", "Ngày không hợp lệ: cần dạng YYYY-MM-DD, ví dụ 2026-03-31.") from None


class PunchFilter(Schema):
    """Filters of the punch list; every one optional, combined with AND."""

    date_from: dt.date | None = Field(None, description="Từ ngày làm việc (giờ Việt Nam), YYYY-MM-DD")
    date_to: dt.date | None = Field(None, description="Đến ngày làm việc (tính cả ngày này), YYYY-MM-DD")
    employee: str | None = Field(None, max_length=9, description="Mã chấm công của cán bộ")
    device: int | None = Field(None, ge=1, description="Mã số (id) máy chấm công")

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _dates(cls, value):
        return _iso_date(value)


class DeviceFilter(Schema):
    serial: str | None = Field(
        None, max_length=64, description="Số serial của máy (không phân biệt chữ hoa, chữ thường)"
    )


class PunchOut(Schema):
    """A raw punch. `employee` and `employee_name` only for a person the caller may see
    and the clock serves; any other code reads `match` "other_unit" ("mã khác đơn vị")."""

    id: int
    device: str = Field(..., alias="device.name")
    device_user_id: str
    employee: str | None = None
    employee_name: str | None = None
    match: Literal["matched", "other_unit", "unmatched"]
    match_label: str
    local_time: str
    timestamp: dt.datetime
    status: int
    punch: int
    source: str
    received_at: dt.datetime

    @staticmethod
    def resolve_employee(obj) -> str | None:
        return obj.employee.code if punch_match(obj) == "matched" else None

    @staticmethod
    def resolve_employee_name(obj) -> str | None:
        return obj.employee.full_name if punch_match(obj) == "matched" else None

    @staticmethod
    def resolve_match(obj) -> str:
        return punch_match(obj)

    @staticmethod
    def resolve_match_label(obj) -> str:
        return str(MATCH_LABELS[punch_match(obj)])


CommandKind = Literal["time_sync", "log_upload", "log_recheck", "user_update", "user_delete", "reboot"]


class DeviceCommandIn(InSchema):
    kind: CommandKind = Field(
        ...,
        description="time_sync: đặt giờ; log_upload: gửi dữ liệu mới; log_recheck: gửi lại từ mốc đã lưu; "
        "user_update: thêm/cập nhật cán bộ trên máy; user_delete: xóa mã khỏi máy; reboot: khởi động lại",
    )
    user_id: str | None = Field(
        None, min_length=1, max_length=24, description="Mã chấm công (user_update, user_delete)"
    )


class DeviceCommandOut(Schema):
    id: int
    command: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    done_at: dt.datetime | None
    return_code: int | None

    @staticmethod
    def resolve_command(obj) -> str:
        # A fingerprint command (queued through the admin) carries a template: never echoed.
        return re.sub(r"TMP=[^\t]*", "TMP=…", obj.command)[:200]
