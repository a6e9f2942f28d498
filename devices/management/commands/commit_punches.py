"""Commit the punch chains daily: `commit_punches [--once | --loop] [--day YYYY-MM-DD]`.

Each round writes yesterday's PunchCommitment (devices.chains.commit) unless it exists:
every clock's chain head and the audit log's head at that moment, chained to the
previous commitment. Idempotent, so --loop can run it every few minutes and several
machines can run it at once. The loop, SIGTERM handling and the heartbeat row are
hr_system.workers.Worker's.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from devices import chains
from hr_system.workers import Worker


class Command(Worker):
    help = "Write the daily commitment of the punch and audit chains (yesterday's, once)."
    default_sleep = 600.0
    work_keys = ("committed",)

    def add_worker_arguments(self, parser):
        parser.add_argument("--day", help="Commit this local day (YYYY-MM-DD) instead of yesterday.")

    def prepare(self) -> None:
        day = self.options.get("day")
        try:
            self.day = dt.date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError(f"--day '{day}' không phải ngày (YYYY-MM-DD)") from None

    def step(self) -> dict:
        made = chains.commit(self.day)
        if made is not None:
            self.stdout.write(f"đã cam kết ngày {made.day:%d/%m/%Y}: {len(made.heads)} chuỗi, mã {made.digest}")
        return {"committed": 1 if made else 0}
