"""Day evaluation: a pure function from plain values to a day result. No ORM here.

The model follows Frappe HRMS's (reference hr-attendance-anchors.md §3, §(c)): raw
punches are matched to session windows, direction is never trusted (state 255 is
common), repeated taps within `debounce` minutes count once, thresholds are integer
minutes, and a day without punches only becomes "absent" once every clock of the
unit has synced past its end — until then it is "pending".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# C01-HD symbols (Circular 107/2017/TT-BTC form C01-HD) plus ours for what the form
# leaves to the unit: "+" paid working day, "L" public holiday, "KP" unexcused absence.
PRESENT = "+"
HOLIDAY = "L"
ABSENT = "KP"
PENDING = "?"
BUSINESS_TRIP = "CT"
PRESENT_LIKE_LEAVE = {BUSINESS_TRIP, "H"}  # business trip and meetings count as present
SOCIAL_INSURANCE = {"Ô", "Cô", "Ts", "T"}
PAID_LEAVE = {"P", "Nb"}
UNPAID = {"No", ABSENT}
STOPPAGE = {"N"}

MORNING, AFTERNOON = 0, 1

# How a session with a single punch counts (attendance.SinglePunchRule.Option): the
# unit's internal rule decides; "missing_punch" is the default.
SINGLE_PUNCH_MISSING = "missing_punch"  # worked, with a missing punch to explain
SINGLE_PUNCH_ABSENT = "half_absent"  # the session is an unexcused absence


@dataclass(frozen=True)
class Session:
    start: dt.time
    end: dt.time  # at or before start: the session ends the next day (night shift)


@dataclass(frozen=True)
class DayPlan:
    """What the calendar and schedule say about one day for one person."""

    kind: str  # "work", "rest", "holiday", "not_employed", "not_tracked"
    sessions: tuple[Session, ...] = ()
    late_grace: int = 5
    early_grace: int = 5
    window_before: int = 60
    window_after: int = 60
    debounce: int = 3
    note: str = ""  # holiday name, notice number, "make-up working day …"


@dataclass(frozen=True)
class Leave:
    symbol: str  # LeaveType value
    portion: str = "full"  # "full", "morning", "afternoon"


@dataclass(frozen=True)
class Fix:
    """An approved correction: the sessions it covers, with times or as excused."""

    sessions: tuple[int, ...] | None  # None: every session
    time_in: dt.time | None = None
    time_out: dt.time | None = None
    kind: str = "forgot"


@dataclass
class SessionResult:
    start: str
    end: str
    first_in: str | None = None
    last_out: str | None = None
    late_minutes: int = 0
    early_minutes: int = 0
    worked_minutes: int = 0
    status: str = "absent"  # present, late, left_early, late_early, missing_in, missing_out, absent, leave, corrected
    symbol: str = ""

    def as_dict(self) -> dict:
        return self.__dict__.copy()


@dataclass
class Result:
    status: str
    symbol: str
    late_minutes: int = 0
    early_minutes: int = 0
    worked_minutes: int = 0
    late_count: int = 0
    early_count: int = 0
    missing_punches: int = 0
    absent_units: float = 0.0
    sessions: list[SessionResult] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _hm(moment: dt.datetime) -> str:
    # f-string formatting is several times cheaper than strftime on the hot path.
    return f"{moment.hour:02d}:{moment.minute:02d}"


def session_bounds(day: dt.date, session: Session) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, session.start)
    end = dt.datetime.combine(day, session.end)
    if end <= start:
        end += dt.timedelta(days=1)
    return start, end


Frame = tuple[list[tuple[dt.datetime, dt.datetime]], list[tuple[dt.datetime, dt.datetime]], list[tuple[str, str]]]


def frame(day: dt.date, plan: DayPlan) -> Frame:
    """(session bounds, acceptance windows, "HH:MM" labels) of a plan on a day; shared by
    everyone on that plan, so the engine computes it once per unit and day."""
    bounds = [session_bounds(day, s) for s in plan.sessions]
    return bounds, windows(day, plan, bounds), [(_hm(a), _hm(b)) for a, b in bounds]


def windows(day: dt.date, plan: DayPlan, bounds=None) -> list[tuple[dt.datetime, dt.datetime]]:
    """Each session's acceptance window, trimmed so neighbouring windows never overlap
    (they meet halfway between the sessions, as Frappe trims adjacent shifts)."""
    if bounds is None:
        bounds = [session_bounds(day, s) for s in plan.sessions]
    out = []
    for i, (start, end) in enumerate(bounds):
        lo = start - dt.timedelta(minutes=plan.window_before)
        hi = end + dt.timedelta(minutes=plan.window_after)
        if i > 0:
            prev_end = bounds[i - 1][1]
            lo = max(lo, prev_end + (start - prev_end) / 2)
        if i + 1 < len(bounds):
            next_start = bounds[i + 1][0]
            hi = min(hi, end + (next_start - end) / 2)
        out.append((lo, hi))
    return out


def debounce(punches: list[dt.datetime], minutes: int) -> list[dt.datetime]:
    """Repeated taps within `minutes` of the previous kept punch count once."""
    kept: list[dt.datetime] = []
    gap = dt.timedelta(minutes=minutes)
    for p in sorted(punches):
        if not kept or p - kept[-1] > gap:
            kept.append(p)
    return kept


def _leave_for(session_index: int, leaves: list[Leave]) -> Leave | None:
    for leave in leaves:
        if leave.portion == "full":
            return leave
        if (leave.portion == "morning" and session_index == MORNING) or (
            leave.portion == "afternoon" and session_index == AFTERNOON
        ):
            return leave
    return None


def _fix_for(session_index: int, fixes: list[Fix]) -> Fix | None:
    for fix in fixes:
        if fix.sessions is None or session_index in fix.sessions:
            return fix
    return None


def evaluate_session(
    day: dt.date,
    bounds: tuple[dt.datetime, dt.datetime],
    window: tuple[dt.datetime, dt.datetime],
    punches,
    plan: DayPlan,
    fix: Fix | None,
    labels: tuple[str, str] | None = None,
) -> SessionResult:
    start, end = bounds
    labels = labels or (_hm(start), _hm(end))
    result = SessionResult(start=labels[0], end=labels[1])
    inside = [p for p in punches if window[0] <= p <= window[1]]
    first = inside[0] if inside else None
    last = inside[-1] if len(inside) >= 2 else None
    if fix is not None:
        # An approved correction adds the times the clock missed to the real punches
        # (which stay as they are), or excuses the session (off-site work, broken clock).
        if fix.time_in is None and fix.time_out is None:
            result.status, result.symbol, result.worked_minutes = "corrected", PRESENT, _minutes(end - start)
            return result
        moments = list(inside)
        if fix.time_in is not None:
            moments.append(dt.datetime.combine(day, fix.time_in))
        if fix.time_out is not None:
            out = dt.datetime.combine(day, fix.time_out)
            moments.append(out + dt.timedelta(days=1) if out < start else out)
        moments.sort()
        first, last = moments[0], (moments[-1] if len(moments) >= 2 else None)
    if first is None:
        return result  # absent from this session
    if last is None:
        # One punch only: direction is not trusted, so guess by which end it is nearer.
        result.first_in = _hm(first)
        near_start = abs(first - start) <= abs(first - end)
        result.status = "missing_out" if near_start else "missing_in"
        if not near_start:
            result.first_in, result.last_out = None, _hm(first)
        result.symbol = PRESENT
        return result
    result.first_in, result.last_out = _hm(first), _hm(last)
    late = _minutes(first - start) if first > start else 0
    early = _minutes(end - last) if last < end else 0
    result.late_minutes = late if late > plan.late_grace else 0
    result.early_minutes = early if early > plan.early_grace else 0
    result.worked_minutes = max(0, _minutes(min(last, end) - max(first, start)))
    if result.late_minutes and result.early_minutes:
        result.status = "late_early"
    elif result.late_minutes:
        result.status = "late"
    elif result.early_minutes:
        result.status = "left_early"
    else:
        result.status = "present"
    result.symbol = PRESENT
    return result


def evaluate_day(
    day: dt.date,
    plan: DayPlan,
    punches: list[dt.datetime],
    leaves: list[Leave] = (),
    fixes: list[Fix] = (),
    *,
    synced: bool = True,
    now: dt.datetime | None = None,
    day_frame: Frame | None = None,
    single_punch: str = SINGLE_PUNCH_MISSING,
) -> Result:
    """Evaluate one day. `punches` are naive local datetimes (any day; the windows pick).

    `synced`: every clock of the unit has sent its records past the end of this day.
    `now`: local time; sessions not yet over are pending, never absent.
    `single_punch`: how a session with one punch counts (SINGLE_PUNCH_*), the unit's rule.
    """
    if plan.kind == "not_employed":
        return Result("not_employed", "", reasons=["Ngoài thời gian công tác"])
    if plan.kind == "not_tracked":
        return Result("not_tracked", "", reasons=[plan.note or "Trước ngày bắt đầu theo dõi chấm công"])
    if plan.kind == "holiday":
        return Result("holiday", HOLIDAY, reasons=[plan.note or "Ngày lễ, Tết"])
    if plan.kind == "rest" or not plan.sessions:
        return Result("rest", "", reasons=[plan.note] if plan.note else [])
    leaves = list(leaves) if leaves else ()
    fixes = list(fixes) if fixes else ()
    for full_leave in leaves:
        if full_leave.portion == "full":
            status = "business_trip" if full_leave.symbol == BUSINESS_TRIP else "leave"
            return Result(status, full_leave.symbol, reasons=[f"Nghỉ/đi theo đơn: {full_leave.symbol}"])

    kept = debounce(punches, plan.debounce)
    bounds, wins, labels = day_frame or frame(day, plan)
    result = Result("present", PRESENT)
    if plan.note:
        result.reasons.append(plan.note)
    halves: list[str] = []
    absent_sessions = pending_sessions = leave_sessions = 0
    for index in range(len(plan.sessions)):
        leave = _leave_for(index, leaves) if leaves else None
        if leave is not None:
            sr = SessionResult(*labels[index], status="leave", symbol=leave.symbol)
            result.sessions.append(sr)
            halves.append(leave.symbol)
            leave_sessions += 1
            continue
        sr = evaluate_session(
            day, bounds[index], wins[index], kept, plan, _fix_for(index, fixes) if fixes else None, labels[index]
        )
        if sr.status in ("missing_in", "missing_out") and single_punch == SINGLE_PUNCH_ABSENT:
            # The unit's rule: one punch does not prove the session was worked.
            result.reasons.append(
                f"Chỉ có một lượt chấm công (buổi {sr.start}–{sr.end}): tính vắng theo nội quy đơn vị"
            )
            sr.status, sr.symbol, sr.worked_minutes = "absent", ABSENT, 0
            absent_sessions += 1
            result.sessions.append(sr)
            halves.append(sr.symbol)
            continue
        if sr.status == "absent":
            if (now is not None and now < wins[index][1]) or not synced:
                sr.status, sr.symbol = "pending", PENDING
                pending_sessions += 1
            else:
                sr.symbol = ABSENT
                absent_sessions += 1
        result.sessions.append(sr)
        halves.append(sr.symbol)
        result.late_minutes += sr.late_minutes
        result.early_minutes += sr.early_minutes
        result.worked_minutes += sr.worked_minutes
        if sr.late_minutes:
            result.late_count += 1
            result.reasons.append(f"Đi muộn {sr.late_minutes} phút (buổi {sr.start}–{sr.end})")
        if sr.early_minutes:
            result.early_count += 1
            result.reasons.append(f"Về sớm {sr.early_minutes} phút (buổi {sr.start}–{sr.end})")
        if sr.status in ("missing_in", "missing_out"):
            result.missing_punches += 1
            result.reasons.append(
                f"Thiếu lượt chấm công {'vào' if sr.status == 'missing_in' else 'ra'} (buổi {sr.start}–{sr.end})"
            )
        if sr.status == "corrected":
            result.reasons.append(f"Đã điều chỉnh theo đề nghị được duyệt (buổi {sr.start}–{sr.end})")

    n = len(plan.sessions)
    worked_sessions = n - absent_sessions - pending_sessions - leave_sessions
    if pending_sessions and not worked_sessions and not absent_sessions:
        result.status, result.symbol = "pending", PENDING
        result.reasons.append(
            "Chưa có dữ liệu: máy chấm công của đơn vị chưa đồng bộ hết ngày này"
            if not synced
            else "Chưa hết buổi làm việc"
        )
        return result
    result.absent_units = round(absent_sessions / n, 2) if n else 0.0
    if absent_sessions == n:
        result.status, result.symbol = "absent", ABSENT
        if not any(s.first_in or s.last_out for s in result.sessions):
            result.reasons.append("Không có lượt chấm công nào, không có đơn nghỉ")
        return result
    result.symbol = _combine(halves)
    if absent_sessions:
        result.status = "half_absent"
        result.reasons.append("Vắng không lý do một buổi")
    elif leave_sessions:
        result.status = "leave"
    elif result.missing_punches:
        result.status = "missing_punch"
    elif result.late_count:
        result.status = "late"
    elif result.early_count:
        result.status = "left_early"
    return result


UNCORRECTED_FIELDS = ("status", "symbol", "late_minutes", "early_minutes", "missing_punches")


def summary(result: Result) -> dict:
    """The figures of a day a correction can change: DayResult.uncorrected's shape."""
    return {name: getattr(result, name) for name in UNCORRECTED_FIELDS}


def was_corrected(corrected: Result, punches_only: Result) -> bool:
    """Whether approved corrections changed the day (its figures or a session's times)."""
    if summary(corrected) != summary(punches_only):
        return True
    return [(s.first_in, s.last_out, s.status) for s in corrected.sessions] != [
        (s.first_in, s.last_out, s.status) for s in punches_only.sessions
    ]


# --- today's board ---------------------------------------------------------------------

# A clock that reported within this long of now (or of the start of work) is fresh
# enough to say "not in yet"; the default poll interval is 5 minutes.
FRESH_CLOCK = dt.timedelta(minutes=20)


@dataclass(frozen=True)
class BoardRow:
    """One person's line on today's board."""

    status: str  # in, late, absent, on_leave, business_trip, not_yet_in, pending, day_off, not_tracked
    first_punch: str | None = None  # "HH:MM" of the day's first punch
    late_minutes: int = 0
    note: str = ""

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def board_row(
    day: dt.date,
    plan: DayPlan,
    punches: Iterable[dt.datetime],
    leaves: Sequence[Leave] = (),
    *,
    now: dt.datetime,
    clock_through: dt.datetime | None,
    stored_status: str = "",
    stored_label: str = "",
    leave_names: Mapping[str, str] | None = None,
) -> BoardRow:
    """Where one person stands on `day` as of `now`, for the live board.

    All times are naive local datetimes. `punches`: the person's punches (other days are
    ignored); `clock_through`: the instant up to which every clock of the unit has
    delivered its records (None: no clock serves the unit, or one never reported);
    `stored_status`/`stored_label`: what the stored day result says (a locked month keeps
    its record); `leave_names`: leave symbol → its name, for the note.

    The board says what the day's record cannot say yet: a single morning punch is "in"
    before any "out" exists, and a no-show is "not yet in" until the clock has reported
    the whole first expected session — or "pending" while the clock is silent, so nobody
    is marked absent for a clock that is down. Leaving early is the day result's
    business: the board looks at arrivals only.
    """
    todays = sorted(p for p in punches if p.date() == day)
    first = todays[0] if todays else None
    first_punch = _hm(first) if first is not None else None
    if plan.kind == "not_tracked":
        return BoardRow("not_tracked", first_punch, note=plan.note)
    if plan.kind != "work" or not plan.sessions:
        return BoardRow("day_off", first_punch, note=plan.note or stored_label)
    full = next((lv for lv in leaves if lv.portion == "full"), None)
    if full is not None:
        status = "business_trip" if full.symbol == BUSINESS_TRIP else "on_leave"
        return BoardRow(status, first_punch, note=str((leave_names or {}).get(full.symbol, full.symbol)))
    on_leave = {MORNING for lv in leaves if lv.portion == "morning"} | {
        AFTERNOON for lv in leaves if lv.portion == "afternoon"
    }
    expected = [i for i in range(len(plan.sessions)) if i not in on_leave]
    bounds = [session_bounds(day, s) for s in plan.sessions]
    if first is not None:
        status, late_minutes, note = "in", 0, ""
        index = next((i for i, (lo, hi) in enumerate(windows(day, plan, bounds)) if lo <= first <= hi), None)
        if index is not None:
            late = _minutes(first - bounds[index][0])
            if index in expected and late > plan.late_grace:
                status, late_minutes = "late", late
            missed = [i for i in expected if i < index]
            if missed:
                s = plan.sessions[missed[0]]
                note = _("Không chấm công buổi %(start)s–%(end)s") % {
                    "start": f"{s.start:%H:%M}",
                    "end": f"{s.end:%H:%M}",
                }
        return BoardRow(status, first_punch, late_minutes, note)
    if on_leave:
        return BoardRow("on_leave", note=_("Nghỉ nửa ngày"))
    if stored_status == "absent":
        return BoardRow("absent")
    start, end = bounds[expected[0]]
    if clock_through is None or clock_through < min(now, start) - FRESH_CLOCK:
        return BoardRow("pending")  # the clock has not reported lately: nobody is marked absent
    if clock_through >= end:
        return BoardRow("absent")  # the clock reported the whole session and nothing came
    return BoardRow("not_yet_in")


def _combine(halves: list[str]) -> str:
    """One cell for the timesheet: "+" for a full day, "+/P" when halves differ."""
    distinct = [h for h in halves if h]
    if not distinct:
        return ""
    if len(set(distinct)) == 1:
        return distinct[0]
    return "/".join(distinct)


def day_units(symbol: str) -> dict[str, float]:
    """Split a cell into day units per symbol: "+/P" → {"+": 0.5, "P": 0.5}."""
    if not symbol or symbol == PENDING:
        return {}
    parts = symbol.split("/")
    share = 1.0 / len(parts)
    out: dict[str, float] = {}
    for p in parts:
        out[p] = out.get(p, 0.0) + share
    return out


def totals(symbols: list[str]) -> dict[str, float]:
    """C01-HD totals for a row of day cells.

    paid_time: days paid by time (working days, business trips, meetings);
    paid_leave: paid days off (annual leave, compensatory days, public holidays);
    social_insurance: days paid by social insurance (sick, child sick, maternity, accident);
    stoppage: work-stoppage days; unpaid: unpaid leave and unexcused absence.
    """
    out = {"paid_time": 0.0, "paid_leave": 0.0, "social_insurance": 0.0, "stoppage": 0.0, "unpaid": 0.0}
    for symbol in symbols:
        for part, units in day_units(symbol).items():
            if part == PRESENT or part in PRESENT_LIKE_LEAVE:
                out["paid_time"] += units
            elif part in PAID_LEAVE or part == HOLIDAY:
                out["paid_leave"] += units
            elif part in SOCIAL_INSURANCE:
                out["social_insurance"] += units
            elif part in STOPPAGE:
                out["stoppage"] += units
            elif part in UNPAID:
                out["unpaid"] += units
    return {k: round(v, 2) for k, v in out.items()}


def annual_leave_entitlement(years_of_service: int, base_days: int = 12) -> int:
    """Labour Code 2019 arts. 113–114: 12 days a year, plus 1 day per 5 full years of service."""
    return base_days + max(0, years_of_service) // 5
