"""The assessments API's input and output schemas (bank, exams and the exam page,
results). Inputs forbid unknown fields (InSchema); outputs name every field.
`QuestionFilter` is also the bank list page's filter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from assessments import parsers
from assessments.bank import CATEGORY_CODE_RE
from assessments.models import Exam, QuestionVersion
from hr_system.models import Employee
from hr_system.schemas import InSchema, choices

QuestionKind = choices(QuestionVersion.Kind, "QuestionKind")
QuestionStatus = choices(QuestionVersion.Status, "QuestionStatus")

# --- the question bank ----------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    unit: str = Field(..., alias="unit.code")


class ApprovedCountsOut(Schema):
    easy: int
    medium: int
    hard: int


class CategoryUseOut(CategoryOut):
    """A category in the caller's list: `managed` ones they read and change; the others
    (owned by a unit above) their blueprints draw by the approved counts only."""

    managed: bool
    approved: ApprovedCountsOut

    @staticmethod
    def resolve_approved(obj) -> dict:
        return {"easy": obj.easy, "medium": obj.medium, "hard": obj.hard}


class CategoryIn(InSchema):
    code: str = Field(..., min_length=1, max_length=50, pattern=CATEGORY_CODE_RE.pattern)
    name: str = Field(..., min_length=1, max_length=200)
    unit: str | None = Field(
        None,
        description="Mã đơn vị sở hữu (các đơn vị cấp dưới được dùng chủ đề trong ma trận đề); "
        "để trống = đơn vị cao nhất bạn quản lý, nếu chỉ có một",
    )


class OptionOut(Schema):
    id: str
    text: str
    correct: bool
    weight: float | None = Field(
        None, description="Trọng số (%) khi chấm điểm từng phần; null nếu câu không có trọng số"
    )


class OptionIn(InSchema):
    text: str = Field(..., max_length=2000)
    correct: bool = False
    weight: float | None = Field(None, ge=-100, le=100, description="Trọng số (%), xem bank.clean_content")


class VersionOut(Schema):
    id: int
    number: int
    kind: QuestionKind
    text: str
    options: list[OptionOut]
    difficulty: int
    tags: list[str]
    status: QuestionStatus
    author: str | None
    reviewed_by: str | None
    approved_by: str | None
    exposure_count: int
    created_at: dt.datetime

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return parsers.split_tags(obj.tags)

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
    kind: QuestionKind = QuestionVersion.Kind.SINGLE
    text: str = Field(..., min_length=1, max_length=10000)
    options: list[OptionIn] = Field(..., min_length=2, max_length=parsers.MAX_OPTIONS)
    difficulty: QuestionVersion.Difficulty = QuestionVersion.Difficulty.MEDIUM
    tags: list[str] = []


class QuestionPatch(InSchema):
    kind: QuestionKind | None = None
    text: str | None = Field(None, min_length=1, max_length=10000)
    options: list[OptionIn] | None = Field(None, min_length=2, max_length=parsers.MAX_OPTIONS)
    difficulty: QuestionVersion.Difficulty | None = None
    tags: list[str] | None = None


class StatusIn(InSchema):
    status: QuestionStatus
    version: int | None = Field(None, description="Số thứ tự phiên bản; mặc định là phiên bản mới nhất")


class LineReason(Schema):
    line: int
    reason: str


class QuestionImportOut(Schema):
    total: int
    created: int
    rejected: list[LineReason]
    warnings: list[LineReason]
    written: bool
    dry_run: bool


class QuestionFilter(Schema):
    category: int | None = None
    status: QuestionStatus | None = Field(None, description="Trạng thái của phiên bản mới nhất")
    difficulty: QuestionVersion.Difficulty | None = None
    tag: str | None = None
    q: str | None = Field(None, description="Tìm trong nội dung (có dấu hay không dấu, đủ mọi từ đã gõ)")


# --- exams: set-up and proctoring -----------------------------------------------------


class RuleIn(InSchema):
    category: str = Field(..., description="Mã chủ đề câu hỏi")
    difficulty: int | None = Field(None, description="1 dễ, 2 trung bình, 3 khó; bỏ trống = mọi mức")
    count: int


class PartIn(InSchema):
    title: str = Field(..., max_length=200)
    pass_percent: Decimal | None = None
    rules: list[RuleIn]


class ExamIn(InSchema):
    title: str = Field(..., max_length=200)
    unit: str = Field(..., description="Mã đơn vị tổ chức")
    opens_at: dt.datetime
    closes_at: dt.datetime
    time_limit: int = Field(..., description="phút")
    access_code: str = Field("", max_length=64)
    allowed_networks: list[str] = Field(default_factory=list, description="Các dải CIDR được phép dự thi")
    shuffle_questions: bool = True
    shuffle_options: bool = True
    negative_mark: Decimal = Decimal(0)
    floor_at_zero: bool = True
    pass_percent: Decimal = Decimal(50)
    results_policy: Exam.Results = Exam.Results.PUBLISHED
    layout: Exam.Layout = Exam.Layout.ONE
    grace_seconds: int = 10
    scoring: Exam.Scoring = Exam.Scoring.ALL_OR_NOTHING
    late_entry_minutes: int | None = Field(None, description="phút; bỏ trống = theo quy định (Thông tư 22/2025/TT-BNV)")
    require_checkin: bool = False
    remark_window_days: int | None = Field(None, description="ngày; bỏ trống = theo quy định")
    parts: list[PartIn]


class ExamPatch(InSchema):
    """Settings that may change until the exam's first sitting starts (without sittings,
    until its first candidate starts). Absent fields keep their value."""

    title: str | None = Field(None, max_length=200)
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    time_limit: int | None = Field(None, description="phút")
    late_entry_minutes: int | None = Field(None, description="phút; null = theo quy định")
    require_checkin: bool | None = None
    scoring: Exam.Scoring | None = None
    remark_window_days: int | None = Field(None, description="ngày; null = theo quy định")
    pass_percent: Decimal | None = None
    negative_mark: Decimal | None = None
    results_policy: Exam.Results | None = None


class RuleOut(Schema):
    category: str
    category_name: str
    difficulty: int | None
    count: int


class PartOut(Schema):
    order: int
    title: str
    pass_percent: Decimal | None
    rules: list[RuleOut]


class ExamSummaryOut(Schema):
    id: int
    title: str
    unit: str = Field(..., alias="unit.code")
    opens_at: dt.datetime
    closes_at: dt.datetime
    time_limit: int
    layout: str
    results_policy: str
    papers_generated_at: dt.datetime | None
    candidates: int = Field(0, alias="n_candidates")


class ExamOut(Schema):
    id: int
    title: str
    unit: str
    unit_name: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    time_limit: int
    has_access_code: bool
    allowed_networks: list[str]
    shuffle_questions: bool
    shuffle_options: bool
    negative_mark: Decimal
    floor_at_zero: bool
    pass_percent: Decimal
    results_policy: str
    layout: str
    grace_seconds: int
    scoring: str
    late_entry_minutes: int | None
    late_entry_limit: int = Field(..., description="phút áp dụng (của kỳ thi, hoặc theo quy định)")
    require_checkin: bool
    remark_window_days: int | None
    remark_days: int
    editable: bool = Field(..., description="cài đặt còn được sửa (chưa ca thi nào bắt đầu)")
    published_at: dt.datetime | None
    papers_generated_at: dt.datetime | None
    candidates: int
    without_paper: int
    parts: list[PartOut]


class CandidatesIn(InSchema):
    unit: str | None = Field(None, description="Mã đơn vị: mọi cán bộ của đơn vị (và đơn vị trực thuộc)")
    include_subunits: bool = True
    category: Employee.Category | None = None
    employees: list[str] = Field(default_factory=list, max_length=20000, description="Mã chấm công")
    active_only: bool = True


class CandidatesOut(Schema):
    added: int
    candidates: int
    without_paper: int


class GeneratedOut(Schema):
    generated: int
    papers_generated_at: dt.datetime | None


class MonitorRowOut(Schema):
    attempt_id: int
    employee: str
    full_name: str
    unit: str
    status: str
    status_label: str
    answered: int
    total: int
    started_at: dt.datetime | None
    deadline: dt.datetime | None
    last_heartbeat: dt.datetime | None
    seconds_since_heartbeat: int | None
    remaining_seconds: int | None
    extra_minutes: int
    focus_losses: int


class MonitorOut(Schema):
    exam_id: int
    title: str
    server_now: dt.datetime
    counts: dict[str, int]
    attempts: list[MonitorRowOut]


class ReasonIn(InSchema):
    reason: str = Field(..., max_length=500)


class ExtendIn(InSchema):
    minutes: int
    reason: str = Field(..., max_length=500)


class ExamExtendIn(ExtendIn):
    employees: list[str] | None = Field(None, description="Mã chấm công; bỏ trống = mọi thí sinh")


class ExtendedOut(Schema):
    extended: int


class AttemptStateOut(Schema):
    attempt_id: int
    status: str
    deadline: dt.datetime | None
    extra_minutes: int
    remaining_seconds: int | None


# --- the candidate's exam page --------------------------------------------------------


class MyExamOut(Schema):
    exam_id: int
    title: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    time_limit: int
    status: str
    status_label: str


class StartIn(InSchema):
    access_code: str = Field("", max_length=64)


class AttemptOut(Schema):
    id: int
    status: str
    started_at: dt.datetime | None
    deadline: dt.datetime | None
    answered: int


class StartOut(Schema):
    attempt: AttemptOut
    session_token: str
    deadline: dt.datetime
    server_now: dt.datetime
    layout: str
    title: str


class PaperOptionOut(Schema):
    id: str = Field(..., description="mã phương án ổn định (như lưu trong phiên bản câu hỏi)")
    order: int = Field(..., description="thứ tự hiển thị trong đề của thí sinh (từ 1)")
    text: str


class PaperItemOut(Schema):
    position: int
    version_id: int = Field(..., description="mã phiên bản câu hỏi (ổn định)")
    part: str
    kind: str
    text: str
    image: str | None
    options: list[PaperOptionOut]
    selected: list[str]
    seq: int


class PaperOut(Schema):
    attempt_id: int
    title: str
    layout: str
    status: str
    started_at: dt.datetime | None = Field(None, description="giờ bắt đầu tính giờ (giờ bắt đầu ca thi nếu có)")
    deadline: dt.datetime
    server_now: dt.datetime
    remaining_seconds: int | None
    max_seq: int
    items: list[PaperItemOut]


class AnswerIn(InSchema):
    position: int = Field(..., ge=1, le=10000)
    selected: list[str] = Field(..., max_length=26)
    seq: int = Field(..., ge=1, le=2_000_000_000)


class SaveOut(Schema):
    saved: bool
    seq: int
    server_now: dt.datetime
    deadline: dt.datetime


class HeartbeatOut(Schema):
    status: str
    active: bool
    remaining_seconds: int | None
    deadline: dt.datetime | None
    server_now: dt.datetime
    answered: int


class EventIn(InSchema):
    kind: str = Field(..., max_length=32)
    detail: dict = Field(default_factory=dict)


class OkOut(Schema):
    ok: bool


class FinalizedOut(Schema):
    status: str
    finalized_at: dt.datetime | None


class PartScoreOut(Schema):
    title: str | None = None
    score: float | None = None
    max_score: float | None = None
    percent: float | None = None
    passed: bool | None = None


class ResultOut(Schema):
    exam_id: int
    title: str
    status: str
    status_label: str
    finalized_at: dt.datetime | None
    answered: int
    total: int
    scored: bool
    score: float | None
    max_score: float | None
    percent: float | None
    passed: bool | None
    rank: int | None
    parts: list[PartScoreOut]


# --- results --------------------------------------------------------------------------


class ResultPartOut(Schema):
    id: int
    title: str
    pass_percent: float | None


class ResultRowOut(Schema):
    attempt_id: int
    employee_code: str
    full_name: str
    unit_name: str
    status: str
    parts: list[float | None]
    score: float | None
    max_score: float | None
    percent: float | None
    passed: bool | None
    result: str
    rank: int | None
    right: int | None
    partial: int | None
    wrong: int | None
    blank: int | None
    time_used: int | None = Field(None, description="Giây làm bài (results.time_used)")
    time_used_text: str


class ExamResultsOut(Schema):
    exam_id: int
    title: str
    published_at: dt.datetime | None
    results_policy: str
    parts: list[ResultPartOut]
    scoring: str
    scoring_rule: str
    pass_rule: str
    tie_break: str
    tie_break_steps: list[str]
    rows: list[ResultRowOut]


class ScoreOut(Schema):
    scored: int
    ranked: int


class KeyCorrectionIn(InSchema):
    version_id: int
    correct_ids: list[str] = Field(..., min_length=1, max_length=20)
    reason: str = Field(..., min_length=1, max_length=1000)


class KeyCorrectionOut(Schema):
    version_id: int
    old_key: list[str]
    new_key: list[str]
    exams: list[int]
    rescored: int
    changed: int
    sealed: int = Field(0, description="attempts of sealed sittings not re-scored: only re-marking changes them")


class CandidatePartOut(Schema):
    title: str
    score: float | None
    max: float | None
    percent: float | None
    pass_percent: float | None
    passed: bool | None
    right: int | None
    partial: int | None = None
    wrong: int | None
    blank: int | None


class CandidateResultOut(Schema):
    exam_id: int
    exam_title: str
    employee_code: str
    full_name: str
    unit_name: str
    status: str
    finalized_at: dt.datetime | None
    parts: list[CandidatePartOut]
    score: float | None
    max_score: float | None
    passed: bool | None
    result: str
    rank: int | None
    ranked_count: int | None
    published_at: dt.datetime | None
    time_used: int | None = None
    time_used_text: str = ""
    scoring_rule: str = ""
    pass_rule: str
    tie_break: str


# --- sittings (ca thi) -------------------------------------------------------------------


class SittingIn(InSchema):
    name: str = Field(..., max_length=100)
    venue: str = Field(..., max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime
    proctors: list[str] = Field(default_factory=list, max_length=50, description="Tên đăng nhập của giám thị")
    employees: list[str] = Field(default_factory=list, max_length=20000, description="Mã chấm công của thí sinh")


class SittingPatch(InSchema):
    name: str | None = Field(None, max_length=100)
    venue: str | None = Field(None, max_length=200)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    proctors: list[str] | None = Field(None, max_length=50, description="Tên đăng nhập của giám thị")


class SittingCandidatesIn(InSchema):
    employees: list[str] = Field(..., min_length=1, max_length=20000, description="Mã chấm công")


class SittingOut(Schema):
    id: int
    exam_id: int
    name: str
    venue: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    entry_closes_at: dt.datetime
    ended_at: dt.datetime | None
    sealed_at: dt.datetime | None
    proctors: list[str]
    candidates: int
    counts: dict[str, int]


class SittingCandidatesOut(Schema):
    placed: int
    candidates: int


class CheckInIn(InSchema):
    seat: str = Field("", max_length=40)


class CheckInOut(Schema):
    attempt_id: int
    employee: str
    full_name: str
    seat: str
    status: str
    checked_in_at: dt.datetime | None
    checked_in_by: str | None


# --- recruitment exams (issue 16): who was recruited, anonymising the others ------------------


class RecruitmentIn(InSchema):
    purpose: Literal["competency", "recruitment"] = Field(
        ..., description="competency: kiểm tra, đánh giá năng lực; recruitment: thi tuyển dụng"
    )
    anonymise_after_days: int | None = Field(
        None, description="ngày sau khi hết hạn phúc khảo thì ẩn danh thí sinh không trúng tuyển; bỏ trống: giữ nguyên"
    )


class RecruitedIn(InSchema):
    codes: list[str] = Field(..., max_length=5000, description="Mã chấm công của thí sinh")
    recruited: bool = True


class RecruitmentCandidateOut(Schema):
    code: str
    full_name: str
    status: str
    score: Decimal | None
    rank: int | None
    recruited: bool


class RecruitmentOut(Schema):
    exam_id: int
    purpose: str
    anonymise_after_days: int
    anonymise_on: dt.date | None = Field(None, description="ngày sớm nhất được ẩn danh (sau khi công bố kết quả)")
    anonymised_at: dt.datetime | None
    candidates: list[RecruitmentCandidateOut]
