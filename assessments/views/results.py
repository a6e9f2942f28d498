"""Results pages: the results list (score, publish, downloads), the item-analysis report
with answer-key correction, and a candidate's own result. Exams come only through
assessments.access, so another commune's exam is a 404 here as in the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import remarks, reports, results, signed_records
from assessments.access import (
    MANAGERS,
    check_no_conflict,
    exams_for,
    get_exam_for_user,
    get_own_attempt,
    hidden_versions,
    questions_for,
)
from assessments.models import Attempt, Exam, PaperItem, QuestionVersion
from hr_system import access, signed_documents
from hr_system.models import Employee
from hr_system.signed_documents import pages as signed_pages


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def results_index(request):
    """Exams whose results the caller manages, and the caller's own sittings."""
    user = request.user
    managed = []
    if access.has_role(user, *MANAGERS):
        managed = list(exams_for(user).order_by("-opens_at")[:200])
    try:
        employee = user.employee
    except Employee.DoesNotExist:
        employee = None
    own = list(Attempt.objects.filter(employee=employee).select_related("exam")) if employee else []
    return render(request, "assessments/results/index.html", {"managed": managed, "own": own})


@login_required
def results_exam(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    data = results.result_rows(exam)
    return render(
        request,
        "assessments/results/exam.html",
        {
            "exam": exam,
            "can_publish": exam.published_at is None,
            "partial": exam.scoring == Exam.Scoring.PARTIAL,
            "unscored": sum(1 for r in data["rows"] if r["status"] == Attempt.Status.FINALIZED and r["score"] is None),
            "remarks_pending": remarks.pending_count(exam),
            **data,
        },
    )


@login_required
@require_POST
def results_score(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    scored, ranked = results.score_exam(exam), results.rank_exam(exam)
    messages.success(request, _("Đã chấm %(s)s bài và xếp hạng %(r)s thí sinh.") % {"s": scored, "r": ranked})
    return redirect("results_exam", exam_id=exam.pk)


@login_required
@require_POST
def results_publish(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    try:
        results.publish(acting_user=request.user, exam=exam)
    except results.ResultsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã công bố kết quả. Thí sinh có thể xem kết quả của mình."))
    return redirect("results_exam", exam_id=exam.pk)


@login_required
def results_xlsx(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    return _download(reports.results_xlsx(exam), reports.XLSX, f"ket-qua-{exam.pk}.xlsx")


@login_required
def results_pdf(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    signed = signed_documents.current(signed_documents.EXAM_RESULTS, signed_records.results_subject(exam))
    if signed is not None:
        return signed_pages.signed_pdf_response(request, signed)
    return _download(reports.results_pdf(exam), "application/pdf", f"ket-qua-{exam.pk}.pdf")


@login_required
def results_sign(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    return signed_pages.sign_page(
        request,
        kind=signed_documents.EXAM_RESULTS,
        unit=exam.unit,
        subject_key=signed_records.results_subject(exam),
        title=_("Ký số kết quả: %(t)s") % {"t": exam.title},
        ready=signed_records.results_ready(exam),
        not_ready=signed_records.RESULTS_NOT_READY,
        sign=lambda **cred: signed_records.sign_results(acting_user=request.user, exam=exam, **cred),
        signed_url=reverse("results_signed_pdf", args=[exam.pk]),
        back_url=reverse("results_exam", args=[exam.pk]),
    )


@login_required
def results_signed_pdf(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    signed = signed_documents.current(signed_documents.EXAM_RESULTS, signed_records.results_subject(exam))
    if signed is None:
        raise Http404(_("Danh sách kết quả này chưa được ký số."))
    return signed_pages.signed_pdf_response(request, signed)


@login_required
def results_item_analysis(request, exam_id: int):
    exam, report = _item_analysis(request.user, exam_id)
    flagged_only = request.GET.get("only") == "flagged"
    items = [i for i in report["items"] if i["flags"]] if flagged_only else report["items"]
    on_report = [i["version_id"] for i in report["items"] if not i["hidden"]]
    correctable = set(
        QuestionVersion.objects.filter(pk__in=on_report, question__in=questions_for(request.user)).values_list(
            "pk", flat=True
        )
    )
    return render(
        request,
        "assessments/results/item_analysis.html",
        {
            "exam": exam,
            "report": report,
            "test": report["test"],
            "items": items,
            "flagged_only": flagged_only,
            "correctable": correctable,
        },
    )


@login_required
def results_item_analysis_pdf(request, exam_id: int):
    exam, report = _item_analysis(request.user, exam_id)
    return _download(reports.item_analysis_pdf(exam, report), "application/pdf", f"phan-tich-cau-hoi-{exam.pk}.pdf")


def _item_analysis(user, exam_id: int):
    """The exam's item analysis for a manager of it; a candidate of the exam is refused
    until results are published, and items the caller may not read are blanked."""
    exam = get_exam_for_user(user, exam_id)
    check_no_conflict(user, exam)
    return exam, reports.item_analysis(exam, hidden=hidden_versions(user, exam))


@login_required
@require_POST
def results_key_correction(request, exam_id: int):
    exam = get_exam_for_user(request.user, exam_id)
    check_no_conflict(request.user, exam)
    version_id = request.POST.get("version_id", "")
    version = None
    if version_id.isdigit() and PaperItem.objects.filter(attempt__exam=exam, version_id=int(version_id)).exists():
        version = QuestionVersion.objects.get(pk=int(version_id))
    if version is None:
        messages.error(request, _("Câu hỏi này không có trong đề của kỳ thi."))
        return redirect("results_item_analysis", exam_id=exam.pk)
    try:
        outcome = results.correct_key(
            acting_user=request.user,
            version=version,
            correct_ids=request.POST.getlist("correct_ids"),
            reason=request.POST.get("reason", ""),
        )
    except results.ResultsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Đã sửa đáp án câu hỏi #%(q)s từ %(old)s thành %(new)s; chấm lại %(n)s bài, %(c)s bài thay đổi kết quả.")
            % {
                "q": version.question_id,
                "old": ", ".join(outcome["old_key"]),
                "new": ", ".join(outcome["new_key"]),
                "n": outcome["rescored"],
                "c": outcome["changed"],
            },
        )
        if outcome["sealed"]:
            messages.warning(
                request,
                _("%(n)s bài thuộc ca thi đã niêm phong không được chấm lại; kết quả chỉ thay đổi qua phúc khảo.")
                % {"n": outcome["sealed"]},
            )
    return redirect("results_item_analysis", exam_id=exam.pk)


@login_required
def results_mine(request, exam_id: int):
    attempt = get_own_attempt(request.user, exam_id)
    if not attempt.exam.results_visible():
        return render(request, "assessments/results/mine.html", {"exam": attempt.exam, "r": None}, status=403)
    return render(
        request,
        "assessments/results/mine.html",
        {"exam": attempt.exam, "r": results.candidate_result(attempt), "remark": remarks.candidate_panel(attempt)},
    )


@login_required
def results_mine_pdf(request, exam_id: int):
    attempt = get_own_attempt(request.user, exam_id)
    if not attempt.exam.results_visible():
        return render(request, "assessments/results/mine.html", {"exam": attempt.exam, "r": None}, status=403)
    return _download(reports.candidate_result_pdf(attempt), "application/pdf", f"ket-qua-ca-nhan-{exam_id}.pdf")
