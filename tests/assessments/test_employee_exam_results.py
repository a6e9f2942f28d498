"""The exam results the evaluation of work results shows beside the competence
criterion (issue 17): final results only, for the people asked about, never keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments import reports
from assessments.models import Attempt, Exam
from hr_system.models import Employee

FINALIZED = Attempt.Status.FINALIZED


@pytest.fixture
def exam(cast):
    now = timezone.now()
    return Exam.objects.create(
        title="Kiểm tra năng lực công chức quý I/2026",
        unit=cast.commune_a,
        opens_at=now - dt.timedelta(hours=3),
        closes_at=now - dt.timedelta(hours=1),
        pass_percent=50,
    )


def sat(exam, employee, score, max_score="40", *, status=FINALIZED, passed=None) -> Attempt:
    finished = exam.opens_at + dt.timedelta(minutes=45) if status == FINALIZED else None
    return Attempt.objects.create(
        exam=exam,
        employee=employee,
        status=status,
        score=None if score is None else Decimal(score),
        max_score=Decimal(max_score),
        passed=passed,
        finalized_at=finished,
    )


def publish(exam) -> None:
    exam.published_at = timezone.now()
    exam.save(update_fields=["published_at"])


def test_published_results_give_score_percent_and_pass(cast, exam):
    sat(exam, cast.emp_a, "31", passed=True)
    sat(exam, cast.teacher_a, "12", passed=False)
    publish(exam)

    results = reports.employee_exam_results(exam.pk, [cast.emp_a.pk, cast.teacher_a.pk])

    an = results[cast.emp_a.pk]
    assert an["exam_id"] == exam.pk and an["exam_title"] == exam.title
    assert (an["score"], an["max_score"], an["percent"]) == (31.0, 40.0, 77.5)
    assert an["passed"] is True and an["result"] == "Đạt"
    assert an["finished_at"] == exam.opens_at + dt.timedelta(minutes=45)
    assert an["published_at"] == exam.published_at
    huong = results[cast.teacher_a.pk]
    assert (huong["percent"], huong["passed"], huong["result"]) == (30.0, False, "Không đạt")
    # Scores and pass marks only: no paper, answers or keys travel with them.
    assert set(an) == {
        "exam_id",
        "exam_title",
        "score",
        "max_score",
        "percent",
        "passed",
        "result",
        "finished_at",
        "published_at",
    }


def test_unpublished_results_are_hidden(cast, exam):
    sat(exam, cast.emp_a, "31", passed=True)

    assert reports.employee_exam_results(exam.pk, [cast.emp_a.pk]) == {}

    publish(exam)
    assert reports.employee_exam_results(exam.pk, [cast.emp_a.pk])[cast.emp_a.pk]["score"] == 31.0


def test_an_immediate_exam_shows_a_finished_sitting_before_publication(cast, exam):
    exam.results_policy = Exam.Results.IMMEDIATE
    exam.save(update_fields=["results_policy"])
    sat(exam, cast.emp_a, "20", passed=True)

    assert reports.employee_exam_results(exam.pk, [cast.emp_a.pk])[cast.emp_a.pk]["percent"] == 50.0


def test_unfinished_unscored_and_absent_sittings_are_not_results(cast, exam):
    bình = Employee.objects.create(code="103", full_name="Hoàng Văn Bình", unit=cast.office_a, category="civil_servant")
    sat(exam, cast.emp_a, None)  # finished, not scored yet
    sat(exam, cast.teacher_a, "10", status=Attempt.Status.TERMINATED)
    sat(exam, bình, None, status=Attempt.Status.ABSENT)
    publish(exam)

    assert reports.employee_exam_results(exam.pk, [cast.emp_a.pk, cast.teacher_a.pk, bình.pk]) == {}


def test_only_the_people_asked_for_are_answered(cast, exam):
    sat(exam, cast.emp_a, "31", passed=True)
    sat(exam, cast.emp_b, "35", passed=True)
    publish(exam)

    assert list(reports.employee_exam_results(exam.pk, [cast.emp_b.pk])) == [cast.emp_b.pk]
    assert reports.employee_exam_results(exam.pk, []) == {}


def test_an_unknown_exam_gives_nothing(cast, exam):
    sat(exam, cast.emp_a, "31", passed=True)
    publish(exam)

    assert reports.employee_exam_results(exam.pk + 1000, [cast.emp_a.pk]) == {}
