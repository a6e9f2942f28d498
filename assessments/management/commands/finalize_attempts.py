"""Finalise attempts at their deadline: `finalize_attempts [--once | --loop]`.

A worker in the style of Healthchecks' sendalerts: the database is the queue (the
in-progress attempts whose deadline + grace has passed, found through the
(status, deadline) index), each close is a locked re-check, so several workers never
finalise or score one attempt twice. The exam page never has to submit: this command
is what ends every sitting on time. The loop, SIGTERM handling and the heartbeat row
are hr_system.workers.Worker's.
"""

from __future__ import annotations

from django.utils import timezone

from assessments.attempts import finalize_due
from hr_system.workers import Worker


class Command(Worker):
    help = "Finalise (and score) every in-progress attempt whose deadline has passed."
    loop_help = "Keep finalising until SIGTERM/Ctrl-C."

    def step(self) -> dict:
        return {"closed": self.handle_one()}

    def handle_one(self) -> int:
        closed = finalize_due(timezone.now())
        if closed:
            self.stdout.write(f"{timezone.localtime():%H:%M:%S} đã thu {closed} bài thi đến giờ.")
        return closed
