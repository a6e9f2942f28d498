"""Keep day results fresh: `recompute_attendance [--once | --loop] [--days N]`.

Reports only read day results; this worker and the attendance actions keep them
current. The devices app never calls attendance (data flows one way), so the worker
notices new punches and advanced device watermarks by itself: each round recomputes
the last N days for everyone employed today, then every older day `engine.outdated`
finds behind its inputs — punches received since the last round (a clock that was
offline for a week), people whose record changed, days with no result yet, days still
waiting for a clock that has since delivered.

How far it has read is kept in `RecomputeState`, not in memory: punches that arrive
while the worker is down are recomputed when it is back. The loop, SIGTERM handling
and the heartbeat row are hr_system.workers.Worker's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Max
from django.utils import timezone

from attendance import engine
from attendance.models import RecomputeState
from devices.models import Punch
from hr_system.models import Employee
from hr_system.workers import Worker

# A poller stamps a batch of punches before it commits it: the next round looks this
# far behind the stored watermark for rows that became visible late.
SETTLE = dt.timedelta(minutes=2)


class Command(Worker):
    help = "Recompute attendance day results from punches, leave, schedules and calendars."
    default_sleep = 30.0
    work_keys = ("recomputed",)  # a backlog it reports is not work done
    loop_help = "Keep recomputing until SIGTERM/Ctrl-C."

    def add_worker_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="Recent days recomputed every round.")

    def step(self) -> dict:
        started = timezone.now()
        count, behind = self.round(self.options["days"])
        self.stdout.write(f"{started:%H:%M:%S} recomputed {count} day results")
        return {"recomputed": count, "outdated_days": behind}

    def round(self, days: int) -> tuple[int, int]:
        """Recompute; return (day results written, older days found behind their inputs)."""
        today = timezone.localdate()
        recent_from = today - dt.timedelta(days=days)
        state = RecomputeState.load()
        # The new watermarks are read first: whatever arrives during the round is newer
        # than them and is picked up by the next round.
        punches_mark = Punch.objects.aggregate(at=Max("received_at"))["at"]
        employees_mark = Employee.objects.aggregate(at=Max("updated_at"))["at"]

        # The very first round watches punches from the recent days on, as the in-memory
        # watermark this replaces did: older days without a result are filled in anyway,
        # and reading every punch ever stored once is not worth it.
        punches_after = state.punches_through or timezone.now() - dt.timedelta(days=days)

        count = engine.recompute(Employee.objects.active_on(today), recent_from, today)
        behind = engine.outdated(
            Employee.objects.all(),
            None,
            recent_from - dt.timedelta(days=1),
            punches_after=punches_after,
            changed_after=state.employees_through,
            margin=SETTLE,
        )
        # One recompute per distinct span, so filling in everyone's missing days is one
        # (pipelined) pass.
        spans: dict[tuple[dt.date, dt.date], list[int]] = defaultdict(list)
        for employee_id, found in behind.items():
            spans[(min(found), max(found))].append(employee_id)
        if spans:
            staff = Employee.objects.select_related("unit").in_bulk([i for ids in spans.values() for i in ids])
            for (first, last), ids in spans.items():
                count += engine.recompute([staff[i] for i in ids], first, last)

        state.punches_through = punches_mark or state.punches_through
        state.employees_through = employees_mark or state.employees_through
        state.round_at = timezone.now()
        state.save()
        return count, sum(len(found) for found in behind.values())
