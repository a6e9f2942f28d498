"""Who may manage the bank and exams, and whose attempt is whose."""

from __future__ import annotations

from django.http import Http404

from assessments.models import Attempt, Category, Exam
from hr_system import access
from hr_system.models import Role

MANAGERS = (Role.Kind.EXAM_BOARD, Role.Kind.HR_OFFICER)


def exams_for(user):
    """Exams organised by a unit in the caller's exam-board / HR scope."""
    q = access.scope_q(user, MANAGERS, field="unit__path")
    exams = Exam.objects.select_related("unit")
    return exams if q is None else exams.filter(q)


def get_exam_for_user(user, exam_id: int) -> Exam:
    exam = exams_for(user).filter(pk=exam_id).first()
    if exam is None:
        raise Http404("Không tìm thấy kỳ thi.")
    return exam


def categories_for(user):
    """Bank categories of units in scope, plus shared (unit-less) ones for any manager."""
    q = access.scope_q(user, MANAGERS, field="unit__path")
    categories = Category.objects.all()
    if q is None:
        return categories
    if not access.has_role(user, *MANAGERS):
        return categories.none()
    from django.db.models import Q

    return categories.filter(q | Q(unit__isnull=True))


def require_manager(user) -> None:
    access.require_role(user, *MANAGERS)


def get_own_attempt(user, exam_id: int) -> Attempt:
    """The caller's own attempt at an exam; anyone not on the candidate list gets 404.

    One query (attempt, exam and employee joined, matched on the employee's login):
    every save of an answer starts here.
    """
    found = []
    if user.is_authenticated:
        # (exam, employee) is unique: no ORDER BY to compile or run.
        found = Attempt.objects.select_related("exam", "employee").filter(exam_id=exam_id, employee__user=user)
        found = found.order_by()[:1]
    attempt = found[0] if found else None
    if attempt is None:
        raise Http404("Bạn không có tên trong danh sách dự thi của kỳ thi này.")
    return attempt
