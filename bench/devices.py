"""[D] figures: one big download, a 50-device poll round, an idle poll."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time

from bench.common import report, setup_django, timer


def free_port() -> int:
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def main() -> None:
    setup_django()
    from zk import ZK

    from devices.models import Device, Punch
    from devices.sync import poll_device
    from devices.zk.emulator import ZKEmulator
    from hr_system.models import OrgUnit

    unit = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE)

    # 1. One device, 100,000 40-byte records, firmware chunking, into SQLite.
    emu = ZKEmulator(port=free_port(), record_size=40, chunking="firmware")
    emu.generate(users=300, punches=100_000, seed=1)
    emu.start()
    device = Device.objects.create(name="big", host="127.0.0.1", port=emu.port, unit=unit)
    with timer() as t:
        run = poll_device(device)
    assert run.ok and run.new == 100_000, run.error
    report("download+store 100,000 records, TCP, firmware chunking", t["seconds"], "s", "<= 3 s", t["seconds"] <= 3)
    Device.objects.filter(pk=device.pk).update(enabled=False)
    emu.stop()

    # Baseline: pyzk 0.9's own get_attendance() on the same data. With firmware
    # chunking it times out (reference §1.9), so it gets the emulator's friendlier mode.
    emu = ZKEmulator(port=free_port(), record_size=40, chunking="firmware")
    emu.generate(users=300, punches=100_000, seed=1)
    emu.start()
    zk = ZK("127.0.0.1", port=emu.port, timeout=5, ommit_ping=True)
    conn = zk.connect()
    started = time.perf_counter()
    try:
        conn.get_attendance()
        outcome = "ok"
    except Exception as exc:  # pyzk raises a raw TimeoutError or ZKNetworkError here
        outcome = f"FAILS ({exc.__class__.__name__})"
    print(
        f"       baseline pyzk 0.9 get_attendance(), firmware chunking: {outcome} after {time.perf_counter() - started:.1f} s"
    )
    emu.stop()
    emu = ZKEmulator(port=free_port(), record_size=40, chunking="single")
    emu.generate(users=300, punches=100_000, seed=1)
    emu.start()
    conn = ZK("127.0.0.1", port=emu.port, timeout=60, ommit_ping=True).connect()
    with timer() as t:
        rows = conn.get_attendance()
    conn.disconnect()
    emu.stop()
    print(
        f"       baseline pyzk 0.9 get_attendance(), single-frame chunks: {len(rows)} records in {t['seconds']:.2f} s (parse only, no store)"
    )

    # 2. 50 devices × 5,000 records at 200 KB/s: parallel round vs sequential loop.
    def fleet(tag: str, seed: int):
        # 200 KB/s = 1,600 kbit/s (the emulator throttles in kilobits).
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.emulator_fleet", "50", "5000", "1600", str(seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ports = []
        for line in proc.stdout:
            if line.strip() == "ready":
                break
            ports.append(int(line))
        devices = [
            Device.objects.create(name=f"{tag}-{i}", host="127.0.0.1", port=port, unit=unit)
            for i, port in enumerate(ports)
        ]
        return proc, devices

    # The sequential loop is what the sync tools do; the round is `poll_devices --once`.
    from django.core.management import call_command

    def poll_round(workers: int) -> None:
        call_command("poll_devices", "--once", "--all", "--workers", str(workers), stdout=io.StringIO())

    proc, devices = fleet("seq", 1000)
    with timer() as seq:
        poll_round(1)
    proc.stdin.close()
    proc.wait()
    Device.objects.filter(name__startswith="seq-").update(enabled=False)
    proc, devices = fleet("par", 2000)
    with timer() as par:
        poll_round(50)
    assert Punch.objects.filter(device__name__startswith="par-").count() == 250_000
    ratio = par["seconds"] / seq["seconds"]
    print(f"       sequential loop over 50 devices: {seq['seconds']:.2f} s")
    report(
        "parallel poll round, 50 devices x 5,000 @ 200 KB/s",
        par["seconds"],
        "s",
        "<= 1/8 of sequential",
        ratio <= 0.125,
        f"ratio 1/{1 / ratio:.1f}",
    )

    # 3. A poll with nothing new: connect, read sizes and clock, skip the download.
    with timer() as idle:
        for d in devices:
            d.refresh_from_db()
            run = poll_device(d)
            assert run.ok and run.skipped, run.error
    per = idle["seconds"] / len(devices) * 1000
    report("poll with no new records, per device", per, "ms", "<= 50 ms", per <= 50)
    proc.stdin.close()
    proc.wait()
    assert Punch.objects.count() == 100_000 + 250_000 * 2


if __name__ == "__main__":
    main()
