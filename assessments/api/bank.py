"""Question bank API (mounted at /api/v1/assessments/bank): the authors' side.

Outputs carry the correct flags, so every endpoint is for exam-board members, HR
officers and administrators only (access.require_manager), within their categories.
"""

from contextlib import contextmanager
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from assessments import access, bank, parsers
from assessments.models import Category, Question, QuestionVersion
from assessments.papers import ExamError, with_approved_counts
from assessments.schemas import (
    CategoryIn,
    CategoryOut,
    CategoryUseOut,
    QuestionDetailOut,
    QuestionFilter,
    QuestionImportOut,
    QuestionIn,
    QuestionOut,
    QuestionPatch,
    StatusIn,
)
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.uploads import UploadRejected, read_upload

router = Router(tags=["Ngân hàng câu hỏi"])


@contextmanager
def exam_errors():
    """ExamError from the bank's writes → the API's one error envelope."""
    try:
        yield
    except ExamError as exc:
        if exc.status == 403:
            raise PermissionDenied(str(exc)) from None
        if exc.status == 422:
            raise invalid(exc.field, str(exc)) from None
        raise ApiError(exc.status, "conflict", str(exc), {exc.field: [str(exc)]}) from None


def category_for(user, category_id: int | None, field: str = "category") -> Category | None:
    if category_id is None:
        return None
    category = access.category_in_scope(user, category_id)
    if category is None:
        raise invalid(field, "Không có chủ đề này trong phạm vi bạn quản lý.")
    return category


def _detail(user, question_id: int) -> Question:
    access.get_question_for_user(user, question_id)  # scope check, 404 outside it
    return Question.objects.filter(pk=question_id).with_versions().get()


# --- categories --------------------------------------------------------------------


@router.get("/categories", response=list[CategoryUseOut])
@paginate(PageNumber)
def list_categories(request):
    """The caller's categories (`managed`: items readable) and those of units above them
    that their blueprints may use, with approved counts per difficulty and no items."""
    access.require_manager(request.user)
    categories = with_approved_counts(access.usable_with_management(request.user))
    return categories.select_related("unit").order_by("name", "pk")


@router.post("/categories", response={201: CategoryOut})
def create_category(request, payload: CategoryIn):
    access.require_manager(request.user)
    if payload.unit:
        unit = access.manager_units(request.user).filter(code=payload.unit).first()
        if unit is None:
            raise invalid("unit", "Không có đơn vị này trong phạm vi bạn quản lý.")
    else:
        unit = access.default_owner_unit(request.user)
        if unit is None:
            raise invalid("unit", "Hãy chọn đơn vị sở hữu chủ đề (mã đơn vị).")
    with exam_errors():
        category = bank.create_category(acting_user=request.user, code=payload.code, name=payload.name, unit=unit)
    return Status(201, category)


# --- questions ---------------------------------------------------------------------


@router.get("/questions", response=list[QuestionOut])
@paginate(PageNumber)
def list_questions(request, filters: Query[QuestionFilter]):
    return access.filtered_questions(request.user, filters)


@router.get("/questions/{question_id}", response=QuestionDetailOut)
def get_question(request, question_id: int):
    return _detail(request.user, question_id)


@router.post("/questions", response={201: QuestionDetailOut})
def create_question(request, payload: QuestionIn):
    access.require_manager(request.user)
    category = category_for(request.user, payload.category)
    with exam_errors():
        question = bank.create_question(
            acting_user=request.user,
            category=category,
            kind=payload.kind,
            text=payload.text,
            options=[o.dict() for o in payload.options],
            difficulty=payload.difficulty,
            tags=payload.tags,
        )
    return Status(201, _detail(request.user, question.pk))


@router.patch("/questions/{question_id}", response=QuestionDetailOut)
def edit_question(request, question_id: int, payload: QuestionPatch):
    """Edit the latest version; if it was approved or is on a paper, a new draft
    version is made instead and the old one stays as it was."""
    question = access.get_question_for_user(request.user, question_id)
    latest = question.versions.order_by("-number").first()
    changes = payload.dict(exclude_unset=True)
    with exam_errors():
        bank.edit_question(
            acting_user=request.user,
            question=question,
            text=changes.get("text") or latest.text,
            options=changes["options"] if changes.get("options") else latest.options,
            kind=changes.get("kind") or latest.kind,
            difficulty=changes.get("difficulty") or latest.difficulty,
            tags=changes["tags"] if changes.get("tags") is not None else latest.tags,
        )
    return _detail(request.user, question_id)


@router.post("/questions/{question_id}/status", response=QuestionDetailOut)
def set_status(request, question_id: int, payload: StatusIn):
    """draft → reviewed → approved (→ retired). Approving makes the version current."""
    question = access.get_question_for_user(request.user, question_id)
    versions = question.versions.order_by("-number")
    version = versions.filter(number=payload.version).first() if payload.version else versions.first()
    if version is None:
        raise invalid("version", "Câu hỏi không có phiên bản này.")
    with exam_errors():
        bank.set_status(acting_user=request.user, version=version, status=payload.status)
    return _detail(request.user, question_id)


# --- import ------------------------------------------------------------------------


@router.post("/import", response=QuestionImportOut)
def import_questions(
    request,
    file: File[UploadedFile],
    format: Form[Literal["aiken", "gift", "xlsx"]],
    category: Form[int | None] = None,
    difficulty: Form[QuestionVersion.Difficulty] = QuestionVersion.Difficulty.MEDIUM,
    import_valid: Form[bool] = False,
    dry_run: Form[bool] = False,
):
    """Import an Aiken, GIFT or Excel file as draft questions. The report lists every
    rejected item with its line (row for Excel) and reason; with rejections nothing is
    written unless `import_valid` is true. `dry_run` only checks."""
    access.require_manager(request.user)
    default = category_for(request.user, category)
    try:
        items, errors = parsers.parse(read_upload(file), format)
    except UploadRejected as exc:  # 413 over the size limit, 422 otherwise
        raise ApiError(exc.status, exc.code, exc.summary, {"file": [str(exc)]}) from None
    with exam_errors():
        report = bank.import_items(
            acting_user=request.user,
            items=items,
            errors=errors,
            category=default,
            difficulty=difficulty,
            import_valid=import_valid,
            dry_run=dry_run,
            source=f"{format}:{file.name or ''}",
        )
    return report.as_dict()


@router.get("/template.xlsx")
def import_template(request):
    """The Excel template for importing questions."""
    access.require_manager(request.user)
    response = HttpResponse(parsers.template_xlsx(), content_type=parsers.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-ngan-hang-cau-hoi.xlsx"'
    return response
