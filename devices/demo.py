"""The demo's three emulated clocks: the Mộc Châu ward office and two communes."""

from __future__ import annotations

from devices.models import Device
from hr_system.models import OrgUnit

# (device name, unit code whose roster the clock carries, port)
DEMO_CLOCKS = [
    ("Máy chấm công UBND phường Mộc Châu", "P-MOCCHAU", 4370),
    ("Máy chấm công UBND xã Đoàn Kết", "X-DOANKET", 4371),
    ("Máy chấm công UBND xã Lóng Sập", "X-LONGSAP", 4372),
]
DEMO_POLL_INTERVAL = 20  # seconds: punches show up quickly in the demo


def ensure_demo_devices() -> list[Device]:
    devices = []
    for name, unit_code, port in DEMO_CLOCKS:
        unit = OrgUnit.objects.get(code=unit_code)
        device, _ = Device.objects.update_or_create(
            name=name,
            defaults={
                "unit": unit,
                "host": "127.0.0.1",
                "port": port,
                "transport": Device.Transport.TCP,
                "poll_interval": DEMO_POLL_INTERVAL,
                "enabled": True,
                "approved": True,
            },
        )
        devices.append(device)
    return devices


def demo_workers() -> list[list[str]]:
    workers = [
        [
            "zk_emulator",
            "--port",
            str(port),
            "--unit",
            unit_code,
            "--live",
            "--serial",
            f"MC{port}",
            "--state",
            f"var/emulator-{port}.json",
            "--tz",
            "Asia/Ho_Chi_Minh",
            "--trickle",
            "6",
        ]
        for _name, unit_code, port in DEMO_CLOCKS
    ]
    workers.append(["poll_devices", "--loop", "--sleep", "5"])
    return workers
