"""Reading clocks with the adapter and the poller: exactly once, whatever the device does."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone

from devices import actions
from devices.models import Device, Punch, SyncRun
from devices.sync import poll_device
from devices.zk.client import DeviceAuthError, ZKClient
from hr_system.models import AuditLog, Employee

BASE = dt.datetime(2026, 11, 2, 7, 0, 0)


def fill(emu, n: int, users=("101", "102", "777")):
    for i in range(n):
        emu.add_punch(users[i % len(users)], BASE + dt.timedelta(minutes=i), status=1, punch=0)


@pytest.mark.parametrize("record_size", [8, 16, 40])
def test_poll_stores_every_punch_once(cast, emulator, clock, record_size):
    emu = emulator(record_size=record_size, user_size=28 if record_size != 40 else 72)
    for uid, code in enumerate(("101", "102", "777"), start=1):
        emu.add_user(uid=uid, user_id=code, name=f"User {code}")
    fill(emu, 300)
    device = clock(emu)
    run = poll_device(device)
    assert run.ok, run.error
    assert (run.fetched, run.new, run.duplicates) == (300, 300, 0)
    assert Punch.objects.filter(device=device).count() == 300
    first = Punch.objects.get(device=device, local_time="2026-11-02 07:00:00")
    assert first.device_user_id == "101" and first.employee == cast.emp_a
    assert first.timestamp == dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC)  # 07:00 in Asia/Ho_Chi_Minh

    again = poll_device(device)
    assert again.ok and again.skipped and again.new == 0
    fill_more = BASE + dt.timedelta(days=1)
    emu.add_punch("101", fill_more, status=1, punch=0)
    third = poll_device(device)
    assert (third.fetched, third.new, third.duplicates) == (301, 1, 300)
    assert Punch.objects.filter(device=device).count() == 301


def test_udp_transport(cast, emulator, clock):
    emu = emulator()
    fill(emu, 50)
    device = clock(emu, transport=Device.Transport.UDP)
    run = poll_device(device)
    assert run.ok, run.error
    assert run.new == 50


def test_firmware_chunking_read_where_pyzk_alone_times_out(cast, emulator, clock):
    emu = emulator(chunking="firmware")
    fill(emu, 3000)
    device = clock(emu)
    run = poll_device(device)
    assert run.ok, run.error
    assert run.new == 3000


def test_large_log_is_read_completely(cast, emulator, clock):
    emu = emulator(chunking="firmware")
    fill(emu, 20000)
    with ZKClient("127.0.0.1", emu.port) as client:
        punches, invalid = client.read_attendance()
    assert len(punches) == 20000 and invalid == 0
    assert punches[-1][1] == (BASE + dt.timedelta(minutes=19999)).isoformat(" ")


def test_impossible_dates_are_skipped_and_counted(cast, emulator, clock):
    emu = emulator()
    fill(emu, 10)
    emu.add_corrupt_record()
    device = clock(emu)
    run = poll_device(device)
    assert run.ok, run.error
    assert (run.new, run.invalid) == (10, 1)


def test_unreachable_device_backs_off(cast, clock):
    class Nothing:
        port = 1  # nothing listens on port 1

    device = clock(Nothing())
    run = poll_device(device)
    device.refresh_from_db()
    assert not run.ok and run.error
    assert device.failures == 1 and device.last_error
    assert device.next_poll_at > timezone.now()
    run2 = poll_device(device)
    device.refresh_from_db()
    assert not run2.ok and device.failures == 2
    assert device.backoff_seconds() > Device(failures=1, poll_interval=device.poll_interval).backoff_seconds()


def test_wrong_comm_key_is_reported(cast, emulator, clock):
    emu = emulator(comm_key=1234)
    fill(emu, 5)
    with pytest.raises(DeviceAuthError):
        ZKClient("127.0.0.1", emu.port, comm_key=1).connect()
    device = clock(emu, comm_key=99)
    run = poll_device(device)
    assert not run.ok and "comm key" in run.error
    good = clock(emu, name="right key", comm_key=1234)
    assert poll_device(good).new == 5


def test_connection_cut_mid_transfer_loses_and_doubles_nothing(cast, emulator, clock):
    emu = emulator(chunking="firmware", drop_after=20_000)
    fill(emu, 2000)
    device = clock(emu)
    run = poll_device(device)
    assert not run.ok and "DeviceNetworkError" in run.error
    assert Punch.objects.filter(device=device).count() == 0
    emu.drop_after = None  # the link recovers
    Device.objects.filter(pk=device.pk).update(next_poll_at=timezone.now())
    device.refresh_from_db()
    run = poll_device(device)
    assert run.ok and run.new == 2000
    assert Punch.objects.filter(device=device).count() == 2000


def test_clock_years_off_is_measured_and_corrected_when_policy_says(cast, emulator, clock):
    emu = emulator(clock_offset=-3 * 365 * 86400)
    fill(emu, 3)
    measured = clock(emu)
    poll_device(measured)
    measured.refresh_from_db()
    assert measured.clock_drift < -3 * 364 * 86400
    assert "Đồng hồ máy lệch" in " ".join(measured.health().alerts)
    corrected = clock(emu, name="fix", clock_policy=Device.ClockPolicy.CORRECT)
    poll_device(corrected)
    assert AuditLog.objects.filter(action="device.clock_corrected", object_id=str(corrected.pk)).exists()
    with ZKClient("127.0.0.1", emu.port) as client:
        now_local = timezone.localtime().replace(tzinfo=None)
        assert abs((client.get_time() - now_local).total_seconds()) < 10
    # Punches already recorded are stored as recorded, never rewritten.
    assert Punch.objects.filter(device=corrected, local_time="2026-11-02 07:00:00").exists()


def test_log_cleared_only_under_policy_and_after_verification(cast, emulator, clock):
    emu = emulator()
    fill(emu, 40)
    keep = clock(emu)
    poll_device(keep)
    with ZKClient("127.0.0.1", emu.port) as client:
        assert client.sizes()[1] == 40
    clearing = clock(emu, name="clearing", log_policy=Device.LogPolicy.CLEAR_VERIFIED)
    run = poll_device(clearing)
    assert run.ok and run.new == 40
    with ZKClient("127.0.0.1", emu.port) as client:
        assert client.sizes()[1] == 0
    assert Punch.objects.filter(device=clearing).count() == 40
    assert AuditLog.objects.filter(action="device.log_cleared").count() == 1


def test_orphan_punches_attach_once_the_employee_exists(cast, emulator, clock):
    emu = emulator()
    fill(emu, 6, users=("888",))
    device = clock(emu)
    poll_device(device)
    assert Punch.objects.filter(device_user_id="888", employee__isnull=True).count() == 6
    person = Employee.objects.create(code="888", full_name="Tòng Văn Tám", unit=cast.office_a, category="civil_servant")
    assert actions.attach_orphan_punches() == 6
    assert Punch.objects.filter(employee=person).count() == 6


@pytest.mark.django_db(transaction=True)
def test_only_one_claim_wins_a_race(cast, clock):
    class Stub:
        port = 4370

    device = clock(Stub())
    winners = []
    barrier = threading.Barrier(6)

    def race(name):
        barrier.wait()
        if Device.objects.get(pk=device.pk).claim(name):
            winners.append(name)

    def run(name):
        try:
            race(name)
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    device.refresh_from_db()
    assert not device.claim("late")
    device.release(winners[0])
    assert device.claim("late")


@pytest.mark.django_db(transaction=True)
def test_poll_devices_command_prints_json_per_device(cast, emulator, clock):
    emu = emulator()
    fill(emu, 12)
    clock(emu)
    out = io.StringIO()
    call_command("poll_devices", "--once", "--all", "--json", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1
    row = lines[0]
    assert set(row) == {"device", "ok", "fetched", "new", "duplicates", "seconds", "error"}
    assert row["ok"] is True and row["new"] == 12 and row["error"] is None
    assert SyncRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_poller_processes_never_poll_one_device_at_once(cast, emulator, clock):
    """Two `poll_devices` processes share the database (PostgreSQL in production)."""
    import os
    import subprocess
    import sys

    from django.db import connection

    for i in range(4):
        emu = emulator(bandwidth_kbps=150, serial=f"RACE{i}")
        fill(emu, 2000)
        clock(emu, name=f"race-{i}")
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url}
    cmd = [sys.executable, "manage.py", "poll_devices", "--once", "--json", "--workers", "4"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    runs = list(SyncRun.objects.order_by("started_at"))
    assert {r.device.name for r in runs} == {f"race-{i}" for i in range(4)}
    by_device: dict[int, list[SyncRun]] = {}
    for run in runs:
        by_device.setdefault(run.device_id, []).append(run)
    for device_runs in by_device.values():
        for a, b in zip(device_runs, device_runs[1:], strict=False):
            assert a.finished_at <= b.started_at  # never at the same time
    assert Punch.objects.count() == 4 * 2000
    assert len({r.worker for r in runs}) >= 1


@pytest.mark.parametrize(
    "zone, local, instant",
    [
        # Whole-hour offset: the fast path swaps only the "YYYY-MM-DD HH" head.
        ("Asia/Ho_Chi_Minh", "2026-01-01 03:15:09", dt.datetime(2025, 12, 31, 20, 15, 9, tzinfo=dt.UTC)),
        # Half-hour offset: full arithmetic.
        ("Asia/Kolkata", "2026-03-01 00:10:00", dt.datetime(2026, 2, 28, 18, 40, tzinfo=dt.UTC)),
        # Daylight saving: the offset is looked up for each local hour.
        ("Europe/Berlin", "2026-03-29 01:59:59", dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=dt.UTC)),
        ("Europe/Berlin", "2026-03-29 03:00:00", dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)),
    ],
)
def test_stored_instant_follows_the_device_time_zone(cast, zone, local, instant):
    device = Device.objects.create(name=f"tz-{zone}", host="127.0.0.1", unit=cast.commune_a, timezone=zone)
    assert actions.store_rows(device=device, rows=[("101", local, 1, 0, 0)], source="import") == (1, 0)
    punch = Punch.objects.get(device=device)
    assert punch.local_time == local and punch.timestamp == instant
    assert Punch.objects.filter(timestamp=instant).count() == 1  # queries by instant find it
