"""Who may manage the bank and exams, and whose attempt is whose: every scope and
permission helper of the app, used alike by the pages, the API and the actions."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from assessments.models import Attempt, Category, Exam, Question
from assessments.papers import ExamError
from hr_system import access
from hr_system.models import OrgUnit, Role

MANAGERS = (Role.Kind.EXAM_BOARD, Role.Kind.HR_OFFICER)


def require_manager(user) -> None:
    access.require_role(user, *MANAGERS)


def manager_units(user) -> QuerySet[OrgUnit]:
    """Units where the caller is exam board or HR: where they may put a new category
    or organise an exam."""
    q = access.scope_q(user, MANAGERS)
    return OrgUnit.objects.all() if q is None else OrgUnit.objects.filter(q)


# --- exams ----------------------------------------------------------------------------


def exams_for(user) -> QuerySet[Exam]:
    """Exams organised by a unit in the caller's exam-board / HR scope."""
    q = access.scope_q(user, MANAGERS, field="unit__path")
    exams = Exam.objects.select_related("unit")
    return exams if q is None else exams.filter(q)


def get_exam_for_user(user, exam_id: int) -> Exam:
    exam = exams_for(user).filter(pk=exam_id).first()
    if exam is None:
        raise Http404("Không tìm thấy kỳ thi.")
    return exam


def get_managed_exam(user, exam_id: int) -> Exam:
    """An exam the caller manages: 403 for anyone not exam board or HR, 404 outside scope."""
    require_manager(user)
    return get_exam_for_user(user, exam_id)


def get_managed_attempt(user, attempt_id: int) -> Attempt:
    """A candidate's attempt at an exam the caller manages (the proctors' actions)."""
    require_manager(user)
    attempt = (
        Attempt.objects.select_related("exam").filter(pk=attempt_id, exam__in=exams_for(user).values("pk")).first()
    )
    if attempt is None:
        raise Http404("Không tìm thấy bài thi.")
    return attempt


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


# --- the question bank ------------------------------------------------------------------


def categories_for(user) -> QuerySet[Category]:
    """Bank categories of units in scope, plus shared (unit-less) ones for any manager."""
    q = access.scope_q(user, MANAGERS, field="unit__path")
    categories = Category.objects.all()
    if q is None:
        return categories
    if not access.has_role(user, *MANAGERS):
        return categories.none()
    return categories.filter(q | Q(unit__isnull=True))


def category_in_scope(user, category_id: int) -> Category | None:
    """The category if the caller may use it, else None (the caller names the field)."""
    return categories_for(user).filter(pk=category_id).first()


def check_category(user, category: Category) -> None:
    """For the bank's writes: a category outside the caller's scope is a 403 ExamError."""
    if not categories_for(user).filter(pk=category.pk).exists():
        raise ExamError("Chủ đề này không thuộc phạm vi bạn quản lý.", "category", 403)


def questions_for(user) -> QuerySet[Question]:
    """Questions whose category is in the caller's scope (categories_for)."""
    return Question.objects.filter(category__in=categories_for(user))


def get_question_for_user(user, question_id: int) -> Question:
    require_manager(user)
    question = questions_for(user).select_related("category", "current").filter(pk=question_id).first()
    if question is None:
        raise Http404("Không tìm thấy câu hỏi.")
    return question


def filtered_questions(user, filters) -> QuerySet[Question]:
    """Questions in scope for the bank's list (page and API), newest first, matching a
    `schemas.QuestionFilter`; status, difficulty, tag and text look at each question's
    latest version (what its authors are working on)."""
    require_manager(user)
    questions = questions_for(user)
    if filters.category:
        questions = questions.filter(category_id=filters.category)
    questions = questions.latest_matching(
        status=filters.status, difficulty=filters.difficulty, tag=filters.tag, text=filters.q
    )
    return questions.with_versions().order_by("-pk")
