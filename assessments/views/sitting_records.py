"""A sitting's records page: incidents, the minutes and signing-list PDFs, the seal and
its verification. Sittings come only through access.get_proctored_sitting (managers
of the exam and the sitting's proctors; anyone else 404); sealing and verifying are
for the managers. The page shows no question text."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import access, incidents, sealing, signed_records, sitting_documents
from assessments.models import Exam, Incident
from assessments.papers import ExamError
from hr_system import signed_documents
from hr_system.signed_documents import pages as signed_pages

MAX_RESTORED_MINUTES = incidents.MAX_RESTORED_SECONDS // 60


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def sitting_records(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    attempts = list(sitting.attempts.select_related("employee").order_by("employee__sort_key", "employee__code", "pk"))
    return render(
        request,
        "assessments/records/sitting.html",
        {
            "sitting": sitting,
            "exam": sitting.exam,
            "attempts": attempts,
            "incidents": list(incidents.incidents_of(sitting)),
            "kinds": Incident.Kind.choices,
            "manages": access.manages_exam(request.user, sitting.exam_id),
            "sign_list": sitting.exam.results_policy == Exam.Results.IMMEDIATE,
            "max_restored_minutes": MAX_RESTORED_MINUTES,
        },
    )


def _minutes_to_seconds(raw: str) -> int | None:
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return 0
    try:
        minutes = float(raw)
    except ValueError:
        return None
    return round(minutes * 60) if 0 <= minutes <= MAX_RESTORED_MINUTES else None


@login_required
@require_POST
def sitting_incident(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    back = redirect("sitting_records", sitting_id=sitting.pk)
    attempt = None
    raw = request.POST.get("attempt", "")
    if raw:
        attempt = sitting.attempts.filter(pk=int(raw)).first() if raw.isdigit() else None
        if attempt is None:
            messages.error(request, _("Thí sinh này không có tên trong danh sách ca thi."))
            return back
    seconds = _minutes_to_seconds(request.POST.get("minutes_restored", ""))
    if seconds is None:
        messages.error(
            request, _("Thời gian bù phải là số phút từ 0 đến %(n)s (ví dụ 2,5).") % {"n": MAX_RESTORED_MINUTES}
        )
        return back
    try:
        incidents.record_incident(
            acting_user=request.user,
            sitting=sitting,
            kind=request.POST.get("kind", ""),
            description=request.POST.get("description", ""),
            attempt=attempt,
            rule_broken=request.POST.get("rule_broken", ""),
            to_seat=request.POST.get("to_seat", ""),
            time_restored_seconds=seconds,
            terminate=request.POST.get("terminate") == "1",
        )
    except ExamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã ghi sự việc vào biên bản ca thi."))
    return back


@login_required
def sitting_minutes_pdf(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    signed = signed_documents.current(signed_documents.SITTING_MINUTES, signed_records.minutes_subject(sitting))
    if signed is not None:
        return signed_pages.signed_pdf_response(request, signed)
    return _pdf(sitting_documents.sitting_minutes_pdf(sitting), f"bien-ban-ca-thi-{sitting.pk}.pdf")


@login_required
def sitting_minutes_sign(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    return signed_pages.sign_page(
        request,
        kind=signed_documents.SITTING_MINUTES,
        unit=sitting.exam.unit,
        subject_key=signed_records.minutes_subject(sitting),
        title=_("Ký số biên bản %(s)s — %(e)s") % {"s": sitting.name, "e": sitting.exam.title},
        ready=signed_records.minutes_ready(sitting),
        not_ready=signed_records.MINUTES_NOT_READY,
        sign=lambda **cred: signed_records.sign_minutes(acting_user=request.user, sitting=sitting, **cred),
        signed_url=reverse("sitting_minutes_signed_pdf", args=[sitting.pk]),
        back_url=reverse("results_index"),
    )


@login_required
def sitting_minutes_signed_pdf(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    signed = signed_documents.current(signed_documents.SITTING_MINUTES, signed_records.minutes_subject(sitting))
    if signed is None:
        raise Http404(_("Biên bản này chưa được ký số."))
    return signed_pages.signed_pdf_response(request, signed)


@login_required
def sitting_sign_list_pdf(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    try:
        content = sitting_documents.sitting_sign_list_pdf(sitting)
    except ExamError as exc:
        messages.error(request, str(exc))
        return redirect("sitting_records", sitting_id=sitting.pk)
    return _pdf(content, f"danh-sach-ky-ca-thi-{sitting.pk}.pdf")


def _managed(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    if not access.manages_exam(request.user, sitting.exam_id):
        raise PermissionDenied(_("Chỉ hội đồng thi hoặc cán bộ tổ chức kỳ thi được niêm phong, kiểm tra."))
    return sitting


@login_required
@require_POST
def sitting_seal(request, sitting_id: int):
    sitting = _managed(request, sitting_id)
    try:
        sitting = sealing.seal_sitting(acting_user=request.user, sitting=sitting)
    except ExamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã niêm phong ca thi; mã băm SHA-256: %(d)s.") % {"d": sitting.seal_digest})
    return redirect("sitting_records", sitting_id=sitting.pk)


@login_required
@require_POST
def sitting_verify(request, sitting_id: int):
    sitting = _managed(request, sitting_id)
    problems = sealing.verify_sitting(sitting)
    if problems:
        for problem in problems:
            messages.error(request, problem)
    else:
        messages.success(request, _("Dữ liệu ca thi khớp bản niêm phong."))
    return redirect("sitting_records", sitting_id=sitting.pk)
