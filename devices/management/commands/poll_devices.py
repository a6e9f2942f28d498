"""Poll time clocks: `poll_devices [--once | --loop] [--device NAME] [--json]`.

A worker in the style of Healthchecks' sendalerts: the database is the queue. Each
due device is claimed with a conditional UPDATE on its lease, so several pollers on
several machines never poll the same device at once; the lease is renewed while a
download moves (devices/sync.py). The loop, SIGTERM handling and the heartbeat row are
hr_system.workers.Worker's.

Devices are polled in parallel, each in its own thread, at most --workers at a time.
In --loop a device is started as soon as it is due and a thread is free: a slow clock
(a GPRS link, a 20,000-record log) holds up no other clock, where waiting for a whole
round made 15 s clocks go 38 s without a poll. --once polls every due device once and
exits.

Stopping (SIGTERM, Ctrl-C) is bounded: the stop request reaches every download, which
ends within a fraction of a second; polls that have not ended after --grace seconds
have their runs closed as interrupted and their leases released by the main thread,
and the process exits. Runs a killed poller left open are closed when a poller starts.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
import traceback

from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from devices import actions, sync
from devices.models import Device
from hr_system.workers import Worker


class Command(Worker):
    help = "Fetch punches from the registered time clocks."
    once_help = "Poll every due device once, then exit (default)."
    loop_help = "Keep polling until SIGTERM/Ctrl-C."
    default_sleep = 1.0  # how soon a finished poll frees its thread for the next due device
    work_keys = ("devices",)  # polls finished this round; "polling" is work still under way

    def add_worker_arguments(self, parser):
        parser.add_argument("--device", help="Only this device (by name); polled even if not yet due.")
        parser.add_argument("--json", action="store_true", help="One JSON object per device per line.")
        parser.add_argument("--workers", type=int, default=16, help="Devices polled at the same time.")
        parser.add_argument("--all", action="store_true", help="Poll every device now, due or not.")
        parser.add_argument(
            "--lease", type=float, default=Device.LEASE_SECONDS, help="Seconds a claim on a device lasts unrenewed."
        )
        parser.add_argument(
            "--timeout", type=float, default=sync.READ_TIMEOUT, help="Seconds one wait on a clock may last."
        )
        parser.add_argument(
            "--grace", type=float, default=5.0, help="On stop, seconds to let polls under way end by themselves."
        )

    def prepare(self) -> None:
        self.worker = f"{self.host}:{self.pid}"  # the lease holder's name on each claimed device
        if self.options["device"] and not Device.objects.filter(name=self.options["device"]).exists():
            raise CommandError(f"Không có máy chấm công tên '{self.options['device']}'")
        closed = sync.close_abandoned_runs(host=self.host)
        if closed:
            self.stderr.write(f"Closed {closed} run(s) left open by a poller that was stopped abruptly.")

    @contextlib.contextmanager
    def running(self):
        self.polls = Polls(max(1, self.options["workers"]))
        try:
            yield self.polls
        finally:
            self.finish()

    # --- one step ---------------------------------------------------------------------

    def step(self) -> dict:
        if self.options["loop"]:
            # Start what is due now and report what ended; the loop comes back in --sleep.
            finished = self.collect()
            self.start_due(exclude=set())
        else:
            finished = []
            tried: set[int] = set()
            while not self.stopping:
                finished += self.collect(wait=0.1 if self.polls.running else 0)
                tried |= self.start_due(exclude=tried)
                if not self.polls.running:
                    break
        if any(r.get("new") for r in finished):
            actions.attach_orphan_punches()
        return {
            "devices": len(finished),
            "failed": sum(1 for r in finished if not r["ok"]),
            "polling": len(self.polls.running),
        }

    def due_devices(self, exclude: set[int], limit: int) -> list[Device]:
        if limit <= 0:
            return []
        skip = exclude | set(self.polls.running)
        if self.options["device"]:
            devices = Device.objects.filter(name=self.options["device"])
        else:
            devices = Device.objects.pollable()
            if not self.options["all"]:
                devices = devices.filter(next_poll_at__lte=timezone.now())
        return list(devices.exclude(pk__in=skip).order_by("next_poll_at", "pk")[:limit])

    def start_due(self, exclude: set[int]) -> set[int]:
        started = set()
        for device in self.due_devices(exclude, self.polls.free):
            self.polls.start(device, self.handle_one)
            started.add(device.pk)
        return started

    def collect(self, wait: float = 0) -> list[dict]:
        finished = [r for r in self.polls.collect(wait) if r is not None]
        for result in finished:
            self.emit(result)
        return finished

    def handle_one(self, device: Device) -> dict | None:
        """Poll one device in a poll thread; never raises (a failure is a result)."""
        started = time.perf_counter()
        try:
            if not device.claim(self.worker, seconds=self.options["lease"]):
                return None  # another poller has it
            try:
                run = sync.poll_device(
                    device,
                    worker=self.worker,
                    lease_seconds=self.options["lease"],
                    timeout=self.options["timeout"],
                    stop=self.stop_event,
                )
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
        except Exception as exc:
            # The database went away under this poll (poll_device records everything
            # else): the run stays open for the next poller start; this process goes on.
            self.stderr.write(traceback.format_exc())
            return {
                "device": device.name,
                "ok": False,
                "fetched": 0,
                "new": 0,
                "duplicates": 0,
                "seconds": round(time.perf_counter() - started, 3),
                "error": f"{type(exc).__name__}: {exc}"[:500],
            }
        finally:
            connection.close()  # the thread ends here; its connection must not outlive it

    # --- stopping ---------------------------------------------------------------------

    def finish(self) -> None:
        """Bounded stop: ask every poll to end, give them --grace seconds, then close what
        is left as interrupted and release those leases (the poll threads are daemons and
        die with the process)."""
        if not self.polls.running:
            return
        self.stop_event.set()
        deadline = time.monotonic() + max(0.0, self.options["grace"])
        while self.polls.running and time.monotonic() < deadline:
            self.collect(wait=0.1)
        left = list(self.polls.running)
        if left:
            closed = sync.interrupt_polls(worker=self.worker, device_ids=left)
            self.stderr.write(f"Stopped with {len(left)} poll(s) under way; {closed} run(s) closed as interrupted.")

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


class Polls:
    """Polls under way, one daemon thread each, at most `size` at once.

    Not a ThreadPoolExecutor: its threads are joined when the interpreter exits, so one
    poll stuck in a database call would hold a stopping poller past its bound.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.running: dict[int, threading.Thread] = {}
        self._done: queue.SimpleQueue[tuple[int, dict | None]] = queue.SimpleQueue()

    @property
    def free(self) -> int:
        return self.size - len(self.running)

    def start(self, device: Device, work) -> None:
        thread = threading.Thread(target=self._run, args=(device, work), name=f"poll-{device.pk}", daemon=True)
        self.running[device.pk] = thread
        thread.start()

    def _run(self, device: Device, work) -> None:
        result = None
        try:
            result = work(device)
        finally:
            self._done.put((device.pk, result))

    def collect(self, wait: float = 0) -> list[dict | None]:
        """Results of the polls that ended; waits up to `wait` seconds for the first."""
        results = []
        with contextlib.suppress(queue.Empty):
            item = self._done.get(timeout=wait) if wait > 0 else self._done.get_nowait()
            while True:
                self.running.pop(item[0], None)
                results.append(item[1])
                item = self._done.get_nowait()
        return results
