"""Calendar days and schedules are corrected, closed or removed — not only added:
audited, scoped, recomputed at once, and refused when they would alter a locked month."""

from __future__ import annotations

import datetime as dt

from attendance import actions
from attendance.models import CalendarDay, MonthLock, Schedule
from hr_system.models import AuditLog
from tests.attendance.conftest import day, post, punch, recompute, send

MAR = {d: dt.date(2025, 3, d) for d in range(1, 32)}


def holiday(cast, date: dt.date, unit=None) -> CalendarDay:
    return actions.set_calendar_day(
        acting_user=cast.admin, date=date, kind="holiday", name="Nhập nhầm", unit=unit or cast.commune_a
    )


# --- calendar days -------------------------------------------------------------------


def test_a_holiday_entered_by_mistake_is_removed_and_the_day_evaluated_again(cast, clock, login):
    punch(clock, "101", MAR[12], "07:25", "11:35", "13:25", "17:05")
    recompute(MAR[12], MAR[12], "101")
    wrong = holiday(cast, MAR[12])
    assert day("101", MAR[12]).status == "holiday"
    r = send(login(cast.hr_a), "delete", f"calendar/{wrong.pk}")
    assert r.status_code == 204
    assert not CalendarDay.objects.filter(pk=wrong.pk).exists()
    assert day("101", MAR[12]).status == "present"
    logged = AuditLog.objects.get(action="calendar.remove")
    assert logged.detail["date"] == "2025-03-12" and logged.detail["kind"] == "holiday"


def test_a_calendar_day_is_corrected_by_a_json_body(cast, clock, login):
    recompute(MAR[12], MAR[12], "101")
    wrong = holiday(cast, MAR[12])
    hr = login(cast.hr_a)
    r = send(hr, "patch", f"calendar/{wrong.pk}", {"kind": "workday", "notice": "5/TB-UBND"})
    assert r.status_code == 200, r.content
    assert (r.json()["kind"], r.json()["name"], r.json()["notice"]) == ("workday", "Nhập nhầm", "5/TB-UBND")
    assert day("101", MAR[12]).status == "absent"
    assert send(hr, "patch", f"calendar/{wrong.pk}", {"kind": "nope"}).status_code == 422
    assert send(hr, "patch", f"calendar/{wrong.pk}", {"date": "2025-03-13"}).status_code == 422  # extra="forbid"
    assert send(hr, "patch", f"calendar/{wrong.pk}", {"name": None}).status_code == 422
    assert AuditLog.objects.filter(action="calendar.update").count() == 1


def test_calendar_days_are_changed_only_within_scope(cast, clock, login):
    mine = holiday(cast, MAR[12])
    national = actions.set_calendar_day(acting_user=cast.admin, date=MAR[13], kind="holiday", name="Lễ")
    assert send(login(cast.hr_b), "delete", f"calendar/{mine.pk}").status_code == 404
    assert send(login(cast.hr_b), "patch", f"calendar/{mine.pk}", {"name": "x"}).status_code == 404
    assert send(login(cast.head_a), "delete", f"calendar/{mine.pk}").status_code == 404  # above the school
    school_day = holiday(cast, MAR[14], unit=cast.school_a)
    assert send(login(cast.head_a), "delete", f"calendar/{school_day.pk}").status_code == 403  # sees, not manages
    assert send(login(cast.hr_a), "delete", f"calendar/{national.pk}").status_code == 403  # not the commune's
    assert send(login(cast.hr_a), "delete", "calendar/999999").status_code == 404
    assert CalendarDay.objects.count() == 3
    assert send(login(cast.admin), "delete", f"calendar/{national.pk}").status_code == 204


def test_a_calendar_change_in_a_locked_month_is_refused(cast, clock, login):
    wrong = holiday(cast, MAR[12])
    MonthLock.objects.create(unit=cast.school_a, month=MAR[1], locked_by=cast.hr_a)
    r = send(login(cast.hr_a), "delete", f"calendar/{wrong.pk}")
    assert r.status_code == 422
    assert "03/2025" in r.json()["error"]["message"] and "Trường Tiểu học Mộc Châu" in r.json()["error"]["message"]
    assert CalendarDay.objects.filter(pk=wrong.pk).exists()
    body = {"date": "2025-03-14", "kind": "day_off", "unit": "P-MC"}
    assert post(login(cast.hr_a), "calendar", body).status_code == 422


def test_hr_edits_and_removes_calendar_days_on_the_calendar_page(cast, clock, login):
    wrong = holiday(cast, MAR[12])
    hr = login(cast.hr_a)
    page = hr.get("/attendance/calendar/", {"year": 2025, "edit": wrong.pk}).content.decode()
    assert 'name="edit-kind"' in page and "Xóa (nhập nhầm)" in page
    r = hr.post("/attendance/calendar/?year=2025", {"action": "edit", "id": wrong.pk, "edit-kind": "day_off"})
    assert r.status_code == 302 and CalendarDay.objects.get(pk=wrong.pk).kind == "day_off"
    r = hr.post("/attendance/calendar/?year=2025", {"action": "remove", "id": wrong.pk})
    assert r.status_code == 302 and not CalendarDay.objects.filter(pk=wrong.pk).exists()
    other = holiday(cast, MAR[13], unit=cast.commune_b)
    assert login(cast.hr_a).post("/attendance/calendar/", {"action": "remove", "id": other.pk}).status_code == 404


# --- schedules -----------------------------------------------------------------------


def school_schedule(cast, **extra) -> Schedule:
    fields = {
        "acting_user": cast.hr_a,
        "unit": cast.school_a,
        "name": "Giờ trường",
        "valid_from": dt.date(2025, 1, 1),
        "valid_to": None,
        "weekdays": "01234",
        "sessions": [{"start": dt.time(7, 0), "end": dt.time(11, 0)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    }
    fields.update(extra)
    return actions.create_schedule(**fields)


def test_a_schedule_is_closed_and_later_days_follow_the_inherited_one(cast, clock, login):
    punch(clock, "102", MAR[12], "07:20", "11:05", "13:25", "17:05")
    schedule = school_schedule(cast)
    recompute(MAR[12], MAR[12], "102")
    assert day("102", MAR[12]).late_minutes == 20  # 07:00 at the school
    r = post(login(cast.hr_a), f"schedules/{schedule.pk}/close", {"valid_to": "2025-03-10"})
    assert r.status_code == 200 and r.json()["valid_to"] == "2025-03-10"
    assert day("102", MAR[12]).late_minutes == 0  # the commune's 07:30 again
    assert AuditLog.objects.filter(action="schedule.update").exists()


def test_a_schedule_is_corrected_by_patch_and_removed(cast, clock, login):
    punch(clock, "102", MAR[12], "07:20", "11:05", "13:25", "17:05")
    schedule = school_schedule(cast)
    recompute(MAR[12], MAR[12], "102")
    hr = login(cast.hr_a)
    body = {"late_grace": 30, "sessions": [{"start": "07:00", "end": "11:00"}, {"start": "13:30", "end": "17:00"}]}
    r = send(hr, "patch", f"schedules/{schedule.pk}", body)
    assert r.status_code == 200, r.content
    assert r.json()["late_grace"] == 30 and len(r.json()["sessions"]) == 2
    assert day("102", MAR[12]).late_minutes == 0  # within the new grace
    assert send(hr, "patch", f"schedules/{schedule.pk}", {"valid_to": "2024-12-01"}).status_code == 422
    assert send(hr, "patch", f"schedules/{schedule.pk}", {"unit": "X-DK"}).status_code == 422
    assert send(hr, "delete", f"schedules/{schedule.pk}").status_code == 204
    assert not Schedule.objects.filter(pk=schedule.pk).exists()
    assert AuditLog.objects.filter(action="schedule.remove").exists()


def test_schedules_are_changed_only_within_scope(cast, clock, login):
    schedule = school_schedule(cast)
    individual = school_schedule(cast, name="Riêng", employees=[cast.teacher_a])
    for user, status in ((cast.hr_b, 404), (cast.head_a, 403), (cast.staff_user, 404)):
        assert post(login(user), f"schedules/{schedule.pk}/close", {"valid_to": "2025-03-10"}).status_code == status
        assert send(login(user), "delete", f"schedules/{individual.pk}").status_code in (403, 404)
    assert Schedule.objects.filter(valid_to__isnull=False).count() == 0
    assert send(login(cast.hr_a), "delete", f"schedules/{individual.pk}").status_code == 204


def test_a_schedule_change_that_would_alter_a_locked_month_is_refused(cast, clock, login):
    schedule = school_schedule(cast)
    MonthLock.objects.create(unit=cast.commune_a, month=MAR[1], locked_by=cast.hr_a)
    r = post(login(cast.hr_a), f"schedules/{schedule.pk}/close", {"valid_to": "2025-03-10"})
    assert r.status_code == 422 and "khóa sổ" in r.json()["error"]["message"]
    assert Schedule.objects.get(pk=schedule.pk).valid_to is None
    # Closing after the locked month touches no locked day.
    assert post(login(cast.hr_a), f"schedules/{schedule.pk}/close", {"valid_to": "2025-04-30"}).status_code == 200


def test_hr_closes_edits_and_removes_schedules_on_the_schedules_page(cast, clock, login):
    schedule = school_schedule(cast)
    hr = login(cast.hr_a)
    page = hr.get("/attendance/schedules/", {"unit": "P-MC-TH", "edit": schedule.pk}).content.decode()
    assert 'id="sua-lich"' in page and 'value="07:00"' in page
    r = hr.post("/attendance/schedules/?unit=P-MC-TH", {"action": "close", "id": schedule.pk, "valid_to": "2025-03-10"})
    assert r.status_code == 302 and Schedule.objects.get(pk=schedule.pk).valid_to == MAR[10]
    form = {
        "action": "edit",
        "id": schedule.pk,
        "edit-name": "Giờ trường (sửa)",
        "edit-valid_from": "2025-01-01",
        "edit-weekdays": ["0", "1", "2", "3", "4"],
        "edit-morning_start": "07:15",
        "edit-morning_end": "11:15",
        "edit-late_grace": 5,
        "edit-early_grace": 5,
        "edit-window_before": 60,
        "edit-window_after": 60,
        "edit-debounce": 3,
    }
    r = hr.post("/attendance/schedules/?unit=P-MC-TH", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    schedule.refresh_from_db()
    assert schedule.name == "Giờ trường (sửa)" and schedule.valid_to is None and schedule.sessions.count() == 1
    r = hr.post("/attendance/schedules/?unit=P-MC-TH", {"action": "remove", "id": schedule.pk})
    assert r.status_code == 302 and not Schedule.objects.filter(pk=schedule.pk).exists()
