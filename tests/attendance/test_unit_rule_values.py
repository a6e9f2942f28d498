"""Table tests of the rule values the engine hands to the pure day evaluation: how a
session with a single punch counts (the unit's option), days before tracking starts,
and what a corrected day remembers of its punches. No database."""

import datetime as dt

import pytest

from attendance import rules as R

DAY = dt.date(2026, 11, 2)  # a Monday
OFFICE = R.DayPlan("work", (R.Session(dt.time(7, 30), dt.time(11, 30)), R.Session(dt.time(13, 30), dt.time(17, 0))))


def at(h, m):
    return dt.datetime.combine(DAY, dt.time(h, m))


FULL = [at(7, 25), at(11, 32), at(13, 28), at(17, 3)]
MORNING_IN_ONLY = [at(7, 25), at(13, 28), at(17, 3)]
ONE_EACH = [at(7, 25), at(13, 28)]

# name, punches, option, expected (status, symbol, absent_units, missing_punches, worked_minutes)
SINGLE_PUNCH = [
    ("full day, default", FULL, R.SINGLE_PUNCH_MISSING, ("present", "+", 0.0, 0, 450)),
    ("full day, strict unit", FULL, R.SINGLE_PUNCH_ABSENT, ("present", "+", 0.0, 0, 450)),
    ("one morning punch, default", MORNING_IN_ONLY, R.SINGLE_PUNCH_MISSING, ("missing_punch", "+", 0.0, 1, 210)),
    ("one morning punch, strict unit", MORNING_IN_ONLY, R.SINGLE_PUNCH_ABSENT, ("half_absent", "KP/+", 0.5, 0, 210)),
    ("one punch each session, default", ONE_EACH, R.SINGLE_PUNCH_MISSING, ("missing_punch", "+", 0.0, 2, 0)),
    ("one punch each session, strict unit", ONE_EACH, R.SINGLE_PUNCH_ABSENT, ("absent", "KP", 1.0, 0, 0)),
    ("no punches, strict unit", [], R.SINGLE_PUNCH_ABSENT, ("absent", "KP", 1.0, 0, 0)),
]


@pytest.mark.parametrize("name, punches, option, expected", SINGLE_PUNCH, ids=[c[0] for c in SINGLE_PUNCH])
def test_a_single_punch_session_counts_as_the_unit_says(name, punches, option, expected):
    r = R.evaluate_day(DAY, OFFICE, punches, single_punch=option)
    assert (r.status, r.symbol, r.absent_units, r.missing_punches, r.worked_minutes) == expected


def test_a_strict_unit_says_why_the_session_is_absent():
    r = R.evaluate_day(DAY, OFFICE, MORNING_IN_ONLY, single_punch=R.SINGLE_PUNCH_ABSENT)
    assert any("Chỉ có một lượt chấm công (buổi 07:30–11:30)" in reason for reason in r.reasons)
    assert not any("Không có lượt chấm công nào" in reason for reason in r.reasons)


def test_days_before_tracking_starts_are_blank_and_count_nowhere():
    plan = R.DayPlan("not_tracked", note="Bắt đầu theo dõi chấm công từ 16/11/2026")
    r = R.evaluate_day(DAY, plan, [])
    assert (r.status, r.symbol, r.absent_units, r.late_count, r.missing_punches) == ("not_tracked", "", 0, 0, 0)
    assert R.totals([r.symbol] * 10) == R.totals([])


def test_the_board_shows_nothing_expected_before_tracking_starts():
    row = R.board_row(
        DAY, R.DayPlan("not_tracked", note="x"), [], now=at(10, 0), clock_through=at(10, 0), stored_status=""
    )
    assert row.status == "not_tracked"


FORGOT_OUT = R.Fix((0,), None, dt.time(11, 30))
CORRECTED = [
    # name, punches, fixes, corrected?, what the punches alone said
    ("forgot the morning out", MORNING_IN_ONLY, [FORGOT_OUT], True, ("missing_punch", "+", 0, 0, 1)),
    ("clock broken all day", [], [R.Fix(None, None, None, "clock_broken")], True, ("absent", "KP", 0, 0, 0)),
    ("a fix that changes nothing", FULL, [R.Fix((1,), dt.time(13, 28), None)], False, None),
]


@pytest.mark.parametrize("name, punches, fixes, changed, raw", CORRECTED, ids=[c[0] for c in CORRECTED])
def test_a_corrected_day_remembers_what_the_punches_alone_said(name, punches, fixes, changed, raw):
    corrected = R.evaluate_day(DAY, OFFICE, punches, (), fixes)
    punches_only = R.evaluate_day(DAY, OFFICE, punches)
    assert R.was_corrected(corrected, punches_only) is changed
    if raw is not None:
        assert tuple(R.summary(punches_only)[k] for k in R.UNCORRECTED_FIELDS) == raw
        assert corrected.symbol == "+"
