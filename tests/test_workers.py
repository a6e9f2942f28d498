"""The shared worker loop (hr_system.workers): --once and --loop, a prompt and clean stop,
a heartbeat row after every step, and a failing step that does not end a loop."""

from __future__ import annotations

import io
import os
import signal
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from hr_system.models import WorkerHeartbeat
from hr_system.workers import Worker


class Counter(Worker):
    """Counts its rounds; `script` says what round n does ("stop", "fail", "sigterm")."""

    worker_name = "counter"

    def __init__(self, script: dict[int, str] | None = None, **kwargs):
        super().__init__(stdout=io.StringIO(), stderr=io.StringIO(), **kwargs)
        self.script = script or {}
        self.rounds = 0

    def step(self) -> dict:
        self.rounds += 1
        action = self.script.get(self.rounds)
        if action == "fail":
            raise RuntimeError("the database went away")
        if action == "stop":
            self.stop()
        if action == "sigterm":
            os.kill(os.getpid(), signal.SIGTERM)
        return {"round": self.rounds}


def test_once_is_the_default_and_writes_the_heartbeat(db):
    worker = Counter()
    call_command(worker)
    assert worker.rounds == 1
    beat = WorkerHeartbeat.objects.get(name="counter")
    assert beat.last_step_ok and beat.detail["round"] == 1 and "seconds" in beat.detail
    assert beat.pid == os.getpid() and beat.host and beat.started_at <= beat.beat_at

    call_command(Counter(), "--once")
    assert WorkerHeartbeat.objects.filter(name="counter").count() == 1  # one row per worker, updated
    assert WorkerHeartbeat.objects.get(name="counter").beat_at > beat.beat_at


def test_a_loop_ends_after_the_step_in_which_it_was_asked_to_stop(db):
    worker = Counter({3: "stop"})
    call_command(worker, "--loop", "--sleep", "0")
    assert worker.rounds == 3
    assert WorkerHeartbeat.objects.get(name="counter").detail["round"] == 3


@pytest.mark.django_db(transaction=True)  # the loop runs in a thread, on its own connection
def test_a_stop_during_the_pause_ends_the_loop_within_a_second():
    worker = Counter()
    runner = threading.Thread(target=call_command, args=(worker, "--loop", "--sleep", "60"))
    runner.start()
    deadline = time.monotonic() + 10
    while worker.rounds == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    asked = time.monotonic()
    worker.stop()
    runner.join(timeout=5)
    assert not runner.is_alive()
    assert time.monotonic() - asked < 1.0
    assert worker.rounds == 1


def test_sigterm_ends_a_loop_cleanly_and_the_handler_is_put_back(db):
    before = signal.getsignal(signal.SIGTERM)
    worker = Counter({2: "sigterm"})
    call_command(worker, "--loop", "--sleep", "0")  # SIGTERM in round 2: round 2 completes, no round 3
    assert worker.rounds == 2
    assert WorkerHeartbeat.objects.get(name="counter").detail["round"] == 2
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_failing_step_ends_a_once_run_and_is_recorded(db):
    with pytest.raises(RuntimeError):
        call_command(Counter({1: "fail"}))
    beat = WorkerHeartbeat.objects.get(name="counter")
    assert not beat.last_step_ok and "the database went away" in beat.detail["error"]


def test_a_failing_step_does_not_end_a_loop(db):
    worker = Counter({1: "fail", 2: "stop"})
    call_command(worker, "--loop", "--sleep", "0")
    assert worker.rounds == 2
    assert "RuntimeError" in worker.stderr._out.getvalue()
    beat = WorkerHeartbeat.objects.get(name="counter")
    assert beat.last_step_ok and beat.detail["round"] == 2


def test_once_and_loop_exclude_each_other(db):
    with pytest.raises(CommandError):
        call_command(Counter(), "--once", "--loop")
