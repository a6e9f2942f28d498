"""Exam pages: the candidate's list of exams, the exam page, the result page, and the
proctors' monitor. The exam page is a shell: static/js/exam.js drives it through the
candidate endpoints of assessments.api.exams (the same access helpers and actions).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from assessments import access, attempts, results
from assessments.models import Attempt
from assessments.papers import ExamError

Status = Attempt.Status
MONITOR_REFRESH_SECONDS = 30


@login_required
def take_list(request):
    """Every exam the caller is a candidate of, newest first; with a sitting (ca thi),
    its venue and programmed start, and the way in only while entry is open. Below, the
    sittings the caller proctors, if any."""
    rows = (
        Attempt.objects.filter(employee__user=request.user)
        .select_related("exam", "sitting")
        .order_by("-exam__opens_at", "-pk")
    )
    now = timezone.now()
    items = []
    for attempt in rows:
        exam, sitting = attempt.exam, attempt.sitting
        if attempt.status in attempts.CLOSED_STATUSES:
            action, url = _("Xem kết quả"), reverse("take_result", args=[exam.pk])
        elif attempt.status in attempts.OPEN_STATUSES:
            action, url = _("Tiếp tục làm bài"), reverse("take_exam", args=[exam.pk])
        elif attempt.status == Status.ABSENT:
            action, url = "", ""
        elif sitting is not None:
            sitting.exam = exam
            entry_open = sitting.starts_at <= now <= sitting.entry_closes_at and sitting.ended_at is None
            action, url = (_("Vào thi"), reverse("take_exam", args=[exam.pk])) if entry_open else ("", "")
        elif exam.is_open(now):
            action, url = _("Vào thi"), reverse("take_exam", args=[exam.pk])
        else:
            action, url = "", ""
        items.append({"attempt": attempt, "exam": exam, "sitting": sitting, "action": action, "url": url})
    proctoring = access.sittings_proctored_by(request.user).filter(proctors=request.user, sealed_at__isnull=True)
    return render(
        request,
        "assessments/take/list.html",
        {"items": items, "proctoring": proctoring.select_related("exam").order_by("starts_at", "pk")[:50]},
    )


@login_required
@ensure_csrf_cookie  # exam.js sends the csrftoken cookie back in X-CSRFToken
def take_exam(request, exam_id: int):
    attempt = access.get_own_attempt(request.user, exam_id)
    if attempt.status in attempts.CLOSED_STATUSES or attempts.is_overdue(attempt, timezone.now()):
        return redirect("take_result", exam_id=exam_id)
    if attempt.status == Status.ABSENT:
        messages.error(request, _("Bạn đã bị ghi nhận vắng thi vì không vào phòng thi trước giờ cho phép vào muộn."))
        return redirect("take_list")
    exam = attempt.exam
    sitting = attempt.sitting
    if sitting is not None:
        sitting.exam = exam
    return render(
        request,
        "assessments/take/exam.html",
        {
            "attempt": attempt,
            "exam": exam,
            "sitting": sitting,
            "needs_code": bool(exam.access_code_hash),
            "api_base": f"/api/v1/assessments/exams/{exam.pk}",
        },
    )


@login_required
def take_result(request, exam_id: int):
    attempt = access.get_own_attempt(request.user, exam_id)
    now = timezone.now()
    if attempt.status in attempts.OPEN_STATUSES and not attempts.is_overdue(attempt, now):
        return redirect("take_exam", exam_id=exam_id)
    if attempt.status in (Status.NOT_STARTED, Status.ABSENT):
        return redirect("take_list")
    closed = attempt.status in attempts.CLOSED_STATUSES
    return render(
        request,
        "assessments/take/result.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "closed": closed,
            "visible": closed and attempt.exam.results_visible(),
            "result": results.attempt_result(attempt) if closed else None,
        },
    )


# --- the proctors' monitor -----------------------------------------------------------------


@login_required
def take_monitor(request, exam_id: int):
    exam = access.get_managed_exam(request.user, exam_id)
    refresh = request.GET.get("refresh") != "0"
    data = attempts.monitor(exam)
    return render(
        request,
        "assessments/take/monitor.html",
        {
            "exam": exam,
            "data": data,
            "refresh": MONITOR_REFRESH_SECONDS if refresh else None,
            "event_labels": attempts.CLIENT_EVENTS,
        },
    )


@login_required
@require_POST
def take_monitor_action(request, exam_id: int):
    """One proctor action from the monitor page; a reason is always required."""
    exam = access.get_managed_exam(request.user, exam_id)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    minutes_raw = request.POST.get("minutes", "").strip()
    minutes = int(minutes_raw) if minutes_raw.isdigit() else 0
    target = None
    if action != "extend_all":
        attempt_id = request.POST.get("attempt", "")
        target = exam.attempts.filter(pk=int(attempt_id)).first() if attempt_id.isdigit() else None
        if target is None:
            raise Http404(_("Không tìm thấy bài thi."))
    try:
        if action == "extend_all":
            n = attempts.extend(
                acting_user=request.user,
                attempts=list(exam.attempts.values_list("pk", flat=True)),
                minutes=minutes,
                reason=reason,
            )
            messages.success(request, _("Đã gia hạn %(m)s phút cho %(n)s thí sinh.") % {"m": minutes, "n": n})
        elif action == "extend":
            attempts.extend(acting_user=request.user, attempts=[target], minutes=minutes, reason=reason)
            messages.success(request, _("Đã gia hạn %(m)s phút cho %(who)s.") % {"m": minutes, "who": target.employee})
        elif action in ("pause", "resume", "terminate"):
            step = {"pause": attempts.pause, "resume": attempts.resume, "terminate": attempts.terminate}[action]
            step(acting_user=request.user, attempt=target, reason=reason)
            done = {"pause": _("Đã tạm dừng"), "resume": _("Đã cho tiếp tục"), "terminate": _("Đã đình chỉ")}[action]
            messages.success(request, f"{done}: {target.employee}")
        else:
            messages.error(request, _("Thao tác không hợp lệ."))
    except ExamError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('take_monitor', args=[exam.pk])}?refresh=0")
