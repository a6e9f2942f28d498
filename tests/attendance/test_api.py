"""The attendance API end to end: punches in, day results, requests, decisions, scope."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from attendance import actions, engine
from attendance.models import CalendarDay, DayResult, DisciplineRule, LeaveRequest, Schedule, ScheduleSession
from devices.actions import store_punches
from devices.models import Device, Punch
from devices.records import RawPunch
from hr_system.models import Employee

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MON, TUE, WED, THU, FRI = (dt.date(2025, 3, 3) + dt.timedelta(days=i) for i in range(5))
API = "/api/v1/attendance"


@pytest.fixture
def office(cast):
    """Commune A's office hours and one clock that has delivered everything up to April 2025."""
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.commune_a,
        name="Giờ hành chính",
        valid_from=dt.date(2025, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    )
    return Device.objects.create(
        name="x", host="127.0.0.1", unit=cast.commune_a, synced_through=dt.datetime(2025, 4, 1, tzinfo=HCM)
    )


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm))


def punch(device, code: str, *times: dt.datetime) -> None:
    store_punches(device=device, records=[RawPunch(user_id=code, local_time=t) for t in times], source="import")


def recompute(code: str, start: dt.date, end: dt.date) -> None:
    """The recompute worker's part: reading day results never computes them."""
    engine.recompute(Employee.objects.filter(code=code), start, end)


def get_days(client, code: str, start: dt.date, end: dt.date | None = None) -> list[dict]:
    end = end or start
    recompute(code, start, end)
    r = client.get(f"{API}/days", {"employee": code, "start": start.isoformat(), "end": end.isoformat()})
    assert r.status_code == 200, r.content
    return r.json()


def post(client, path: str, data: dict | None = None):
    return client.post(f"{API}/{path}", data or {}, content_type="application/json")


def file_leave(client, code: str | None, start: dt.date, end: dt.date | None = None, **extra):
    body = {"leave_type": "P", "start_date": start.isoformat(), "end_date": (end or start).isoformat()}
    body.update({"reason": "Việc gia đình", **extra})
    if code:
        body["employee"] = code
    return post(client, "leave", body)


def result(code: str, day: dt.date) -> DayResult:
    return DayResult.objects.get(employee__code=code, date=day)


# --- day results ---------------------------------------------------------------------


def test_late_arrival_gives_late_minutes_and_the_full_shape(cast, office, login):
    punch(office, "101", at(MON, "07:50"), at(MON, "11:35"), at(MON, "13:25"), at(MON, "17:05"))
    [day] = get_days(login(cast.hr_a), "101", MON)
    assert day["date"] == "2025-03-03"
    assert (day["status"], day["symbol"], day["late_minutes"], day["early_minutes"]) == ("late", "+", 20, 0)
    assert day["worked_minutes"] == 220 + 210
    assert day["sessions"][0] == {
        "start": "07:30",
        "end": "11:30",
        "first_in": "07:50",
        "last_out": "11:35",
        "late_minutes": 20,
        "early_minutes": 0,
        "status": "late",
    }
    assert day["sessions"][1]["first_in"] == "13:25" and day["sessions"][1]["late_minutes"] == 0
    assert any("Đi muộn 20 phút" in reason for reason in day["reasons"])


def test_a_day_without_punches_is_absent_once_the_clock_has_synced_past_it(cast, office, login):
    [day] = get_days(login(cast.hr_a), "101", TUE)
    assert (day["status"], day["symbol"]) == ("absent", "KP")


def test_a_day_without_punches_is_pending_while_the_clock_has_not_synced_past_it(cast, office, login):
    client = login(cast.hr_a)
    Device.objects.filter(pk=office.pk).update(synced_through=dt.datetime.combine(TUE, dt.time(12), HCM))
    [day] = get_days(client, "101", TUE)
    assert (day["status"], day["symbol"]) == ("pending", "?")
    assert not DayResult.objects.filter(status="absent", date=TUE).exists()

    Device.objects.filter(pk=office.pk).update(synced_through=dt.datetime.combine(WED, dt.time(8), HCM))
    [day] = get_days(client, "101", TUE)
    assert day["status"] == "absent"


def test_repeated_taps_within_the_debounce_window_count_once(cast, office, login):
    taps = [at(MON, "07:25"), at(MON, "07:26"), dt.datetime.combine(MON, dt.time(7, 27, 30))]
    punch(office, "101", *taps, at(MON, "13:25"), at(MON, "17:05"))
    [day] = get_days(login(cast.hr_a), "101", MON)
    morning = day["sessions"][0]
    # Three taps are one punch: no "out" at 07:27 and no early leave of four hours.
    assert morning["first_in"] == "07:25" and morning["last_out"] is None
    assert morning["status"] == "missing_out" and morning["early_minutes"] == 0
    assert day["status"] == "missing_punch"


def test_days_range_is_checked(cast, office, login):
    client = login(cast.hr_a)
    r = client.get(f"{API}/days", {"employee": "101", "start": "2025-03-05", "end": "2025-03-04"})
    assert r.status_code == 422 and "end" in r.json()["error"]["fields"]
    r = client.get(f"{API}/days", {"employee": "101", "start": "2024-01-01", "end": "2025-01-01"})
    assert r.status_code == 422 and "end" in r.json()["error"]["fields"]
    recompute("101", dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    r = client.get(f"{API}/days", {"employee": "101", "start": "2024-01-01", "end": "2024-12-31"})
    assert r.status_code == 200 and len(r.json()) == 366


# --- leave -----------------------------------------------------------------------------


def test_approving_leave_changes_the_day_at_once_and_cancelling_reverts_it(cast, office, login):
    assert get_days(login(cast.hr_a), "101", WED)[0]["status"] == "absent"

    r = file_leave(login(cast.staff_user), None, WED)  # the employee files for themself
    assert r.status_code == 201, r.content
    leave = r.json()
    assert (leave["employee"], leave["status"], leave["requested_by"]) == ("101", "pending", "an")
    assert result("101", WED).status == "absent"  # pending leave changes nothing

    r = post(login(cast.hr_a), f"leave/{leave['id']}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (result("101", WED).status, result("101", WED).symbol) == ("leave", "P")

    r = post(login(cast.hr_a), f"leave/{leave['id']}/cancel", {"note": "Đi làm bình thường"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (result("101", WED).status, result("101", WED).symbol) == ("absent", "KP")


def test_overlapping_leave_is_refused(cast, office, login):
    client = login(cast.hr_a)
    assert file_leave(client, "101", MON, WED).status_code == 201
    r = file_leave(client, "101", TUE)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error" and "Trùng" in error["fields"]["start_date"][0]
    assert LeaveRequest.objects.filter(employee__code="101").count() == 1


def test_leave_in_a_locked_month_is_refused(cast, office, login):
    actions.lock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=dt.date(2025, 3, 1))
    r = file_leave(login(cast.hr_a), "101", dt.date(2025, 3, 10))
    assert r.status_code == 422
    assert "khóa" in r.json()["error"]["message"]
    assert not LeaveRequest.objects.exists()


def test_leave_input_is_validated(cast, office, login):
    client = login(cast.hr_a)
    r = file_leave(client, "101", WED, TUE)
    assert r.status_code == 422 and "end_date" in r.json()["error"]["fields"]
    r = file_leave(client, "101", TUE, WED, portion="morning")
    assert r.status_code == 422 and "portion" in r.json()["error"]["fields"]
    r = file_leave(client, "101", TUE, leave_type="XX", colour="red")
    assert r.status_code == 422 and {"leave_type", "colour"} <= set(r.json()["error"]["fields"])
    assert not LeaveRequest.objects.exists()


def test_rejecting_needs_a_note(cast, office, login):
    leave_id = file_leave(login(cast.staff_user), None, WED).json()["id"]
    hr = login(cast.hr_a)
    r = post(hr, f"leave/{leave_id}/reject", {"note": " "})
    assert r.status_code == 422 and "note" in r.json()["error"]["fields"]
    assert LeaveRequest.objects.get(pk=leave_id).status == "pending"
    r = post(hr, f"leave/{leave_id}/reject", {"note": "Trùng lịch tiếp dân"})
    assert r.status_code == 200 and r.json()["decision_note"] == "Trùng lịch tiếp dân"


def test_hr_may_file_and_approve_at_once(cast, office, login):
    r = file_leave(login(cast.hr_a), "102", THU, leave_type="CT", approve=True)
    assert r.status_code == 201 and r.json()["status"] == "approved"
    assert (result("102", THU).status, result("102", THU).symbol) == ("business_trip", "CT")


def test_an_employee_cannot_approve_their_own_leave(cast, office, login):
    client = login(cast.staff_user)
    assert file_leave(client, None, WED, approve=True).status_code == 403
    leave_id = file_leave(client, None, WED).json()["id"]
    assert post(client, f"leave/{leave_id}/approve").status_code == 403
    assert LeaveRequest.objects.get(pk=leave_id).status == "pending"


def test_an_employee_cannot_file_for_a_colleague(cast, office, login):
    r = file_leave(login(cast.staff_user), "102", WED)
    assert r.status_code == 404
    assert not LeaveRequest.objects.exists()


def test_an_employee_withdraws_a_pending_request_but_not_an_approved_past_one(cast, office, login):
    client = login(cast.staff_user)
    pending = file_leave(client, None, MON).json()["id"]
    assert post(client, f"leave/{pending}/cancel").json()["status"] == "cancelled"
    taken = file_leave(client, None, TUE).json()["id"]
    post(login(cast.hr_a), f"leave/{taken}/approve")
    r = post(login(cast.staff_user), f"leave/{taken}/cancel")
    assert r.status_code == 422
    assert LeaveRequest.objects.get(pk=taken).status == "approved"


def test_an_employee_sees_only_their_own_leave(cast, office, login):
    hr = login(cast.hr_a)
    file_leave(hr, "101", MON)
    file_leave(hr, "102", TUE)
    mine = login(cast.staff_user).get(f"{API}/leave").json()
    assert mine["count"] == 1 and [row["employee"] for row in mine["items"]] == ["101"]
    everyone = login(cast.hr_a).get(f"{API}/leave", {"status": "pending"}).json()
    assert [row["employee"] for row in everyone["items"]] == ["102", "101"]  # newest first
    assert login(cast.hr_b).get(f"{API}/leave").json()["count"] == 0


def test_unit_head_decides_for_their_school_only(cast, office, login):
    hr = login(cast.hr_a)
    teacher = file_leave(hr, "102", WED).json()["id"]
    clerk = file_leave(hr, "101", WED).json()["id"]
    head = login(cast.head_a)
    r = post(head, f"leave/{teacher}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = post(head, f"leave/{clerk}/approve")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"  # not theirs to see
    assert LeaveRequest.objects.get(pk=clerk).status == "pending"


def test_leave_balance_counts_approved_annual_leave(cast, office, login):
    file_leave(login(cast.hr_a), "101", MON, TUE, approve=True)
    r = login(cast.staff_user).get(f"{API}/leave-balance", {"year": 2025})
    assert r.status_code == 200
    # Labour Code art. 114: 12 days + 1 per 5 years; employed since 2015 → 10 years → 14.
    assert r.json() == {
        "employee": "101",
        "year": 2025,
        "years_of_service": 10,
        "entitled": 14,
        "used": 2,
        "remaining": 12,
    }


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, leave_id: int, name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"{API}/leave/{leave_id}/attachment", {"file": SimpleUploadedFile(name, content)})


def test_attachments_are_pdf_jpg_or_png_up_to_5_mb(cast, office, login, media):
    client = login(cast.staff_user)
    leave_id = file_leave(client, None, WED).json()["id"]
    for name, content in [
        ("giay.exe", b"MZ\x90\x00"),
        ("giay.pdf", b"MZ\x90\x00 not a pdf"),
        ("giay.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024)),
    ]:
        r = upload(client, leave_id, name, content)
        assert r.status_code == 422 and "file" in r.json()["error"]["fields"], name
    assert not LeaveRequest.objects.get(pk=leave_id).attachment

    r = upload(client, leave_id, "../../giay ra vien.pdf", b"%PDF-1.4\n%%EOF\n")
    assert r.status_code == 200 and r.json()["has_attachment"] is True
    stored = LeaveRequest.objects.get(pk=leave_id).attachment
    assert stored.name.startswith("leave/") and stored.name.endswith(".pdf") and ".." not in stored.name
    download = login(cast.hr_a).get(f"{API}/leave/{leave_id}/attachment")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert login(cast.hr_b).get(f"{API}/leave/{leave_id}/attachment").status_code == 404


# --- corrections -------------------------------------------------------------------------


def test_a_correction_for_a_future_day_is_refused(cast, office, login):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = post(
        login(cast.staff_user),
        "corrections",
        {"date": tomorrow.isoformat(), "kind": "forgot", "time_in": "07:30", "reason": "Quên"},
    )
    assert r.status_code == 422 and "date" in r.json()["error"]["fields"]


def test_an_approved_correction_turns_a_missing_punch_into_present_and_keeps_the_punches(cast, office, login):
    punch(office, "101", at(THU, "11:35"), at(THU, "13:25"), at(THU, "17:05"))
    before = list(Punch.objects.filter(employee__code="101").order_by("id").values_list("id", "local_time"))
    [day] = get_days(login(cast.hr_a), "101", THU)
    assert day["status"] == "missing_punch" and day["sessions"][0]["first_in"] is None

    body = {"date": THU.isoformat(), "kind": "forgot", "session": "morning", "time_in": "07:28", "reason": "Quên"}
    r = post(login(cast.staff_user), "corrections", body)
    assert r.status_code == 201 and r.json()["status"] == "pending"
    r = post(login(cast.hr_a), f"corrections/{r.json()['id']}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"

    [day] = get_days(login(cast.hr_a), "101", THU)
    assert (day["status"], day["symbol"], day["late_minutes"]) == ("present", "+", 0)
    assert day["sessions"][0]["first_in"] == "07:28" and day["sessions"][0]["last_out"] == "11:35"
    after = list(Punch.objects.filter(employee__code="101").order_by("id").values_list("id", "local_time"))
    assert after == before and len(after) == 3


def test_an_approved_correction_with_both_times_makes_an_empty_session_present(cast, office, login):
    punch(office, "101", at(THU, "13:25"), at(THU, "17:05"))
    before = list(Punch.objects.filter(employee__code="101").order_by("id").values_list("id", "local_time"))
    assert get_days(login(cast.hr_a), "101", THU)[0]["status"] == "half_absent"

    body = {"date": THU.isoformat(), "kind": "clock_broken", "session": "morning", "reason": "Máy hỏng"}
    body.update(time_in="07:28", time_out="11:32")
    r = post(login(cast.staff_user), "corrections", body)
    assert r.status_code == 201
    assert post(login(cast.hr_a), f"corrections/{r.json()['id']}/approve").status_code == 200

    [day] = get_days(login(cast.hr_a), "101", THU)
    assert (day["status"], day["symbol"]) == ("present", "+")
    assert (day["sessions"][0]["first_in"], day["sessions"][0]["last_out"]) == ("07:28", "11:32")
    assert list(Punch.objects.filter(employee__code="101").order_by("id").values_list("id", "local_time")) == before


def test_a_forgotten_punch_needs_a_time(cast, office, login):
    r = post(login(cast.staff_user), "corrections", {"date": THU.isoformat(), "kind": "forgot", "reason": "Quên"})
    assert r.status_code == 422
    listed = login(cast.staff_user).get(f"{API}/corrections").json()
    assert listed["count"] == 0


def test_corrections_are_decided_within_scope(cast, office, login):
    body = {"employee": "102", "date": THU.isoformat(), "kind": "off_site", "reason": "Họp cụm trường"}
    correction = post(login(cast.hr_a), "corrections", body).json()["id"]
    assert post(login(cast.hr_b), f"corrections/{correction}/approve").status_code == 404
    r = post(login(cast.head_a), f"corrections/{correction}/reject", {"note": "Không có giấy mời"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert login(cast.staff_user).get(f"{API}/corrections").json()["count"] == 0


# --- scope and lookups ---------------------------------------------------------------------


def test_unknown_employee_and_unit_are_404(cast, office, login):
    client = login(cast.hr_a)
    r = client.get(f"{API}/days", {"employee": "999", "start": "2025-03-03", "end": "2025-03-03"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get(f"{API}/timesheet", {"unit": "NOPE", "month": "2025-03"}).status_code == 404
    assert client.get(f"{API}/board", {"unit": "NOPE"}).status_code == 404
    assert post(client, "leave/987654/approve").status_code == 404


NO_EMPLOYEE = {
    "code": "validation_error",
    "message": "Dữ liệu không hợp lệ.",
    "fields": {"employee": ["Tài khoản chưa gắn với cán bộ nào; hãy ghi mã chấm công."]},
}


def test_an_account_without_an_employee_must_name_one(cast, office, login):
    client = login(cast.hr_a)
    r = client.get(f"{API}/days", {"start": "2025-03-03", "end": "2025-03-03"})
    assert (r.status_code, r.json()["error"]) == (422, NO_EMPLOYEE)
    r = client.get(f"{API}/leave-balance")
    assert (r.status_code, r.json()["error"]) == (422, NO_EMPLOYEE)
    r = file_leave(client, None, WED)
    assert (r.status_code, r.json()["error"]) == (422, NO_EMPLOYEE)
    r = post(client, "corrections", {"date": MON.isoformat(), "kind": "off_site", "reason": "Họp"})
    assert (r.status_code, r.json()["error"]) == (422, NO_EMPLOYEE)


def test_an_individual_schedule_is_for_people_of_the_unit(cast, office, login):
    r = post(login(cast.hr_a), "schedules", schedule_body(employees=["101"]))
    assert r.status_code == 422
    assert r.json()["error"] == {
        "code": "validation_error",
        "message": "Dữ liệu không hợp lệ.",
        "fields": {"employees": ["Cán bộ 101 không thuộc đơn vị này."]},
    }


def test_a_refused_withdrawal_puts_the_reason_on_top(cast, office, login):
    leave = actions.request_leave(
        acting_user=cast.hr_a,
        employee=cast.emp_a,
        leave_type="P",
        start_date=MON,
        end_date=MON,
        reason="Việc riêng",
        approve=True,
    )
    r = post(login(cast.staff_user), f"leave/{leave.pk}/cancel")
    message = "Đơn đã được duyệt và đã đến ngày nghỉ; đề nghị người duyệt hủy giúp."
    assert (r.status_code, r.json()["error"]) == (
        422,
        {"code": "validation_error", "message": message, "fields": {"__all__": [message]}},
    )


@pytest.mark.parametrize("month", ["2025-13", "2025-3", "March", "2025-03-01"])
def test_malformed_month_is_422(cast, office, login, month):
    r = login(cast.hr_a).get(f"{API}/timesheet", {"unit": "P-MC", "month": month})
    assert r.status_code == 422
    assert "month" in r.json()["error"]["fields"]


def test_other_communes_hr_cannot_read_or_decide_for_commune_a(cast, office, login):
    leave_id = file_leave(login(cast.hr_a), "101", WED).json()["id"]
    other = login(cast.hr_b)
    r = other.get(f"{API}/days", {"employee": "101", "start": "2025-03-03", "end": "2025-03-07"})
    assert r.status_code == 404
    assert other.get(f"{API}/timesheet", {"unit": "P-MC", "month": "2025-03"}).status_code == 404
    assert (
        other.get(f"{API}/discipline", {"unit": "P-MC", "start": "2025-03-01", "end": "2025-03-31"}).status_code == 404
    )
    assert post(other, f"leave/{leave_id}/approve").status_code == 404
    assert post(other, f"leave/{leave_id}/cancel").status_code == 404
    assert LeaveRequest.objects.get(pk=leave_id).status == "pending"


def test_another_units_requests_answer_exactly_as_missing_ones(cast, office, login):
    """No existence oracle: deciding, cancelling or attaching to another commune's
    request is answered like an id that does not exist (404), not 403."""
    leave_id = file_leave(login(cast.hr_a), "101", WED).json()["id"]
    body = {"employee": "102", "date": THU.isoformat(), "kind": "off_site", "reason": "Họp cụm trường"}
    correction_id = post(login(cast.hr_a), "corrections", body).json()["id"]
    other = login(cast.hr_b)
    for existing, missing in (
        (f"leave/{leave_id}/approve", "leave/987654/approve"),
        (f"leave/{leave_id}/reject", "leave/987654/reject"),
        (f"leave/{leave_id}/cancel", "leave/987654/cancel"),
        (f"corrections/{correction_id}/approve", "corrections/987654/approve"),
        (f"corrections/{correction_id}/reject", "corrections/987654/reject"),
    ):
        seen, unseen = post(other, existing, {"note": "x"}), post(other, missing, {"note": "x"})
        assert (seen.status_code, unseen.status_code) == (404, 404), existing
        assert seen.json()["error"]["code"] == unseen.json()["error"]["code"] == "not_found"
    from django.core.files.uploadedfile import SimpleUploadedFile

    note = SimpleUploadedFile("giay.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    r = other.post(f"{API}/leave/{leave_id}/attachment", {"file": note})
    assert r.status_code == 404
    assert LeaveRequest.objects.get(pk=leave_id).status == "pending"


def test_an_employee_reads_only_their_own_days(cast, office, login):
    client = login(cast.staff_user)
    assert client.get(f"{API}/days", {"start": "2025-03-03", "end": "2025-03-04"}).status_code == 200
    r = client.get(f"{API}/days", {"employee": "102", "start": "2025-03-03", "end": "2025-03-04"})
    assert r.status_code == 404
    # Their own unit is visible to them, its timesheet is not.
    assert client.get(f"{API}/timesheet", {"unit": "P-MC-UB", "month": "2025-03"}).status_code == 403
    assert client.get(f"{API}/board", {"unit": "P-MC-UB"}).status_code == 403


def test_anonymous_gets_401(db, client):
    r = client.get(f"{API}/leave")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


# --- reports -------------------------------------------------------------------------------


def test_timesheet_lists_the_units_people_with_their_symbols(cast, office, login):
    punch(office, "101", at(MON, "07:50"), at(MON, "11:35"), at(MON, "13:25"), at(MON, "17:05"))
    client = login(cast.hr_a)
    get_days(client, "101", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    r = client.get(f"{API}/timesheet", {"unit": "P-MC", "month": "2025-03"})
    assert r.status_code == 200, r.content
    sheet = r.json()
    assert (sheet["unit"], sheet["month"], sheet["locked"]) == ("P-MC", "2025-03", False)
    rows = {row["employee_code"]: row for row in sheet["rows"]}
    assert "201" not in rows
    assert rows["101"]["full_name"] == "Nguyễn Văn An"
    assert rows["101"]["days"]["3"] == "+" and rows["101"]["days"]["4"] == "KP"

    actions.lock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=dt.date(2025, 3, 1))
    assert client.get(f"{API}/timesheet", {"unit": "P-MC", "month": "2025-03"}).json()["locked"] is True


def test_discipline_counts_late_arrivals(cast, office, login):
    punch(office, "101", at(MON, "07:50"), at(MON, "11:35"), at(MON, "13:25"), at(MON, "17:05"))
    client = login(cast.hr_a)
    get_days(client, "101", MON, FRI)
    r = client.get(f"{API}/discipline", {"unit": "P-MC-UB", "start": MON.isoformat(), "end": FRI.isoformat()})
    assert r.status_code == 200, r.content
    [row] = [row for row in r.json()["rows"] if row["employee_code"] == "101"]
    assert (row["late_count"], row["late_minutes"], row["flags"]) == (1, 20, [])

    DisciplineRule.objects.create(unit=cast.commune_a, metric="late_count", threshold=1, valid_from=MON)
    r = client.get(f"{API}/discipline", {"unit": "P-MC-UB", "start": MON.isoformat(), "end": FRI.isoformat()})
    [row] = [row for row in r.json()["rows"] if row["employee_code"] == "101"]
    assert [(f["metric"], f["threshold"], f["value"]) for f in row["flags"]] == [("late_count", 1, 1)]


# --- schedules and calendar ------------------------------------------------------------------


def schedule_body(**extra) -> dict:
    body = {
        "unit": "P-MC-TH",
        "name": "Giờ mùa hè trường",
        "valid_from": "2025-04-16",
        "weekdays": "012345",
        "sessions": [
            {"start": "07:00", "end": "11:00", "season_start": "04-16", "season_end": "10-15"},
            {"start": "13:30", "end": "17:00", "season_start": "04-16", "season_end": "10-15"},
            {"start": "07:30", "end": "11:30", "season_start": "10-16", "season_end": "04-15"},
            {"start": "13:00", "end": "16:30", "season_start": "10-16", "season_end": "04-15"},
        ],
    }
    body.update(extra)
    return body


def test_a_schedule_with_overlapping_sessions_is_refused_and_nothing_is_written(cast, office, login):
    schedules, sessions = Schedule.objects.count(), ScheduleSession.objects.count()
    body = schedule_body(sessions=[{"start": "07:30", "end": "11:30"}, {"start": "11:00", "end": "17:00"}])
    r = post(login(cast.hr_a), "schedules", body)
    assert r.status_code == 422 and "sessions" in r.json()["error"]["fields"]
    assert (Schedule.objects.count(), ScheduleSession.objects.count()) == (schedules, sessions)


def test_schedules_are_created_by_hr_of_the_unit_and_listed_with_inherited_ones(cast, office, login):
    hr = login(cast.hr_a)
    r = post(hr, "schedules", schedule_body())
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["unit"] == "P-MC-TH" and len(created["sessions"]) == 4
    assert created["sessions"][0]["season_start"] == "04-16"
    r = post(hr, "schedules", schedule_body(name="Bán thời gian", weekdays="024", employees=["102"]))
    assert r.status_code == 201 and r.json()["unit"] is None and r.json()["employees"] == ["102"]

    listed = hr.get(f"{API}/schedules", {"unit": "P-MC-TH"}).json()
    names = [row["name"] for row in listed["items"]]
    assert {"Giờ mùa hè trường", "Bán thời gian", "Giờ hành chính"} == set(names)

    assert post(login(cast.head_a), "schedules", schedule_body()).status_code == 403
    assert post(login(cast.hr_b), "schedules", schedule_body()).status_code == 404
    r = post(hr, "schedules", schedule_body(employees=["201"]))
    assert r.status_code == 404
    r = post(hr, "schedules", schedule_body(sessions=[{"start": "07:00", "end": "11:00", "season_start": "13-01"}]))
    assert r.status_code == 422


def test_calendar_days_change_the_evaluation(cast, office, login):
    hr = login(cast.hr_a)
    body = {"date": FRI.isoformat(), "kind": "day_off", "name": "Nghỉ bù", "notice": "15/TB-UBND", "unit": "P-MC"}
    r = post(hr, "calendar", body)
    assert r.status_code == 201 and r.json()["unit"] == "P-MC"
    [day] = get_days(hr, "101", FRI)
    assert (day["status"], day["symbol"]) == ("holiday", "L")
    assert any("15/TB-UBND" in reason for reason in day["reasons"])

    national = {"date": "2025-03-08", "kind": "workday", "name": "Làm bù", "notice": "1/TB-BNV"}
    assert post(hr, "calendar", national).status_code == 403  # a commune does not set the national calendar
    assert post(login(cast.admin), "calendar", national).status_code == 201
    listed = login(cast.hr_a).get(f"{API}/calendar", {"year": 2025, "unit": "P-MC-UB"}).json()
    assert [(row["date"], row["unit"]) for row in listed["items"]] == [("2025-03-07", "P-MC"), ("2025-03-08", None)]
    assert post(login(cast.hr_b), "calendar", body).status_code == 404


def province_hr(cast):
    from django.contrib.auth import get_user_model

    from hr_system.models import Role

    user = get_user_model().objects.create_user(username="snv", password="x")
    Role.objects.create(user=user, kind=Role.Kind.HR_OFFICER, unit=cast.province)
    return user


def test_province_hr_seeds_the_years_holidays(cast, login):
    year = timezone.localdate().year
    assert post(login(cast.staff_user), "calendar/seed", {"year": year}).status_code == 403
    # The national calendar is every unit's: a commune's HR does not write it.
    assert post(login(cast.hr_a), "calendar/seed", {"year": year}).status_code == 403
    assert not CalendarDay.objects.exists()
    r = post(login(province_hr(cast)), "calendar/seed", {"year": year})
    assert r.status_code == 200 and r.json()["created"] >= 5
    assert CalendarDay.objects.filter(date=dt.date(year, 1, 1), unit=None, kind="holiday").exists()
    again = post(login(cast.admin), "calendar/seed", {"year": year})
    assert again.status_code == 200 and again.json()["created"] == 0


@pytest.mark.parametrize("offset, status", [(-2, 422), (-1, 200), (2, 200), (3, 422), (50, 422)])
def test_holidays_are_seeded_for_a_bounded_range_of_years(cast, login, offset, status):
    year = timezone.localdate().year + offset
    r = post(login(cast.admin), "calendar/seed", {"year": year})
    assert r.status_code == status
    if status == 422:
        assert "year" in r.json()["error"]["fields"]
        assert not CalendarDay.objects.filter(date__year=year).exists()


# --- today's board ------------------------------------------------------------------------


@pytest.fixture
def today_office(cast):
    """Every day a working day from today on, a clock synced past today, no public holidays."""
    today = timezone.localdate()
    actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.commune_a,
        name="Trực cả tuần",
        valid_from=today,
        valid_to=None,
        weekdays="0123456",
        sessions=[{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17)}],
    )
    device = Device.objects.create(
        name="x",
        host="127.0.0.1",
        unit=cast.commune_a,
        synced_through=dt.datetime.combine(today + dt.timedelta(days=1), dt.time(1), HCM),
    )
    Employee.objects.create(code="103", full_name="Hà Văn Nam", unit=cast.office_a, category="civil_servant")
    Employee.objects.create(code="104", full_name="Sa Thị Lan", unit=cast.office_a, category="civil_servant")
    punch(device, "101", at(today, "07:20"))
    punch(device, "103", at(today, "08:10"))
    actions.request_leave(
        acting_user=cast.hr_a,
        employee=cast.teacher_a,
        leave_type="Ô",
        start_date=today,
        end_date=today,
        reason="Ốm",
        approve=True,
    )
    return device


def test_board_shows_who_is_in_late_absent_or_on_leave(cast, today_office, login):
    r = login(cast.hr_a).get(f"{API}/board", {"unit": "P-MC"})
    assert r.status_code == 200, r.content
    board = r.json()
    assert board["date"] == timezone.localdate().isoformat()
    rows = {row["employee_code"]: row for row in board["rows"]}
    assert set(rows) == {"101", "102", "103", "104"}
    assert (rows["101"]["status"], rows["101"]["first_punch"]) == ("in", "07:20")
    assert (rows["103"]["status"], rows["103"]["late_minutes"]) == ("late", 40)
    assert rows["102"]["status"] == "on_leave"
    assert rows["104"]["status"] == "absent" and rows["104"]["first_punch"] is None
    assert board["counts"]["in"] == 1 and board["counts"]["late"] == 1


def test_board_does_not_mark_anyone_absent_while_the_clock_is_silent(cast, today_office, login):
    Device.objects.filter(pk=today_office.pk).update(synced_through=timezone.now() - dt.timedelta(days=2))
    rows = {row["employee_code"]: row for row in login(cast.hr_a).get(f"{API}/board", {"unit": "P-MC"}).json()["rows"]}
    assert rows["104"]["status"] == "pending"
    assert rows["101"]["status"] == "in"  # what the clock did deliver still counts


def test_unit_head_sees_only_their_schools_board(cast, today_office, login):
    head = login(cast.head_a)
    rows = head.get(f"{API}/board", {"unit": "P-MC-TH"}).json()["rows"]
    assert [row["employee_code"] for row in rows] == ["102"]
    assert head.get(f"{API}/board", {"unit": "P-MC"}).status_code == 404
