"""Turning stored inputs into DayResult rows: load in bulk, evaluate purely, upsert.

`recompute()` is idempotent: running it twice over the same inputs writes the same rows.
Locked months are never touched. Everything is loaded with a handful of queries per
call (not per employee or per day), so a 2,000-person month is one pass.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, connections
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from attendance import rules
from attendance.models import (
    CalendarDay,
    Correction,
    DayResult,
    EmployeeSchedule,
    LeaveRequest,
    MonthLock,
    Schedule,
    SinglePunchRule,
    TrackingStart,
)
from devices.models import Device, Punch
from hr_system import bulk
from hr_system.models import Employee, OrgUnit

WORKDAY_TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)  # a work day is a local date in Asia/Ho_Chi_Minh
# Used only when neither the unit nor any ancestor has a schedule yet; Decision
# 188/1999/QĐ-TTg fixes 8 h × 5 days, the clock times are each province's choice.
DEFAULT_SESSIONS = (rules.Session(dt.time(7, 30), dt.time(11, 30)), rules.Session(dt.time(13, 30), dt.time(17, 30)))
RESULT_FIELDS = [
    "status",
    "symbol",
    "late_minutes",
    "early_minutes",
    "worked_minutes",
    "missing_punches",
    "late_count",
    "early_count",
    "absent_units",
    "sessions",
    "reasons",
    "corrected",
    "uncorrected",
    "computed_at",
]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def ancestor_ids(unit: OrgUnit) -> list[int]:
    """Ids from the unit itself up to the root (nearest first), read off the path."""
    return [int(p) for p in reversed(unit.path.strip("/").split("/")) if p]


def locked_pairs(employees: list[Employee], start: dt.date, end: dt.date) -> set[tuple[int, dt.date]]:
    """(employee id, month) pairs frozen by a lock on the employee's unit or an ancestor."""
    unit_ids = {uid for e in employees for uid in ancestor_ids(e.unit)}
    locks = MonthLock.objects.filter(unit_id__in=unit_ids, month__gte=month_start(start), month__lte=end)
    by_unit = defaultdict(set)
    for unit_id, month in locks.values_list("unit_id", "month"):
        by_unit[unit_id].add(month)
    out = set()
    for e in employees:
        for uid in ancestor_ids(e.unit):
            for month in by_unit.get(uid, ()):
                out.add((e.pk, month))
    return out


def unit_watermarks(units: Iterable[OrgUnit]) -> dict[int, dt.datetime | None]:
    """Per unit: the instant up to which every clock serving it has delivered its records.

    A clock serves its unit's subtree and any extra units configured for it. A unit no
    clock serves has no watermark: its empty days stay pending, never absent.
    """
    devices = list(
        Device.objects.filter(enabled=True, approved=True).select_related("unit").prefetch_related("extra_units")
    )
    serving = [(d, [u for u in [d.unit, *d.extra_units.all()] if u is not None]) for d in devices]
    out: dict[int, dt.datetime | None] = {}
    for unit in units:
        marks = [d.synced_through for d, served in serving if any(unit.path.startswith(u.path) for u in served)]
        out[unit.pk] = None if not marks or any(m is None for m in marks) else min(marks)
    return out


class Inputs:
    """Everything the evaluation needs for a set of employees and dates, loaded in bulk."""

    def __init__(self, employees: list[Employee], start: dt.date, end: dt.date):
        self.employees, self.start, self.end = employees, start, end
        unit_ids = {uid for e in employees for uid in ancestor_ids(e.unit)}
        ids = [e.pk for e in employees]
        self.calendar: dict[int | None, dict[dt.date, CalendarDay]] = defaultdict(dict)
        for day in CalendarDay.objects.filter(Q(unit__isnull=True) | Q(unit_id__in=unit_ids), date__range=(start, end)):
            self.calendar[day.unit_id][day.date] = day
        self.schedules: dict[int, list[Schedule]] = defaultdict(list)
        schedules = (
            Schedule.objects.filter(unit_id__in=unit_ids, valid_from__lte=end)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
            .prefetch_related("sessions")
        )
        for s in schedules:
            self.schedules[s.unit_id].append(s)
        self.overrides: dict[int, list[EmployeeSchedule]] = defaultdict(list)
        for o in (
            EmployeeSchedule.objects.filter(employee_id__in=ids, valid_from__lte=end)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
            .select_related("schedule")
            .prefetch_related("schedule__sessions")
        ):
            self.overrides[o.employee_id].append(o)
        self.leaves: dict[int, list[LeaveRequest]] = defaultdict(list)
        for lv in LeaveRequest.objects.filter(
            employee_id__in=ids, status=LeaveRequest.Status.APPROVED, start_date__lte=end, end_date__gte=start
        ):
            self.leaves[lv.employee_id].append(lv)
        self.fixes: dict[tuple[int, dt.date], list[rules.Fix]] = defaultdict(list)
        for c in Correction.objects.filter(
            employee_id__in=ids, status=Correction.Status.APPROVED, date__range=(start, end)
        ):
            sessions = {"all": None, "morning": (rules.MORNING,), "afternoon": (rules.AFTERNOON,)}[c.session]
            self.fixes[(c.employee_id, c.date)].append(rules.Fix(sessions, c.time_in, c.time_out, c.kind))
        self.punches: dict[int, list[dt.datetime]] = defaultdict(list)
        lo = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(), WORKDAY_TZ)
        hi = dt.datetime.combine(end + dt.timedelta(days=2), dt.time(), WORKDAY_TZ)
        # Punches of devices still pending approval are kept but not used (ADMS).
        rows = Punch.objects.filter(employee_id__in=ids, timestamp__gte=lo, timestamp__lt=hi, device__approved=True)
        # A clock in the work-day zone recorded the local time itself: parse its text
        # (fast) instead of converting every aware timestamp (5 µs each on SQLite).
        same_zone = rows.filter(device__timezone=settings.TIME_ZONE)
        for employee_id, local in same_zone.values_list("employee_id", "local_time").iterator(chunk_size=20000):
            self.punches[employee_id].append(dt.datetime.fromisoformat(local))
        other = rows.exclude(device__timezone=settings.TIME_ZONE)
        for employee_id, ts in other.values_list("employee_id", "timestamp").iterator(chunk_size=20000):
            self.punches[employee_id].append(ts.astimezone(WORKDAY_TZ).replace(tzinfo=None))
        self.synced = unit_watermarks({e.unit_id: e.unit for e in employees}.values())
        self.go_live = dict(TrackingStart.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "date"))
        self.single_punch_rules: dict[int, list[SinglePunchRule]] = defaultdict(list)
        for rule in SinglePunchRule.objects.filter(unit_id__in=unit_ids, valid_from__lte=end).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=start)
        ):
            self.single_punch_rules[rule.unit_id].append(rule)
        self._options: dict[tuple[int, dt.date], str] = {}

    def tracked_from(self, employee: Employee) -> dt.date | None:
        """First tracked day after the start date: the later of the day the person joined
        their present unit and the nearest go-live date up the tree (models.tracking_start
        without the start date, before which the person is "not employed")."""
        go_live = next((self.go_live[u] for u in ancestor_ids(employee.unit) if u in self.go_live), None)
        dates = [d for d in (employee.unit_start, go_live) if d]
        return max(dates) if dates else None

    def single_punch(self, employee: Employee, day: dt.date) -> str:
        """The unit's rule for a one-punch session on `day`: the nearest unit's in force."""
        key = (employee.unit_id, day)
        option = self._options.get(key)
        if option is None:
            option = rules.SINGLE_PUNCH_MISSING
            for uid in ancestor_ids(employee.unit):
                in_force = [r for r in self.single_punch_rules.get(uid, ()) if r.covers(day)]
                if in_force:
                    option = max(in_force, key=lambda r: (r.valid_from, r.pk)).option
                    break
            self._options[key] = option
        return option

    def plan(self, employee: Employee, day: dt.date) -> rules.DayPlan:
        if (employee.start_date and day < employee.start_date) or (employee.leave_date and day >= employee.leave_date):
            return rules.DayPlan("not_employed")
        tracked_from = self.tracked_from(employee)
        if tracked_from and day < tracked_from:
            return rules.DayPlan("not_tracked", note=f"Bắt đầu theo dõi chấm công từ {tracked_from:%d/%m/%Y}")
        entry = None
        for uid in [*ancestor_ids(employee.unit), None]:
            entry = self.calendar.get(uid, {}).get(day)
            if entry is not None:
                break
        note = ""
        if entry is not None:
            label = " ".join(x for x in [entry.name, f"({entry.notice})" if entry.notice else ""] if x)
            if entry.kind in (CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.DAY_OFF):
                return rules.DayPlan("holiday", note=label or entry.get_kind_display())
            note = f"Ngày làm bù {label}".strip()
        schedule = self.schedule_for(employee, day)
        if schedule is None:
            weekday_ok = day.weekday() < 5
            sessions = DEFAULT_SESSIONS
            grace = {"note": note or "Chưa có lịch làm việc của đơn vị: dùng giờ hành chính mặc định"}
        else:
            weekday_ok = str(day.weekday()) in schedule.weekdays
            sessions = tuple(
                rules.Session(s.start, s.end)
                for s in sorted(schedule.sessions.all(), key=lambda s: s.order)
                if s.in_season(day)
            )
            grace = {
                "late_grace": schedule.late_grace,
                "early_grace": schedule.early_grace,
                "window_before": schedule.window_before,
                "window_after": schedule.window_after,
                "debounce": schedule.debounce,
                "note": note,
            }
        if not weekday_ok and not (entry is not None and entry.kind == CalendarDay.Kind.WORKDAY):
            return rules.DayPlan("rest")
        return rules.DayPlan("work", sessions, **grace)

    def schedule_for(self, employee: Employee, day: dt.date) -> Schedule | None:
        for o in self.overrides.get(employee.pk, ()):
            if o.valid_from <= day and (o.valid_to is None or day <= o.valid_to):
                return o.schedule
        for uid in ancestor_ids(employee.unit):
            candidates = [s for s in self.schedules.get(uid, ()) if s.covers(day)]
            if candidates:
                return max(candidates, key=lambda s: s.valid_from)
        return None

    def leaves_on(self, employee: Employee, day: dt.date) -> list[rules.Leave]:
        return [
            rules.Leave(lv.leave_type, lv.portion)
            for lv in self.leaves.get(employee.pk, ())
            if lv.start_date <= day <= lv.end_date
        ]


def days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


ROW_COLUMNS = ["employee_id", "date", *[f for f in RESULT_FIELDS]]


def evaluate(employees: list[Employee], start: dt.date, end: dt.date, *, now: dt.datetime | None = None) -> list[dict]:
    """Evaluate without writing: one plain dict per (employee, day), DayResult's fields.

    Punches are bucketed by local date and each day sees only its own and its
    neighbours' (night shifts cross midnight), so the cost is linear in days + punches.
    Plans are shared by everyone of a unit without an individual schedule.
    """
    now = now or timezone.now()
    now_local = now.astimezone(WORKDAY_TZ).replace(tzinfo=None)
    inputs = Inputs(employees, start, end)
    plans: dict[tuple[int, dt.date], tuple[rules.DayPlan, rules.Frame, dt.datetime]] = {}
    one_day = dt.timedelta(days=1)
    all_days = list(days(start, end))
    out = []
    for e in employees:
        buckets: dict[dt.date, list[dt.datetime]] = defaultdict(list)
        for p in inputs.punches.get(e.pk, ()):
            buckets[p.date()].append(p)
        mark = inputs.synced.get(e.unit_id)
        mark_local = mark.astimezone(WORKDAY_TZ).replace(tzinfo=None) if mark else None
        individual = e.pk in inputs.overrides
        leaves = inputs.leaves.get(e.pk)
        tracked_from = inputs.tracked_from(e)
        for day in all_days:
            key = (e.unit_id, day)
            if (
                individual
                or (e.start_date and day < e.start_date)
                or (e.leave_date and day >= e.leave_date)
                or (tracked_from and day < tracked_from)
            ):
                plan = inputs.plan(e, day)
                day_frame, day_end = rules.frame(day, plan), _day_end(day, plan)
            else:
                cached = plans.get(key)
                if cached is None:
                    plan = inputs.plan(e, day)
                    cached = plans[key] = (plan, rules.frame(day, plan), _day_end(day, plan))
                plan, day_frame, day_end = cached
            corrected, uncorrected = False, {}
            if plan.kind != "work":
                r = rules.evaluate_day(day, plan, ())
            else:
                nearby = buckets.get(day - one_day, []) + buckets.get(day, []) + buckets.get(day + one_day, [])
                fixes = inputs.fixes.get((e.pk, day), ())
                context = {
                    "synced": mark_local is not None and mark_local >= day_end,
                    "now": now_local,
                    "day_frame": day_frame,
                    "single_punch": inputs.single_punch(e, day),
                }
                day_leaves = inputs.leaves_on(e, day) if leaves else ()
                r = rules.evaluate_day(day, plan, nearby, day_leaves, fixes, **context)
                if fixes:
                    # What the punches alone said, kept beside the corrected day.
                    raw = rules.evaluate_day(day, plan, nearby, day_leaves, (), **context)
                    if rules.was_corrected(r, raw):
                        corrected, uncorrected = True, rules.summary(raw)
            out.append(
                {
                    "employee_id": e.pk,
                    "date": day,
                    "status": r.status,
                    "symbol": r.symbol,
                    "late_minutes": r.late_minutes,
                    "early_minutes": r.early_minutes,
                    "worked_minutes": r.worked_minutes,
                    "missing_punches": r.missing_punches,
                    "late_count": r.late_count,
                    "early_count": r.early_count,
                    "absent_units": r.absent_units,
                    "sessions": [s.as_dict() for s in r.sessions],
                    "reasons": r.reasons,
                    "corrected": corrected,
                    "uncorrected": uncorrected,
                    "computed_at": now,
                }
            )
    return out


def _day_end(day: dt.date, plan: rules.DayPlan) -> dt.datetime:
    """When the day's last window closes: a clock synced past this has all its punches."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    if plan.sessions:
        last = max(rules.session_bounds(day, s)[1] for s in plan.sessions)
        end = max(end, last + dt.timedelta(minutes=plan.window_after))
    return end


def store(rows: list[dict]) -> None:
    """Upsert day results as plain tuples (hr_system.bulk): model instances and
    bulk_create's per-field compilation cost more than the evaluation itself."""
    if not rows:
        return
    adapt_dt = functools.lru_cache(maxsize=4)(connection.ops.adapt_datetimefield_value)
    adapt_date = connection.ops.adapt_datefield_value
    encode = json.JSONEncoder(ensure_ascii=False).encode

    def as_json(value: list | dict) -> str:
        return encode(value) if value else ("{}" if isinstance(value, dict) else "[]")

    values = [
        (
            r["employee_id"],
            adapt_date(r["date"]),
            r["status"],
            r["symbol"],
            r["late_minutes"],
            r["early_minutes"],
            r["worked_minutes"],
            r["missing_punches"],
            r["late_count"],
            r["early_count"],
            str(r["absent_units"]),
            as_json(r["sessions"]),
            as_json(r["reasons"]),
            r["corrected"],
            as_json(r["uncorrected"]),
            adapt_dt(r["computed_at"]),
        )
        for r in rows
    ]
    bulk.write(DayResult._meta.db_table, ROW_COLUMNS, values, conflict=("employee_id", "date"), update=RESULT_FIELDS)


# Big recomputes (a province's month) evaluate in chunks of employees and hand each
# chunk to a writer thread with its own database connection, so the database stores
# one chunk while Python evaluates the next: on PostgreSQL the insert and its index and
# foreign-key work run in the server process, on SQLite in C with the GIL released.
# Only outside a transaction: a caller's transaction must see (and own) every write.
PIPELINE_MIN_EMPLOYEES = 400
PIPELINE_CHUNK = 500


def recompute(
    employees, start: dt.date, end: dt.date, *, now: dt.datetime | None = None, rows_out: list | None = None
) -> int:
    """Recompute and store the day results; locked months are left as they are.

    `rows_out`, if given, receives the stored rows (callers building a timesheet use
    them instead of reading the table back).
    """
    employees = list(employees.select_related("unit") if hasattr(employees, "select_related") else employees)
    if not employees or end < start:
        return 0
    now = now or timezone.now()
    frozen = locked_pairs(employees, start, end)

    def evaluate_chunk(chunk: list[Employee]) -> list[dict]:
        rows = evaluate(chunk, start, end, now=now)
        if frozen:
            rows = [r for r in rows if (r["employee_id"], month_start(r["date"])) not in frozen]
        if rows_out is not None:
            rows_out.extend(rows)
        return rows

    if len(employees) < PIPELINE_MIN_EMPLOYEES or connection.in_atomic_block:
        rows = evaluate_chunk(employees)
        store(rows)
        return len(rows)
    return _recompute_pipelined(employees, evaluate_chunk)


def recompute_stored(employees, start: dt.date, end: dt.date) -> int:
    """Recompute the span of [start, end] in which `employees` already have day results.

    For rule data that changed (a schedule, a calendar day): every stored day it
    touches must follow, however old, since reports only read. Days nobody has computed
    yet are left to the recompute worker, which fills them in (a schedule entered for
    last year does not compute a year of a province inside one request).
    """
    if end < start:
        return 0
    ids = employees.values("pk") if hasattr(employees, "values") else [e.pk for e in employees]
    span = DayResult.objects.filter(employee__in=ids, date__range=(start, end)).aggregate(
        first=Min("date"), last=Max("date")
    )
    if span["first"] is None:
        return 0
    return recompute(employees, span["first"], span["last"])


def _recompute_pipelined(employees: list[Employee], evaluate_chunk) -> int:
    """Evaluate chunk n+1 while a writer thread stores chunk n (at most one in flight).

    Each chunk commits on its own: day results are derived data and recomputing is
    idempotent, so a failure part-way leaves correct rows and the rest to recompute.
    """
    count = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dayresult-writer") as writer:
        in_flight = None
        try:
            for i in range(0, len(employees), PIPELINE_CHUNK):
                rows = evaluate_chunk(employees[i : i + PIPELINE_CHUNK])
                if in_flight is not None:
                    in_flight.result()  # re-raises the writer's error here
                in_flight = writer.submit(store, rows)
                count += len(rows)
            if in_flight is not None:
                in_flight.result()
        finally:
            # The writer thread's own connection is not closed by any request cycle.
            writer.submit(connections.close_all).result()
    return count


def backfill_start(today: dt.date) -> dt.date:
    """The oldest day for which a missing day result is filled in: 1 January of last year.

    This year's and last year's figures (the annual evaluation reads a whole year) are
    always complete; older history is kept as it was computed, never rebuilt from
    nothing for people who had no record then.
    """
    return dt.date(today.year - 1, 1, 1)


def outdated(
    people,
    start: dt.date | None,
    end: dt.date,
    *,
    punches_after: dt.datetime | None,
    changed_after: dt.datetime | None,
    margin: dt.timedelta = dt.timedelta(0),
) -> dict[int, set[dt.date]]:
    """Days of `people` (an Employee queryset) in [start, end] (no lower bound when
    `start` is None) whose stored result is behind its inputs, by employee id. Reads only.

    A day is behind when, up to today and outside locked months:
    - the person was employed on it and it has no result yet (from `backfill_start`);
    - a punch of that day was received after `punches_after` (None: ever) and after
      its result was computed, or it has none;
    - the person's record changed after `changed_after` (None: ever) and after the
      result was computed (a start or leave date, a move to another unit);
    - it is still "waiting for the clock" although every clock serving the person's
      unit has since delivered two days past it (from `backfill_start`).

    Leave, corrections, schedules and calendars are not watched here: the actions
    that change them recompute the days they touch before returning. `margin` widens
    the punch comparisons for the worker: a poller's batch is stamped before it
    commits, so a round may have read the table just before the batch became visible.
    """
    today = timezone.localdate()
    end = min(end, today)
    if start is not None and end < start:
        return {}
    staff = {e.pk: e for e in people.select_related("unit")}
    results = DayResult.objects.filter(employee__in=people.values("pk"), date__lte=end).order_by()
    if start is not None:
        results = results.filter(date__gte=start)
    lo = backfill_start(today) if start is None else max(start, backfill_start(today))
    recent = results.filter(date__gte=lo)
    found = itertools.chain(
        _missing_days(recent, staff, lo, end),
        _late_punches(people, results, start, end, punches_after, margin),
        _changed_people(people, results, changed_after),
        _settled_pending(recent, staff),
    )
    out: dict[int, set[dt.date]] = defaultdict(set)
    for employee_id, day in found:
        if employee_id in staff:
            out[employee_id].add(day)
    if out:
        first, last = min(min(v) for v in out.values()), max(max(v) for v in out.values())
        for employee_id, month in locked_pairs([staff[i] for i in out], first, last):
            out[employee_id] = {d for d in out[employee_id] if month_start(d) != month}
    return {employee_id: days_ for employee_id, days_ in out.items() if days_}


def _missing_days(results, staff: dict[int, Employee], lo: dt.date, end: dt.date) -> Iterable[tuple[int, dt.date]]:
    """Days someone was employed on that have no result (a new person, a month nobody
    computed). One count per person first; dates are read only for the incomplete."""
    employed = results.filter(
        Q(employee__start_date__isnull=True) | Q(date__gte=F("employee__start_date")),
        Q(employee__leave_date__isnull=True) | Q(date__lt=F("employee__leave_date")),
    )
    counts = dict(employed.values_list("employee_id").annotate(n=Count("id")).values_list("employee_id", "n"))
    spans = {}
    for e in staff.values():
        first = max(lo, e.start_date or lo)
        last = min(end, e.leave_date - dt.timedelta(days=1)) if e.leave_date else end
        if first <= last and counts.get(e.pk, 0) < (last - first).days + 1:
            spans[e.pk] = (first, last)
    if not spans:
        return
    stored = defaultdict(set)
    for employee_id, day in results.filter(employee_id__in=list(spans)).values_list("employee_id", "date"):
        stored[employee_id].add(day)
    for employee_id, (first, last) in spans.items():
        yield from ((employee_id, d) for d in days(first, last) if d not in stored[employee_id])


def _late_punches(
    people, results, start: dt.date | None, end: dt.date, after: dt.datetime | None, margin: dt.timedelta
) -> Iterable[tuple[int, dt.date]]:
    """Days with a punch received after `after` and after the day was computed."""
    punches = Punch.objects.filter(employee__in=people.values("pk")).order_by()
    if start is not None:
        punches = punches.filter(timestamp__gte=dt.datetime.combine(start, dt.time(), WORKDAY_TZ))
    punches = punches.filter(timestamp__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), WORKDAY_TZ))
    if after is not None:
        punches = punches.filter(received_at__gt=after - margin)
    received: dict[tuple[int, dt.date], dt.datetime] = {}
    for employee_id, ts, at in punches.values_list("employee_id", "timestamp", "received_at").iterator(20000):
        key = (employee_id, ts.astimezone(WORKDAY_TZ).date())
        received[key] = max(at, received.get(key, at))
    if not received:
        return
    computed = results.filter(
        employee_id__in={employee_id for employee_id, _day in received},
        date__range=(min(day for _e, day in received), max(day for _e, day in received)),
    ).values_list("employee_id", "date", "computed_at")
    done = {(employee_id, day): at for employee_id, day, at in computed}
    for key, at in received.items():
        if key not in done or at > done[key] - margin:
            yield key


def _changed_people(people, results, after: dt.datetime | None) -> Iterable[tuple[int, dt.date]]:
    """Days computed before the person's record last changed."""
    changed = people.order_by() if after is None else people.order_by().filter(updated_at__gt=after)
    behind = results.filter(employee__in=changed.values("pk"), computed_at__lt=F("employee__updated_at"))
    yield from behind.values_list("employee_id", "date").iterator(20000)


def _settled_pending(results, staff: dict[int, Employee]) -> Iterable[tuple[int, dt.date]]:
    """Days still "waiting for the clock" that every clock of the unit has delivered."""
    marks = unit_watermarks({e.unit_id: e.unit for e in staff.values()}.values())
    # Two days past: a night shift's last window closes the morning after.
    cutoffs = {
        unit_id: mark.astimezone(WORKDAY_TZ).date() - dt.timedelta(days=2) for unit_id, mark in marks.items() if mark
    }
    if not cutoffs:
        return
    waiting = results.filter(
        status=DayResult.Status.PENDING, employee__unit_id__in=list(cutoffs), date__lte=max(cutoffs.values())
    ).values_list("employee_id", "employee__unit_id", "date")
    for employee_id, unit_id, day in waiting:
        if day <= cutoffs[unit_id]:
            yield employee_id, day


def is_locked(employee: Employee, day: dt.date) -> bool:
    return bool(locked_pairs([employee], day, day))
