"""Polling one clock: the unit of work of the poller command.

One call = one SyncRun row, always closed: ok, failed (and the device backed off) or
interrupted (the poller stopped, or lost the device to another poller). The device's
lease (Device.claim) is taken by the caller, so any number of poller processes on any
number of machines can share a database; poll_device keeps the lease while bytes keep
arriving and stops touching the device the moment it finds the lease gone.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable

from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from devices import actions
from devices.models import Device, Punch, SyncRun
from devices.zk.client import DeviceError, DeviceInterrupted, DeviceNetworkError, ZKClient
from hr_system.models import AuditLog

log = logging.getLogger(__name__)

ClientFactory = Callable[..., ZKClient]
NETWORK_RETRIES = 2  # a cut link is retried at once, then the device backs off
READ_TIMEOUT = 10.0  # seconds one wait on a clock may last
# SyncRun.error of a run that did not end by itself; what pages and queries look for.
INTERRUPTED = "PollInterrupted"


class LeaseLost(DeviceError):
    """Another poller holds the device now: this poll must not touch it any more."""


def client_for(
    device: Device,
    *,
    timeout: float = READ_TIMEOUT,
    stop: threading.Event | None = None,
    on_progress: Callable[[], None] | None = None,
) -> ZKClient:
    return ZKClient(
        device.host,
        device.port,
        comm_key=device.comm_key,
        udp=device.transport == Device.Transport.UDP,
        timeout=timeout,
        stop=stop,
        on_progress=on_progress,
    )


class _Lease:
    """The poll's hold on its device: renewed as bytes arrive, checked before any write.

    Called by the client on every read that brings bytes; renews at most every third of
    the lease, so a transfer that keeps moving keeps the device however long it takes,
    and one that stalls runs into the read timeout long before the lease runs out.
    """

    def __init__(self, device: Device, worker: str, seconds: float) -> None:
        self.device = device
        self.worker = worker
        self.seconds = seconds
        self.every = seconds / 3
        self.renewed = time.monotonic()
        self.lost = False

    def __call__(self) -> None:
        self.keep(force=False)

    def keep(self, *, force: bool = True) -> None:
        """Renew now (force) or when due; LeaseLost once another poller has the device."""
        if not self.worker:
            return  # a direct call (a test, a tool) holds no lease
        if self.lost:
            raise LeaseLost("Mất quyền đồng bộ máy này (tiến trình đồng bộ khác đã nhận)")
        now = time.monotonic()
        if not force and now - self.renewed < self.every:
            return
        try:
            held = self.device.renew(self.worker, seconds=self.seconds)
        except DatabaseError:
            log.warning("could not renew the lease on %s; trying again", self.device.name)
            return
        self.renewed = now
        if not held:
            self.lost = True
            raise LeaseLost("Mất quyền đồng bộ máy này (tiến trình đồng bộ khác đã nhận)")


def poll_device(
    device: Device,
    *,
    worker: str = "",
    client_factory: ClientFactory = client_for,
    lease_seconds: float | None = None,
    timeout: float = READ_TIMEOUT,
    stop: threading.Event | None = None,
) -> SyncRun:
    """Fetch new punches from one device and record the attempt.

    `worker` names the lease the caller holds (none for a direct call); `stop`, once set,
    ends the poll within a fraction of a second with the run closed as interrupted.
    Whatever goes wrong — a network or protocol error, or a defect of ours — the run is
    closed and the device backed off: one clock must never end a poller process.
    """
    run = SyncRun.objects.create(device=device, kind="pull", worker=worker)
    if worker:
        # We hold the lease, so no live poller is doing an earlier run of this device.
        _close_open_runs(
            SyncRun.objects.filter(device=device).exclude(pk=run.pk), "tiến trình đồng bộ trước đó đã dừng"
        )
    lease = _Lease(device, worker, lease_seconds or Device.LEASE_SECONDS)
    started = timezone.now()
    attempt = 0
    try:
        while True:
            attempt += 1
            try:
                lease.keep()
                _poll_once(
                    device,
                    run,
                    started,
                    lease,
                    lambda: client_factory(device, timeout=timeout, stop=stop, on_progress=lease),
                )
                break
            except Exception as exc:
                if lease.lost or isinstance(exc, LeaseLost):
                    _interrupt(run, "mất quyền đồng bộ máy (tiến trình đồng bộ khác đã nhận)")
                    break
                if (stop is not None and stop.is_set()) or isinstance(exc, DeviceInterrupted):
                    _interrupt(run, "tiến trình đồng bộ dừng giữa chừng")
                    break
                if isinstance(exc, DeviceNetworkError) and attempt <= NETWORK_RETRIES:
                    if _pause(stop, 0.2 * attempt):
                        _interrupt(run, "tiến trình đồng bộ dừng giữa chừng")
                        break
                    continue
                if not isinstance(exc, DeviceError):
                    # A defect of ours (or a device answer nobody foresaw): recorded and
                    # backed off like any failure, with the traceback in the log.
                    log.exception("polling %s failed unexpectedly", device.name)
                _fail(device, run, exc)
                break
    finally:
        run.finished_at = timezone.now()
        run.save()
    return run


def _pause(stop: threading.Event | None, seconds: float) -> bool:
    """Sleep, or less when asked to stop; True if asked to stop."""
    if stop is None:
        time.sleep(seconds)
        return False
    return stop.wait(seconds)


def _poll_once(device: Device, run: SyncRun, started: dt.datetime, lease: _Lease, connect) -> None:
    with connect() as client:
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
                lease.keep()  # nothing is written for a device another poller has taken
                stored = actions.store_rows(device=device, rows=punches, source="pull")
                run.fetched = len(punches)
                run.new, run.duplicates = stored
                run.invalid = invalid + len(getattr(stored, "rejected", ()))
                if clear and _all_stored(device, punches) and invalid == 0:
                    lease.keep()
                    client.clear_attendance()
                    info.records = 0
                    AuditLog.record(user=None, action="device.log_cleared", obj=device, records=len(punches))
            except BaseException:
                if clear:  # re-enabled whatever happened; the first error is the one to report
                    try:
                        client.enable()
                    except DeviceError as exc:
                        log.warning("%s could not be enabled again: %s", device.name, exc)
                raise
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


def _interrupt(run: SyncRun, reason: str) -> None:
    """Not the device's fault: no failure counted, no backoff; the next poller takes it."""
    run.ok = False
    run.error = f"{INTERRUPTED}: {reason}"


def _close_open_runs(runs, reason: str) -> int:
    return runs.filter(kind="pull", finished_at__isnull=True).update(
        finished_at=timezone.now(), ok=False, error=f"{INTERRUPTED}: {reason}"
    )


def interrupt_polls(*, worker: str, device_ids) -> int:
    """Close `worker`'s open runs on these devices as interrupted and release their
    leases: what a stopping poller does for the polls that did not end in time."""
    closed = _close_open_runs(
        SyncRun.objects.filter(worker=worker, device_id__in=device_ids), "tiến trình đồng bộ dừng giữa chừng"
    )
    Device.objects.filter(pk__in=device_ids, lease_owner=worker).update(lease_owner="", lease_until=None)
    return closed


def close_abandoned_runs(*, host: str, now: dt.datetime | None = None) -> int:
    """Close as interrupted the runs no live poller is doing any more; return how many.

    A run belongs to a live poller while its worker ("host:pid") holds its device's
    lease. A poller that was killed (SIGKILL, out of memory, power cut) leaves its runs
    open and its leases until they expire: its other runs are closed here, and on this
    host a dead pid is known at once, so its leases are released too and its devices
    polled again without waiting out the lease. (Runs of direct calls, with no worker,
    are nobody's to close.)
    """
    now = now or timezone.now()
    closed = 0
    open_runs = SyncRun.objects.filter(kind="pull", finished_at__isnull=True).exclude(worker="")
    for run in open_runs.select_related("device"):
        device = run.device
        held = device.lease_owner == run.worker and device.lease_until is not None and device.lease_until >= now
        if held:
            run_host, _, pid = run.worker.rpartition(":")
            if run_host != host or not pid.isdigit() or _alive(int(pid)):
                continue
            Device.objects.filter(pk=device.pk, lease_owner=run.worker).update(lease_owner="", lease_until=None)
        closed += _close_open_runs(SyncRun.objects.filter(pk=run.pk), "tiến trình đồng bộ trước đó đã dừng đột ngột")
    return closed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
