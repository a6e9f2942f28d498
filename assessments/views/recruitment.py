"""The board's recruitment page of an exam: its purpose, the delay before the
non-recruited candidates are anonymised, and who was recruited (assessments.recruitment)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessments import access, recruitment
from assessments.models import Exam


@login_required
def recruitment_page(request, exam_id: int):
    exam = access.get_managed_exam(request.user, exam_id)
    if request.method == "POST":
        try:
            _save(request, exam)
        except recruitment.RecruitmentError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã lưu."))
            return redirect("results_recruitment", exam_id=exam.pk)
    rows = recruitment.candidate_rows(exam)
    return render(
        request,
        "assessments/results/recruitment.html",
        {"exam": exam, "rows": rows, "purposes": Exam.Purpose.choices, "anonymise_on": exam.anonymise_on()},
    )


def _save(request, exam: Exam) -> None:
    days_text = request.POST.get("anonymise_after_days", "").strip()
    if days_text and not days_text.isdigit():
        raise recruitment.RecruitmentError(_("Số ngày trước khi ẩn danh phải là số nguyên không âm."), 422)
    recruitment.set_purpose(
        acting_user=request.user,
        exam=exam,
        purpose=request.POST.get("purpose", ""),
        anonymise_after_days=int(days_text) if days_text else None,
    )
    if exam.purpose != Exam.Purpose.RECRUITMENT:
        return
    chosen = set(request.POST.getlist("recruited"))
    rows = recruitment.candidate_rows(exam)
    add = sorted(r["code"] for r in rows if r["code"] in chosen and not r["recruited"])
    drop = sorted(r["code"] for r in rows if r["code"] not in chosen and r["recruited"])
    if add:
        recruitment.set_recruited(acting_user=request.user, exam=exam, codes=add, recruited=True)
    if drop:
        recruitment.set_recruited(acting_user=request.user, exam=exam, codes=drop, recruited=False)
