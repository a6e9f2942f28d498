"""Attendance pages: an employee's month, approvals, today's board, calendar, schedules."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from attendance import actions, engine
from attendance.models import CalendarDay, LeaveRequest, Schedule, ScheduleSession
from hr_system.urls import urlpatterns as site_urls
from tests.attendance import test_api
from tests.attendance.test_api import FRI, MON, WED, at, punch

# Fixtures shared with the API tests: pytest finds them by name in this module.
office = test_api.office
today_office = test_api.today_office

# The site root includes attendance.self_urls itself; until then these tests mount it.
urlpatterns = [*site_urls, path("", include("attendance.self_urls"))]
pytestmark = pytest.mark.urls(__name__)


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_token(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_pages_need_a_login(db, client):
    for url in ["/attendance/me/", "/attendance/approvals/", "/attendance/board/", "/attendance/calendar/"]:
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/"), url


def test_self_service_page_shows_own_days_punches_and_leave_balance(cast, office, login):
    punch(office, "101", at(MON, "07:50"), at(MON, "11:35"), at(MON, "13:25"), at(MON, "17:05"))
    actions.request_leave(
        acting_user=cast.hr_a,
        employee=cast.emp_a,
        leave_type="P",
        start_date=WED,
        end_date=WED,
        reason="Việc riêng",
        approve=True,
    )
    engine.recompute([cast.emp_a], dt.date(2025, 3, 1), dt.date(2025, 3, 31))  # the recompute worker's part
    r = login(cast.staff_user).get("/attendance/me/", {"month": "2025-03"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Nguyễn Văn An" in html and "Lò Thị Hương" not in html
    assert 'data-date="2025-03-03" data-status="late"' in html
    assert 'data-date="2025-03-05" data-status="leave"' in html
    assert "Đi muộn 20 phút" in html and "03/03/2025 07:50:00" in html
    # 14 days for ten years of service (Labour Code art. 114), one taken.
    balance = r.context["balance"]
    assert (balance["entitled"], balance["used"], balance["remaining"]) == (14, 1, 13)
    assert "còn lại 13" in html


def test_a_malformed_month_falls_back_with_a_message(cast, office, login):
    r = login(cast.staff_user).get("/attendance/me/", {"month": "2025-99"})
    assert r.status_code == 200
    assert r.context["month"] == timezone.localdate().replace(day=1)
    assert any("Tháng không hợp lệ" in m for m in messages_of(r))


def test_an_account_without_an_employee_gets_an_explanation(cast, login):
    r = login(cast.hr_a).get("/attendance/me/")
    assert r.status_code == 200 and "chưa gắn với hồ sơ cán bộ" in r.content.decode()
    assert login(cast.hr_a).post("/attendance/me/leave/", {}).status_code == 403


def test_filing_leave_from_the_page(cast, office, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(cast.staff_user)
    bad = {"leave_type": "P", "start_date": "2025-03-06", "end_date": "2025-03-05", "portion": "full", "reason": "x"}
    r = client.post("/attendance/me/leave/", bad)
    assert r.status_code == 200
    assert any("Ngày kết thúc phải sau" in m for m in messages_of(r))
    exe = SimpleUploadedFile("giay.exe", b"MZ")
    r = client.post("/attendance/me/leave/", {**bad, "end_date": "2025-03-06", "attachment": exe})
    assert any("PDF, JPG hoặc PNG" in m for m in messages_of(r))
    assert not LeaveRequest.objects.exists()

    good = {**bad, "end_date": "2025-03-06", "attachment": SimpleUploadedFile("ốm.png", b"\x89PNG\r\n\x1a\n..")}
    r = client.post("/attendance/me/leave/", good)
    assert r.status_code == 302 and r["Location"] == "/attendance/me/?month=2025-03"
    leave = LeaveRequest.objects.get()
    assert (leave.employee, leave.status, leave.requested_by) == (cast.emp_a, "pending", cast.staff_user)
    assert leave.attachment.name.endswith(".png")


def test_filing_a_correction_for_a_future_day_is_refused(cast, office, login):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = {"date": tomorrow.isoformat(), "kind": "forgot", "session": "all", "time_in": "07:30", "reason": "Quên"}
    r = login(cast.staff_user).post("/attendance/me/correction/", data)
    assert any("tương lai" in m for m in messages_of(r))
    assert not cast.emp_a.corrections.exists()


def test_cancelling_own_pending_leave(cast, office, login):
    leave = actions.request_leave(
        acting_user=cast.staff_user, employee=cast.emp_a, leave_type="P", start_date=FRI, end_date=FRI, reason="x"
    )
    assert login(cast.hr_b).post(f"/attendance/me/leave/{leave.pk}/cancel/").status_code == 404  # not in view
    r = login(cast.staff_user).post(f"/attendance/me/leave/{leave.pk}/cancel/")
    assert r.status_code == 302
    leave.refresh_from_db()
    assert leave.status == "cancelled"


def test_approvals_page_approves_with_csrf_and_needs_a_reason_to_reject(cast, office):
    leave = actions.request_leave(
        acting_user=cast.staff_user, employee=cast.emp_a, leave_type="P", start_date=WED, end_date=WED, reason="x"
    )
    client = csrf_client(cast.hr_a)
    token = csrf_token(client, "/attendance/approvals/")
    assert "Nguyễn Văn An" in client.get("/attendance/approvals/").content.decode()

    decision = {"kind": "leave", "id": leave.pk, "decision": "approve"}
    assert client.post("/attendance/approvals/", decision).status_code == 403  # no CSRF token
    leave.refresh_from_db()
    assert leave.status == "pending"

    r = client.post("/attendance/approvals/", {**decision, "decision": "reject", "csrfmiddlewaretoken": token})
    assert r.status_code == 302
    leave.refresh_from_db()
    assert leave.status == "pending"  # a rejection without a reason is refused

    r = client.post("/attendance/approvals/", {**decision, "csrfmiddlewaretoken": token}, follow=True)
    leave.refresh_from_db()
    assert leave.status == "approved" and leave.decided_by == cast.hr_a
    assert any("Đã duyệt" in m for m in messages_of(r))
    assert list(r.context["leaves"]) == []  # nothing left to decide


def test_approvals_page_is_scoped(cast, office, login):
    for employee in (cast.emp_a, cast.teacher_a):
        actions.request_leave(
            acting_user=cast.hr_a, employee=employee, leave_type="P", start_date=WED, end_date=WED, reason="x"
        )
    r = login(cast.head_a).get("/attendance/approvals/")
    html = r.content.decode()
    assert "Lò Thị Hương" in html and "Nguyễn Văn An" not in html
    clerk = LeaveRequest.objects.get(employee=cast.emp_a)
    r = login(cast.head_a).post("/attendance/approvals/", {"kind": "leave", "id": clerk.pk, "decision": "approve"})
    assert r.status_code == 404  # outside the head's view: as if it did not exist
    assert login(cast.staff_user).get("/attendance/approvals/").status_code == 403


def test_board_lists_todays_statuses_and_refreshes_itself(cast, today_office, login):
    r = login(cast.hr_a).get("/attendance/board/", {"unit": "P-MC"})
    assert r.status_code == 200
    html = r.content.decode()
    assert '<meta http-equiv="refresh" content="60">' in html
    assert 'data-code="101" data-status="in"' in html
    assert 'data-code="103" data-status="late"' in html
    assert 'data-code="102" data-status="on_leave"' in html
    assert 'data-code="104" data-status="absent"' in html
    # refreshes without a script of its own (the only one is base.html's menu toggle)
    assert re.findall(r"<script[^>]*>", html) == [re.search(r'<script src="[^"]*/js/menu\.[^"]*" defer>', html)[0]]


def test_board_is_for_unit_heads_and_hr(cast, today_office, login):
    assert login(cast.staff_user).get("/attendance/board/").status_code == 403
    r = login(cast.head_a).get("/attendance/board/")  # defaults to the head's own school
    assert r.status_code == 200 and 'data-code="102"' in r.content.decode()
    assert 'data-code="101"' not in r.content.decode()
    assert login(cast.head_a).get("/attendance/board/", {"unit": "P-MC"}).status_code == 404


def test_calendar_page_adds_a_day_and_seeds_holidays(cast, office, login):
    assert login(cast.staff_user).get("/attendance/calendar/").status_code == 403
    client = login(cast.hr_a)
    data = {"action": "add", "date": "2025-03-07", "kind": "day_off", "name": "Nghỉ bù", "notice": "15/TB-UBND"}
    r = client.post("/attendance/calendar/?year=2025", {**data, "unit": ""})
    assert r.status_code == 200 and not CalendarDay.objects.exists()  # a commune cannot set the national day
    r = client.post("/attendance/calendar/?year=2025", {**data, "unit": "P-MC-UB"}, follow=True)
    day = CalendarDay.objects.get()
    assert (day.unit, day.kind, day.notice) == (cast.office_a, "day_off", "15/TB-UBND")
    assert "15/TB-UBND" in r.content.decode()

    # Seeding the national calendar is for the province's HR or an administrator.
    year = timezone.localdate().year
    assert client.post(f"/attendance/calendar/?year={year}", {"action": "seed"}).status_code == 403
    client = login(cast.admin)
    r = client.post(f"/attendance/calendar/?year={year}", {"action": "seed"}, follow=True)
    assert CalendarDay.objects.filter(date=dt.date(year, 1, 1), unit=None).exists()
    assert any("Đã nạp" in m for m in messages_of(r))
    r = client.post(f"/attendance/calendar/?year={year + 40}", {"action": "seed"}, follow=True)
    assert r.status_code == 200 and not CalendarDay.objects.filter(date__year=year + 40).exists()


def test_schedules_page_adds_a_two_season_schedule(cast, login):
    client = login(cast.hr_a)
    data = {
        "name": "Giờ làm việc 2025",
        "valid_from": "2025-01-01",
        "weekdays": ["0", "1", "2", "3", "4"],
        "morning_start": "07:00",
        "morning_end": "11:00",
        "afternoon_start": "13:30",
        "afternoon_end": "17:00",
        "season_start": "04-16",
        "season_end": "10-15",
        "season2_start": "10-16",
        "season2_end": "04-15",
        "season2_morning_start": "07:30",
        "season2_morning_end": "11:30",
        "season2_afternoon_start": "13:00",
        "season2_afternoon_end": "16:30",
        "late_grace": 5,
        "early_grace": 5,
        "window_before": 60,
        "window_after": 60,
        "debounce": 3,
    }
    r = client.post("/attendance/schedules/?unit=P-MC", data)
    assert r.status_code == 302
    schedule = Schedule.objects.get()
    assert (schedule.unit, schedule.weekdays) == (cast.commune_a, "01234")
    sessions = [(s.season_start, f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in schedule.sessions.order_by("id")]
    assert sessions == [
        ("04-16", "07:00", "11:00"),
        ("04-16", "13:30", "17:00"),
        ("10-16", "07:30", "11:30"),
        ("10-16", "13:00", "16:30"),
    ]
    assert "Giờ làm việc 2025" in client.get("/attendance/schedules/", {"unit": "P-MC"}).content.decode()


def test_schedules_page_refuses_bad_input_and_writes_nothing(cast, login):
    client = login(cast.hr_a)
    data = {
        "name": "Chồng giờ",
        "valid_from": "2025-01-01",
        "weekdays": ["0"],
        "morning_start": "07:30",
        "morning_end": "11:30",
        "afternoon_start": "11:00",
        "afternoon_end": "17:00",
        "late_grace": 5,
        "early_grace": 5,
        "window_before": 60,
        "window_after": 60,
        "debounce": 3,
    }
    r = client.post("/attendance/schedules/?unit=P-MC", data)
    assert any("chồng lên nhau" in m for m in messages_of(r))
    r = client.post("/attendance/schedules/?unit=P-MC", {**data, "afternoon_start": "13:30", "season2_start": "10-16"})
    assert any("Mùa 2" in m for m in messages_of(r))
    r = client.post("/attendance/schedules/?unit=P-MC", {**data, "afternoon_start": "13:30", "employees": "201"})
    assert any("201" in m for m in messages_of(r))
    assert (Schedule.objects.count(), ScheduleSession.objects.count()) == (0, 0)
    assert login(cast.hr_b).get("/attendance/schedules/", {"unit": "P-MC"}).status_code == 404
