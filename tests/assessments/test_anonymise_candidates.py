"""Recruitment candidates who were not recruited are anonymised after the window;
attempts, scores and statistics stay as they were, and sealed sittings still verify."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from assessments import recruitment, reports, sealing
from assessments.models import Attempt, Exam, RemarkRequest
from attendance.models import LeaveRequest, LeaveType
from hr_system.models import AuditLog, Employee, Role
from tests.assessments.sitting_records_world import make_world

CUC_ID = "001199000104"
BINH_ID = "001199000103"


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.SEALED_SITTINGS_DIR = tmp_path / "sealed"


@pytest.fixture
def world(cast):
    w = make_world(cast)
    w.exam.purpose = Exam.Purpose.RECRUITMENT
    w.exam.published_at = timezone.now()
    w.exam.save()
    w.cuc_emp.date_of_birth, w.cuc_emp.citizen_id, w.cuc_emp.gender = dt.date(1999, 1, 4), CUC_ID, "female"
    w.cuc_emp.home_commune = "Xã Chiềng Sơn"
    w.cuc_emp.save()
    w.binh_emp.date_of_birth, w.binh_emp.citizen_id = dt.date(1999, 1, 3), BINH_ID
    w.binh_emp.save()
    return w


def _due(exam: Exam) -> dt.datetime:
    """A moment on the exam's anonymisation day (local noon)."""
    day = exam.anonymise_on()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _statistics(exam: Exam) -> str:
    exam = Exam.objects.get(pk=exam.pk)
    return json.dumps(reports.item_analysis(exam), sort_keys=True, default=str)


def _scores(exam: Exam) -> list:
    return list(Attempt.objects.filter(exam=exam).order_by("pk").values_list("pk", "score", "passed", "rank", "status"))


def test_refused_before_the_window_and_while_a_re_marking_request_is_pending(world):
    exam = world.exam
    before_day = _due(exam) - dt.timedelta(days=1)
    with pytest.raises(recruitment.RecruitmentError, match="Chưa đến hạn ẩn danh"):
        recruitment.anonymise_exam(acting_user=world.board, exam=exam, now=before_day)
    RemarkRequest.objects.create(attempt=world.binh, reason="Xin phúc khảo")
    with pytest.raises(recruitment.RecruitmentError, match="phúc khảo"):
        recruitment.anonymise_exam(acting_user=world.board, exam=exam, now=_due(exam))
    assert recruitment.due_exams(_due(exam)) == []
    world.cuc_emp.refresh_from_db()
    assert world.cuc_emp.full_name == "Phạm Thị Cúc" and world.cuc_emp.citizen_id == CUC_ID
    assert not AuditLog.objects.filter(action=recruitment.ANONYMISED_ACTION).exists()


def test_a_competency_exam_is_never_anonymised(world):
    world.exam.purpose = Exam.Purpose.COMPETENCY
    world.exam.save()
    assert world.exam.anonymise_on() is None
    with pytest.raises(recruitment.RecruitmentError):
        recruitment.anonymise_exam(acting_user=None, exam=world.exam, now=timezone.now() + dt.timedelta(days=400))


def test_the_worker_anonymises_candidate_only_people_and_keeps_scores_and_statistics(world):
    exam = world.exam
    recruitment.set_recruited(acting_user=world.board, exam=exam, codes=[world.binh_emp.code], recruited=True)
    # Published long enough ago that today is past the window (15 days) plus 30 days.
    Exam.objects.filter(pk=exam.pk).update(published_at=timezone.now() - dt.timedelta(days=60))
    statistics, scores = _statistics(exam), _scores(exam)
    out = io.StringIO()
    call_command("anonymise_candidates", "--once", stdout=out)
    assert "ẩn danh 1 thí sinh" in out.getvalue() and "Cúc" not in out.getvalue()
    cuc = Employee.objects.get(pk=world.cuc_emp.pk)
    assert cuc.full_name == "Thí sinh 104"
    assert (cuc.date_of_birth, cuc.citizen_id, cuc.gender, cuc.home_commune) == (None, None, "", "")
    # Recruited (Bình) and serving staff (An, Hương, Đức) keep everything.
    binh = Employee.objects.get(pk=world.binh_emp.pk)
    assert (binh.full_name, binh.citizen_id) == ("Hoàng Văn Bình", BINH_ID)
    assert Employee.objects.get(pk=world.cast.emp_a.pk).full_name == "Nguyễn Văn An"
    assert _statistics(exam) == statistics
    assert _scores(exam) == scores
    entry = AuditLog.objects.get(action=recruitment.ANONYMISED_ACTION)
    assert entry.detail == {"anonymised": 1, "kept": 4, "candidates": 5}
    # Once done, never again; a second round finds nothing due.
    out = io.StringIO()
    call_command("anonymise_candidates", "--once", stdout=out)
    assert out.getvalue() == ""
    assert Exam.objects.get(pk=exam.pk).candidates_anonymised_at is not None


def test_someone_the_roster_refers_to_elsewhere_is_kept(world):
    LeaveRequest.objects.create(
        employee=world.cuc_emp,
        leave_type=LeaveType.values[0],
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 3, 2),
        reason="Việc riêng",
    )
    counts = recruitment.anonymise_exam(acting_user=world.board, exam=world.exam, now=_due(world.exam))
    # Bình (not recruited, candidate only) goes; Cúc has a leave request: kept.
    assert counts["anonymised"] == 1
    assert Employee.objects.get(pk=world.cuc_emp.pk).full_name == "Phạm Thị Cúc"
    assert Employee.objects.get(pk=world.binh_emp.pk).full_name == "Thí sinh 103"


def test_an_account_with_a_role_is_kept_and_a_bare_account_is_disabled(world):
    User = get_user_model()
    world.cuc_emp.user = User.objects.create_user(username="001199000104", password="x", email="cuc@example.vn")
    world.cuc_emp.save()
    world.binh_emp.user = User.objects.create_user(username="binh", password="x")
    world.binh_emp.save()
    Role.objects.create(user=world.binh_emp.user, kind=Role.Kind.EXAM_BOARD, unit=world.cast.commune_b)
    recruitment.anonymise_exam(acting_user=world.board, exam=world.exam, now=_due(world.exam))
    account = User.objects.get(pk=world.cuc_emp.user_id)
    assert account.username == f"thi-sinh-{world.cuc_emp.pk}" and account.email == "" and not account.is_active
    assert not account.has_usable_password()
    assert Employee.objects.get(pk=world.binh_emp.pk).full_name == "Hoàng Văn Bình"


def test_a_sealed_sitting_still_verifies_after_anonymisation_but_not_after_a_quiet_rename(world):
    sealing.seal_sitting(acting_user=world.board, sitting=world.sitting)
    world.sitting.refresh_from_db()
    recruitment.anonymise_exam(acting_user=world.board, exam=world.exam, now=_due(world.exam))
    assert Employee.objects.get(pk=world.cuc_emp.pk).full_name == "Thí sinh 104"
    assert sealing.verify_sitting(world.sitting) == []
    # A name changed by anything else is still tampering.
    Employee.objects.filter(pk=world.cast.teacher_a.pk).update(full_name="Thí sinh 102")
    problems = sealing.verify_sitting(world.sitting)
    assert len(problems) == 1 and f"Bài thi #{world.huong.pk}" in problems[0]


API = "/api/v1/assessments/exams"


def test_the_board_marks_who_was_recruited_through_the_api_scoped_and_audited(world, login, cast):
    client = login(world.board)
    response = client.post(
        f"{API}/{world.exam.pk}/recruited", {"codes": ["103"], "recruited": True}, content_type="application/json"
    )
    assert response.status_code == 200
    rows = {r["code"]: r["recruited"] for r in response.json()["candidates"]}
    assert rows["103"] is True and rows["104"] is False
    entry = AuditLog.objects.get(action=recruitment.RECRUITED_ACTION)
    assert entry.detail == {"recruited": True, "count": 1}
    bad = client.post(f"{API}/{world.exam.pk}/recruited", {"codes": ["999"]}, content_type="application/json")
    assert bad.status_code == 422 and "999" in bad.json()["error"]["fields"]["__all__"][0]
    # Wrong unit: commune B's HR officer does not find the exam.
    other = login(cast.hr_b).post(
        f"{API}/{world.exam.pk}/recruited", {"codes": ["103"]}, content_type="application/json"
    )
    assert other.status_code == 404
    # An employee without a manager role is refused.
    assert login(cast.staff_user).get(f"{API}/{world.exam.pk}/recruitment").status_code == 403


def test_the_purpose_is_set_through_the_api_and_marking_a_competency_exam_is_refused(world, login):
    client = login(world.board)
    response = client.put(
        f"{API}/{world.exam.pk}/recruitment",
        {"purpose": "competency", "anonymise_after_days": 10},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["anonymise_on"] is None
    assert AuditLog.objects.filter(action=recruitment.SETTINGS_ACTION).count() == 1
    refused = client.post(f"{API}/{world.exam.pk}/recruited", {"codes": ["103"]}, content_type="application/json")
    assert refused.status_code == 422
    bad = client.put(
        f"{API}/{world.exam.pk}/recruitment",
        {"purpose": "recruitment", "anonymise_after_days": -1},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert (
        client.put(
            f"{API}/{world.exam.pk}/recruitment", {"purpose": "lottery"}, content_type="application/json"
        ).status_code
        == 422
    )


def test_the_recruitment_page_saves_the_purpose_and_the_recruited(world, login, cast):
    client = login(world.board)
    url = f"/assessments/results/{world.exam.pk}/recruitment/"
    page = client.get(url)
    assert page.status_code == 200 and "Phạm Thị Cúc" in page.content.decode()
    response = client.post(url, {"purpose": "recruitment", "anonymise_after_days": "20", "recruited": ["104"]})
    assert response.status_code == 302
    world.exam.refresh_from_db()
    assert world.exam.anonymise_after_days == 20
    assert Attempt.objects.get(pk=world.cuc.pk).recruited is True
    bad = client.post(url, {"purpose": "recruitment", "anonymise_after_days": "abc"})
    assert bad.status_code == 200 and "số nguyên" in bad.content.decode()
    assert login(cast.hr_b).get(url).status_code == 404


def test_a_candidate_of_two_recruitment_exams_goes_once_both_are_over(world, cast):
    later = Exam.objects.create(
        title="Thi tuyển viên chức đợt 2",
        unit=cast.commune_a,
        opens_at=world.exam.opens_at,
        closes_at=world.exam.closes_at,
        purpose=Exam.Purpose.RECRUITMENT,
        published_at=world.exam.published_at + dt.timedelta(days=20),
    )
    Attempt.objects.create(exam=later, employee=world.cuc_emp, status=Attempt.Status.ABSENT)
    counts = recruitment.anonymise_exam(acting_user=None, exam=world.exam, now=_due(world.exam))
    # The second exam's window is still open: Cúc is kept for now, Bình goes.
    assert counts["anonymised"] == 1
    assert Employee.objects.get(pk=world.cuc_emp.pk).full_name == "Phạm Thị Cúc"
    recruitment.anonymise_exam(acting_user=None, exam=later, now=_due(later))
    assert Employee.objects.get(pk=world.cuc_emp.pk).full_name == "Thí sinh 104"
