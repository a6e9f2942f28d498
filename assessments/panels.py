"""What assessments add to the employee page and the dashboard (hr_system.panels).

Registered in AssessmentsConfig.ready(). Scores are shown only when the exam's results
are visible (published, or shown at once) or the viewer manages the exam
(assessments.access.exams_for); the dashboard lists open exams the viewer may run
(proctor's monitor) or sit (their own attempt).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.access import MANAGERS, exams_for
from assessments.models import Attempt, Exam
from hr_system import access
from hr_system.panels import Item, Panel

STILL_TO_SIT = (Attempt.Status.NOT_STARTED, Attempt.Status.IN_PROGRESS, Attempt.Status.PAUSED)


def exams_sat(request, employee) -> Panel | None:
    """The exams on which the person was a candidate, newest first."""
    attempts = list(
        Attempt.objects.filter(employee=employee).select_related("exam", "exam__unit").order_by("-exam__opens_at")
    )
    if not attempts:
        return None
    managed = set(exams_for(request.user).filter(pk__in=[a.exam_id for a in attempts]).values_list("pk", flat=True))
    own = access.own_employee(request.user)
    is_self = own is not None and own.pk == employee.pk
    rows = []
    for a in attempts:
        visible = a.exam_id in managed or a.exam.results_visible()
        if a.exam_id in managed:
            url = reverse("results_exam", args=[a.exam_id])
        elif is_self and a.exam.results_visible():
            url = reverse("results_mine", args=[a.exam_id])
        else:
            url = ""
        rows.append({"attempt": a, "exam": a.exam, "show_score": visible and a.score is not None, "url": url})
    return Panel(
        _("Các kỳ thi đã dự"),
        template="assessments/panels/exams_sat.html",
        context={"rows": rows},
        order=40,
        key="ky-thi",
    )


def open_exams(request) -> Panel | None:
    """Exams open now that the viewer runs (their monitor) or sits (their paper)."""
    user = request.user
    now = timezone.now()
    items = []
    if access.has_role(user, *MANAGERS):
        running = exams_for(user).filter(opens_at__lte=now, closes_at__gte=now).order_by("closes_at", "pk")
        for exam in running[:20]:
            note = _("đang mở đến %(t)s") % {"t": f"{timezone.localtime(exam.closes_at):%d/%m/%Y %H:%M}"}
            items.append(Item(exam.title, reverse("take_monitor", args=[exam.pk]), note=note))
    own = access.own_employee(user)
    if own is not None:
        mine = (
            Attempt.objects.filter(employee=own, status__in=STILL_TO_SIT, exam__closes_at__gte=now)
            .select_related("exam")
            .order_by("exam__opens_at", "pk")
        )
        for attempt in mine[:20]:
            exam: Exam = attempt.exam
            if exam.opens_at <= now:
                note = _("bạn có thể vào thi ngay")
                level = "warn"
            else:
                note = _("mở lúc %(t)s") % {"t": f"{timezone.localtime(exam.opens_at):%d/%m/%Y %H:%M}"}
                level = ""
            items.append(Item(exam.title, reverse("take_exam", args=[exam.pk]), level=level, note=note))
    if not items and not access.has_role(user, *MANAGERS):
        return None
    return Panel(_("Kỳ thi đang mở"), items, empty=_("Không có kỳ thi nào đang mở."), order=40, key="ky-thi-dang-mo")
