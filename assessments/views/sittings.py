"""Sitting (ca thi) pages: the exam managers create and change sittings and the exam's
settings; a sitting's proctors (and the managers) check candidates in at the door and
end the sitting.

Every page reaches its exam or sitting through assessments.access (another unit's exam,
or a sitting someone else proctors, is a 404) and writes through assessments.sittings,
which audits. The check-in page is the only page outside HR's employee pages that shows
a candidate's citizen-ID number.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import access, rules, sittings
from assessments.forms import ExamSettingsForm, SittingForm, show_exam_error
from assessments.papers import ExamError

CHECKIN_PAGE_SIZE = 100


@login_required
def exam_settings(request, exam_id: int):
    """Edit the exam's settings until its first sitting starts."""
    exam = access.get_managed_exam(request.user, exam_id)
    initial = {name: getattr(exam, name) for name in ExamSettingsForm.base_fields}
    form = ExamSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    editable = _editable(exam)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v is not None or k in _NULLABLE}
        try:
            sittings.update_exam(acting_user=request.user, exam=exam, **changes)
        except ExamError as exc:
            show_exam_error(exc, form)
        else:
            messages.success(request, _("Đã lưu cài đặt kỳ thi."))
            return redirect("exam_detail", exam_id=exam.pk)
    return render(
        request,
        "assessments/sittings/settings.html",
        {"exam": exam, "form": form, "editable": editable, "default_late": _default_late(exam)},
    )


_NULLABLE = {"late_entry_minutes", "remark_window_days"}


def _editable(exam) -> bool:
    try:
        sittings.check_editable(exam)
    except ExamError:
        return False
    return True


def _default_late(exam) -> int:
    return rules.late_entry_minutes(exam.time_limit, timezone.localdate(exam.opens_at))


@login_required
def sitting_create(request, exam_id: int):
    exam = access.get_managed_exam(request.user, exam_id)
    form = SittingForm(request.POST if request.method == "POST" else None, exam=exam, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sitting = sittings.create_sitting(
                acting_user=request.user,
                exam=exam,
                name=data["name"],
                venue=data["venue"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                proctors=list(data["proctors"]),
                employees=form.employees(),
            )
        except ExamError as exc:
            show_exam_error(exc, form)
        else:
            messages.success(
                request,
                _("Đã tạo ca thi “%(name)s” với %(n)s thí sinh.")
                % {"name": sitting.name, "n": sitting.attempts.count()},
            )
            return redirect("exam_detail", exam_id=exam.pk)
    return render(request, "assessments/sittings/form.html", {"exam": exam, "form": form, "sitting": None})


@login_required
def sitting_edit(request, exam_id: int, sitting_id: int):
    sitting = access.get_managed_sitting(request.user, exam_id, sitting_id)
    exam = sitting.exam
    initial = {
        "name": sitting.name,
        "venue": sitting.venue,
        "starts_at": sitting.starts_at,
        "ends_at": sitting.ends_at,
        "proctors": list(sitting.proctors.all()),
    }
    form = SittingForm(
        request.POST if request.method == "POST" else None, exam=exam, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sittings.update_sitting(
                acting_user=request.user,
                sitting=sitting,
                name=data["name"],
                venue=data["venue"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                proctors=list(data["proctors"]),
            )
            employees = form.employees()
            placed = sittings.add_to_sitting(acting_user=request.user, sitting=sitting, employees=employees)
        except ExamError as exc:
            show_exam_error(exc, form)
        else:
            messages.success(request, _("Đã lưu ca thi; thêm %(n)s thí sinh.") % {"n": placed})
            return redirect("exam_detail", exam_id=exam.pk)
    return render(request, "assessments/sittings/form.html", {"exam": exam, "form": form, "sitting": sitting})


# --- the proctors' page ------------------------------------------------------------------------


@login_required
def sitting_checkin(request, sitting_id: int):
    """The door: the sitting's candidates with a photo placeholder, name, citizen-ID
    number, seat and check-in; search by name, staff code or citizen-ID number."""
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    q = request.GET.get("q", "")[:100]
    rows = sittings.candidates_of(sitting, q).select_related("employee__unit")
    page = Paginator(rows, CHECKIN_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "assessments/sittings/checkin.html",
        {
            "sitting": sitting,
            "exam": sitting.exam,
            "page": page,
            "q": q,
            "counts": sittings.sitting_counts(sitting),
            "entry_open": now <= sitting.entry_closes_at and sitting.ended_at is None,
            "started": sitting.has_started(now),
            "is_manager": access.manages_exam(request.user, sitting.exam_id),
        },
    )


@login_required
@require_POST
def sitting_checkin_action(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    back = reverse("sitting_checkin", args=[sitting.pk])
    action = request.POST.get("action", "")
    try:
        if action == "check_in":
            raw = request.POST.get("attempt", "")
            if not raw.isdigit():
                raise Http404(_("Không tìm thấy thí sinh trong ca thi này."))
            attempt = access.get_proctored_attempt(request.user, sitting, int(raw))
            attempt = sittings.check_in(acting_user=request.user, attempt=attempt, seat=request.POST.get("seat", ""))
            messages.success(request, _("Đã xác nhận danh tính: %(name)s.") % {"name": attempt.employee.full_name})
        elif action == "end":
            sittings.end_sitting(acting_user=request.user, sitting=sitting)
            messages.success(request, _("Đã kết thúc ca thi."))
        else:
            messages.error(request, _("Thao tác không hợp lệ."))
    except ExamError as exc:
        messages.error(request, str(exc))
    q = request.POST.get("q", "")
    return redirect(f"{back}?q={q}" if q else back)


@login_required
def my_sittings(request):
    """The sittings the caller proctors or manages, upcoming first."""
    rows = (
        access.sittings_proctored_by(request.user)
        .select_related("exam")
        .filter(sealed_at__isnull=True)
        .order_by("starts_at", "pk")
    )
    return render(request, "assessments/sittings/mine.html", {"sittings": rows[:200]})
