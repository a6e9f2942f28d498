"""Re-marking (phúc khảo) API, mounted at /api/v1/assessments/remarks/.

- The candidate: ask for re-marking of their own attempt (by exam; not on its list →
  404) and list their requests. They never receive the per-question review: the key
  stays with the exam board.
- Managers (exam board, HR) of the exam's unit scope: list an exam's requests, read one
  with the candidate's answers against the key (versions they may not read keep only
  their ids, access.hidden_versions), and decide it. Outside their scope: 404.
- Both: the decision document (PDF) once decided.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from assessments import access, remarks
from assessments.api.exams import exam_errors
from assessments.models import RemarkRequest
from hr_system.api_base import PageNumber
from hr_system.schemas import InSchema

router = Router(tags=["Phúc khảo"])


# --- schemas (this router's own) -------------------------------------------------------


class RemarkIn(InSchema):
    exam_id: int
    reason: str = Field(..., min_length=1, max_length=remarks.REASON_MAX)


class RemarkDecisionIn(InSchema):
    decision: str = Field(..., min_length=1, max_length=4000, description="kết luận và lý do của Hội đồng")
    reject: bool = Field(False, description="true: đề nghị không đủ điều kiện xem xét (không chấm lại)")


class RemarkOut(Schema):
    id: int
    exam_id: int
    exam_title: str
    attempt_id: int
    status: str
    status_label: str
    requested_at: dt.datetime
    reason: str
    decided_at: dt.datetime | None
    decision: str
    score_before: float | None
    score_after: float | None
    window_closes_on: dt.date | None


class RemarkCandidateOut(RemarkOut):
    employee_code: str
    full_name: str
    unit_name: str


class RemarkOptionOut(Schema):
    id: str
    text: str


class RemarkItemOut(Schema):
    position: int
    version_id: int
    hidden: bool
    text: str | None
    options: list[RemarkOptionOut]
    chosen: list[str]
    key: list[str] | None
    key_before: list[str] | None
    mark_before: float | None
    mark_after: float | None


class RemarkDetailOut(RemarkCandidateOut):
    rank_before: int | None
    rank_after: int | None
    changed_positions: list[int]
    items: list[RemarkItemOut]


# --- helpers -----------------------------------------------------------------------------


def _number(value) -> float | None:
    return None if value is None else float(value)


def remark_out(r: RemarkRequest) -> dict:
    exam = r.attempt.exam
    return {
        "id": r.pk,
        "exam_id": exam.pk,
        "exam_title": exam.title,
        "attempt_id": r.attempt_id,
        "status": r.status,
        "status_label": r.get_status_display(),
        "requested_at": r.requested_at,
        "reason": r.reason,
        "decided_at": r.decided_at,
        "decision": r.decision,
        "score_before": _number(r.score_before),
        "score_after": _number(r.score_after),
        "window_closes_on": remarks.window_closes_on(exam),
    }


def candidate_out(r: RemarkRequest) -> dict:
    employee = r.attempt.employee
    return {
        **remark_out(r),
        "employee_code": employee.code,
        "full_name": employee.full_name,
        "unit_name": employee.unit.name,
    }


def detail_out(user, r: RemarkRequest) -> dict:
    hidden = access.hidden_versions(user, r.attempt.exam)
    return {
        **candidate_out(r),
        "rank_before": r.detail.get("rank_before"),
        "rank_after": r.detail.get("rank_after"),
        "changed_positions": r.detail.get("changed_positions", []),
        "items": remarks.review_rows(r, hidden),
    }


# --- the candidate -------------------------------------------------------------------------


@router.post("", response={201: RemarkOut})
def request_remark(request, payload: RemarkIn):
    """Ask for re-marking of the caller's own attempt at the exam: after publication,
    within the exam's window, one pending request at a time (409 otherwise)."""
    attempt = access.get_own_attempt(request.user, payload.exam_id)
    with exam_errors():
        remark = remarks.request_remark(acting_user=request.user, attempt=attempt, reason=payload.reason)
    return Status(201, remark_out(remark))


@router.get("/mine", response=list[RemarkOut])
@paginate(PageNumber)
def my_remarks(request):
    """The caller's own requests, newest first."""
    if not request.user.is_authenticated:
        return RemarkRequest.objects.none()
    rows = RemarkRequest.objects.filter(attempt__employee__user=request.user).select_related("attempt__exam__unit")
    return [remark_out(r) for r in rows.order_by("-requested_at", "-pk")]


# --- managers -----------------------------------------------------------------------------


@router.get("/exams/{exam_id}", response=list[RemarkCandidateOut])
@paginate(PageNumber)
def exam_remarks(request, exam_id: int):
    """An exam's requests, pending first, then newest first."""
    exam = access.get_managed_exam(request.user, exam_id)
    rows = RemarkRequest.objects.filter(attempt__exam=exam).select_related(
        "attempt__exam__unit", "attempt__employee__unit"
    )
    rows = sorted(rows.order_by("-requested_at", "-pk"), key=lambda r: r.status != RemarkRequest.Status.PENDING)
    return [candidate_out(r) for r in rows]


@router.get("/{remark_id}", response=RemarkDetailOut)
def get_remark(request, remark_id: int):
    """One request with the candidate's answers against the key: as the review stands
    while pending, as recorded with the decision afterwards."""
    remark = access.get_managed_remark(request.user, remark_id)
    return detail_out(request.user, remark)


@router.post("/{remark_id}/decide", response=RemarkDetailOut)
def decide_remark(request, remark_id: int, payload: RemarkDecisionIn):
    """Decide a pending request: re-score against the current key and re-rank
    (CHANGED / UNCHANGED), or reject it as not admissible (REJECTED); audited."""
    remark = access.get_managed_remark(request.user, remark_id)
    with exam_errors():
        remark = remarks.decide_remark(
            acting_user=request.user, request=remark, decision=payload.decision, reject=payload.reject
        )
    return detail_out(request.user, access.get_managed_remark(request.user, remark.pk))


@router.get("/{remark_id}/decision.pdf")
def decision_pdf(request, remark_id: int):
    """The decision document, for the candidate and the exam's managers (409 while pending)."""
    remark = access.get_readable_remark(request.user, remark_id)
    with exam_errors():
        content = remarks.decision_pdf(remark)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ket-qua-phuc-khao-{remark.pk}.pdf"'
    return response
