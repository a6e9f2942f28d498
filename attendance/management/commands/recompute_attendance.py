"""Keep day results fresh: `recompute_attendance [--once | --loop] [--days N]`.

The devices app never calls attendance (data flows one way), so this worker notices
new punches and advanced device watermarks by itself: each round recomputes the last
N days for everyone, plus any older day that received a punch since the last round.
"""

import datetime as dt
import signal
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from attendance import engine
from devices.models import Punch
from hr_system.models import Employee


class Command(BaseCommand):
    help = "Recompute attendance day results from punches, leave, schedules and calendars."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--days", type=int, default=3, help="Recent days recomputed every round.")
        parser.add_argument("--sleep", type=float, default=30.0)

    def handle(self, *args, **options):
        self.stopping = False
        if options["loop"]:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        since = timezone.now() - dt.timedelta(days=options["days"])
        while True:
            started = timezone.now()
            count = self.round(options["days"], since)
            self.stdout.write(f"{started:%H:%M:%S} recomputed {count} day results")
            since = started
            if not options["loop"]:
                break
            waited = 0.0
            while waited < options["sleep"] and not self.stopping:
                time.sleep(0.5)
                waited += 0.5
            if self.stopping:
                break

    def _stop(self, *_):
        self.stopping = True

    def round(self, days: int, since: dt.datetime) -> int:
        today = timezone.localdate()
        count = engine.recompute(Employee.objects.active_on(today), today - dt.timedelta(days=days), today)
        # Late arrivals of older punches (a clock that was offline for a week).
        late = Punch.objects.filter(received_at__gte=since, employee__isnull=False).values_list(
            "employee_id", "timestamp"
        )
        by_employee: dict[int, set[dt.date]] = {}
        for employee_id, ts in late:
            day = timezone.localtime(ts).date()
            if day < today - dt.timedelta(days=days):
                by_employee.setdefault(employee_id, set()).add(day)
        for employee_id, dates in by_employee.items():
            count += engine.recompute(Employee.objects.filter(pk=employee_id), min(dates), max(dates))
        return count
