"""A corrected day shows that it was corrected and what the punches alone said: in the
API, the timesheet cell, self-service and the board."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from attendance import actions, engine
from attendance.models import DayResult
from hr_system.models import Employee
from tests.attendance.conftest import API, day, punch, recompute

MAR = {d: dt.date(2025, 3, d) for d in range(1, 32)}


def forgot_in(cast, date: dt.date):
    return actions.request_correction(
        acting_user=cast.hr_a,
        employee=cast.emp_a,
        date=date,
        kind="forgot",
        session="morning",
        time_in=dt.time(7, 28),
        reason="Quên chấm công vào",
        approve=True,
    )


def test_an_approved_correction_marks_the_day_and_keeps_what_the_punches_said(cast, clock, login):
    punch(clock, "101", MAR[12], "11:35", "13:25", "17:05")
    recompute(MAR[12], MAR[13], "101")
    assert day("101", MAR[12]).corrected is False and day("101", MAR[12]).uncorrected == {}
    forgot_in(cast, MAR[12])
    r = day("101", MAR[12])
    assert (r.status, r.symbol, r.corrected) == ("present", "+", True)
    assert r.uncorrected == {
        "status": "missing_punch",
        "symbol": "+",
        "late_minutes": 0,
        "early_minutes": 0,
        "missing_punches": 1,
    }
    assert day("101", MAR[13]).corrected is False

    days = login(cast.staff_user).get(f"{API}/days", {"start": "2025-03-12", "end": "2025-03-13"}).json()
    assert days[0]["corrected"] is True and days[0]["uncorrected"]["status"] == "missing_punch"
    assert days[1]["corrected"] is False and days[1]["uncorrected"] is None


def test_the_timesheet_cell_carries_a_mark_and_the_punches_result(cast, clock, login):
    recompute(MAR[12], MAR[12], "101")  # no punches: KP
    forgot_in(cast, MAR[12])  # the morning in only: the afternoon is still KP
    page = login(cast.hr_a).get("/attendance/timesheet/", {"unit": "P-MC", "month": "2025-03"}).content.decode()
    assert 'corrected" title="Đã điều chỉnh; theo lượt chấm công: KP (Vắng không lý do)"' in page
    assert "<sup>*</sup></a>" in page and 'href="/employees/101/?month=2025-03#ngay-2025-03-12"' in page
    sheet = login(cast.hr_a).get(f"{API}/timesheet", {"unit": "P-MC", "month": "2025-03"}).json()
    row = next(r for r in sheet["rows"] if r["employee_code"] == "101")
    assert row["corrected"] == {
        "12": {"status": "absent", "symbol": "KP", "late_minutes": 0, "early_minutes": 0, "missing_punches": 0}
    }


def test_self_service_and_the_board_show_the_correction(cast, clock, login):
    today = timezone.localdate()
    work = today
    while work.weekday() >= 5:  # the latest working day up to today
        work -= dt.timedelta(days=1)
    punch(clock, "101", work, "11:35")
    engine.recompute(Employee.objects.filter(code="101"), work, work)
    forgot_in(cast, work)
    assert DayResult.objects.get(employee=cast.emp_a, date=work).corrected
    page = login(cast.staff_user).get("/attendance/me/", {"month": f"{work:%Y-%m}"}).content.decode()
    assert "Đã điều chỉnh" in page and "Theo lượt chấm công:" in page
    if work == today:
        board = login(cast.hr_a).get(f"{API}/board", {"unit": "P-MC"}).json()
        row = next(r for r in board["rows"] if r["employee_code"] == "101")
        assert row["corrected"] is True and row["uncorrected"]
