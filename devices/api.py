"""Devices API: registry, health, sync history, punches, ADMS commands, roster sync."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from devices import actions
from devices.access import (
    check_date_range,
    devices_for,
    get_device_for_user,
    punches_for,
    require_device_approver,
    require_device_registrar,
    units_for_devices,
)
from devices.models import Device
from devices.roster_sync import apply_plan, make_plan
from devices.schemas import (
    DeviceCommandIn,
    DeviceCommandOut,
    DeviceFilter,
    DeviceIn,
    DeviceOut,
    DevicePatch,
    PunchFilter,
    PunchOut,
    SyncRunOut,
)
from devices.sync import client_for
from devices.template_crypto import TemplateKeyError
from devices.zk.client import DeviceError
from hr_system import access
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.models import AuditLog

router = Router(tags=["Máy chấm công"])


def _managed_units(user, codes: list[str], field: str):
    """Units by code among those the user manages; any other code is a field error
    (that names nothing of a unit outside the user's scope)."""
    codes = sorted({c for c in codes if c})
    units = list(units_for_devices(user).filter(code__in=codes))
    if len(units) != len(codes):
        raise invalid(field, "Không có đơn vị này trong phạm vi bạn quản lý.")
    return units


def _apply(device: Device, data: dict, user) -> list | None:
    """Set the given fields on the device and validate it; return the extra units to set
    once it is saved (None: unchanged). Every unit named must be one the user manages,
    or a commune's officer could make their clock count another commune's people."""
    touched = set(data)
    if "unit" in data:
        code = data.pop("unit")
        unit = units_for_devices(user).filter(code=code).first() if code else None
        if code and unit is None:
            raise invalid("unit", "Không có đơn vị này trong phạm vi bạn quản lý.")
        if unit is None and not access.is_admin(user):
            raise invalid("unit", "Phải chọn đơn vị cho máy chấm công.")
        device.unit = unit
    extra_units = None
    if "extra_units" in data:
        extra_units = _managed_units(user, data.pop("extra_units") or [], "extra_units")
    if "accepts_subtree" in data:
        code = data.pop("accepts_subtree")
        device.accepts_subtree = _managed_units(user, [code], "accepts_subtree")[0] if code else None
    if "serial_number" in data:
        data["serial_number"] = (data["serial_number"] or "").strip() or None
    for name, value in data.items():
        setattr(device, name, value)
    new_push = device.pk is None or touched & {"transport", "serial_number"}
    if device.transport == Device.Transport.PUSH and not device.serial_number and new_push:
        raise invalid("serial_number", "Máy ADMS cần số serial: máy lạ không được nhận dữ liệu.")
    try:
        device.full_clean()
    except ValidationError as exc:
        raise ApiError(422, "validation_error", "Dữ liệu không hợp lệ.", exc.message_dict) from None
    return extra_units


@router.get("/", response=list[DeviceOut])
@paginate(PageNumber)
def list_devices(request, filters: Query[DeviceFilter]):
    """Clocks in view, by name; `?serial=` finds the one with that serial number."""
    devices = devices_for(request.user)
    if filters.serial:
        devices = devices.filter(serial_number__iexact=filters.serial.strip())
    return devices.order_by("name", "pk")


@router.post("/", response={201: DeviceOut})
def create_device(request, payload: DeviceIn):
    """Register a clock: TCP/UDP by address, or an ADMS/PUSH clock by its serial number
    before it first connects (unknown serials are refused unless ADMS_AUTO_REGISTER)."""
    require_device_registrar(request.user)
    device = Device()
    extra_units = _apply(device, payload.dict(), request.user)
    with transaction.atomic():
        device.save()
        device.extra_units.set(extra_units or [])
        AuditLog.record(user=request.user, action="device.create", obj=device)
    return Status(201, device)


@router.get("/health", response=list[DeviceOut])
def devices_health(request):
    """Every visible clock with its health and alerts, alerting ones first (file-import
    sources have no connection to be healthy or not: they are left out)."""
    devices = list(devices_for(request.user).clocks().order_by("name"))
    return sorted(devices, key=lambda d: (not d.health().alerts, d.name))


@router.get("/punches", response=list[PunchOut])
@paginate(PageNumber)
def list_punches(request, filters: Query[PunchFilter]):
    """Raw punches, newest first: by work days (local dates), employee code and clock."""
    problem = check_date_range(filters.date_from, filters.date_to)
    if problem:
        raise invalid("date_to", problem)
    return punches_for(request.user, **filters.dict()).order_by("-timestamp", "-id")


@router.get("/{device_id}", response=DeviceOut)
def get_device(request, device_id: int):
    return get_device_for_user(request.user, device_id)


@router.patch("/{device_id}", response=DeviceOut)
def update_device(request, device_id: int, payload: DevicePatch):
    """Change a clock's settings. A change of how it is reached (address, port,
    transport, comm key, serial, enabled) clears its failure backoff: it is tried at once."""
    device = get_device_for_user(request.user, device_id, write=True)
    changes = payload.dict(exclude_unset=True)
    fields = sorted(changes)
    extra_units = _apply(device, dict(changes), request.user)
    with transaction.atomic():
        # Only the fields sent: a full save would write back the poller's fields (lease,
        # failures, counts) as they were read, over what it did meanwhile.
        update_fields = [f for f in fields if f != "extra_units"]
        if update_fields:
            device.save(update_fields=update_fields)
        if extra_units is not None:
            device.extra_units.set(extra_units)
        if Device.CONNECTION_FIELDS & set(fields):
            device.clear_backoff()
        AuditLog.record(user=request.user, action="device.update", obj=device, changes=fields)
    return device


@router.post("/{device_id}/approve", response=DeviceOut)
def approve_device(request, device_id: int, unit: str):
    """Approve a pending ADMS device and assign it to a unit; its kept data becomes usable."""
    require_device_approver(request.user)
    device = get_device_for_user(request.user, device_id)
    target = access.get_unit_for_user(request.user, unit)
    return actions.approve_device(acting_user=request.user, device=device, unit=target)


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


@router.get("/{device_id}/commands", response=list[DeviceCommandOut])
@paginate(PageNumber)
def list_commands(request, device_id: int):
    """The ADMS command queue of one clock, newest first."""
    return get_device_for_user(request.user, device_id).commands.order_by("-created_at", "-id")


@router.post("/{device_id}/commands", response={201: DeviceCommandOut})
def queue_command(request, device_id: int, payload: DeviceCommandIn):
    """Queue a command for an ADMS clock; it is handed out on the clock's next poll.

    user_update writes a person of the caller's scope whom the clock serves; user_delete
    removes a code from the clock (any code: also accounts that are nobody's)."""
    device = get_device_for_user(request.user, device_id, write=True)
    employee = None
    if payload.kind in ("user_update", "user_delete") and not payload.user_id:
        raise invalid("user_id", "Cần mã chấm công.")
    if payload.kind == "user_update":
        employee = access.get_employee_for_user(request.user, payload.user_id)
    try:
        command = actions.queue_command(
            acting_user=request.user, device=device, kind=payload.kind, employee=employee, user_id=payload.user_id or ""
        )
    except actions.DeviceActionError as exc:
        raise invalid(exc.field, str(exc)) from None
    return Status(201, command)


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
    except TemplateKeyError as exc:  # a misconfigured key: nothing was written to the clock
        raise ApiError(503, "template_key", str(exc)) from None
    return {"dry_run": options.dry_run, **plan.as_dict()}
