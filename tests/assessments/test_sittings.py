"""Sittings (ca thi): programmed start, late entry, the candidate list, check-in,
absentees, the end, and the exam's settings frozen at the first start (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from assessments import attempts, sittings
from assessments.models import Attempt, AttemptEvent, Exam, Sitting
from assessments.papers import ExamError, generate_papers
from hr_system.models import AuditLog, Employee
from tests.assessments.test_attempts import attempt_of, build_exam
from tests.conftest import PASSWORD


def make_sitting(setup, cast, *, start_in=dt.timedelta(minutes=30), late=None, checkin=False, people=None, **kw):
    """A sitting of the setup's exam (time limit 30) starting `start_in` from now, with
    emp_a and teacher_a on its list; late entry `late` minutes (None: the rule's)."""
    exam = setup.exam
    changes = {"require_checkin": checkin}
    if late is not None:
        changes["late_entry_minutes"] = late
    sittings.update_exam(acting_user=setup.board, exam=exam, **changes)
    starts = kw.pop("starts_at", None) or timezone.now() + start_in
    sitting = sittings.create_sitting(
        acting_user=setup.board,
        exam=exam,
        name=kw.pop("name", "Ca 1"),
        venue=kw.pop("venue", "Phòng 201"),
        starts_at=starts,
        ends_at=kw.pop("ends_at", None) or starts + dt.timedelta(minutes=45),
        employees=[cast.emp_a, cast.teacher_a] if people is None else people,
        **kw,
    )
    return sitting


def move_start(sitting: Sitting, starts_at) -> Sitting:
    """Put a sitting's programmed start at `starts_at` (as if it had been set up earlier)."""
    length = sitting.ends_at - sitting.starts_at
    Sitting.objects.filter(pk=sitting.pk).update(starts_at=starts_at, ends_at=starts_at + length)
    sitting.refresh_from_db()
    return sitting


@pytest.fixture
def setup(cast):
    return build_exam(cast)


def start(exam, employee, now):
    return attempts.start_attempt(attempt=attempt_of(exam, employee), ip="10.0.0.5", access_code=None, now=now)


# --- the programmed start and late entry --------------------------------------------------


def test_the_clock_starts_at_the_programmed_start_for_everyone(setup, cast):
    sitting = make_sitting(setup, cast, late=10)
    arrived = sitting.starts_at + dt.timedelta(minutes=3)
    attempt = start(setup.exam, cast.emp_a, arrived)
    assert attempt.started_at == sitting.starts_at
    assert attempt.deadline == sitting.starts_at + dt.timedelta(minutes=30)
    assert attempts.remaining_seconds(attempt, arrived) == 27 * 60


def test_a_start_before_the_programmed_start_is_refused(setup, cast):
    sitting = make_sitting(setup, cast)
    with pytest.raises(attempts.AttemptError) as info:
        start(setup.exam, cast.emp_a, sitting.starts_at - dt.timedelta(seconds=1))
    assert info.value.code == "not_open"
    assert timezone.localtime(sitting.starts_at).strftime("%H:%M") in str(info.value)
    assert attempt_of(setup.exam, cast.emp_a).status == Attempt.Status.NOT_STARTED


def test_entry_one_second_before_the_limit_gets_exactly_the_time_left(setup, cast):
    sitting = make_sitting(setup, cast, late=10)
    now = sitting.entry_closes_at - dt.timedelta(seconds=1)
    attempt = start(setup.exam, cast.emp_a, now)
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert attempts.remaining_seconds(attempt, now) == 20 * 60 + 1


def test_entry_one_second_after_the_limit_is_refused_naming_the_limit(setup, cast):
    sitting = make_sitting(setup, cast, late=10)
    with pytest.raises(attempts.AttemptError) as info:
        start(setup.exam, cast.emp_a, sitting.entry_closes_at + dt.timedelta(seconds=1))
    assert info.value.code == "entry_closed"
    assert info.value.status == 403
    assert "10 phút" in str(info.value)
    assert timezone.localtime(sitting.entry_closes_at).strftime("%H:%M:%S") in str(info.value)
    assert attempt_of(setup.exam, cast.emp_a).started_at is None


def test_the_late_entry_limit_defaults_to_the_rule(setup, cast):
    sitting = make_sitting(setup, cast)  # time limit 30 min: 5 minutes under the rule
    assert setup.exam.late_entry_minutes is None
    assert sitting.entry_closes_at == sitting.starts_at + dt.timedelta(minutes=5)


def test_a_candidate_not_on_any_sitting_is_refused(setup, cast):
    make_sitting(setup, cast, people=[cast.emp_a])
    Attempt.objects.filter(exam=setup.exam, employee=cast.emp_a).update(sitting=None)
    make_sitting(setup, cast, people=[cast.teacher_a], name="Ca 2", venue="Phòng 202")
    sitting = Sitting.objects.get(name="Ca 2")
    with pytest.raises(attempts.AttemptError) as info:
        start(setup.exam, cast.emp_a, sitting.starts_at + dt.timedelta(seconds=5))
    assert info.value.code == "not_on_sitting"
    assert "không có tên" in str(info.value)


def test_checkin_is_required_when_the_exam_says_so(setup, cast):
    sitting = make_sitting(setup, cast, late=10, checkin=True)
    now = sitting.starts_at + dt.timedelta(seconds=30)
    with pytest.raises(attempts.AttemptError) as info:
        start(setup.exam, cast.emp_a, now)
    assert info.value.code == "not_checked_in"
    assert "Bạn chưa được giám thị xác nhận danh tính" in str(info.value)
    sittings.check_in(acting_user=setup.board, attempt=attempt_of(setup.exam, cast.emp_a), now=now, seat="M07")
    assert start(setup.exam, cast.emp_a, now).status == Attempt.Status.IN_PROGRESS


def test_checkin_records_who_and_when_and_audits_without_the_citizen_id(setup, cast):
    Employee.objects.filter(pk=cast.emp_a.pk).update(citizen_id="014203001234")
    sitting = make_sitting(setup, cast)
    now = sitting.starts_at - dt.timedelta(minutes=5)
    attempt = sittings.check_in(acting_user=setup.board, attempt=attempt_of(setup.exam, cast.emp_a), now=now)
    assert (attempt.checked_in_at, attempt.checked_in_by) == (now, setup.board)
    again = sittings.check_in(acting_user=setup.board, attempt=attempt, now=now + dt.timedelta(minutes=1))  # idempotent
    assert again.checked_in_at == now
    logs = AuditLog.objects.filter(action="sitting.check_in")
    assert logs.count() == 1
    assert "014203001234" not in str(logs.get().detail)
    assert AttemptEvent.objects.filter(attempt=attempt, kind="checked_in").count() == 1


def test_checkin_after_the_late_entry_limit_is_refused(setup, cast):
    sitting = make_sitting(setup, cast, late=5)
    with pytest.raises(ExamError):
        sittings.check_in(
            acting_user=setup.board,
            attempt=attempt_of(setup.exam, cast.emp_a),
            now=sitting.entry_closes_at + dt.timedelta(seconds=1),
        )


# --- absentees and the end -------------------------------------------------------------------


def test_candidates_who_never_entered_are_absent_after_the_limit(setup, cast):
    sitting = make_sitting(setup, cast, late=5)
    start(setup.exam, cast.emp_a, sitting.starts_at + dt.timedelta(minutes=1))
    assert sittings.mark_absent_due(sitting.entry_closes_at) == 0  # not yet past the limit
    assert sittings.mark_absent_due(sitting.entry_closes_at + dt.timedelta(seconds=1)) == 1
    assert attempt_of(setup.exam, cast.teacher_a).status == Attempt.Status.ABSENT
    assert attempt_of(setup.exam, cast.emp_a).status == Attempt.Status.IN_PROGRESS
    assert AttemptEvent.objects.filter(kind="absent").count() == 1
    assert AuditLog.objects.filter(action="sitting.absent_marked", object_id=str(sitting.pk)).count() == 1
    assert sittings.mark_absent_due(sitting.entry_closes_at + dt.timedelta(minutes=1)) == 0
    with pytest.raises(attempts.AttemptError) as info:
        start(setup.exam, cast.teacher_a, sitting.entry_closes_at + dt.timedelta(seconds=2))
    assert info.value.code == "entry_closed"


def test_the_finalize_worker_marks_absentees(setup, cast):
    sitting = move_start(make_sitting(setup, cast, late=0), timezone.now() - dt.timedelta(minutes=1))
    assert sitting.entry_closes_at < timezone.now()
    call_command("finalize_attempts", "--once")
    assert set(sitting.attempts.values_list("status", flat=True)) == {Attempt.Status.ABSENT}


def test_end_sitting_finalises_the_open_and_marks_the_absent(setup, cast):
    sitting = make_sitting(setup, cast, late=5)
    start(setup.exam, cast.emp_a, sitting.starts_at + dt.timedelta(minutes=1))
    ended = sittings.end_sitting(
        acting_user=setup.board, sitting=sitting, now=sitting.starts_at + dt.timedelta(minutes=2)
    )
    assert ended.ended_at == sitting.starts_at + dt.timedelta(minutes=2)
    assert attempt_of(setup.exam, cast.emp_a).status == Attempt.Status.FINALIZED
    assert attempt_of(setup.exam, cast.teacher_a).status == Attempt.Status.ABSENT
    assert AuditLog.objects.filter(action="sitting.end").count() == 1


def test_end_before_the_start_is_refused(setup, cast):
    sitting = make_sitting(setup, cast)
    with pytest.raises(ExamError):
        sittings.end_sitting(acting_user=setup.board, sitting=sitting, now=sitting.starts_at - dt.timedelta(seconds=1))


# --- set-up rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": " "}, "name"),
        ({"venue": ""}, "venue"),
        ({"ends_at_minutes": 20}, "ends_at"),  # shorter than the 30-minute limit
        ({"ends_at_minutes": -5}, "ends_at"),
        ({"start_hours": -3}, "starts_at"),  # before the exam opens
        ({"start_hours": -0.1}, "starts_at"),  # already past
        ({"start_hours": 2.9}, "starts_at"),  # ends after the exam closes
    ],
)
def test_bad_sittings_are_refused_with_their_field(setup, cast, change, field):
    starts = timezone.now() + dt.timedelta(hours=change.pop("start_hours", 0.5))
    ends = starts + dt.timedelta(minutes=change.pop("ends_at_minutes", 45))
    with pytest.raises(ExamError) as info:
        sittings.create_sitting(
            acting_user=setup.board,
            exam=setup.exam,
            name=change.get("name", "Ca 1"),
            venue=change.get("venue", "Phòng 201"),
            starts_at=starts,
            ends_at=ends,
        )
    assert info.value.field == field


def test_names_are_unique_per_exam_and_rooms_do_not_overlap(setup, cast):
    first = make_sitting(setup, cast)
    with pytest.raises(ExamError) as info:
        sittings.create_sitting(
            acting_user=setup.board,
            exam=setup.exam,
            name="ca 1",
            venue="Phòng 305",
            starts_at=first.ends_at,
            ends_at=first.ends_at + dt.timedelta(minutes=40),
        )
    assert info.value.field == "name"
    with pytest.raises(ExamError) as info:
        sittings.create_sitting(
            acting_user=setup.board,
            exam=setup.exam,
            name="Ca 2",
            venue="phòng 201",
            starts_at=first.starts_at + dt.timedelta(minutes=10),
            ends_at=first.ends_at + dt.timedelta(minutes=10),
        )
    assert info.value.field == "venue" and "Ca 1" in str(info.value)
    back_to_back = sittings.create_sitting(
        acting_user=setup.board,
        exam=setup.exam,
        name="Ca 2",
        venue="Phòng 201",
        starts_at=first.ends_at,
        ends_at=first.ends_at + dt.timedelta(minutes=40),
    )
    assert back_to_back.pk


def test_a_candidate_is_on_one_sitting_moved_until_it_starts(setup, cast):
    first = make_sitting(setup, cast)
    second = sittings.create_sitting(
        acting_user=setup.board,
        exam=setup.exam,
        name="Ca 2",
        venue="Phòng 202",
        starts_at=first.starts_at,
        ends_at=first.ends_at,
    )
    assert sittings.add_to_sitting(acting_user=setup.board, sitting=second, employees=[cast.emp_a]) == 1
    assert attempt_of(setup.exam, cast.emp_a).sitting == second
    assert first.attempts.count() == 1


def test_adding_to_a_started_sitting_is_refused(setup, cast):
    sitting = move_start(make_sitting(setup, cast), timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ExamError) as info:
        sittings.add_to_sitting(acting_user=setup.board, sitting=sitting, employees=[cast.emp_b])
    assert info.value.status == 409


def test_proctors_are_users_of_the_exam_unit(setup, cast):
    with pytest.raises(ExamError) as info:
        make_sitting(setup, cast, proctors=[cast.hr_b])
    assert info.value.field == "proctors"
    proctor = get_user_model().objects.create_user(username="giamthi", password=PASSWORD)
    Employee.objects.create(
        code="150", full_name="Hà Văn Gác", unit=cast.school_a, category=Employee.Category.CIVIL_SERVANT, user=proctor
    )
    sitting = make_sitting(setup, cast, proctors=[proctor])
    assert list(sitting.proctors.all()) == [proctor]


# --- the exam's settings ---------------------------------------------------------------------------


def test_settings_change_until_the_first_sitting_starts_audited(setup, cast):
    exam = setup.exam
    sittings.update_exam(acting_user=setup.board, exam=exam, time_limit=40, scoring=Exam.Scoring.PARTIAL)
    exam.refresh_from_db()
    assert (exam.time_limit, exam.scoring) == (40, Exam.Scoring.PARTIAL)
    log = AuditLog.objects.filter(action="exam.update").latest("pk")
    assert log.detail["changes"]["time_limit"] == {"before": 30, "after": 40}
    move_start(make_sitting(setup, cast), timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ExamError) as info:
        sittings.update_exam(acting_user=setup.board, exam=exam, time_limit=50)
    assert info.value.status == 409 and "đã bắt đầu" in str(info.value)


def test_settings_without_sittings_freeze_at_the_first_attempt(setup, cast):
    start(setup.exam, cast.emp_a, timezone.now())
    with pytest.raises(ExamError) as info:
        sittings.update_exam(acting_user=setup.board, exam=setup.exam, require_checkin=True)
    assert info.value.status == 409


@pytest.mark.parametrize(
    "change, field",
    [
        ({"late_entry_minutes": 31}, "late_entry_minutes"),
        ({"late_entry_minutes": -1}, "late_entry_minutes"),
        ({"remark_window_days": 0}, "remark_window_days"),
        ({"scoring": "some"}, "scoring"),
        ({"time_limit": 0}, "time_limit"),
        ({"closes_at": timezone.now() - dt.timedelta(days=30)}, "closes_at"),
        ({"seed": 1}, "seed"),
    ],
)
def test_bad_settings_are_refused(setup, cast, change, field):
    with pytest.raises(ExamError) as info:
        sittings.update_exam(acting_user=setup.board, exam=setup.exam, **change)
    assert info.value.field == field


def test_a_shorter_window_may_not_leave_a_sitting_outside(setup, cast):
    sitting = make_sitting(setup, cast)
    with pytest.raises(ExamError) as info:
        sittings.update_exam(acting_user=setup.board, exam=setup.exam, closes_at=sitting.ends_at - dt.timedelta(1 / 24))
    assert "Ca 1" in str(info.value)


def test_papers_generated_ahead_make_the_start_one_small_write(setup, cast, django_assert_max_num_queries):
    sitting = make_sitting(setup, cast, late=10)
    generate_papers(acting_user=setup.board, exam=setup.exam)
    attempt = attempt_of(setup.exam, cast.emp_a)
    with django_assert_max_num_queries(8):
        attempts.start_attempt(
            attempt=attempt, ip="10.0.0.5", access_code=None, now=sitting.starts_at + dt.timedelta(seconds=1)
        )


@pytest.mark.parametrize(
    "time_limit, on, minutes",
    [
        (30, dt.date(2025, 12, 10), 5),
        (20, dt.date(2026, 3, 1), 5),
        (45, dt.date(2026, 3, 1), 5),  # no figure for 31-59 minutes: the stricter one
        (60, dt.date(2026, 3, 1), 10),
        (120, dt.date(2026, 3, 1), 10),
        (60, dt.date(2025, 5, 1), 10),  # Circular 001/2025/TT-BNV
        (60, dt.date(2025, 4, 30), 0),  # before any rule: no late entry
    ],
)
def test_late_entry_rule_by_test_length_and_date(time_limit, on, minutes):
    from assessments import rules

    assert rules.late_entry_minutes(time_limit, on) == minutes


def test_absent_candidates_show_as_vang_thi_without_score_or_rank(setup, cast):
    from assessments import results

    sitting = make_sitting(setup, cast, late=5)
    start(setup.exam, cast.emp_a, sitting.starts_at + dt.timedelta(minutes=1))
    sittings.end_sitting(acting_user=setup.board, sitting=sitting, now=sitting.starts_at + dt.timedelta(minutes=31))
    results.rank_exam(setup.exam)
    rows = {r["employee_code"]: r for r in results.result_rows(setup.exam)["rows"]}
    absent = rows[cast.teacher_a.code]
    assert absent["status"] == Attempt.Status.ABSENT and absent["result"] == "Vắng thi"
    assert (absent["score"], absent["rank"]) == (None, None)
    monitor = {r["employee"]: r for r in attempts.monitor(setup.exam)["attempts"]}
    assert monitor[cast.teacher_a.code]["status_label"] == "Vắng thi"


def test_a_sitting_before_the_exam_opens_is_refused(setup, cast):
    later = timezone.now() + dt.timedelta(days=1)
    sittings.update_exam(
        acting_user=setup.board, exam=setup.exam, opens_at=later, closes_at=later + dt.timedelta(hours=3)
    )
    with pytest.raises(ExamError) as info:
        sittings.create_sitting(
            acting_user=setup.board,
            exam=setup.exam,
            name="Ca 1",
            venue="Phòng 201",
            starts_at=later - dt.timedelta(minutes=10),
            ends_at=later + dt.timedelta(minutes=40),
        )
    assert info.value.field == "starts_at" and "trong thời gian của kỳ thi" in str(info.value)


def test_end_sitting_closes_a_whole_room_in_a_few_queries(setup, cast, django_assert_max_num_queries):
    sitting = make_sitting(setup, cast, late=5)
    now = sitting.starts_at + dt.timedelta(minutes=1)
    start(setup.exam, cast.emp_a, now)
    attempts.pause(acting_user=setup.board, attempt=attempt_of(setup.exam, cast.emp_a), reason="Mất điện", now=now)
    with django_assert_max_num_queries(40):
        sittings.end_sitting(acting_user=setup.board, sitting=sitting, now=now + dt.timedelta(minutes=5))
    closed = attempt_of(setup.exam, cast.emp_a)
    assert closed.status == Attempt.Status.FINALIZED and closed.finalized_at == now + dt.timedelta(minutes=5)
    assert closed.score is not None  # scored in the batch
    assert AttemptEvent.objects.filter(attempt=closed, kind="finalized", detail__reason="sitting_ended").exists()
    again = sittings.end_sitting(acting_user=setup.board, sitting=sitting, now=now + dt.timedelta(minutes=6))
    assert again.ended_at == now + dt.timedelta(minutes=5)
    assert AuditLog.objects.filter(action="sitting.end").count() == 1
