"""Device faults that must not stop the poller (issue #12, item 10): a record count that
changes mid-download, a defect of ours, a lease outlived by a slow download, a stalled
link, a closed port, a stop request, a killed poller, and a slow clock among fast ones."""

from __future__ import annotations

import datetime as dt
import io
import json
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from devices.management.commands.poll_devices import Command as PollDevices
from devices.models import Device, Punch, SyncRun
from devices.sync import INTERRUPTED, poll_device
from devices.zk.client import DeviceNetworkError, ZKClient
from tests.devices.conftest import free_port

BASE = dt.datetime(2026, 11, 2, 7, 0, 0)


def fill(emu, n: int, users=("101", "102", "777")):
    for i in range(n):
        emu.add_punch(users[i % len(users)], BASE + dt.timedelta(minutes=i), status=1, punch=0)


def kbps_for(records: int, seconds: float) -> float:
    """The link speed at which a log of 40-byte records takes about `seconds` to download."""
    return records * 40 * 8 / 1000 / seconds


def stored_keys(device) -> set[tuple[str, str]]:
    return set(Punch.objects.filter(device=device).values_list("device_user_id", "local_time"))


def device_keys(emu) -> set[tuple[str, str]]:
    return {(p.user_id, p.local_time.isoformat(" ")) for p in emu.attendance()}


# --- the record count changes between the count and the download ---------------------------


@pytest.mark.parametrize("record_size", [16, 40])
def test_a_punch_between_the_count_and_the_download_is_read_not_a_crash(cast, emulator, clock, record_size):
    # A clock holding fewer than 41 records: one more record makes `total // count` 42-46
    # (or 32 for 16-byte records), which no parser has; pyzk 0.9 falls back to 40 bytes.
    emu = emulator(record_size=record_size, user_size=28 if record_size == 16 else 72, punches_after_sizes=1)
    fill(emu, 10)
    device = clock(emu)
    run = poll_device(device)
    assert run.ok, run.error
    assert run.finished_at is not None and run.invalid == 0
    # Everything the download held is stored, and it is what the clock holds.
    assert run.new == run.fetched >= 11
    assert stored_keys(device) <= device_keys(emu)
    assert Punch.objects.filter(device=device, local_time="2026-11-02 07:09:00").exists()


@pytest.mark.django_db(transaction=True)
def test_poll_devices_survives_a_clock_whose_count_changes_mid_download(cast, emulator, clock):
    racing = emulator(punches_after_sizes=1, serial="RACING")
    fill(racing, 20)
    clock(racing, name="racing")
    calm = emulator(serial="CALM")
    fill(calm, 5)
    clock(calm, name="calm")
    out = io.StringIO()
    call_command("poll_devices", "--once", "--json", stdout=out)
    lines = {row["device"]: row for row in map(json.loads, out.getvalue().splitlines())}
    assert lines["calm"]["ok"] and lines["calm"]["new"] == 5
    assert lines["racing"]["ok"] and lines["racing"]["new"] >= 21, lines["racing"]
    assert not SyncRun.objects.filter(finished_at__isnull=True).exists()


# --- any exception: a failed, closed, backed-off run --------------------------------------


def test_an_unexpected_error_is_a_failed_closed_backed_off_run(cast, clock):
    class Nowhere:
        port = 4370

    def broken_client(device, **kwargs):
        raise KeyError("a defect of ours")

    device = clock(Nowhere())
    run = poll_device(device, client_factory=broken_client)
    device.refresh_from_db()
    assert not run.ok and run.finished_at is not None and "KeyError" in run.error
    assert device.failures == 1 and device.next_poll_at > timezone.now()
    assert SyncRun.objects.get(pk=run.pk).finished_at is not None


# --- the lease outlives a slow download -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_renewed_while_a_slow_download_moves(cast, emulator, clock):
    records, lease = 1500, 1.0
    emu = emulator(bandwidth_kbps=kbps_for(records, 3.0))  # ≈ 3 s: three leases long
    fill(emu, records)
    device = clock(emu)
    assert device.claim("poller-1", seconds=lease)
    intruders, done = [], threading.Event()

    def intruder():
        try:
            while not done.is_set():
                if Device.objects.get(pk=device.pk).claim("poller-2", seconds=lease):
                    intruders.append(time.monotonic())
                    return
                time.sleep(0.05)
        finally:
            connection.close()

    thread = threading.Thread(target=intruder)
    thread.start()
    started = time.monotonic()
    try:
        run = poll_device(device, worker="poller-1", lease_seconds=lease)
    finally:
        seconds = time.monotonic() - started
        done.set()
        thread.join()
    assert seconds > 2 * lease  # the download did outlast the lease
    assert run.ok and run.new == records, run.error
    assert intruders == []  # nobody could claim the device while it was being read
    assert emu.stats["max_sessions"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_poll_that_lost_its_lease_stops_and_stores_nothing(cast, emulator, clock):
    emu = emulator(bandwidth_kbps=kbps_for(1500, 3.0))
    fill(emu, 1500)
    device = clock(emu)
    assert device.claim("poller-1", seconds=1)

    def steal():
        time.sleep(0.8)
        Device.objects.filter(pk=device.pk).update(lease_owner="poller-2")  # e.g. after a long stall
        connection.close()

    thief = threading.Thread(target=steal)
    thief.start()
    run = poll_device(device, worker="poller-1", lease_seconds=1)
    thief.join()
    device.refresh_from_db()
    assert not run.ok and run.error.startswith(INTERRUPTED) and run.finished_at is not None
    assert Punch.objects.filter(device=device).count() == 0
    assert device.failures == 0 and device.lease_owner == "poller-2"  # not backed off, not released


# --- a stalled link and a closed port ----------------------------------------------------


def test_a_stalled_link_costs_one_read_timeout_not_two(emulator):
    emu = emulator(drop_after=5_000, drop_mode="stall")
    fill(emu, 2000)
    started = time.monotonic()
    with pytest.raises(DeviceNetworkError), ZKClient("127.0.0.1", emu.port, timeout=2.0) as client:
        client.read_attendance()
    # One timeout for the read that stalled; closing does not wait another for CMD_EXIT.
    assert time.monotonic() - started < 3.0


def test_a_closed_port_says_it_cannot_connect_and_where(cast, clock):
    class Closed:
        port = free_port()  # nothing listens there

    device = clock(Closed())
    run = poll_device(device)
    assert not run.ok
    assert "Không kết nối được" in run.error and f"127.0.0.1:{Closed.port}" in run.error, run.error
    assert "Broken pipe" not in run.error


# --- stopping -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_stop_request_ends_a_slow_download_at_once(cast, emulator, clock):
    emu = emulator(bandwidth_kbps=kbps_for(3000, 20.0))
    fill(emu, 3000)
    device = clock(emu)
    assert device.claim("poller-1")
    stop = threading.Event()
    result = {}

    def poll():
        try:
            result["run"] = poll_device(device, worker="poller-1", stop=stop)
        finally:
            connection.close()

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(1.0)
    asked = time.monotonic()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and time.monotonic() - asked < 2.0  # not the 19 s left of the download
    run = result["run"]
    device.refresh_from_db()
    assert run.error.startswith(INTERRUPTED) and run.finished_at is not None
    assert device.failures == 0  # not the clock's fault: no backoff


@pytest.mark.django_db(transaction=True)
def test_a_clock_disabled_for_clearing_is_enabled_again_when_the_poll_is_stopped(cast, emulator, clock):
    emu = emulator(bandwidth_kbps=kbps_for(2000, 20.0))
    fill(emu, 2000)
    device = clock(emu, log_policy=Device.LogPolicy.CLEAR_VERIFIED)
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    run = poll_device(device, stop=stop)
    assert run.error.startswith(INTERRUPTED)
    assert emu.enabled  # people can punch again
    assert len(emu.attendance()) == 2000  # and nothing was cleared


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _open_runs() -> int:
    return SyncRun.objects.filter(finished_at__isnull=True).count()


def _start_poller(env, *args) -> subprocess.Popen:
    cmd = [sys.executable, "manage.py", "poll_devices", "--json", *args]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_a_poller_within_seconds_and_closes_its_runs(cast, emulator, clock, poller_env):
    for i in range(2):
        emu = emulator(bandwidth_kbps=kbps_for(3000, 60.0), serial=f"SLOW{i}")  # a minute's download each
        fill(emu, 3000)
        clock(emu, name=f"slow-{i}")
    poller = _start_poller(poller_env, "--loop", "--sleep", "0.2")
    try:
        _wait_for(lambda: _open_runs() == 2, 20, "both downloads to start")
        time.sleep(0.5)
        asked = time.monotonic()
        poller.send_signal(signal.SIGTERM)
        out, err = poller.communicate(timeout=10)
        stopped_in = time.monotonic() - asked
    finally:
        if poller.poll() is None:
            poller.kill()
            poller.communicate()
    assert poller.returncode == 0, err
    assert stopped_in < 5.0  # not the minute the downloads had left
    runs = list(SyncRun.objects.all())
    assert len(runs) == 2 and all(r.finished_at and r.error.startswith(INTERRUPTED) for r in runs)
    assert not Device.objects.exclude(lease_owner="").exists()
    assert Device.objects.filter(failures=0).count() == 2


@pytest.mark.django_db(transaction=True)
def test_runs_of_a_killed_poller_are_closed_when_a_poller_next_starts(cast, emulator, clock, poller_env):
    emu = emulator(bandwidth_kbps=kbps_for(1000, 60.0))
    fill(emu, 1000)
    device = clock(emu)
    killed = _start_poller(poller_env, "--loop", "--sleep", "0.2")
    try:
        _wait_for(lambda: _open_runs() == 1, 20, "the download to start")
    finally:
        killed.kill()  # SIGKILL: no handler runs
        killed.communicate()
    device.refresh_from_db()
    assert device.lease_owner.endswith(f":{killed.pid}")  # the dead poller still holds it
    emu.bandwidth_kbps = None  # the next poll is quick
    out = io.StringIO()
    call_command("poll_devices", "--once", "--json", stdout=out, stderr=io.StringIO())
    old, new = SyncRun.objects.order_by("started_at")
    assert old.finished_at is not None and old.error.startswith(INTERRUPTED)
    assert new.ok and new.new == 1000, new.error  # the device was polled at once, not after the lease
    assert _open_runs() == 0


# --- a slow clock among fast ones -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_slow_clock_does_not_hold_up_the_others(cast, emulator, clock):
    slow = emulator(bandwidth_kbps=kbps_for(2000, 6.0), serial="SLOW")
    fill(slow, 2000)
    clock(slow, name="slow")
    fast = emulator(serial="FAST")
    fill(fast, 10)
    clock(fast, name="fast", poll_interval=1)
    poller = PollDevices(stdout=io.StringIO(), stderr=io.StringIO())

    def run_poller():
        try:
            call_command(poller, "--loop", "--sleep", "0.1", "--workers", "4")
        finally:
            connection.close()

    thread = threading.Thread(target=run_poller)
    thread.start()
    try:
        time.sleep(4.0)
    finally:
        poller.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()
    fast_runs = SyncRun.objects.filter(device__name="fast").count()
    slow_run = SyncRun.objects.get(device__name="slow")
    assert fast_runs >= 3  # every second or so, while the slow clock's first download went on
    assert slow_run.error.startswith(INTERRUPTED)  # 6 s download, stopped at 4 s
    assert _open_runs() == 0
