"""Finalise attempts at their deadline: `finalize_attempts [--once | --loop]`.

A worker in the style of Healthchecks' sendalerts: the database is the queue (the
in-progress attempts whose deadline + grace has passed, found through the
(status, deadline) index), each close is a locked re-check, so several workers never
finalise or score one attempt twice. The exam page never has to submit: this command
is what ends every sitting on time. SIGTERM lets the current round finish, then exits.
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from assessments.attempts import finalize_due


class Command(BaseCommand):
    help = "Finalise (and score) every in-progress attempt whose deadline has passed."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="One round, then exit (default).")
        mode.add_argument("--loop", action="store_true", help="Keep finalising until SIGTERM/Ctrl-C.")
        parser.add_argument("--sleep", type=float, default=2.0, help="Seconds between rounds in --loop.")

    def handle(self, *args, **options):
        self.stopping = False
        if options["loop"]:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        while True:
            self.handle_one()
            if not options["loop"] or self.stopping:
                break
            close_old_connections()  # a long-lived worker must not hold a dead connection
            for _ in range(max(1, int(options["sleep"] * 10))):
                if self.stopping:
                    break
                time.sleep(0.1)
            if self.stopping:
                break

    def _stop(self, *_):
        self.stopping = True

    def handle_one(self) -> int:
        closed = finalize_due(timezone.now())
        if closed:
            self.stdout.write(f"{timezone.localtime():%H:%M:%S} đã thu {closed} bài thi đến giờ.")
        return closed
