"""The employee page (issue 14, item 5): HR in scope edits the record; HR, the unit
head and the person read the month of days with punches, leave and corrections; the
exams sat and the transfer history come from their apps through hr_system.panels."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from assessments.models import Attempt, Exam
from attendance.models import Correction, DayResult, LeaveRequest
from devices.models import Device, Punch
from hr_system.models import AuditLog, Employee

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def punch_on(device: Device, employee, local: str) -> Punch:
    when = dt.datetime.fromisoformat(local).replace(tzinfo=HCM)
    return Punch.objects.create(
        device=device, device_user_id=employee.code, local_time=local, timestamp=when, source="push", employee=employee
    )


def edit_data(employee: Employee, **changes) -> dict:
    data = {
        "full_name": employee.full_name,
        "date_of_birth": "",
        "gender": employee.gender,
        "category": employee.category,
        "job_title": employee.job_title,
        "rank": employee.rank,
        "unit": employee.unit_id,
        "sector_start": "",
        "unit_start": "",
        "hardship_years": "0",
        "home_commune": "",
        "distance_km": "",
        "start_date": employee.start_date.isoformat() if employee.start_date else "",
        "leave_date": "",
    }
    data.update(changes)
    return data


# --- edit ------------------------------------------------------------------------------


def test_hr_edits_an_employee_of_their_unit_and_it_is_audited(cast, login):
    client = login(cast.hr_a)
    r = client.post(
        "/employees/101/", edit_data(cast.emp_a, job_title="Chuyên viên chính", unit=cast.school_a.pk), follow=True
    )
    assert r.status_code == 200
    cast.emp_a.refresh_from_db()
    assert cast.emp_a.job_title == "Chuyên viên chính"
    assert cast.emp_a.unit == cast.school_a
    log = AuditLog.objects.get(action="employee.update", object_id=str(cast.emp_a.pk))
    assert log.user == cast.hr_a
    assert log.detail == {"changes": ["job_title", "unit"]}
    assert "Đã lưu thay đổi" in r.content.decode()


def test_hr_of_another_commune_cannot_see_or_edit_the_employee(cast, login):
    client = login(cast.hr_b)
    assert client.get("/employees/101/").status_code == 404
    r = client.post("/employees/101/", edit_data(cast.emp_a, job_title="Đổi trộm"))
    assert r.status_code == 404
    cast.emp_a.refresh_from_db()
    assert cast.emp_a.job_title == ""
    assert not AuditLog.objects.filter(action="employee.update").exists()


def test_hr_cannot_move_an_employee_to_a_unit_outside_their_scope(cast, login):
    r = login(cast.hr_a).post("/employees/101/", edit_data(cast.emp_a, unit=cast.office_b.pk))
    assert r.status_code == 200
    assert "Không có đơn vị này trong phạm vi bạn quản lý." in r.content.decode()
    cast.emp_a.refresh_from_db()
    assert cast.emp_a.unit == cast.office_a


def test_unit_head_and_the_employee_read_but_cannot_edit(cast, login):
    head = login(cast.head_a)
    r = head.get("/employees/102/")
    assert r.status_code == 200 and r.context["form"] is None
    assert head.post("/employees/102/", edit_data(cast.teacher_a, job_title="x")).status_code == 403
    me = login(cast.staff_user)
    assert me.get("/employees/101/").context["form"] is None
    assert me.post("/employees/101/", edit_data(cast.emp_a, job_title="x")).status_code == 403
    cast.emp_a.refresh_from_db()
    assert cast.emp_a.job_title == ""


def test_validation_errors_are_vietnamese_beside_their_fields(cast, login):
    r = login(cast.hr_a).post(
        "/employees/101/", edit_data(cast.emp_a, full_name="", leave_date="2010-01-01", hardship_years="abc")
    )
    assert r.status_code == 200
    form = r.context["form"]
    assert set(form.errors) >= {"full_name", "leave_date", "hardship_years"}
    html = r.content.decode()
    assert "Ngày nghỉ việc phải sau ngày bắt đầu làm việc." in html
    assert 'id="id_leave_date-loi"' in html and 'id="id_full_name-loi"' in html
    assert "This field is required" not in html
    assert not AuditLog.objects.filter(action="employee.update").exists()


def test_date_of_birth_is_shown_to_hr_and_the_person_only(cast, login):
    Employee.objects.filter(pk=cast.teacher_a.pk).update(date_of_birth=dt.date(1990, 4, 17))
    assert "17/04/1990" in login(cast.hr_a).get("/employees/102/").content.decode()
    assert "17/04/1990" not in login(cast.head_a).get("/employees/102/").content.decode()


# --- the month of days -------------------------------------------------------------------


@pytest.fixture
def march(cast):
    clock = Device.objects.create(name="Máy cổng UBND", host="127.0.0.1", unit=cast.commune_a)
    punch_on(clock, cast.teacher_a, "2026-03-03 07:52:00")
    punch_on(clock, cast.teacher_a, "2026-03-03 17:05:00")
    DayResult.objects.create(employee=cast.teacher_a, date=dt.date(2026, 3, 3), status="present", symbol="+")
    DayResult.objects.create(employee=cast.teacher_a, date=dt.date(2026, 3, 4), status="absent", symbol="KP")
    LeaveRequest.objects.create(
        employee=cast.teacher_a,
        leave_type="P",
        start_date=dt.date(2026, 3, 9),
        end_date=dt.date(2026, 3, 10),
        reason="Việc gia đình",
        status="approved",
    )
    Correction.objects.create(
        employee=cast.teacher_a,
        date=dt.date(2026, 3, 4),
        kind=Correction.Kind.FORGOT,
        time_in=dt.time(7, 30),
        reason="Quên chấm",
    )
    return clock


def _row(html: str, day: str) -> str:
    start = html.index(f'id="ngay-{day}"')
    return html[start : html.index("</tr>", start)]


def test_month_shows_each_day_with_punches_leave_and_corrections(cast, login, march):
    r = login(cast.head_a).get("/employees/102/", {"month": "2026-03"})
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('id="ngay-2026-03-') == 31
    third = _row(html, "2026-03-03")
    assert "07:52" in third and "17:05" in third and "Máy cổng UBND" in third and "Có mặt" in third
    fourth = _row(html, "2026-03-04")
    assert "KP" in fourth and "Quên chấm công" in fourth and "07:30" in fourth and "Chờ duyệt" in fourth
    assert "Nghỉ phép" in _row(html, "2026-03-09") and "Nghỉ phép" in _row(html, "2026-03-10")
    assert "Nghỉ phép" not in _row(html, "2026-03-11")
    assert "?month=2026-02#cham-cong" in html and "?month=2026-04#cham-cong" in html
    assert "/devices/punches/?employee=102&amp;date_from=2026-03-01&amp;date_to=2026-03-31" in html


def test_punch_times_are_local_time(cast, login, march):
    # 00:30 UTC on 5 March is 07:30 on 5 March in Việt Nam: the day and the time are local.
    Punch.objects.create(
        device=march,
        device_user_id="102",
        local_time="2026-03-05 07:30:00",
        timestamp=dt.datetime(2026, 3, 5, 0, 30, tzinfo=dt.UTC),
        source="push",
        employee=cast.teacher_a,
    )
    html = login(cast.hr_a).get("/employees/102/", {"month": "2026-03"}).content.decode()
    assert "07:30" in _row(html, "2026-03-05")


def test_the_person_reads_their_own_month(cast, login):
    r = login(cast.staff_user).get("/employees/101/", {"month": "2026-02"})
    assert r.status_code == 200
    assert r.content.decode().count('id="ngay-2026-02-') == 28


def test_a_bad_month_says_so_and_shows_the_current_one(cast, login):
    r = login(cast.hr_a).get("/employees/101/", {"month": "2026-13"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Tháng không hợp lệ" in html
    assert f'id="ngay-{timezone.localdate():%Y-%m}-01"' in html


def test_the_exam_board_sees_no_attendance_of_the_person(cast, login, django_user_model):
    from hr_system.models import Role

    board = django_user_model.objects.create_user("board_a")
    Role.objects.create(user=board, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_a)
    r = login(board).get("/employees/102/")
    assert r.status_code == 200
    assert 'id="ngay-' not in r.content.decode()


# --- exams and transfers -------------------------------------------------------------


def test_exams_sat_show_scores_only_once_published(cast, login):
    now = timezone.now()
    exam = Exam.objects.create(
        title="Thi kiến thức chung 2026",
        unit=cast.commune_a,
        opens_at=now - dt.timedelta(days=3),
        closes_at=now - dt.timedelta(days=2),
    )
    Attempt.objects.create(exam=exam, employee=cast.emp_a, status="finalized", score=7, max_score=10, passed=True)
    own = login(cast.staff_user).get("/employees/101/").content.decode()
    assert "Thi kiến thức chung 2026" in own and "chưa công bố" in own and "7 / 10" not in own.replace(".00", "")
    hr = login(cast.hr_a).get("/employees/101/").content.decode()
    assert "Thi kiến thức chung 2026" in hr and "chưa công bố" not in hr
    Exam.objects.filter(pk=exam.pk).update(published_at=now)
    own = login(cast.staff_user).get("/employees/101/").content.decode()
    assert "chưa công bố" not in own and "Đạt" in own


def test_transfer_history_for_hr_and_the_person_once_published(cast, login):
    from transfers.models import Candidate, CriteriaSet, TransferRound

    criteria = CriteriaSet.objects.create(name="Bộ tiêu chí Mộc Châu", valid_from=dt.date(2026, 1, 1))
    round_ = TransferRound.objects.create(
        title="Điều động công chức năm 2026",
        unit=cast.commune_a,
        purpose="surplus",
        kind="transfer",
        criteria_set=criteria,
        reference_date=dt.date(2026, 9, 30),
    )
    Candidate.objects.create(round=round_, employee=cast.emp_a, rank=2, total=5)
    assert "Điều động công chức năm 2026" in login(cast.hr_a).get("/employees/101/").content.decode()
    # A draft round is not the person's business yet; the unit head never reads rounds.
    assert "Điều động công chức năm 2026" not in login(cast.staff_user).get("/employees/101/").content.decode()
    TransferRound.objects.filter(pk=round_.pk).update(status="published")
    assert "Điều động công chức năm 2026" in login(cast.staff_user).get("/employees/101/").content.decode()


def test_a_corrected_day_says_what_the_punches_alone_said(cast, login, march):
    from attendance import panels

    result = DayResult(employee=cast.teacher_a, date=dt.date(2026, 3, 4), status="present", symbol="+")
    assert panels._uncorrected_text(result) == ""
    result.corrected = True
    result.uncorrected = {"status": "absent", "symbol": "KP", "late_minutes": 0, "missing_punches": 2}
    assert panels._uncorrected_text(result) == "Vắng không lý do, thiếu 2 lượt chấm"


def test_field_errors_are_tied_to_their_inputs(cast, login):
    r = login(cast.hr_a).post("/employees/101/", edit_data(cast.emp_a, full_name=""))
    html = r.content.decode()
    assert 'aria-describedby="id_full_name-loi"' in html and 'aria-invalid="true"' in html
