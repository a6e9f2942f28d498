"""Who may manage the bank and exams, and whose attempt is whose: every scope and
permission helper of the app, used alike by the pages, the API and the actions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from assessments.models import (
    Attempt,
    BlueprintRule,
    Category,
    Exam,
    PaperItem,
    Question,
    QuestionVersion,
    RemarkRequest,
    Sitting,
)
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


def default_owner_unit(user) -> OrgUnit | None:
    """The unit a new category belongs to when none is named: the top of the caller's
    exam-board / HR scope (for an administrator, the root of the tree), if only one."""
    if access.is_admin(user):
        tops = list(OrgUnit.objects.filter(parent__isnull=True, valid_to__isnull=True)[:2])
    else:
        units = {r.unit.path: r.unit for r in access.roles_of(user) if r.kind in MANAGERS and r.unit is not None}
        tops = [u for path, u in units.items() if not any(path != p and path.startswith(p) for p in units)]
    return tops[0] if len(tops) == 1 else None


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


def get_managed_remark(user, remark_id: int) -> RemarkRequest:
    """A re-marking request on an exam the caller manages (403 not a manager, 404 outside scope)."""
    require_manager(user)
    remarks = RemarkRequest.objects.select_related("attempt__exam__unit", "attempt__employee__unit", "attempt__sitting")
    remark = remarks.filter(pk=remark_id, attempt__exam__in=exams_for(user).values("pk")).first()
    if remark is None:
        raise Http404("Không tìm thấy đề nghị phúc khảo.")
    return remark


def get_own_remark(user, remark_id: int) -> RemarkRequest:
    """The caller's own re-marking request; anyone else's is a 404."""
    remark = None
    if user.is_authenticated:
        remarks = RemarkRequest.objects.select_related("attempt__exam__unit", "attempt__employee__unit")
        remark = remarks.filter(pk=remark_id, attempt__employee__user=user).first()
    if remark is None:
        raise Http404("Không tìm thấy đề nghị phúc khảo.")
    return remark


def get_readable_remark(user, remark_id: int) -> RemarkRequest:
    """A request its candidate or a manager of its exam may read (the decision PDF);
    to anyone else, another candidate included, it does not exist (404)."""
    try:
        return get_own_remark(user, remark_id)
    except Http404:
        if not access.has_role(user, *MANAGERS):
            raise
    return get_managed_remark(user, remark_id)


# --- sittings (ca thi) ------------------------------------------------------------------
#
# A sitting is managed by the exam's managers (exam board / HR in scope) and run at the
# door by its proctors: the users in `Sitting.proctors`, whatever their role. A proctor
# sees their own sittings only (the check-in page with the candidates' citizen-ID
# numbers); everyone else gets 404.


def get_managed_sitting(user, exam_id: int, sitting_id: int) -> Sitting:
    """A sitting of an exam the caller manages (403 for non-managers, 404 outside scope)."""
    exam = get_managed_exam(user, exam_id)
    sitting = Sitting.objects.select_related("exam__unit").filter(pk=sitting_id, exam=exam).first()
    if sitting is None:
        raise Http404("Không tìm thấy ca thi.")
    return sitting


def sittings_proctored_by(user) -> QuerySet[Sitting]:
    """Sittings the caller runs: those of exams they manage and those they proctor."""
    if not getattr(user, "is_authenticated", False):
        return Sitting.objects.none()
    proctored = Q(proctors=user) | Q(exam__in=exams_for(user).values("pk"))
    return Sitting.objects.filter(proctored).distinct()


def manages_exam(user, exam_id: int) -> bool:
    """Whether the caller manages the exam (exam board / HR in scope), as opposed to
    only proctoring one of its sittings."""
    return exams_for(user).filter(pk=exam_id).exists()


def get_proctored_sitting(user, sitting_id: int, *, exam_id: int | None = None) -> Sitting:
    """A sitting the caller manages (get_managed_exam's scope) or proctors (of the exam
    `exam_id` when given); else 404."""
    sittings = Sitting.objects.select_related("exam__unit").filter(
        pk=sitting_id, pk__in=sittings_proctored_by(user).values("pk")
    )
    if exam_id is not None:
        sittings = sittings.filter(exam_id=exam_id)
    sitting = sittings.first()
    if sitting is None:
        raise Http404("Không tìm thấy ca thi.")
    return sitting


def get_proctored_attempt(user, sitting: Sitting, attempt_id: int) -> Attempt:
    """A candidate of a sitting the caller already reached through get_proctored_sitting."""
    attempt = Attempt.objects.select_related("exam", "employee", "sitting").filter(pk=attempt_id, sitting=sitting)
    found = attempt.first()
    if found is None:
        raise Http404("Không tìm thấy thí sinh trong ca thi này.")
    return found


# --- the question bank ------------------------------------------------------------------
#
# A category belongs to a unit. Managers (exam board, HR) of that unit's subtree *manage*
# it: they read its items' text and keys, write, review, approve, retire and correct
# keys. Managers below the owner may *use* it: their blueprints draw its approved items
# by counts per difficulty, and they never see the text or keys (the province's shared
# bank is owned by the province and used by every commune). Whatever their role, a
# candidate of an exam whose results are not yet published reads no item that exam can
# draw: the categories of its blueprint and the versions on its papers (conflict of
# interest).


def _ancestor_paths(path: str) -> list[str]:
    """The paths of a unit and every unit above it ("/1/7/" → ["/1/", "/1/7/"])."""
    steps = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(steps[: i + 1]) + "/" for i in range(len(steps))]


def managed_categories(user) -> QuerySet[Category]:
    """Categories owned by a unit in the caller's exam-board / HR subtree."""
    q = access.scope_q(user, MANAGERS, field="unit__path")
    categories = Category.objects.all()
    return categories if q is None else categories.filter(q)


def usable_categories(user) -> QuerySet[Category]:
    """Categories the caller's blueprints may draw from: the managed ones and those
    owned by a unit above a unit where the caller is exam board or HR."""
    categories = Category.objects.all()
    if access.is_admin(user):
        return categories
    q = Q(pk__in=[])
    for role in access.roles_of(user):
        if role.kind in MANAGERS and role.unit is not None:
            q |= Q(unit__path__startswith=role.unit.path) | Q(unit__path__in=_ancestor_paths(role.unit.path))
    return categories.filter(q)


def pending_candidate_exams(user) -> QuerySet[Exam]:
    """Exams the caller is a candidate of whose results are not yet published."""
    if not getattr(user, "is_authenticated", False):
        return Exam.objects.none()
    return Exam.objects.filter(attempts__employee__user=user, published_at__isnull=True)


def conflicted_categories(user) -> QuerySet[Category]:
    """Categories a pending exam of the caller's (as a candidate) draws from."""
    rules = BlueprintRule.objects.filter(part__exam__in=pending_candidate_exams(user).values("pk"))
    return Category.objects.filter(pk__in=rules.values("category_id"))


def conflicted_questions(user) -> QuerySet[Question]:
    """Questions the caller must not read as a candidate: those of the categories above
    and any on a paper of their pending exams."""
    pending = pending_candidate_exams(user).values("pk")
    on_papers = PaperItem.objects.filter(attempt__exam__in=pending).values("version__question_id")
    return Question.objects.filter(Q(category__in=conflicted_categories(user)) | Q(pk__in=on_papers))


def is_candidate_of(user, exam: Exam) -> bool:
    """True while the caller sits on the candidate list of an unpublished exam."""
    return pending_candidate_exams(user).filter(pk=exam.pk).exists()


def check_no_conflict(user, exam: Exam) -> None:
    """A candidate of the exam sees none of its items or keys until results are
    published, whatever their role (403: they know they are on the list)."""
    if is_candidate_of(user, exam):
        raise PermissionDenied(
            "Bạn có tên trong danh sách dự thi của kỳ thi này: không được xem nội dung, đáp án "
            "hay sửa đáp án câu hỏi của kỳ thi cho đến khi công bố kết quả."
        )


def board_exams(user) -> QuerySet[Exam]:
    """Exams organised in the caller's exam-board scope (every exam for an admin)."""
    q = access.scope_q(user, (Role.Kind.EXAM_BOARD,), field="unit__path")
    return Exam.objects.all() if q is None else Exam.objects.filter(q)


def secret_exams(user) -> QuerySet[Exam]:
    """Exams whose questions the caller may not read yet: one of its sittings has not
    ended, and the caller is not its exam board. Circular 22/2025/TT-BNV keeps the
    questions secret (chế độ mật) until the exam ends: no candidate, HR officer or
    proctor reads them through any page or endpoint until the last sitting has ended."""
    running = Exam.objects.filter(Exists(Sitting.objects.filter(exam=OuterRef("pk"), ended_at__isnull=True)))
    return running.exclude(pk__in=board_exams(user).values("pk"))


def secret_questions(user) -> QuerySet[PaperItem]:
    """The question ids on the papers of the caller's secret exams (a values() subquery)."""
    return PaperItem.objects.filter(attempt__exam__in=secret_exams(user).values("pk")).values("version__question_id")


def categories_for(user) -> QuerySet[Category]:
    """The bank's categories for the caller: managed, minus any a pending exam of theirs
    (as a candidate) draws from. Only managers have any."""
    if not access.has_role(user, *MANAGERS):
        return Category.objects.none()
    return managed_categories(user).exclude(pk__in=conflicted_categories(user).values("pk"))


def usable_with_management(user) -> QuerySet[Category]:
    """The usable categories, each annotated `managed`: whether the caller reads and
    changes its items (categories_for) or only draws them into blueprints."""
    readable = categories_for(user).filter(pk=OuterRef("pk"))
    return usable_categories(user).annotate(managed=Exists(readable))


def category_in_scope(user, category_id: int) -> Category | None:
    """The category if the caller may use it, else None (the caller names the field)."""
    return categories_for(user).filter(pk=category_id).first()


def check_category(user, category: Category) -> None:
    """For the bank's writes: a category outside the caller's scope is a 403 ExamError."""
    if not categories_for(user).filter(pk=category.pk).exists():
        raise ExamError("Chủ đề này không thuộc phạm vi bạn quản lý.", "category", 403)


def questions_for(user) -> QuerySet[Question]:
    """Questions whose text and keys the caller may read and change: in the bank's
    categories (categories_for) and on no paper of a pending exam of theirs."""
    questions = Question.objects.filter(category__in=categories_for(user)).exclude(pk__in=secret_questions(user))
    if access.own_employee(user) is None:
        return questions
    return questions.exclude(pk__in=conflicted_questions(user).values("pk"))


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


def hidden_versions(user, exam: Exam) -> set[int]:
    """Versions on the exam's papers whose text and key the caller (a manager of the
    exam) may not see: items of categories they do not manage, until the exam's results
    are published, at any time an item a pending exam of theirs can draw, and every item
    of an exam still sitting unless they are its exam board (secret_exams)."""
    on_exam = PaperItem.objects.filter(attempt__exam=exam).values("version_id")
    if exam.published_at is None:
        readable = questions_for(user)
    else:
        readable = Question.objects.exclude(pk__in=secret_questions(user))
        if access.own_employee(user) is not None:
            readable = readable.exclude(pk__in=conflicted_questions(user).values("pk"))
    return set(
        QuestionVersion.objects.filter(pk__in=on_exam)
        .exclude(question__in=readable.values("pk"))
        .values_list("pk", flat=True)
    )


def check_key_correction(user, version: QuestionVersion) -> None:
    """Only a manager of the owning unit's subtree, who is no pending candidate of an
    exam drawing the item, corrects its key (ExamError 403 naming the owner)."""
    if not questions_for(user).filter(pk=version.question_id).exists():
        owner = Category.objects.filter(questions__versions=version).values_list("unit__name", flat=True).first()
        raise ExamError(
            f"Chỉ cán bộ quản lý ngân hàng câu hỏi của {owner} (đơn vị sở hữu câu hỏi) được sửa đáp án; "
            "đề nghị đơn vị sở hữu xem xét.",
            "version_id",
            403,
        )
