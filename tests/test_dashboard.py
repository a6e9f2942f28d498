"""The dashboard per role (issue 14, item 5): what needs doing, each item linking to
where it is done, counted only within the viewer's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assessments.models import Attempt, Exam
from attendance.models import Correction, LeaveRequest
from devices.models import Device
from hr_system.models import Employee, Role


def leave_for(employee, **extra) -> LeaveRequest:
    day = timezone.localdate() + dt.timedelta(days=7)
    fields = {"leave_type": "P", "start_date": day, "end_date": day, "reason": "Việc riêng"}
    fields.update(extra)
    return LeaveRequest.objects.create(employee=employee, **fields)


def panel(response, key: str):
    return next((p for p in response.context["panels"] if p.key == key), None)


def test_hr_sees_pending_approvals_of_their_commune_only(cast, login):
    leave_for(cast.emp_a)
    leave_for(cast.teacher_a)
    leave_for(cast.emp_b)  # another commune's: never counted for hr_a
    Correction.objects.create(employee=cast.emp_b, date=timezone.localdate(), kind="forgot", reason="Quên")
    r = login(cast.hr_a).get("/")
    assert r.status_code == 200
    pending = panel(r, "don-cho-duyet")
    assert [(i.count, i.url) for i in pending.items] == [(2, "/attendance/approvals/")]
    r = login(cast.hr_b).get("/")
    assert [i.count for i in panel(r, "don-cho-duyet").items] == [1, 1]


def test_unit_head_counts_their_school_only(cast, login):
    leave_for(cast.emp_a)  # the ward's office, above the head's school
    leave_for(cast.teacher_a)
    r = login(cast.head_a).get("/")
    assert [i.count for i in panel(r, "don-cho-duyet").items] == [1]
    assert "Đơn xin nghỉ chờ duyệt" in r.content.decode()


def test_employee_sees_own_day_and_pending_requests_not_approvals(cast, login):
    leave_for(cast.emp_a)
    r = login(cast.staff_user).get("/")
    assert panel(r, "don-cho-duyet") is None and panel(r, "vang-hom-nay") is None
    assert panel(r, "may-cham-cong") is None
    mine = panel(r, "cham-cong-cua-toi")
    assert any(i.count == 1 and i.url == "/attendance/me/" for i in mine.items)
    assert "Hôm nay chưa có lượt chấm." in r.content.decode()


def test_offline_clocks_in_scope_are_listed_and_file_sources_are_not(cast, login):
    Device.objects.create(name="Máy UBND Mộc Châu", host="10.0.0.5", unit=cast.commune_a)
    Device.objects.create(name="Máy UBND Đoàn Kết", host="10.0.1.5", unit=cast.commune_b)
    Device.objects.create(
        name="Dữ liệu nhập từ tệp", transport=Device.Transport.PUSH, unit=cast.commune_a, file_source=True
    )
    full = Device.objects.create(
        name="Máy trường", host="10.0.0.6", unit=cast.school_a, record_count=95_000, record_capacity=100_000
    )
    Device.objects.filter(pk=full.pk).update(last_contact_at=timezone.now())
    r = login(cast.hr_a).get("/")
    clocks = panel(r, "may-cham-cong")
    names = [i.text for i in clocks.items]
    assert names == ["Máy UBND Mộc Châu", "Máy trường"]  # offline first
    assert "bộ nhớ đã dùng 95" in clocks.items[1].note
    assert clocks.title == "Máy chấm công: 1/2 mất kết nối"
    assert clocks.items[0].url == f"/devices/{Device.objects.get(name='Máy UBND Mộc Châu').pk}/"


def test_todays_absences_are_scoped_and_in_vietnamese_name_order(cast, login, monkeypatch):
    from attendance import reports

    def fake_board(unit, **kw):
        people = Employee.objects.filter(unit__path__startswith=unit.path)
        return {
            "rows": [
                {
                    "employee_code": e.code,
                    "full_name": e.full_name,
                    "unit": e.unit.name,
                    "status": "absent",
                    "status_label": "Vắng",
                }
                for e in people
            ]
        }

    monkeypatch.setattr(reports, "day_board", fake_board)
    Employee.objects.create(code="103", full_name="Trần Thị Bình", unit=cast.school_a, category="civil_servant")
    r = login(cast.hr_a).get("/")
    absent = panel(r, "vang-hom-nay")
    # Given name first: An, Bình, Hương; nobody of Đoàn Kết.
    assert [i.text for i in absent.items] == ["Nguyễn Văn An", "Trần Thị Bình", "Lò Thị Hương"]
    assert absent.items[0].url == "/employees/101/"
    r = login(cast.head_a).get("/")
    assert [i.text for i in panel(r, "vang-hom-nay").items] == ["Trần Thị Bình", "Lò Thị Hương"]
    assert panel(r, "vang-hom-nay").more_url == "/attendance/board/?unit=P-MC-TH"


def test_todays_absences_with_the_real_board(cast, login):
    r = login(cast.hr_a).get("/")
    assert r.status_code == 200
    assert panel(r, "vang-hom-nay") is not None


@pytest.fixture
def open_exam(cast):
    now = timezone.now()
    return Exam.objects.create(
        title="Thi tin học văn phòng",
        unit=cast.commune_a,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=2),
    )


def test_open_exams_for_those_who_run_them_and_those_who_sit_them(cast, login, open_exam):
    Attempt.objects.create(exam=open_exam, employee=cast.emp_a)
    hr = panel(login(cast.hr_a).get("/"), "ky-thi-dang-mo")
    assert [(i.text, i.url) for i in hr.items] == [
        ("Thi tin học văn phòng", f"/assessments/exams/{open_exam.pk}/monitor/")
    ]
    mine = panel(login(cast.staff_user).get("/"), "ky-thi-dang-mo")
    assert [(i.text, i.url) for i in mine.items] == [("Thi tin học văn phòng", f"/assessments/take/{open_exam.pk}/")]
    other = panel(login(cast.hr_b).get("/"), "ky-thi-dang-mo")
    assert other.items == []


def test_exam_board_sees_exams_but_no_attendance(cast, login, open_exam, django_user_model):
    board = django_user_model.objects.create_user("board_a")
    Role.objects.create(user=board, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_a)
    leave_for(cast.emp_a)
    r = login(board).get("/")
    assert panel(r, "don-cho-duyet") is None
    assert len(panel(r, "ky-thi-dang-mo").items) == 1


def test_a_large_scope_reads_stored_absences_instead_of_the_live_board(cast, login, monkeypatch):
    from attendance import panels as attendance_panels
    from attendance import reports
    from attendance.models import DayResult

    def no_board(unit, **kw):
        raise AssertionError("the live board is not read for a large scope")

    monkeypatch.setattr(attendance_panels, "LIVE_BOARD_LIMIT", 1)
    monkeypatch.setattr(reports, "day_board", no_board)
    today = timezone.localdate()
    DayResult.objects.create(employee=cast.teacher_a, date=today, status="absent", symbol="KP")
    DayResult.objects.create(employee=cast.emp_b, date=today, status="absent", symbol="KP")
    absent = panel(login(cast.hr_a).get("/"), "vang-hom-nay")
    assert [i.text for i in absent.items] == ["Lò Thị Hương"]


def test_transfer_objections_for_hr_and_open_feedback_for_the_person(cast, login):
    from transfers.models import Candidate, CriteriaSet, Objection, TransferRound

    now = timezone.now()
    round_ = TransferRound.objects.create(
        title="Điều động công chức năm 2026",
        unit=cast.commune_a,
        purpose="surplus",
        kind="transfer",
        criteria_set=CriteriaSet.objects.create(name="Bộ tiêu chí", valid_from=dt.date(2026, 1, 1)),
        reference_date=dt.date(2026, 9, 30),
        status="published",
        objection_opens_at=now - dt.timedelta(days=1),
        objection_closes_at=now + dt.timedelta(days=5),
    )
    candidate = Candidate.objects.create(round=round_, employee=cast.emp_a, rank=1)
    Objection.objects.create(candidate=candidate, text="Thiếu năm công tác vùng khó khăn")
    hr = panel(login(cast.hr_a).get("/"), "dieu-dong-viec")
    assert [(i.count, i.url) for i in hr.items] == [(1, f"/transfers/rounds/{round_.pk}/objections/")]
    assert panel(login(cast.hr_b).get("/"), "dieu-dong-viec") is None
    mine = panel(login(cast.staff_user).get("/"), "dieu-dong-viec")
    assert [i.url for i in mine.items] == [f"/transfers/rounds/{round_.pk}/me/"]


def test_administrator_counts_every_commune(cast, login):
    leave_for(cast.emp_a)
    leave_for(cast.emp_b)
    r = login(cast.admin).get("/")
    assert [i.count for i in panel(r, "don-cho-duyet").items] == [2]
    assert panel(r, "vang-hom-nay") is not None
