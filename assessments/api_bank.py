"""Question bank API (mounted at /api/v1/assessments/bank): the authors' side.

Outputs carry the correct flags, so every endpoint is for exam-board members, HR
officers and administrators only (access.require_manager), within their categories.
"""

import datetime as dt
import re
from contextlib import contextmanager
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from assessments import access, bank
from assessments.models import Category, Question, QuestionVersion
from assessments.papers import ExamError
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.schemas import InSchema

router = Router(tags=["Ngân hàng câu hỏi"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


# --- schemas -----------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    unit: str | None = Field(None, alias="unit.code")


class CategoryIn(InSchema):
    code: str = Field(..., min_length=1, max_length=50, pattern=bank.CATEGORY_CODE_RE.pattern)
    name: str = Field(..., min_length=1, max_length=200)
    unit: str | None = Field(None, description="Mã đơn vị; để trống = chủ đề dùng chung (chỉ quản trị)")


class OptionOut(Schema):
    id: str
    text: str
    correct: bool


class OptionIn(InSchema):
    text: str = Field(..., max_length=2000)
    correct: bool = False


class VersionOut(Schema):
    id: int
    number: int
    kind: QuestionVersion.Kind
    text: str
    options: list[OptionOut]
    difficulty: int
    tags: list[str]
    status: QuestionVersion.Status
    author: str | None
    reviewed_by: str | None
    approved_by: str | None
    exposure_count: int
    created_at: dt.datetime

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return bank.split_tags(obj.tags)

    @staticmethod
    def resolve_author(obj) -> str | None:
        return obj.author.username if obj.author_id else None

    @staticmethod
    def resolve_reviewed_by(obj) -> str | None:
        return obj.reviewed_by.username if obj.reviewed_by_id else None

    @staticmethod
    def resolve_approved_by(obj) -> str | None:
        return obj.approved_by.username if obj.approved_by_id else None


class QuestionOut(Schema):
    id: int
    category: CategoryOut
    current_version: int | None = Field(None, description="Phiên bản đã phê duyệt đang dùng cho đề thi (id)")
    latest: VersionOut
    created_at: dt.datetime

    @staticmethod
    def resolve_current_version(obj) -> int | None:
        return obj.current_id

    @staticmethod
    def resolve_latest(obj) -> QuestionVersion:
        return max(obj.versions.all(), key=lambda v: v.number)


class QuestionDetailOut(QuestionOut):
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(obj) -> list[QuestionVersion]:
        return sorted(obj.versions.all(), key=lambda v: v.number)


class QuestionIn(InSchema):
    category: int
    kind: QuestionVersion.Kind = QuestionVersion.Kind.SINGLE
    text: str = Field(..., min_length=1, max_length=10000)
    options: list[OptionIn] = Field(..., min_length=2, max_length=bank.MAX_OPTIONS)
    difficulty: QuestionVersion.Difficulty = QuestionVersion.Difficulty.MEDIUM
    tags: list[str] = []


class QuestionPatch(InSchema):
    kind: QuestionVersion.Kind | None = None
    text: str | None = Field(None, min_length=1, max_length=10000)
    options: list[OptionIn] | None = Field(None, min_length=2, max_length=bank.MAX_OPTIONS)
    difficulty: QuestionVersion.Difficulty | None = None
    tags: list[str] | None = None


class StatusIn(InSchema):
    status: QuestionVersion.Status
    version: int | None = Field(None, description="Số thứ tự phiên bản; mặc định là phiên bản mới nhất")


class LineReason(Schema):
    line: int
    reason: str


class ImportReportOut(Schema):
    total: int
    created: int
    rejected: list[LineReason]
    warnings: list[LineReason]
    written: bool
    dry_run: bool


class QuestionFilter(Schema):
    category: int | None = None
    status: QuestionVersion.Status | None = Field(None, description="Trạng thái của phiên bản mới nhất")
    difficulty: QuestionVersion.Difficulty | None = None
    tag: str | None = None
    q: str | None = Field(None, description="Tìm trong nội dung")


# --- queries shared with the web pages -----------------------------------------------


def with_versions(questions):
    versions = QuestionVersion.objects.select_related("author", "reviewed_by", "approved_by")
    return questions.select_related("category__unit").prefetch_related(Prefetch("versions", queryset=versions))


def filtered_questions(user, filters: QuestionFilter):
    """Questions in scope; the status/difficulty/tag/text filters look at each
    question's latest version (what its authors are working on)."""
    access.require_manager(user)
    latest = QuestionVersion.objects.filter(question=OuterRef("pk")).order_by("-number").values("pk")[:1]
    questions = bank.questions_for(user).annotate(latest_id=Subquery(latest))
    if filters.category:
        questions = questions.filter(category_id=filters.category)
    on_latest: dict = {}
    if filters.status:
        on_latest["versions__status"] = filters.status
    if filters.difficulty:
        on_latest["versions__difficulty"] = filters.difficulty
    if filters.q:
        on_latest["versions__text__icontains"] = filters.q.strip()
    if filters.tag and filters.tag.strip():
        tag = re.escape(" ".join(filters.tag.split()))
        on_latest["versions__tags__iregex"] = rf"(^|,)\s*{tag}\s*(,|$)"
    if on_latest:
        questions = questions.filter(versions__pk=F("latest_id"), **on_latest)
    return with_versions(questions).order_by("-pk")


def category_for(user, category_id: int | None, field: str = "category") -> Category | None:
    if category_id is None:
        return None
    category = access.categories_for(user).filter(pk=category_id).first()
    if category is None:
        raise invalid(field, "Không có chủ đề này trong phạm vi bạn quản lý.")
    return category


def _detail(user, question_id: int) -> Question:
    bank.get_question_for_user(user, question_id)  # scope check, 404 outside it
    return with_versions(Question.objects.filter(pk=question_id)).get()


# --- categories --------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut])
@paginate(PageNumber)
def list_categories(request):
    access.require_manager(request.user)
    return access.categories_for(request.user).select_related("unit").order_by("name", "pk")


@router.post("/categories", response={201: CategoryOut})
def create_category(request, payload: CategoryIn):
    access.require_manager(request.user)
    unit = None
    if payload.unit:
        unit = bank.manager_units(request.user).filter(code=payload.unit).first()
        if unit is None:
            raise invalid("unit", "Không có đơn vị này trong phạm vi bạn quản lý.")
    with exam_errors():
        category = bank.create_category(acting_user=request.user, code=payload.code, name=payload.name, unit=unit)
    return Status(201, category)


# --- questions ---------------------------------------------------------------------


@router.get("/questions", response=list[QuestionOut])
@paginate(PageNumber)
def list_questions(request, filters: Query[QuestionFilter]):
    return filtered_questions(request.user, filters)


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
    question = bank.get_question_for_user(request.user, question_id)
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
    question = bank.get_question_for_user(request.user, question_id)
    versions = question.versions.order_by("-number")
    version = versions.filter(number=payload.version).first() if payload.version else versions.first()
    if version is None:
        raise invalid("version", "Câu hỏi không có phiên bản này.")
    with exam_errors():
        bank.set_status(acting_user=request.user, version=version, status=payload.status)
    return _detail(request.user, question_id)


# --- import ------------------------------------------------------------------------


@router.post("/import", response=ImportReportOut)
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
    if file.size and file.size > bank.MAX_FILE_BYTES:
        raise invalid("file", f"Tệp lớn hơn {bank.MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        items, errors = bank.parse(file.read(), format)
    except bank.BankFileError as exc:
        raise invalid("file", str(exc)) from None
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
    response = HttpResponse(bank.template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-ngan-hang-cau-hoi.xlsx"'
    return response
