"""Results API, mounted at /api/v1/assessments/results/.

Managers (exam board, HR) reach an exam only through access.get_exam_for_user, so an
exam of another commune is a 404. A candidate reaches only their own attempt, and
only once exam.results_visible() says so.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from assessments import reports, results, signed_records
from assessments.access import (
    check_no_conflict,
    get_exam_for_user,
    get_own_attempt,
    hidden_versions,
)
from assessments.models import Attempt, Exam, PaperItem, QuestionVersion
from assessments.schemas import CandidateResultOut, ExamResultsOut, KeyCorrectionIn, KeyCorrectionOut, ScoreOut
from hr_system import signed_documents
from hr_system.api_base import ApiError, invalid
from hr_system.schemas import SignedDocumentOut, SignIn
from hr_system.signed_documents import api as signed_api

router = Router(tags=["Kết quả"])


# --- helpers ------------------------------------------------------------------------------


def _fail(exc: results.ResultsError) -> ApiError:
    code = {409: "conflict", 403: "forbidden"}.get(exc.status, "validation_error")
    fields = {exc.field: [exc.message]} if exc.status == 422 else None
    return ApiError(exc.status, code, exc.message, fields)


def exam_results(exam: Exam) -> dict:
    data = results.result_rows(exam)
    return {
        "exam_id": exam.pk,
        "title": exam.title,
        "published_at": exam.published_at,
        "results_policy": exam.results_policy,
        **data,
    }


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _item_analysis(user, exam_id: int) -> tuple[Exam, dict]:
    exam = get_exam_for_user(user, exam_id)
    check_no_conflict(user, exam)
    return exam, reports.item_analysis(exam, hidden=hidden_versions(user, exam))


def own_visible_attempt(user, exam_id: int) -> Attempt:
    """The caller's attempt, once results may be shown to candidates (else 403)."""
    attempt = get_own_attempt(user, exam_id)
    if not attempt.exam.results_visible():
        raise ApiError(403, "results_not_published", _("Kết quả kỳ thi chưa được công bố."))
    return attempt


# --- managers -----------------------------------------------------------------------------


@router.get("/exams/{exam_id}", response=ExamResultsOut)
def get_results(request, exam_id: int):
    """Every candidate on the list with part scores, total, result and rank."""
    return exam_results(get_exam_for_user(request.user, exam_id))


@router.post("/exams/{exam_id}/score", response=ScoreOut)
def score(request, exam_id: int):
    """Score all finalized attempts, then rank them."""
    exam = get_exam_for_user(request.user, exam_id)
    return {"scored": results.score_exam(exam), "ranked": results.rank_exam(exam)}


@router.post("/exams/{exam_id}/publish", response=ExamResultsOut)
def publish(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    try:
        exam = results.publish(acting_user=request.user, exam=exam)
    except results.ResultsError as exc:
        raise _fail(exc) from None
    return exam_results(exam)


@router.post("/exams/{exam_id}/key-correction", response=KeyCorrectionOut)
def key_correction(request, exam_id: int, payload: KeyCorrectionIn):
    """Correct the key of a question version used on this exam; every attempt that had
    the version (on any exam) is re-scored and re-ranked, and the change is audited on
    the version and on each exam. Only a manager of the unit owning the item corrects
    it, and only if every exam it re-scores is in their scope (else 403); a candidate
    of the exam may not, until its results are published."""
    exam = get_exam_for_user(request.user, exam_id)
    check_no_conflict(request.user, exam)
    if not PaperItem.objects.filter(attempt__exam=exam, version_id=payload.version_id).exists():
        raise invalid("version_id", _("Câu hỏi này không có trong đề của kỳ thi."))
    version = QuestionVersion.objects.get(pk=payload.version_id)
    try:
        return results.correct_key(
            acting_user=request.user, version=version, correct_ids=payload.correct_ids, reason=payload.reason
        )
    except results.ResultsError as exc:
        raise _fail(exc) from None


@router.get("/exams/{exam_id}/item-analysis", response=dict)
def item_analysis(request, exam_id: int):
    """Per-question statistics and flags, and the test's reliability (see reports.analyse).

    Items of a category the caller does not manage (a province's shared bank) have no
    text, options or key (`hidden`) until the exam's results are published; a candidate
    of the exam gets 403 until then."""
    return _item_analysis(request.user, exam_id)[1]


@router.get("/exams/{exam_id}/results.xlsx")
def results_xlsx(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    return _download(reports.results_xlsx(exam), reports.XLSX, f"ket-qua-{exam.pk}.xlsx")


@router.get("/exams/{exam_id}/results.pdf")
def results_pdf(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    signed = signed_documents.current(signed_documents.EXAM_RESULTS, signed_records.results_subject(exam))
    if signed is not None:
        return signed_api.signed_pdf(signed)
    return _download(reports.results_pdf(exam), "application/pdf", f"ket-qua-{exam.pk}.pdf")


@router.post("/exams/{exam_id}/results/sign", response=SignedDocumentOut)
def sign_results(request, exam_id: int, body: SignIn):
    """The exam board signs the published results list, then the organising unit (agency)."""
    exam = get_exam_for_user(request.user, exam_id)
    return signed_api.sign_or_error(signed_records.sign_results, body, acting_user=request.user, exam=exam)


@router.get("/exams/{exam_id}/results/signed.pdf")
def results_signed_pdf(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    return signed_api.signed_pdf(
        signed_documents.current(signed_documents.EXAM_RESULTS, signed_records.results_subject(exam))
    )


@router.get("/exams/{exam_id}/item-analysis.pdf")
def item_analysis_pdf(request, exam_id: int):
    exam, report = _item_analysis(request.user, exam_id)
    return _download(reports.item_analysis_pdf(exam, report), "application/pdf", f"phan-tich-cau-hoi-{exam.pk}.pdf")


# --- the candidate ------------------------------------------------------------------------


@router.get("/exams/{exam_id}/mine", response=CandidateResultOut)
def my_result(request, exam_id: int):
    """The caller's own result; 403 until the results are visible to candidates."""
    return results.candidate_result(own_visible_attempt(request.user, exam_id))


@router.get("/exams/{exam_id}/mine.pdf")
def my_result_pdf(request, exam_id: int):
    attempt = own_visible_attempt(request.user, exam_id)
    return _download(reports.candidate_result_pdf(attempt), "application/pdf", f"ket-qua-ca-nhan-{exam_id}.pdf")
