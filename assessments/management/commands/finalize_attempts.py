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
from assessments.sittings import mark_absent_due
from hr_system.workers import Worker


class Command(Worker):
    absent = 0
    help = "Finalise (and score) every in-progress attempt whose deadline has passed."
    loop_help = "Keep finalising until SIGTERM/Ctrl-C."

    def step(self) -> dict:
        closed = self.handle_one()
        return {"closed": closed, "absent": self.absent}

    def handle_one(self) -> int:
        now = timezone.now()
        closed = finalize_due(now)
        if closed:
            self.stdout.write(f"{timezone.localtime():%H:%M:%S} đã thu {closed} bài thi đến giờ.")
        # Sittings (ca thi) whose late-entry limit passed: who never entered is absent.
        self.absent = mark_absent_due(now)
        if self.absent:
            self.stdout.write(f"{timezone.localtime():%H:%M:%S} ghi nhận {self.absent} thí sinh vắng thi.")
        return closed
