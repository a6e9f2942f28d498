"""Table tests of the pure day evaluation (no database)."""

import datetime as dt

import pytest

from attendance import rules as R

DAY = dt.date(2026, 11, 2)  # a Monday
OFFICE = R.DayPlan("work", (R.Session(dt.time(7, 30), dt.time(11, 30)), R.Session(dt.time(13, 30), dt.time(17, 0))))


def at(h, m, day=DAY):
    return dt.datetime.combine(day, dt.time(h, m))


FULL_DAY = [at(7, 25), at(11, 32), at(13, 28), at(17, 3)]

CASES = [
    # name, punches, leaves, fixes, synced, expected (status, symbol, late, early, worked)
    ("on time", FULL_DAY, [], [], True, ("present", "+", 0, 0, 450)),
    ("within grace", [at(7, 34), at(11, 30), at(13, 30), at(16, 56)], [], [], True, ("present", "+", 0, 0, 442)),
    ("late beyond grace", [at(7, 50), at(11, 32), at(13, 28), at(17, 3)], [], [], True, ("late", "+", 20, 0, 430)),
    ("left early", [at(7, 25), at(11, 32), at(13, 28), at(16, 30)], [], [], True, ("left_early", "+", 0, 30, 420)),
    (
        "double tap counts once",
        [at(7, 25), at(7, 26), at(7, 27), at(11, 32), at(13, 28), at(17, 3)],
        [],
        [],
        True,
        ("present", "+", 0, 0, 450),
    ),
    ("no punches, clocks synced", [], [], [], True, ("absent", "KP", 0, 0, 0)),
    ("no punches, clocks not synced", [], [], [], False, ("pending", "?", 0, 0, 0)),
    ("afternoon missing", [at(7, 25), at(11, 32)], [], [], True, ("half_absent", "+/KP", 0, 0, 240)),
    (
        "single punch in the morning",
        [at(7, 25), at(13, 28), at(17, 3)],
        [],
        [],
        True,
        ("missing_punch", "+", 0, 0, 210),
    ),
    ("full-day annual leave", [], [R.Leave("P")], [], True, ("leave", "P", 0, 0, 0)),
    ("business trip counts as present", [], [R.Leave("CT")], [], True, ("business_trip", "CT", 0, 0, 0)),
    (
        "half-day leave, worked morning",
        [at(7, 25), at(11, 32)],
        [R.Leave("P", "afternoon")],
        [],
        True,
        ("leave", "+/P", 0, 0, 240),
    ),
    (
        "forgot to punch out, approved fix",
        [at(7, 25), at(13, 28), at(17, 3)],
        [],
        [R.Fix((0,), None, dt.time(11, 30))],
        True,
        ("present", "+", 0, 0, 450),
    ),
    (
        "off-site morning excused",
        [at(13, 28), at(17, 3)],
        [],
        [R.Fix((0,), kind="off_site")],
        True,
        ("present", "+", 0, 0, 450),
    ),
    (
        "punch direction ignored (all state 255)",
        [at(17, 3), at(13, 28), at(11, 32), at(7, 25)],
        [],
        [],
        True,
        ("present", "+", 0, 0, 450),
    ),
]


@pytest.mark.parametrize("name,punches,leaves,fixes,synced,expected", CASES, ids=[c[0] for c in CASES])
def test_day_evaluation(name, punches, leaves, fixes, synced, expected):
    r = R.evaluate_day(DAY, OFFICE, punches, leaves, fixes, synced=synced)
    assert (r.status, r.symbol, r.late_minutes, r.early_minutes, r.worked_minutes) == expected


def test_reasons_say_why():
    r = R.evaluate_day(DAY, OFFICE, [at(7, 50), at(11, 32), at(13, 28), at(16, 40)])
    assert r.reasons == ["Đi muộn 20 phút (buổi 07:30–11:30)", "Về sớm 20 phút (buổi 13:30–17:00)"]
    assert (r.late_count, r.early_count) == (1, 1)


def test_holiday_rest_and_not_employed():
    assert R.evaluate_day(DAY, R.DayPlan("holiday", note="Tết Dương lịch"), []).symbol == "L"
    assert R.evaluate_day(DAY, R.DayPlan("rest"), FULL_DAY).status == "rest"
    assert R.evaluate_day(DAY, R.DayPlan("not_employed"), FULL_DAY).status == "not_employed"


def test_day_not_over_is_pending_not_absent():
    r = R.evaluate_day(DAY, OFFICE, [at(7, 25)], now=at(10, 0))
    assert r.sessions[1].status == "pending" and r.status != "absent"
    assert r.absent_units == 0


def test_night_shift_crossing_midnight():
    night = R.DayPlan("work", (R.Session(dt.time(22, 0), dt.time(6, 0)),))
    nxt = DAY + dt.timedelta(days=1)
    r = R.evaluate_day(DAY, night, [at(22, 20), at(6, 5, nxt)])
    assert (r.status, r.late_minutes, r.worked_minutes) == ("late", 20, 460)
    # The morning punch belongs to last night's shift, not to a new day.
    assert r.sessions[0].last_out == "06:05"


def test_lunch_punch_goes_to_the_nearer_session():
    plan = R.DayPlan("work", OFFICE.sessions, window_before=120, window_after=120)
    lo_m, hi_m = R.windows(DAY, plan)[0]
    lo_a, _ = R.windows(DAY, plan)[1]
    assert hi_m == lo_a == at(12, 30)


def test_totals_and_half_days():
    t = R.totals(["+", "+/P", "KP", "Ô", "L", "CT", "No", "?", ""])
    assert t == {"paid_time": 2.5, "paid_leave": 1.5, "social_insurance": 1.0, "stoppage": 0.0, "unpaid": 2.0}


@pytest.mark.parametrize("years,days", [(0, 12), (4, 12), (5, 13), (14, 14), (25, 17)])
def test_annual_leave_entitlement(years, days):
    assert R.annual_leave_entitlement(years) == days


# --- today's board -------------------------------------------------------------------------

LEAVE_NAMES = {"P": "Nghỉ phép", "Ô": "Ốm, điều dưỡng", "CT": "Đi công tác"}
MISSED_MORNING = "Không chấm công buổi 07:30–11:30"

BOARD_CASES = [
    # name, punches, leaves, now, clock synced through, expected (status, first punch, late, note)
    ("on time", [at(7, 25)], [], at(9, 0), at(9, 0), ("in", "07:25", 0, "")),
    ("late within grace", [at(7, 34)], [], at(9, 0), at(9, 0), ("in", "07:34", 0, "")),
    ("late by 40 minutes", [at(8, 10)], [], at(9, 0), at(9, 0), ("late", "08:10", 40, "")),
    (
        "the first punch counts, taps after it do not",
        [at(7, 25), at(8, 30)],
        [],
        at(9, 0),
        at(9, 0),
        ("in", "07:25", 0, ""),
    ),
    ("left early still shows in", [at(7, 25), at(9, 40)], [], at(10, 0), at(10, 0), ("in", "07:25", 0, "")),
    (
        "missing morning punch, in for the afternoon",
        [at(13, 28)],
        [],
        at(14, 0),
        at(14, 0),
        ("in", "13:28", 0, MISSED_MORNING),
    ),
    (
        "missing morning punch, late for the afternoon",
        [at(14, 0)],
        [],
        at(14, 5),
        at(14, 5),
        ("late", "14:00", 30, MISSED_MORNING),
    ),
    ("a punch outside every window", [at(5, 0)], [], at(6, 0), at(6, 0), ("in", "05:00", 0, "")),
    (
        "yesterday's punch is not today's arrival",
        [at(7, 25, DAY - dt.timedelta(days=1))],
        [],
        at(7, 40),
        at(7, 40),
        ("not_yet_in", None, 0, ""),
    ),
    ("not yet arrived while the first session runs", [], [], at(8, 0), at(7, 55), ("not_yet_in", None, 0, "")),
    ("before work, the clock reported lately", [], [], at(6, 0), at(5, 50), ("not_yet_in", None, 0, "")),
    ("absent once the clock reported the whole first session", [], [], at(12, 0), at(11, 45), ("absent", None, 0, "")),
    ("pending while the clock is silent", [], [], at(9, 0), at(7, 0), ("pending", None, 0, "")),
    ("pending when no clock has reported", [], [], at(12, 0), None, ("pending", None, 0, "")),
    ("full-day leave", [], [R.Leave("Ô")], at(9, 0), at(9, 0), ("on_leave", None, 0, "Ốm, điều dưỡng")),
    ("business trip", [], [R.Leave("CT")], at(9, 0), at(9, 0), ("business_trip", None, 0, "Đi công tác")),
    (
        "on leave even with a punch",
        [at(7, 25)],
        [R.Leave("P")],
        at(9, 0),
        at(9, 0),
        ("on_leave", "07:25", 0, "Nghỉ phép"),
    ),
    (
        "half-day leave, no punch",
        [],
        [R.Leave("P", "afternoon")],
        at(12, 0),
        at(11, 45),
        ("on_leave", None, 0, "Nghỉ nửa ngày"),
    ),
    (
        "morning leave, afternoon on time",
        [at(13, 28)],
        [R.Leave("P", "morning")],
        at(14, 0),
        at(14, 0),
        ("in", "13:28", 0, ""),
    ),
    (
        "morning leave, late for the afternoon",
        [at(14, 0)],
        [R.Leave("P", "morning")],
        at(14, 5),
        at(14, 5),
        ("late", "14:00", 30, ""),
    ),
    (
        "arriving during a half-day leave is never late",
        [at(8, 30)],
        [R.Leave("P", "morning")],
        at(9, 0),
        at(9, 0),
        ("in", "08:30", 0, ""),
    ),
]


@pytest.mark.parametrize("name,punches,leaves,now,clock,expected", BOARD_CASES, ids=[c[0] for c in BOARD_CASES])
def test_board_row(name, punches, leaves, now, clock, expected):
    row = R.board_row(DAY, OFFICE, punches, leaves, now=now, clock_through=clock, leave_names=LEAVE_NAMES)
    assert (row.status, row.first_punch, row.late_minutes, row.note) == expected


def test_board_row_on_a_holiday_or_rest_day():
    holiday = R.DayPlan("holiday", note="Quốc khánh")
    row = R.board_row(DAY, holiday, [], now=at(9, 0), clock_through=at(9, 0))
    assert (row.status, row.first_punch, row.note) == ("day_off", None, "Quốc khánh")
    # Without a note of its own, a rest day says what the stored day result says.
    row = R.board_row(DAY, R.DayPlan("rest"), [at(8, 0)], now=at(9, 0), clock_through=None, stored_label="Ngày nghỉ")
    assert (row.status, row.first_punch, row.note) == ("day_off", "08:00", "Ngày nghỉ")
    # A working day whose schedule has no session in this season is a day off too.
    row = R.board_row(DAY, R.DayPlan("work"), [], now=at(9, 0), clock_through=at(9, 0))
    assert row.status == "day_off"


def test_board_row_keeps_a_stored_absence():
    """A locked month keeps its record: a stored absence stays absent on the board."""
    row = R.board_row(DAY, OFFICE, [], now=at(8, 0), clock_through=None, stored_status="absent")
    assert row.status == "absent"


def test_board_row_as_dict_has_the_api_fields():
    row = R.board_row(DAY, OFFICE, [at(8, 10)], now=at(9, 0), clock_through=at(9, 0))
    assert row.as_dict() == {"status": "late", "first_punch": "08:10", "late_minutes": 40, "note": ""}
