"""The one loop every background worker shares: `<command> [--once | --loop] [--sleep S]`.

Workers are management commands in the style of Healthchecks' `sendalerts`: the
database is the queue, each round is one `step()`, `--once` (the default) runs one
round and exits, `--loop` keeps going until SIGTERM or Ctrl-C. A stop request ends the
loop after the current step; the pause between rounds is cut short, so a worker asked
to stop while it sleeps exits within a fraction of a second.

After every step the worker writes its row in `WorkerHeartbeat` (host, pid, when, did
the step work, and what it did), so whether the poller or the recompute worker is alive
is a database read away, for a page, a monitor or `manage.py shell`.

Every step is also one log line on the "hr.worker" logger (hr_system/logs.py):
`{"event": "worker_step", "worker", "duration_ms", "ok", "did_work", "counts"}`, under a
request id of its own that the step's other log lines share; a failed step names the
error's class only (its message may quote data; the traceback goes to stderr as before).
A step that found nothing to do logs at DEBUG: an idle poller steps every second.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
import traceback

from django.core.management.base import BaseCommand
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from hr_system.logs import request_id_context
from hr_system.models import WorkerHeartbeat

step_log = logging.getLogger("hr.worker")

# The pause between rounds is waited in slices this long: a signal handler only sets a
# flag, and the main thread notices it at the end of the current slice.
WAKE_EVERY = 0.1


class Worker(BaseCommand):
    """Base class of the background workers: implement `step()`, get the loop.

    `step()` does one round and returns a small JSON-serialisable dict (what it did) that
    goes into the heartbeat's `detail`. A subclass adds its own options in
    `add_worker_arguments()`, checks them in `prepare()` (raise `CommandError` there),
    and may hold a resource for the whole run (a thread pool) in `running()`.

    An exception in a step ends a `--once` run as it always did. In `--loop` it is
    printed to stderr and recorded in the heartbeat (`last_step_ok=False`), and the next
    round starts after the pause: a database restart must not end the poller.
    """

    default_sleep = 2.0
    once_help = "One round, then exit (default)."
    loop_help = "Keep working until SIGTERM/Ctrl-C."
    worker_name = ""  # heartbeat row name; the command's own name when empty
    # The counts of step()'s dict that say the step did something (its log line is INFO,
    # else DEBUG); None: any positive count. A count of work still under way (the poller's
    # "polling") is not work done: a long download would log a line every round.
    work_keys: tuple[str, ...] | None = None

    def add_arguments(self, parser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help=self.once_help)
        mode.add_argument("--loop", action="store_true", help=self.loop_help)
        parser.add_argument("--sleep", type=float, default=self.default_sleep, help="Seconds between rounds in --loop.")
        self.add_worker_arguments(parser)

    def add_worker_arguments(self, parser) -> None:
        """The command's own options."""

    def prepare(self) -> None:
        """Check the options before the first round; `self.options` is set."""

    def running(self) -> contextlib.AbstractContextManager:
        """A context held for the whole run (e.g. a thread pool); nothing by default."""
        return contextlib.nullcontext()

    def step(self) -> dict | None:
        raise NotImplementedError

    # --- the loop ---------------------------------------------------------------------

    def handle(self, *args, **options) -> None:
        self.options = options
        self._stop = threading.Event()
        self.name = self.worker_name or type(self).__module__.rsplit(".", 1)[-1]
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.started_at = timezone.now()
        self.prepare()
        with self.running(), self._signals(options["loop"]):
            self.run(loop=options["loop"], sleep=options["sleep"])

    def run(self, *, loop: bool, sleep: float) -> None:
        while True:
            self.run_step(loop=loop)
            if not loop or self.stopping:
                break
            self.pause(sleep)
            if self.stopping:
                break
            # A long-lived worker must not keep a connection the server has dropped (or
            # one past CONN_MAX_AGE). Not inside a caller's transaction (a test's): that
            # connection is the caller's to keep.
            if not connection.in_atomic_block:
                close_old_connections()

    def run_step(self, *, loop: bool) -> bool:
        with request_id_context():
            return self._run_step(loop=loop)

    def _run_step(self, *, loop: bool) -> bool:
        started = time.perf_counter()
        try:
            detail = dict(self.step() or {})
        except Exception as exc:
            self.log_step(started, ok=False, detail={}, error=type(exc).__name__)
            error = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            if not loop:
                with contextlib.suppress(DatabaseError):
                    self.beat(ok=False, detail=error)
                raise
            self.stderr.write(traceback.format_exc())
            self._beat_in_loop(ok=False, detail=error)
            return False
        self.log_step(started, ok=True, detail=detail)
        detail = {"seconds": round(time.perf_counter() - started, 3), **detail}
        if loop:
            self._beat_in_loop(ok=True, detail=detail)
        else:
            self.beat(ok=True, detail=detail)
        return True

    def log_step(self, started: float, *, ok: bool, detail: dict, error: str = "") -> None:
        counts = step_counts(detail)
        keys = counts.keys() if self.work_keys is None else self.work_keys
        did_work = any(counts.get(key, 0) > 0 for key in keys)
        level = logging.ERROR if not ok else logging.INFO if did_work else logging.DEBUG
        if not step_log.isEnabledFor(level):
            return
        duration = round((time.perf_counter() - started) * 1000, 1)
        fields = {
            "event": "worker_step",
            "worker": self.name,
            "duration_ms": duration,
            "ok": ok,
            "did_work": did_work,
            "counts": counts,
        }
        if error:
            fields["error"] = error
        step_log.log(level, "%s step %s in %.1fms", self.name, "ok" if ok else "failed", duration, extra=fields)

    def _beat_in_loop(self, *, ok: bool, detail: dict) -> None:
        # The database may be what failed; the next round writes the heartbeat again.
        try:
            self.beat(ok=ok, detail=detail)
        except DatabaseError:
            self.stderr.write(traceback.format_exc())

    def pause(self, seconds: float) -> None:
        deadline = time.monotonic() + max(0.0, seconds)
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._stop.wait(min(left, WAKE_EVERY))

    def stop(self, *_signal_args) -> None:
        """Ask the loop to end after the current step (the SIGTERM/SIGINT handler)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def stop_event(self) -> threading.Event:
        """Set once the worker is asked to stop: a step hands it to work that waits (a
        download), which then ends within moments instead of finishing first."""
        return self._stop

    @contextlib.contextmanager
    def _signals(self, loop: bool):
        # Only a --loop run traps the signals (a --once run stops the usual way), and only
        # the main thread may install handlers (tests run a loop in a thread).
        if not loop or threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def beat(self, *, ok: bool, detail: dict) -> None:
        fields = {
            "host": self.host[:255],
            "pid": self.pid,
            "started_at": self.started_at,
            "beat_at": timezone.now(),
            "last_step_ok": ok,
            "detail": detail,
        }
        # A plain UPDATE, then an INSERT the first time: no transaction held around it.
        if WorkerHeartbeat.objects.filter(name=self.name).update(**fields):
            return
        try:
            with transaction.atomic():
                WorkerHeartbeat.objects.create(name=self.name, **fields)
        except IntegrityError:  # another process of the same worker created it meanwhile
            WorkerHeartbeat.objects.filter(name=self.name).update(**fields)


def step_counts(detail: dict, limit: int = 12) -> dict[str, int | float]:
    """The numbers of a step's detail (what it did, counted), for its log line: no text,
    which may name a person or quote a clock's data."""
    counts: dict[str, int | float] = {}
    for key, value in detail.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        counts[str(key)[:40]] = value
        if len(counts) >= limit:
            break
    return counts
