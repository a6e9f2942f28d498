from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from devices.models import Device
from hr_system.schemas import InSchema, PatchSchema


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
    health: DeviceHealthOut

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


class PunchOut(Schema):
    id: int
    device: str = Field(..., alias="device.name")
    device_user_id: str
    employee: str | None = Field(None, alias="employee.code")
    local_time: str
    timestamp: dt.datetime
    status: int
    punch: int
    source: str
    received_at: dt.datetime
