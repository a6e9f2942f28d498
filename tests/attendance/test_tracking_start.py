"""Go-live dates: days before a unit starts attendance tracking (or before a person
joined the unit) are blank everywhere and counted nowhere — never KP."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from attendance import actions, engine
from attendance.models import DayResult, MonthLock, TrackingStart, tracking_start
from hr_system import actions as hr_actions
from hr_system.models import AuditLog, Employee
from tests.attendance.conftest import API, day, punch, recompute, send

MAR = {d: dt.date(2025, 3, d) for d in range(1, 32)}


def set_go_live(client, unit: str, date: str | None, **extra):
    return send(client, "put", f"tracking-starts/{unit}", {"date": date, **extra})


def test_days_before_the_go_live_date_become_blank_and_the_rest_stay_tracked(cast, clock, login):
    punch(clock, "101", MAR[12], "07:25", "11:35", "13:25", "17:05")
    recompute(MAR[1], MAR[14], "101")
    assert day("101", MAR[5]).status == DayResult.Status.ABSENT  # the false KP of the issue

    r = set_go_live(login(cast.hr_a), "P-MC", "2025-03-10", note="Lắp máy chấm công")
    assert r.status_code == 200, r.content
    assert r.json() == {
        "unit": "P-MC",
        "unit_name": "Phường Mộc Châu",
        "own_date": "2025-03-10",
        "date": "2025-03-10",
        "inherited_from": None,
        "note": "Lắp máy chấm công",
        "locked_months_kept": [],
    }
    # Setting the date recomputed the stored days at once.
    before = day("101", MAR[5])
    assert (before.status, before.symbol, before.absent_units) == ("not_tracked", "", 0)
    assert "10/03/2025" in before.reasons[0]
    assert day("101", MAR[11]).status == DayResult.Status.ABSENT
    assert day("101", MAR[12]).status == DayResult.Status.PRESENT
    assert AuditLog.objects.filter(action="tracking_start.set", object_id=str(cast.commune_a.pk)).exists()


def test_blank_days_count_nowhere_in_the_timesheet_discipline_and_days_api(cast, clock, login):
    TrackingStart.objects.create(unit=cast.commune_a, date=MAR[10])
    recompute(MAR[1], MAR[14], "101")
    hr = login(cast.hr_a)
    sheet = hr.get(f"{API}/timesheet", {"unit": "P-MC", "month": "2025-03"}).json()
    row = next(r for r in sheet["rows"] if r["employee_code"] == "101")
    assert [row["days"][str(d)] for d in (3, 7, 10, 14)] == ["", "", "KP", "KP"]
    assert row["totals"]["unpaid"] == 5 and row["absent_days"] == 5

    discipline = hr.get(f"{API}/discipline", {"unit": "P-MC", "start": "2025-03-01", "end": "2025-03-14"}).json()
    assert next(r for r in discipline["rows"] if r["employee_code"] == "101")["absent_days"] == 5

    days = hr.get(f"{API}/days", {"employee": "101", "start": "2025-03-06", "end": "2025-03-10"}).json()
    assert [(d["status"], d["symbol"], d["absent_units"]) for d in days] == [
        ("not_tracked", "", 0),
        ("not_tracked", "", 0),
        ("not_tracked", "", 0),  # weekends before go-live too
        ("not_tracked", "", 0),
        ("absent", "KP", 1),
    ]
    assert days[0]["status_label"] == "Chưa theo dõi chấm công"

    page = hr.get("/attendance/timesheet/", {"unit": "P-MC", "month": "2025-03"}).content.decode()
    assert "#ngay-2025-03-10" in page and "#ngay-2025-03-07" not in page  # blank cells carry no link
    assert "bắt đầu theo dõi chấm công từ ngày 10/03/2025" in page

    xlsx = hr.get("/attendance/timesheet.xlsx", {"unit": "P-MC", "month": "2025-03"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    header = next(r for r in rows if r and "Họ và tên" in r)
    an = dict(zip([str(v) for v in header], next(r for r in rows if r and "Nguyễn Văn An" in r), strict=False))
    assert an["7"] in ("", None) and an["10"] == "KP"


def test_a_lower_unit_overrides_and_removing_its_date_inherits_again(cast, clock, login):
    hr = login(cast.hr_a)
    assert set_go_live(hr, "P-MC", "2025-03-05").status_code == 200
    assert set_go_live(hr, "P-MC-TH", "2025-03-12").status_code == 200
    recompute(MAR[1], MAR[14], "101", "102")
    assert day("101", MAR[11]).status == "absent" and day("102", MAR[11]).status == "not_tracked"
    assert tracking_start(cast.teacher_a) == MAR[12] and tracking_start(cast.emp_a) == MAR[5]

    listed = hr.get(f"{API}/tracking-starts", {"unit": "P-MC"}).json()["items"]
    by_unit = {row["unit"]: (row["own_date"], row["date"], row["inherited_from"]) for row in listed}
    assert by_unit["P-MC-TH"] == ("2025-03-12", "2025-03-12", None)
    assert by_unit["P-MC-UB"] == (None, "2025-03-05", "P-MC")

    r = set_go_live(hr, "P-MC-TH", None)
    assert r.status_code == 200 and r.json()["date"] == "2025-03-05" and r.json()["inherited_from"] == "P-MC"
    assert day("102", MAR[11]).status == "absent"  # recomputed at once
    assert AuditLog.objects.filter(action="tracking_start.remove").count() == 1


def test_go_live_dates_are_set_only_within_scope(cast, clock, login):
    assert set_go_live(login(cast.hr_b), "P-MC", "2025-03-10").status_code == 404  # another commune's
    assert set_go_live(login(cast.head_a), "P-MC-TH", "2025-03-10").status_code == 403  # reads, does not set
    assert set_go_live(login(cast.staff_user), "P-MC-UB", "2025-03-10").status_code in (403, 404)
    assert login(cast.hr_b).get(f"{API}/tracking-starts", {"unit": "P-MC"}).status_code == 404
    assert not TrackingStart.objects.exists()
    r = send(login(cast.hr_a), "put", "tracking-starts/P-MC", {"date": "2025-03-10", "extra": 1})
    assert r.status_code == 422


def test_locked_months_keep_their_approved_record_when_the_go_live_date_is_set(cast, clock, login):
    """A go-live date is set after the fact, over months already closed: those keep the
    record HR approved (a pilot month, say); the open ones are evaluated again."""
    recompute(dt.date(2025, 2, 24), MAR[14], "101")
    actions.lock_month(acting_user=cast.hr_a, unit=cast.office_a, month=dt.date(2025, 2, 1))
    r = set_go_live(login(cast.hr_a), "P-MC", "2025-03-10")
    assert r.status_code == 200 and r.json()["locked_months_kept"] == ["2025-02"]
    assert day("101", dt.date(2025, 2, 24)).status == "absent"  # locked: kept as approved
    assert day("101", MAR[5]).status == "not_tracked"
    logged = AuditLog.objects.get(action="tracking_start.set")
    assert logged.detail["locked_months_kept"] == ["02/2025"]
    assert MonthLock.objects.count() == 1


def test_a_newly_imported_employee_is_not_absent_before_joining_the_unit(cast, clock):
    csv = (
        "Mã chấm công,Họ và tên,Loại,Mã đơn vị,Ngày bắt đầu,Ngày về đơn vị\n"
        "150,Hà Thị Mai,Công chức,P-MC-UB,01/09/2012,12/03/2025\n"
    ).encode()
    report = hr_actions.import_employees(acting_user=cast.hr_a, data=csv, filename="ds.csv")
    assert report.created == 1 and report.written
    person = Employee.objects.get(code="150")
    assert person.unit_start == MAR[12] and tracking_start(person) == MAR[12]
    recompute(MAR[1], MAR[14], "150")
    statuses = dict(DayResult.objects.filter(employee=person).values_list("date", "status"))
    assert {statuses[MAR[d]] for d in (3, 4, 5, 6, 7, 10, 11)} == {"not_tracked"}
    assert statuses[MAR[12]] == statuses[MAR[13]] == "absent"


def test_the_recompute_worker_fills_new_peoples_days_as_not_tracked(cast, clock):
    """Someone added with only the day they joined the unit: the worker's backfill
    writes the days before it as not tracked, not as a year of KP."""
    today = timezone.localdate()
    joined = today - dt.timedelta(days=3)
    person = Employee.objects.create(
        code="151", full_name="Vì Văn Hùng", unit=cast.office_a, category="civil_servant", unit_start=joined
    )
    people = Employee.objects.filter(pk=person.pk)
    behind = engine.outdated(people, None, today, punches_after=None, changed_after=None)
    assert engine.backfill_start(today) in behind[person.pk]
    engine.recompute(people, engine.backfill_start(today), today)
    before = DayResult.objects.filter(employee=person, date__lt=joined)
    assert before.exists() and set(before.values_list("status", flat=True)) == {"not_tracked"}


def test_the_board_and_self_service_show_days_before_tracking_blank(cast, clock, login):
    today = timezone.localdate()
    TrackingStart.objects.create(unit=cast.commune_a, date=today + dt.timedelta(days=1))
    board = login(cast.hr_a).get(f"{API}/board", {"unit": "P-MC"}).json()
    row = next(r for r in board["rows"] if r["employee_code"] == "101")
    assert row["status"] == "not_tracked" and row["status_label"] == ""
    assert "not_tracked" not in board["counts"] and sum(board["counts"].values()) == 0

    engine.recompute(Employee.objects.filter(code="101"), today.replace(day=1), today)
    page = login(cast.staff_user).get("/attendance/me/").content.decode()
    assert 'data-status="not_tracked"' in page
    assert "Chưa theo dõi chấm công" not in page and ">KP<" not in page
