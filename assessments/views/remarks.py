"""Re-marking (phúc khảo) pages: the candidate's request (its form sits on their result
page), the managers' list of an exam's requests, the review of one request with the
decision form, and the decision PDF. Everything comes through assessments.access, so
another unit's request is a 404 here as in the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import access, remarks
from assessments.models import RemarkRequest
from assessments.papers import ExamError


@login_required
@require_POST
def remark_request(request, exam_id: int):
    attempt = access.get_own_attempt(request.user, exam_id)
    try:
        remarks.request_remark(acting_user=request.user, attempt=attempt, reason=request.POST.get("reason", ""))
    except ExamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã gửi đề nghị phúc khảo. Hội đồng sẽ xem xét và thông báo kết quả."))
    return redirect("results_mine", exam_id=exam_id)


@login_required
def remark_list(request, exam_id: int):
    exam = access.get_managed_exam(request.user, exam_id)
    rows = RemarkRequest.objects.filter(attempt__exam=exam).select_related("attempt__employee__unit")
    rows = sorted(rows.order_by("-requested_at", "-pk"), key=lambda r: r.status != RemarkRequest.Status.PENDING)
    return render(
        request,
        "assessments/remarks/list.html",
        {"exam": exam, "rows": rows, "closes_on": remarks.window_closes_on(exam)},
    )


@login_required
def remark_review(request, remark_id: int):
    remark = access.get_managed_remark(request.user, remark_id)
    exam = remark.attempt.exam
    rows = remarks.review_rows(remark, access.hidden_versions(request.user, exam))
    return render(
        request,
        "assessments/remarks/review.html",
        {
            "remark": remark,
            "exam": exam,
            "attempt": remark.attempt,
            "rows": rows,
            "pending": remark.status == RemarkRequest.Status.PENDING,
            "changes": sum(1 for r in rows if not r["hidden"] and r["mark_before"] != r["mark_after"]),
            "hidden_count": sum(1 for r in rows if r["hidden"]),
        },
    )


@login_required
@require_POST
def remark_decide(request, remark_id: int):
    remark = access.get_managed_remark(request.user, remark_id)
    try:
        remark = remarks.decide_remark(
            acting_user=request.user,
            request=remark,
            decision=request.POST.get("decision", ""),
            reject=request.POST.get("outcome") == "reject",
        )
    except ExamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã ghi kết quả phúc khảo: %(s)s.") % {"s": remark.get_status_display()})
    return redirect("remark_review", remark_id=remark.pk)


@login_required
def remark_decision_pdf(request, remark_id: int):
    remark = access.get_readable_remark(request.user, remark_id)
    try:
        content = remarks.decision_pdf(remark)
    except ExamError as exc:
        messages.error(request, str(exc))
        if remark.attempt.employee.user_id == request.user.pk:
            return redirect("results_mine", exam_id=remark.attempt.exam_id)
        return redirect("remark_review", remark_id=remark.pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ket-qua-phuc-khao-{remark.pk}.pdf"'
    return response
