"""Polling one clock: the unit of work of the poller command.

One call = one SyncRun row. The device's lease (Device.claim) is taken by the caller,
so any number of poller processes on any number of machines can share a database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.db.models import F
from django.utils import timezone

from devices import actions
from devices.models import Device, Punch, SyncRun
from devices.zk.client import DeviceError, DeviceNetworkError, ZKClient
from hr_system.models import AuditLog

ClientFactory = Callable[[Device], ZKClient]
NETWORK_RETRIES = 2  # a cut link is retried at once, then the device backs off


def client_for(device: Device) -> ZKClient:
    return ZKClient(
        device.host, device.port, comm_key=device.comm_key, udp=device.transport == Device.Transport.UDP, timeout=10
    )


def poll_device(device: Device, *, worker: str = "", client_factory: ClientFactory = client_for) -> SyncRun:
    """Fetch new punches from one device and record the attempt."""
    run = SyncRun.objects.create(device=device, kind="pull", worker=worker)
    started = timezone.now()
    attempt = 0
    while True:
        attempt += 1
        try:
            _poll_once(device, run, client_factory, started)
            break
        except DeviceNetworkError as exc:
            if attempt <= NETWORK_RETRIES:
                time.sleep(0.2 * attempt)
                continue
            _fail(device, run, exc)
            break
        except DeviceError as exc:
            _fail(device, run, exc)
            break
    run.finished_at = timezone.now()
    run.save()
    return run


def _poll_once(device: Device, run: SyncRun, client_factory: ClientFactory, started: dt.datetime) -> None:
    with client_factory(device) as client:
        info = client.info()
        device_now = client.get_time()
        now = timezone.now()
        drift = int((device.aware(device_now) - now).total_seconds())
        _record_identity(device, info)
        if device.clock_policy == Device.ClockPolicy.CORRECT and abs(drift) > device.clock_tolerance:
            client.set_time(timezone.localtime(now, device.tz).replace(tzinfo=None))
            AuditLog.record(user=None, action="device.clock_corrected", obj=device, drift_seconds=drift)
        unchanged = device.record_count is not None and device.last_success_at and info.records == device.record_count
        if unchanged and device.log_policy != Device.LogPolicy.CLEAR_VERIFIED:
            run.skipped = True
        else:
            clear = device.log_policy == Device.LogPolicy.CLEAR_VERIFIED and info.records > 0
            if clear:
                # Freeze the clock so nobody punches between our read and the clear.
                client.disable()
            try:
                punches, invalid = client.read_attendance()
                run.fetched, run.invalid = len(punches), invalid
                run.new, run.duplicates = actions.store_rows(device=device, rows=punches, source="pull")
                if clear and _all_stored(device, punches) and invalid == 0:
                    client.clear_attendance()
                    info.records = 0
                    AuditLog.record(user=None, action="device.log_cleared", obj=device, records=len(punches))
            finally:
                if clear:
                    client.enable()
    run.ok = True
    Device.objects.filter(pk=device.pk).update(
        last_contact_at=now,
        last_success_at=now,
        last_error="",
        failures=0,
        clock_drift=drift,
        record_count=info.records,
        user_count=info.users,
        record_capacity=info.records_capacity or None,
        synced_through=started,
        next_poll_at=now + dt.timedelta(seconds=device.poll_interval),
    )
    device.refresh_from_db()


def _record_identity(device: Device, info) -> None:
    """Serial number, firmware and platform are read on first contact (and kept current)."""
    changed = {}
    for field, value in (
        ("serial_number", info.serial_number or None),
        ("firmware", info.firmware),
        ("platform", info.platform),
    ):
        if value and getattr(device, field) != value:
            changed[field] = value
    serial = changed.get("serial_number")
    if serial and Device.objects.filter(serial_number=serial).exclude(pk=device.pk).exists():
        # Two registrations answer with one serial: keep polling, but do not take the
        # other row's identity; the audit log records the conflict for the administrator.
        del changed["serial_number"]
        AuditLog.record(user=None, action="device.serial_conflict", obj=device, serial=serial)
    if changed:
        Device.objects.filter(pk=device.pk).update(**changed)
        for field, value in changed.items():
            setattr(device, field, value)


def _all_stored(device: Device, rows) -> bool:
    """Every record read from the device is in the store (checked in the database)."""
    keys = {(row[0], row[1]) for row in rows}
    if not keys:
        return True
    times = [k[1] for k in keys]
    stored = set(
        Punch.objects.filter(device=device, local_time__gte=min(times), local_time__lte=max(times)).values_list(
            "device_user_id", "local_time"
        )
    )
    return keys <= stored


def _fail(device: Device, run: SyncRun, exc: Exception) -> None:
    run.ok = False
    run.error = f"{exc.__class__.__name__}: {exc}"
    Device.objects.filter(pk=device.pk).update(failures=F("failures") + 1, last_error=run.error)
    device.refresh_from_db()
    Device.objects.filter(pk=device.pk).update(
        next_poll_at=timezone.now() + dt.timedelta(seconds=device.backoff_seconds())
    )
    if isinstance(exc, DeviceNetworkError):
        return
    # A device that answers is in contact even if it refuses us (wrong comm key…).
    Device.objects.filter(pk=device.pk).update(last_contact_at=timezone.now())
