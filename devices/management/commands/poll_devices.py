"""Poll time clocks: `poll_devices [--once | --loop] [--device NAME] [--json]`.

A worker in the style of Healthchecks' sendalerts: the database is the queue. Each
due device is claimed with a conditional UPDATE on its lease, so several pollers on
several machines never poll the same device at once. Devices are polled in parallel by
a bounded thread pool; SIGTERM lets the current round finish and then exits.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from devices import actions
from devices.models import Device
from devices.sync import poll_device


class Command(BaseCommand):
    help = "Fetch punches from the registered time clocks."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="One round over every due device, then exit (default).")
        mode.add_argument("--loop", action="store_true", help="Keep polling until SIGTERM/Ctrl-C.")
        parser.add_argument("--device", help="Only this device (by name); polled even if not yet due.")
        parser.add_argument("--json", action="store_true", help="One JSON object per device per line.")
        parser.add_argument("--workers", type=int, default=16, help="Devices polled at the same time.")
        parser.add_argument("--all", action="store_true", help="Poll every device now, due or not.")
        parser.add_argument("--sleep", type=float, default=2.0, help="Seconds between rounds in --loop.")

    def handle(self, *args, **options):
        self.stopping = False
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.options = options
        if options["loop"]:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        if options["device"] and not Device.objects.filter(name=options["device"]).exists():
            raise CommandError(f"Không có máy chấm công tên '{options['device']}'")
        with ThreadPoolExecutor(max_workers=max(1, options["workers"])) as pool:
            while True:
                self.round(pool)
                if not options["loop"] or self.stopping:
                    break
                for _ in range(int(options["sleep"] * 10)):
                    if self.stopping:
                        break
                    time.sleep(0.1)
                if self.stopping:
                    break

    def _stop(self, *_):
        self.stopping = True

    def due_devices(self) -> list[Device]:
        devices = Device.objects.pollable()
        if self.options["device"]:
            return list(Device.objects.filter(name=self.options["device"]))
        if not self.options["all"]:
            devices = devices.filter(next_poll_at__lte=timezone.now())
        return list(devices.order_by("next_poll_at"))

    def round(self, pool: ThreadPoolExecutor) -> None:
        results = list(pool.map(self.handle_one, self.due_devices()))
        actions.attach_orphan_punches()
        for result in results:
            if result is not None:
                self.emit(result)

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
