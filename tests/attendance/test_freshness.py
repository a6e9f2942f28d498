"""Day results stay current without pages writing them: reading a report, a page or the
API never computes anything, the actions that change rule data recompute the stored
days they touch, and a page over days the worker has not caught up with says so."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from attendance import actions, engine, reports
from attendance.models import DayResult
from hr_system.models import Employee
from tests.attendance import test_api
from tests.attendance.test_api import API, FRI, MON, THU, at, punch

# The API tests' fixture: pytest finds it by name in this module.
office = test_api.office

MARCH, END = dt.date(2025, 3, 1), dt.date(2025, 3, 31)
NOTICE = "Đang tính lại dữ liệu chấm công của {} ngày; số liệu có thể chưa đầy đủ."


def everyone_in_march() -> None:
    """The recompute worker's part."""
    engine.recompute(Employee.objects.all(), MARCH, END)


def read_everything(client) -> None:
    month = {"unit": "P-MC", "month": "2025-03"}
    period = {"unit": "P-MC", "start": "2025-03-01", "end": "2025-03-31"}
    for url, query in [
        (f"{API}/days", {"employee": "101", "start": "2025-03-01", "end": "2025-03-31"}),
        (f"{API}/timesheet", month),
        (f"{API}/discipline", period),
        (f"{API}/board", {"unit": "P-MC"}),
        ("/attendance/timesheet/", month),
        ("/attendance/discipline/", period),
        ("/attendance/board/", {"unit": "P-MC"}),
    ]:
        assert client.get(url, query).status_code == 200, url


def test_reading_reports_pages_and_the_api_writes_no_day_result(cast, office, login):
    punch(office, "101", at(MON, "07:50"), at(MON, "11:35"))
    DayResult.objects.all().delete()  # what the fixtures' actions computed
    read_everything(login(cast.hr_a))
    assert login(cast.staff_user).get("/attendance/me/", {"month": "2025-03"}).status_code == 200
    assert not DayResult.objects.exists()

    everyone_in_march()
    stored = list(DayResult.objects.order_by("pk").values_list("pk", "computed_at"))
    read_everything(login(cast.hr_a))
    assert list(DayResult.objects.order_by("pk").values_list("pk", "computed_at")) == stored


def test_pages_say_how_many_days_are_being_recomputed(cast, office, login):
    everyone_in_march()
    client = login(cast.hr_a)
    page = client.get("/attendance/timesheet/", {"unit": "P-MC", "month": "2025-03"}).content.decode()
    assert "Đang tính lại" not in page

    # A late import: two days of 101's punches the worker has not seen yet.
    punch(office, "101", at(MON, "07:25"), at(MON, "17:05"), at(THU, "07:25"), at(THU, "17:05"))
    page = client.get("/attendance/timesheet/", {"unit": "P-MC", "month": "2025-03"}).content.decode()
    assert NOTICE.format(2) in page
    sheet = client.get(f"{API}/timesheet", {"unit": "P-MC", "month": "2025-03"}).json()
    assert "recomputing_days" not in sheet  # the API's fields stay as they were
    page = client.get("/attendance/discipline/", {"unit": "P-MC", "start": "2025-03-01", "end": "2025-03-06"})
    assert NOTICE.format(2) in page.content.decode()
    page = client.get("/attendance/discipline/", {"unit": "P-MC", "start": "2025-03-04", "end": "2025-03-05"})
    assert "Đang tính lại" not in page.content.decode()  # neither day is in this period
    page = login(cast.staff_user).get("/attendance/me/", {"month": "2025-03"})
    assert NOTICE.format(2) in page.content.decode()

    everyone_in_march()
    page = client.get("/attendance/timesheet/", {"unit": "P-MC", "month": "2025-03"}).content.decode()
    assert "Đang tính lại" not in page


def test_days_nobody_has_computed_count_until_the_worker_has_filled_them_in(cast, office):
    today = timezone.localdate()
    sheet = reports.timesheet(cast.commune_a, today)
    assert sheet["recomputing_days"] == today.day  # every day of the month so far, none to come
    engine.recompute(Employee.objects.all(), today.replace(day=1), today)
    assert reports.timesheet(cast.commune_a, today)["recomputing_days"] == 0


def test_a_new_schedule_recomputes_stored_days_however_old(cast, office):
    punch(office, "101", at(MON, "07:50"), at(MON, "11:35"), at(MON, "13:25"), at(MON, "17:05"))
    everyone_in_march()
    assert DayResult.objects.get(employee=cast.emp_a, date=MON).status == "late"
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.office_a,
        name="Giờ làm việc từ 8 giờ",
        valid_from=MON,
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(8), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    )
    assert DayResult.objects.get(employee=cast.emp_a, date=MON).status == "present"
    # Nobody had computed April yet: that is left to the worker, not done in the request.
    assert not DayResult.objects.filter(date__gt=END).exists()


def test_seeded_holidays_and_calendar_days_recompute_the_stored_days(cast, office):
    new_year = dt.date(2025, 1, 1)
    engine.recompute(Employee.objects.all(), new_year, new_year)
    assert DayResult.objects.get(employee=cast.emp_a, date=new_year).symbol == "KP"
    actions.seed_holidays(2025)
    assert DayResult.objects.get(employee=cast.emp_a, date=new_year).symbol == "L"

    everyone_in_march()
    actions.set_calendar_day(acting_user=cast.hr_a, date=FRI, kind="day_off", name="Nghỉ bù", unit=cast.commune_a)
    assert DayResult.objects.get(employee=cast.emp_a, date=FRI).symbol == "L"


def test_rule_data_edited_in_the_django_admin_recomputes_the_days_it_touches(cast, office, login):
    from attendance.models import CalendarDay

    everyone_in_march()
    assert DayResult.objects.get(employee=cast.emp_a, date=FRI).symbol == "KP"
    admin = login(cast.admin)
    added = admin.post(
        "/admin/attendance/calendarday/add/",
        {"date": FRI.isoformat(), "kind": "day_off", "name": "Nghỉ bù", "unit": cast.commune_a.pk, "source": "manual"},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    assert DayResult.objects.get(employee=cast.emp_a, date=FRI).symbol == "L"

    day = CalendarDay.objects.get(date=FRI, unit=cast.commune_a)
    deleted = admin.post(f"/admin/attendance/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert DayResult.objects.get(employee=cast.emp_a, date=FRI).symbol == "KP"
