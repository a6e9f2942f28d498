"""Poll time clocks: `poll_devices [--once | --loop] [--device NAME] [--json]`.

A worker in the style of Healthchecks' sendalerts: the database is the queue. Each
due device is claimed with a conditional UPDATE on its lease, so several pollers on
several machines never poll the same device at once. Devices are polled in parallel by
a bounded thread pool. The loop, SIGTERM handling and the heartbeat row are
hr_system.workers.Worker's.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import CommandError
from django.db import close_old_connections
from django.utils import timezone

from devices import actions
from devices.models import Device
from devices.sync import poll_device
from hr_system.workers import Worker


class Command(Worker):
    help = "Fetch punches from the registered time clocks."
    once_help = "One round over every due device, then exit (default)."
    loop_help = "Keep polling until SIGTERM/Ctrl-C."

    def add_worker_arguments(self, parser):
        parser.add_argument("--device", help="Only this device (by name); polled even if not yet due.")
        parser.add_argument("--json", action="store_true", help="One JSON object per device per line.")
        parser.add_argument("--workers", type=int, default=16, help="Devices polled at the same time.")
        parser.add_argument("--all", action="store_true", help="Poll every device now, due or not.")

    def prepare(self) -> None:
        self.worker = f"{self.host}:{self.pid}"  # the lease holder's name on each claimed device
        if self.options["device"] and not Device.objects.filter(name=self.options["device"]).exists():
            raise CommandError(f"Không có máy chấm công tên '{self.options['device']}'")

    def running(self) -> ThreadPoolExecutor:
        self.pool = ThreadPoolExecutor(max_workers=max(1, self.options["workers"]))
        return self.pool

    def step(self) -> dict:
        results = [r for r in self.round(self.pool) if r is not None]
        return {"devices": len(results), "failed": sum(1 for r in results if not r["ok"])}

    def due_devices(self) -> list[Device]:
        devices = Device.objects.pollable()
        if self.options["device"]:
            return list(Device.objects.filter(name=self.options["device"]))
        if not self.options["all"]:
            devices = devices.filter(next_poll_at__lte=timezone.now())
        return list(devices.order_by("next_poll_at"))

    def round(self, pool: ThreadPoolExecutor) -> list[dict | None]:
        results = list(pool.map(self.handle_one, self.due_devices()))
        actions.attach_orphan_punches()
        for result in results:
            if result is not None:
                self.emit(result)
        return results

    def handle_one(self, device: Device) -> dict | None:
        try:
            if not device.claim(self.worker):
                return None  # another poller has it
            try:
                started = time.perf_counter()
                run = poll_device(device, worker=self.worker)
                return {
                    "device": device.name,
                    "ok": run.ok,
                    "fetched": run.fetched,
                    "new": run.new,
                    "duplicates": run.duplicates,
                    "seconds": round(time.perf_counter() - started, 3),
                    "error": run.error or None,
                }
            finally:
                device.release(self.worker)
        finally:
            close_old_connections()

    def emit(self, result: dict) -> None:
        if self.options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            status = "OK " if result["ok"] else "ERR"
            self.stdout.write(
                f"[{status}] {result['device']}: fetched {result['fetched']}, new {result['new']}, "
                f"duplicates {result['duplicates']} in {result['seconds']} s"
                + (f" — {result['error']}" if result["error"] else "")
            )
