"""A small soak of the poller (issue #12, item 10): two `poll_devices --loop` processes on
one database and nine emulated clocks with the faults a province's fleet has — people
punching all along, a link cut mid-download, a stalled link, a GPRS-speed link whose
download outlasts the lease, a wrong comm key, a clock whose record count changes
between the count and the download, an impossible date, and a closed port.

Must hold: every valid punch is stored exactly once, no clock is ever read by two
pollers at once, neither poller dies, and every run ends closed with no lease left.
Runs on whichever database the suite runs on (SQLite, and PostgreSQL — the production
case — with DATABASE_URL set); about half a minute.
"""

from __future__ import annotations

import datetime as dt
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection

from devices.models import Device, Punch, SyncRun
from devices.sync import INTERRUPTED
from tests.devices.conftest import free_port

LEASE = 3.0  # seconds: short, so the slow clock's download (≈ 2.5 leases) needs renewing
TIMEOUT = 1.5  # seconds one wait on a clock may last: a stalled link fails fast
USERS = ("101", "102", "777", "888")
OLD = dt.datetime(2026, 9, 1, 7, 0, 0)  # the logs already on the clocks start here


def fill(emu, n: int) -> None:
    for i in range(n):
        emu.add_punch(USERS[i % len(USERS)], OLD + dt.timedelta(minutes=i), notify=False)


def valid_keys(emu) -> set[tuple[str, str]]:
    """What the clock holds, as the store keys it, leaving out impossible dates."""
    keys = set()
    for p in emu.attendance():
        try:
            keys.add((p.user_id, p.local_time.isoformat(" ")))
        except ValueError:
            continue
    return keys


def stored_keys(device: Device) -> list[tuple[str, str]]:
    return list(Punch.objects.filter(device=device).values_list("device_user_id", "local_time"))


class Punching(threading.Thread):
    """People punching on some clocks until stopped: distinct (user, time) each, in the
    past hour, so every one is a valid punch the store must keep."""

    def __init__(self, clocks) -> None:
        super().__init__(daemon=True)
        self.clocks = clocks
        self.halt = threading.Event()
        self.made = 0

    def run(self) -> None:
        rng = random.Random(12)
        start = dt.datetime.now().replace(microsecond=0) - dt.timedelta(hours=1)
        while not self.halt.wait(0.02):
            emu = rng.choice(self.clocks)
            emu.add_punch(rng.choice(USERS), start + dt.timedelta(seconds=self.made), notify=False)
            self.made += 1


@pytest.mark.django_db(transaction=True)
def test_two_pollers_keep_every_punch_once_through_a_faulty_fleet(cast, emulator, clock, poller_env):
    started = time.monotonic()
    clocks: dict[str, tuple] = {}

    def add(name: str, records: int, comm_key: int = 0, **options):
        emu = emulator(serial=f"SOAK-{name}", comm_key=options.pop("device_key", comm_key), **options)
        fill(emu, records)
        device = clock(emu, name=name, poll_interval=1, comm_key=comm_key)
        clocks[name] = (emu, device)
        return emu

    live = [add(f"live-{i}", 300) for i in range(3)]
    live[0].add_corrupt_record()  # 30 February: counted as invalid, never stored
    # ≈ 7.5 s per download at GPRS-like speed, longer than two leases
    slow = add("slow", 1500, bandwidth_kbps=1500 * 40 * 8 / 1000 / (2.5 * LEASE))
    cut = add("cut", 2000, drop_after=20_000, drop_mode="reset")
    stall = add("stall", 1000, drop_after=8_000, drop_mode="stall")
    add("wrong-key", 50, comm_key=4321, device_key=1234)
    racing = add("racing", 20, punches_after_sizes=1)  # a punch after every count it sends

    class Closed:
        port = free_port()

    closed = clock(Closed(), name="closed-port", poll_interval=1)
    valid = [name for name in clocks if name != "wrong-key"]

    punching = Punching([*live, slow])
    punching.start()
    cmd = [sys.executable, "manage.py", "poll_devices", "--loop", "--json", "--sleep", "0.2", "--workers", "4"]
    cmd += ["--lease", str(LEASE), "--timeout", str(TIMEOUT), "--grace", "3"]
    pollers = [
        subprocess.Popen(cmd, env=poller_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:

        def failed(name: str) -> bool:
            return SyncRun.objects.filter(device__name=name, ok=False, error__contains="DeviceNetworkError").exists()

        deadline = time.monotonic() + 40
        while not (failed("cut") and failed("stall")):  # the pollers start, and hit the faults
            assert all(p.poll() is None for p in pollers), "a poller died"
            assert time.monotonic() < deadline, "the cut and stalled links were never polled"
            time.sleep(0.2)
        cut.drop_after = stall.drop_after = None  # the links come back (polled again after the backoff)
        time.sleep(3)
        punching.halt.set()  # people go home
        punching.join()
        racing.punches_after_sizes = 0

        def converged() -> bool:
            return all(set(stored_keys(clocks[n][1])) == valid_keys(clocks[n][0]) for n in valid)

        deadline = time.monotonic() + 40
        while not converged():
            assert all(p.poll() is None for p in pollers), "a poller died"
            assert time.monotonic() < deadline, {
                n: (len(stored_keys(clocks[n][1])), len(valid_keys(clocks[n][0]))) for n in valid
            }
            time.sleep(0.5)
        assert all(p.poll() is None for p in pollers), "a poller died"
    finally:
        punching.halt.set()
        for p in pollers:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        outputs = []
        for p in pollers:
            try:
                outputs.append(p.communicate(timeout=10))
            except subprocess.TimeoutExpired:
                p.kill()
                outputs.append(p.communicate())
        stop_seconds = time.monotonic() - asked

    # Neither poller died, both stopped promptly on SIGTERM, neither printed a traceback.
    assert [p.returncode for p in pollers] == [0, 0], [err[-2000:] for _out, err in outputs]
    assert stop_seconds < 5
    assert not any("Traceback" in err for _out, err in outputs), [err[-2000:] for _out, err in outputs]

    # Every valid punch stored exactly once: the store holds what the clocks hold, no more.
    assert punching.made > 100
    for name in valid:
        emu, device = clocks[name]
        keys = stored_keys(device)
        assert len(keys) == len(set(keys)) == len(valid_keys(emu)), name
    assert len(valid_keys(live[0])) == len(live[0].attendance()) - 1  # the impossible date stayed out
    assert len(racing.attendance()) > 20  # its count did change under the downloads

    # No clock was read by two pollers at once: runs of a device never overlap, and no
    # emulated clock ever had two sessions.
    runs = list(SyncRun.objects.order_by("device_id", "started_at", "pk"))
    by_device: dict[int, list[SyncRun]] = {}
    for run in runs:
        by_device.setdefault(run.device_id, []).append(run)
    for device_runs in by_device.values():
        for a, b in zip(device_runs, device_runs[1:], strict=False):
            assert a.finished_at <= b.started_at, (a.device.name, a.worker, b.worker)
    assert {name: emu.stats["max_sessions"] for name, (emu, _d) in clocks.items()} == {name: 1 for name in clocks}
    assert len({r.worker for r in runs}) == 2  # both pollers did work

    # Every run is closed and no lease is left behind.
    assert not SyncRun.objects.filter(finished_at__isnull=True).exists()
    assert not Device.objects.exclude(lease_owner="").exists()
    for run in runs:
        assert run.ok or run.error, run.pk

    # The faults happened and were handled as designed.
    def runs_of(name: str) -> list[SyncRun]:
        return [r for r in runs if r.device.name == name]

    slow_ok = [r for r in runs_of("slow") if r.ok and not r.skipped]
    assert any((r.finished_at - r.started_at).total_seconds() > LEASE for r in slow_ok)  # outlived a lease
    for name in ("cut", "stall"):
        assert any(not r.ok and "DeviceNetworkError" in r.error for r in runs_of(name)), name
        assert runs_of(name)[-1].ok or runs_of(name)[-1].error.startswith(INTERRUPTED), name
    wrong = clocks["wrong-key"][1]
    wrong.refresh_from_db()
    assert wrong.failures >= 1 and "comm key" in wrong.last_error
    assert not Punch.objects.filter(device=wrong).exists()
    closed.refresh_from_db()
    assert "Không kết nối được" in closed.last_error and f"127.0.0.1:{Closed.port}" in closed.last_error
    assert not any("ValueError" in r.error for r in runs)
    elapsed = time.monotonic() - started
    assert elapsed < 120
    print(  # the figures, with `pytest -s`
        f"\nsoak on {connection.vendor}: {len(clocks) + 1} clocks, {Punch.objects.count()} punches stored once "
        f"({punching.made} punched during the run), {len(runs)} runs "
        f"({sum(1 for r in runs if not r.ok)} failed or interrupted), both pollers stopped "
        f"{stop_seconds:.1f} s after SIGTERM, {elapsed:.0f} s in all"
    )
