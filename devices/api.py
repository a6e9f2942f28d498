"""Devices API: registry, health, sync history, punches, roster sync."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from devices.access import (
    devices_for,
    get_device_for_user,
    punches_for,
    require_device_approver,
    require_device_registrar,
    units_for_devices,
)
from devices.models import Device
from devices.roster_sync import apply_plan, make_plan
from devices.schemas import DeviceIn, DeviceOut, DevicePatch, PunchOut, SyncRunOut
from devices.sync import client_for
from devices.zk.client import DeviceError
from hr_system import access
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.models import AuditLog

router = Router(tags=["Máy chấm công"])


def _apply(device: Device, data: dict, user) -> None:
    if "unit" in data:
        code = data.pop("unit")
        unit = units_for_devices(user).filter(code=code).first() if code else None
        if code and unit is None:
            raise invalid("unit", "Không có đơn vị này trong phạm vi bạn quản lý.")
        if unit is None and not access.is_admin(user):
            raise invalid("unit", "Phải chọn đơn vị cho máy chấm công.")
        device.unit = unit
    for name, value in data.items():
        setattr(device, name, value)
    try:
        device.full_clean(exclude=["serial_number"])
    except ValidationError as exc:
        raise ApiError(422, "validation_error", "Dữ liệu không hợp lệ.", exc.message_dict) from None


@router.get("/", response=list[DeviceOut])
@paginate(PageNumber)
def list_devices(request):
    return devices_for(request.user).order_by("name")


@router.post("/", response={201: DeviceOut})
def create_device(request, payload: DeviceIn):
    require_device_registrar(request.user)
    device = Device()
    _apply(device, payload.dict(), request.user)
    with transaction.atomic():
        device.save()
        AuditLog.record(user=request.user, action="device.create", obj=device)
    return Status(201, device)


@router.get("/health", response=list[DeviceOut])
def devices_health(request):
    """Every visible device with its health and alerts, alerting ones first."""
    devices = list(devices_for(request.user).order_by("name"))
    return sorted(devices, key=lambda d: (not d.health().alerts, d.name))


@router.get("/punches", response=list[PunchOut])
@paginate(PageNumber)
def list_punches(request, employee: str | None = None, device: int | None = None):
    return punches_for(request.user, employee=employee, device=device).order_by("-timestamp", "-id")


@router.get("/{device_id}", response=DeviceOut)
def get_device(request, device_id: int):
    return get_device_for_user(request.user, device_id)


@router.patch("/{device_id}", response=DeviceOut)
def update_device(request, device_id: int, payload: DevicePatch):
    device = get_device_for_user(request.user, device_id, write=True)
    changes = payload.dict(exclude_unset=True)
    _apply(device, changes, request.user)
    with transaction.atomic():
        device.save()
        AuditLog.record(user=request.user, action="device.update", obj=device, changes=sorted(changes))
    return device


@router.post("/{device_id}/approve", response=DeviceOut)
def approve_device(request, device_id: int, unit: str):
    """Approve a pending ADMS device and assign it to a unit; its kept data becomes usable."""
    require_device_approver(request.user)
    device = get_device_for_user(request.user, device_id)
    target = access.get_unit_for_user(request.user, unit)
    Device.objects.filter(pk=device.pk).update(approved=True, unit=target)
    AuditLog.record(user=request.user, action="device.approve", obj=device, unit=unit)
    device.refresh_from_db()
    return device


@router.post("/{device_id}/poll-now", response=DeviceOut)
def poll_now(request, device_id: int):
    """Make the device due at once; the next poller round fetches it."""
    device = get_device_for_user(request.user, device_id, write=True)
    Device.objects.filter(pk=device.pk).update(next_poll_at=timezone.now())
    device.refresh_from_db()
    return device


@router.get("/{device_id}/sync-runs", response=list[SyncRunOut])
@paginate(PageNumber)
def sync_runs(request, device_id: int):
    return get_device_for_user(request.user, device_id).sync_runs.order_by("-started_at", "-id")


class RosterSyncIn(Schema):
    dry_run: bool = Field(True, description="Chỉ xem kế hoạch, không ghi vào máy")


@router.post("/{device_id}/roster-sync", response=dict)
def roster_sync(request, device_id: int, options: Query[RosterSyncIn]):
    device = get_device_for_user(request.user, device_id, write=True)
    if device.transport == Device.Transport.PUSH:
        raise invalid("device", "Máy ADMS nhận danh sách qua hàng đợi lệnh, không kết nối trực tiếp.")
    try:
        with client_for(device) as client:
            plan, users = make_plan(device, client)
            if not options.dry_run:
                apply_plan(device, client, plan, users, acting_user=request.user)
    except DeviceError as exc:
        raise ApiError(502, "device_error", str(exc)) from None
    return {"dry_run": options.dry_run, **plan.as_dict()}
