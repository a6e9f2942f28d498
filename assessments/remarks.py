"""Re-marking (phúc khảo): a candidate's request and the exam board's decision.

A candidate asks within the exam's window after results are published; the board
reviews the candidate's answers against the key as it stands now (with any key
correction made since the attempt was last scored), re-scores the attempt and re-ranks
the exam. This is the only path that changes the result of an attempt whose sitting is
sealed: its re-score runs inside `sealing.remark_context()` (issue 15).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from assessments import access, results, scoring, sealing
from assessments.models import Attempt, AttemptEvent, Exam, PaperItem, QuestionVersion, RemarkRequest
from assessments.papers import ExamError
from hr_system import pdf, signed_documents
from hr_system.models import AuditLog

REASON_MAX = 2000


# --- the window ------------------------------------------------------------------------


def window_closes_on(exam: Exam) -> dt.date | None:
    """The last day (Vietnam local date) a candidate may ask for re-marking: the day
    results were published plus the exam's window (Exam.remark_days). None before
    publication."""
    if exam.published_at is None:
        return None
    return timezone.localdate(exam.published_at) + dt.timedelta(days=exam.remark_days())


def window_open(exam: Exam, now: dt.datetime | None = None) -> bool:
    closes_on = window_closes_on(exam)
    return closes_on is not None and timezone.localdate(now or timezone.now()) <= closes_on


def _date(day: dt.date) -> str:
    return formats.date_format(day, "d/m/Y")


# --- the candidate's request -----------------------------------------------------------


def request_remark(*, acting_user, attempt: Attempt, reason: str, now: dt.datetime | None = None) -> RemarkRequest:
    """The candidate's own request for re-marking of a finalized attempt, within the
    window after publication, one pending at a time. Anyone else gets 404 (the attempt
    is not theirs to know of)."""
    now = now or timezone.now()
    if not getattr(acting_user, "is_authenticated", False) or attempt.employee.user_id != acting_user.pk:
        raise ExamError(_("Không tìm thấy bài thi."), "__all__", 404)
    exam = attempt.exam
    if exam.published_at is None:
        raise ExamError(_("Kết quả kỳ thi chưa được công bố; chưa thể đề nghị phúc khảo."), "__all__", 409)
    if attempt.status != Attempt.Status.FINALIZED:
        raise ExamError(_("Chỉ bài thi đã nộp và đã chấm mới được phúc khảo."), "__all__", 409)
    closes_on = window_closes_on(exam)
    if timezone.localdate(now) > closes_on:
        raise ExamError(
            _("Đã hết thời hạn đề nghị phúc khảo (đến hết ngày %(day)s).") % {"day": _date(closes_on)},
            "__all__",
            409,
        )
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Cần ghi rõ lý do đề nghị phúc khảo."), "reason")
    if len(reason) > REASON_MAX:
        raise ExamError(_("Lý do đề nghị phúc khảo dài quá %(n)s ký tự.") % {"n": REASON_MAX}, "reason")
    pending = _("Bạn đã có một đề nghị phúc khảo đang chờ Hội đồng xem xét.")
    if attempt.remark_requests.filter(status=RemarkRequest.Status.PENDING).exists():
        raise ExamError(pending, "__all__", 409)
    try:
        with transaction.atomic():
            remark = RemarkRequest.objects.create(
                attempt=attempt, requested_at=now, requested_by=acting_user, reason=reason
            )
            # The reason stays on the request: a candidate may write personal data in it.
            AuditLog.record(
                user=acting_user,
                action="exam.remark_requested",
                obj=exam,
                remark_id=remark.pk,
                attempt_id=attempt.pk,
                closes_on=closes_on.isoformat(),
            )
    except IntegrityError:  # a second request racing the first (one pending per attempt)
        raise ExamError(pending, "__all__", 409) from None
    return remark


# --- the board's review ----------------------------------------------------------------


def _key_when_scored(version: QuestionVersion, since: dt.datetime | None) -> tuple[list[str], dict | None]:
    """The key and option weights `version` had at `since` (when the attempt's stored
    result was last computed): those the first correction after it replaced, else the
    current ones. results.correct_key records every correction with the old key and
    weights (a correction re-weights a weighted question)."""
    current = (sorted(version.correct_ids()), version.weights())
    if since is None:
        return current
    first = (
        AuditLog.objects.filter(
            action="question.key_corrected",
            object_type=QuestionVersion._meta.label,
            object_id=str(version.pk),
            at__gt=since,
        )
        .order_by("at", "pk")
        .first()
    )
    if first is None:
        return current
    return sorted(first.detail.get("old_key", current[0])), first.detail.get("old_weights", current[1])


def _scored_since(attempt: Attempt) -> dt.datetime | None:
    """When the attempt's stored result was last computed against the key, as far as
    the records tell: its last re-marking decision, else the seal of its sitting (a
    sealed result is kept as sealed), else None (a key correction re-scores every
    unsealed attempt, so the current key is the one it was scored with)."""
    last = (
        attempt.remark_requests.exclude(status=RemarkRequest.Status.PENDING)
        .exclude(status=RemarkRequest.Status.REJECTED)
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if last is not None:
        return last
    if attempt.sitting_id is not None and attempt.sitting.sealed_at is not None:
        return attempt.sitting.sealed_at
    return None


def _mark(exam: Exam, version: QuestionVersion, key: list[str], weights: dict | None, selected: list[str]) -> float:
    """The marks one answer earns under `key` and `weights`, as results.score_attempt
    counts them (the weights count only in a partial-credit exam)."""
    return scoring.score_item(version.kind, key, selected, float(exam.negative_mark), weights, exam.scoring)


def review(attempt: Attempt) -> list[dict]:
    """The candidate's answers against the key, one row per paper position: version
    id, options chosen, the key now and the key the stored result was computed with,
    and the mark under each."""
    exam = attempt.exam
    since = _scored_since(attempt)
    items = PaperItem.objects.filter(attempt=attempt).select_related("version", "response").order_by("position")
    rows = []
    for item in items:
        version = item.version
        chosen = sorted(item.response.selected or []) if hasattr(item, "response") else []
        key, weights = sorted(version.correct_ids()), version.weights()
        key_before, weights_before = _key_when_scored(version, since)
        rows.append(
            {
                "position": item.position,
                "version_id": version.pk,
                "question_id": version.question_id,
                "part_id": item.part_id,
                "option_order": list(item.option_order),
                "chosen": chosen,
                "key": key,
                "key_before": key_before,
                "mark_before": _mark(exam, version, key_before, weights_before, chosen),
                "mark_after": _mark(exam, version, key, weights, chosen),
            }
        )
    return rows


def _number(value) -> float | None:
    return None if value is None else float(value)


def decide_remark(
    *, acting_user, request: RemarkRequest, decision: str, reject: bool = False, now: dt.datetime | None = None
) -> RemarkRequest:
    """The board's decision on a pending request.

    Admissible (`reject` False): the attempt is re-scored against the current key of
    each version on the paper (any key correction included) and the exam re-ranked;
    the outcome is CHANGED when the score or the pass result moved, else UNCHANGED.
    Not admissible (`reject` True): REJECTED, the result untouched. Either way the
    board's reasons (`decision`) are required and the decision is audited.
    """
    now = now or timezone.now()
    exam = access.get_managed_exam(acting_user, request.attempt.exam_id)  # 403 / 404 outside scope
    if request.attempt.employee.user_id == acting_user.pk:
        raise ExamError(_("Không được tự quyết định đề nghị phúc khảo của chính mình."), "__all__", 403)
    decision = (decision or "").strip()
    if not decision:
        raise ExamError(_("Cần ghi rõ kết luận và lý do của Hội đồng."), "decision")
    with transaction.atomic():
        request = RemarkRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != RemarkRequest.Status.PENDING:
            raise ExamError(_("Đề nghị phúc khảo này đã được xem xét."), "__all__", 409)
        attempt = (
            Attempt.objects.select_for_update(of=("self",)).select_related("exam", "sitting").get(pk=request.attempt_id)
        )
        before = (attempt.score, attempt.passed, attempt.rank)
        if reject:
            request.status = RemarkRequest.Status.REJECTED
            request.detail = {}
        else:
            rows = review(attempt)
            with sealing.remark_context():  # score_attempt refuses a sealed attempt outside it
                results.score_attempt(attempt)
            results.rank_exam(exam)
            attempt.refresh_from_db(fields=["score", "passed", "rank"])
            moved = (attempt.score, attempt.passed) != before[:2]
            request.status = RemarkRequest.Status.CHANGED if moved else RemarkRequest.Status.UNCHANGED
            request.detail = {
                "items": rows,
                "changed_positions": [r["position"] for r in rows if r["mark_before"] != r["mark_after"]],
                "passed_before": before[1],
                "passed_after": attempt.passed,
                "rank_before": before[2],
                "rank_after": attempt.rank,
            }
        if not reject and (request.status == RemarkRequest.Status.CHANGED or attempt.rank != before[2]):
            # The signed results list says otherwise now: it is voided, to be signed again.
            signed_documents.void(
                acting_user=acting_user,
                kind=signed_documents.EXAM_RESULTS,
                subject_key=exam.signed_results_key(),
                reason=f"Kết quả phúc khảo làm thay đổi kết quả (đề nghị số {request.pk}).",
            )
        request.score_before, request.score_after = before[0], attempt.score
        request.decision, request.decided_at, request.decided_by = decision, now, acting_user
        request.save(
            update_fields=["status", "detail", "score_before", "score_after", "decision", "decided_at", "decided_by"]
        )
        # The attempt's own log says its result moved; a sealed sitting's verify leaves
        # "remark…" events out of the sealed record (sealing.REMARK_EVENT_PREFIX).
        AttemptEvent.objects.create(
            attempt=attempt,
            at=now,
            kind="remark_decided",
            by=acting_user,
            detail={
                "remark_id": request.pk,
                "status": request.status,
                "score_before": _number(request.score_before),
                "score_after": _number(request.score_after),
            },
        )
        AuditLog.record(
            user=acting_user,
            action="exam.remark_decided",
            obj=exam,
            remark_id=request.pk,
            attempt_id=attempt.pk,
            status=request.status,
            score_before=_number(request.score_before),
            score_after=_number(request.score_after),
            rank_before=before[2],
            rank_after=attempt.rank,
            changed_positions=request.detail.get("changed_positions", []),
            sealed=attempt.is_sealed,
        )
    return request


def review_rows(request: RemarkRequest, hidden: set[int]) -> list[dict]:
    """The per-question rows for a manager: the review as it stands while the request is
    pending, the rows recorded with the decision afterwards. A version whose text and
    key the manager may not read (access.hidden_versions) keeps only its position, its
    id and the options the candidate chose."""
    if request.status == RemarkRequest.Status.PENDING:
        rows = review(request.attempt)
    else:
        rows = request.detail.get("items", [])
    versions = {
        pk: (text, {o["id"]: o.get("text", "") for o in opts})
        for pk, text, opts in QuestionVersion.objects.filter(pk__in=[r["version_id"] for r in rows]).values_list(
            "pk", "text", "options"
        )
    }
    out = []
    for row in rows:
        if row["version_id"] in hidden:
            out.append(
                {
                    "position": row["position"],
                    "version_id": row["version_id"],
                    "hidden": True,
                    "text": None,
                    "options": [],
                    "chosen": row["chosen"],
                    "key": None,
                    "key_before": None,
                    "mark_before": None,
                    "mark_after": None,
                }
            )
            continue
        text, labels = versions.get(row["version_id"], ("", {}))
        out.append(
            {
                "position": row["position"],
                "version_id": row["version_id"],
                "hidden": False,
                "text": text,
                "options": [{"id": o, "text": labels.get(o, "")} for o in row.get("option_order") or labels],
                "chosen": row["chosen"],
                "key": row["key"],
                "key_before": row["key_before"],
                "mark_before": row["mark_before"],
                "mark_after": row["mark_after"],
            }
        )
    return out


# --- what the candidate's result page shows ---------------------------------------------


def candidate_panel(attempt: Attempt, now: dt.datetime | None = None) -> dict:
    """The re-marking box of the candidate's result page: their requests, whether the
    window is open and until when, and whether a new request may be made now."""
    exam = attempt.exam
    requests = list(attempt.remark_requests.order_by("-requested_at", "-pk"))
    is_open = window_open(exam, now)
    pending = any(r.status == RemarkRequest.Status.PENDING for r in requests)
    return {
        "requests": requests,
        "closes_on": window_closes_on(exam),
        "open": is_open,
        "can_request": is_open and not pending and attempt.status == Attempt.Status.FINALIZED,
    }


def pending_count(exam: Exam) -> int:
    """Requests of the exam still waiting for the board (the results page's link)."""
    return RemarkRequest.objects.filter(attempt__exam=exam, status=RemarkRequest.Status.PENDING).count()


# --- the decision document ---------------------------------------------------------------


def decision_pdf(request: RemarkRequest) -> bytes:
    """Kết quả phúc khảo for one decided request (Decree 30/2020 layout)."""
    if request.status == RemarkRequest.Status.PENDING:
        raise ExamError(_("Đề nghị phúc khảo chưa được xem xét."), "__all__", 409)
    attempt = request.attempt
    exam, employee = attempt.exam, attempt.employee
    unit = exam.unit
    return pdf.render_pdf(
        "pdf/remark_decision.html",
        {
            "agency": unit.issuing_agency(),
            "date_line": unit.date_line(),
            "doc_symbol": f"TB-{unit.doc_symbol or 'HĐKT'}",
            "doc_type": "THÔNG BÁO",
            "doc_summary": f"Kết quả phúc khảo bài thi của {employee.full_name}",
            "signer_title": "CHỦ TỊCH HỘI ĐỒNG",
            "recipients": [employee.full_name, "Hội đồng kiểm tra"],
            "remark": request,
            "exam": exam,
            "employee": employee,
            "max_score": attempt.max_score,
            "changed_positions": request.detail.get("changed_positions", []),
        },
    )
