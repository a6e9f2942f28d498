"""Recruitment exams, mounted at /api/v1/assessments/exams/{id}/recruitment and
/recruited: the board declares an exam a recruitment exam and marks who was recruited;
the others' personal data is anonymised by the `anonymise_candidates` worker after the
window (assessments.recruitment). Managers of the exam's unit only (404 elsewhere)."""

from __future__ import annotations

from ninja import Router

from assessments import access, recruitment
from assessments.models import Exam
from assessments.schemas import RecruitedIn, RecruitmentIn, RecruitmentOut
from hr_system.api_base import ApiError

router = Router(tags=["Kỳ thi"])


def _out(exam: Exam) -> dict:
    return {
        "exam_id": exam.pk,
        "purpose": exam.purpose,
        "anonymise_after_days": exam.anonymise_after_days,
        "anonymise_on": exam.anonymise_on(),
        "anonymised_at": exam.candidates_anonymised_at,
        "candidates": recruitment.candidate_rows(exam),
    }


def _fail(exc: recruitment.RecruitmentError) -> ApiError:
    code = "conflict" if exc.status == 409 else "validation_error"
    return ApiError(exc.status, code, exc.message, {"__all__": [exc.message]} if exc.status == 422 else None)


@router.get("/{int:exam_id}/recruitment", response=RecruitmentOut)
def get_recruitment(request, exam_id: int):
    return _out(access.get_managed_exam(request.user, exam_id))


@router.put("/{int:exam_id}/recruitment", response=RecruitmentOut)
def set_recruitment(request, exam_id: int, payload: RecruitmentIn):
    """Declare the exam's purpose and the delay before anonymisation (audited)."""
    exam = access.get_managed_exam(request.user, exam_id)
    try:
        exam = recruitment.set_purpose(
            acting_user=request.user,
            exam=exam,
            purpose=payload.purpose,
            anonymise_after_days=payload.anonymise_after_days,
        )
    except recruitment.RecruitmentError as exc:
        raise _fail(exc) from None
    return _out(exam)


@router.post("/{int:exam_id}/recruited", response=RecruitmentOut)
def mark_recruited(request, exam_id: int, payload: RecruitedIn):
    """Mark (recruited=true) or unmark candidates by code; unknown codes refuse the whole
    request (422). Audited with the count only."""
    exam = access.get_managed_exam(request.user, exam_id)
    try:
        recruitment.set_recruited(acting_user=request.user, exam=exam, codes=payload.codes, recruited=payload.recruited)
    except recruitment.RecruitmentError as exc:
        raise _fail(exc) from None
    return _out(exam)
