"""Request and response shapes of the transfers API. Inputs forbid unknown fields
(InSchema); outputs name every field they show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from hr_system.schemas import InSchema, choices
from transfers import rules
from transfers.models import PanelScore, TransferRound

RoundKind = choices(TransferRound.Kind, "RoundKind")

# --- criteria sets ---------------------------------------------------------------------


class CriterionIn(InSchema):
    code: str = Field(..., max_length=40)
    label: str = Field(..., max_length=200)
    input: str = Field(..., max_length=60)
    rule: str = Field(..., max_length=10)
    params: dict[str, Any] = {}
    order: int | None = None


class CriteriaSetIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    unit: str | None = Field(None, description="Mã đơn vị ban hành; để trống: bộ dùng chung (chỉ quản trị)")
    valid_from: dt.date
    valid_to: dt.date | None = None
    source: str = Field("", max_length=300)
    tie_break: list[str] = Field(default_factory=lambda: list(rules.DEFAULT_TIE_BREAK))
    volunteers_first: bool = True
    eligibility: dict[str, Any] = {}
    criteria: list[CriterionIn]

    def criteria_dicts(self) -> list[dict]:
        return [
            {**c.dict(exclude={"order"}), "order": c.order if c.order is not None else (i + 1) * 10}
            for i, c in enumerate(self.criteria)
        ]


class CriterionOut(Schema):
    code: str
    label: str
    input: str
    rule: str
    params: dict
    order: int
    rule_text: str

    @staticmethod
    def resolve_rule_text(obj) -> str:
        return rules.rule_text(obj.spec())


class CriteriaSetOut(Schema):
    id: int
    name: str
    version: int
    unit: str | None = Field(None, alias="unit.code")
    valid_from: dt.date
    valid_to: dt.date | None
    is_default_template: bool
    template_note: str
    source: str
    tie_break: list[str]
    tie_break_text: str
    volunteers_first: bool
    eligibility: dict
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_tie_break_text(obj) -> str:
        return obj.tie_break_text()

    @staticmethod
    def resolve_criteria(obj) -> list:
        return list(obj.criteria.all())


class ValidationOut(Schema):
    valid: bool
    errors: list[str]


# --- rounds ----------------------------------------------------------------------------


class RoundIn(InSchema):
    title: str = Field(..., min_length=1, max_length=250)
    unit: str = Field(..., description="Mã đơn vị tổ chức")
    purpose: TransferRound.Purpose
    kind: RoundKind
    criteria_set: int
    source_units: list[str] = Field(..., min_length=1)
    exam: int | None = None
    reference_date: dt.date
    to_hardship_area: bool = False
    secondment_months: int | None = Field(None, ge=1, le=36)
    issuer_name: str = Field("", max_length=200)
    signer_title: str = Field("CHỦ TỊCH", min_length=1, max_length=100)
    signer_name: str = Field("", max_length=120)
    signed_by_deputy: bool = False
    doc_symbol: str = Field("QĐ-UBND", max_length=40)
    legal_bases: list[str] | None = None


class UnfilledPostOut(Schema):
    post: int
    unit: str
    title: str
    unfilled: int


class RoundWarningOut(Schema):
    """A warning stored with a computation (transfers.actions._warnings)."""

    code: str = Field(..., description="template, unfilled_posts, tie")
    message: str
    posts: list[UnfilledPostOut] | None = Field(None, description="unfilled_posts: các chỉ tiêu còn thiếu")
    employees: list[str] | None = Field(None, description="tie: mã cán bộ bằng điểm")


class RoundOut(Schema):
    id: int
    title: str
    unit: str = Field(..., alias="unit.code")
    purpose: str
    kind: str
    status: str
    criteria_set: int = Field(..., alias="criteria_set_id")
    criteria_set_version: int = Field(..., alias="criteria_set.version")
    template_note: str = Field(..., alias="criteria_set.template_note")
    source_units: list[str]
    exam: int | None = Field(None, alias="exam_id")
    reference_date: dt.date
    to_hardship_area: bool
    secondment_months: int | None
    objection_opens_at: dt.datetime | None
    objection_closes_at: dt.datetime | None
    computed_at: dt.datetime | None
    published_at: dt.datetime | None
    finalised_at: dt.datetime | None
    warnings: list[RoundWarningOut]
    tie_break_text: str

    @staticmethod
    def resolve_source_units(obj) -> list[str]:
        return list(obj.source_units.order_by("path").values_list("code", flat=True))

    @staticmethod
    def resolve_tie_break_text(obj) -> str:
        return obj.criteria_set.tie_break_text()


class RoundCandidatesIn(InSchema):
    employees: list[str] = []
    from_sources: bool = Field(False, description="Thêm mọi người đang làm việc ở các đơn vị nguồn")
    job_title_contains: str = Field("", max_length=100)


class AddedOut(Schema):
    added: int
    total: int


class CandidateOut(Schema):
    employee: str = Field(..., alias="employee.code")
    full_name: str = Field(..., alias="employee.full_name")
    unit_name: str = Field(..., alias="employee.unit.name")
    preferences: list[int]

    @staticmethod
    def resolve_preferences(obj) -> list[int]:
        return [p.post_id for p in obj.preferences.all()]


class PostIn(InSchema):
    unit: str
    title: str = Field(..., min_length=1, max_length=200)
    count: int = Field(1, ge=1, le=500)


class PostOut(Schema):
    id: int
    unit: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    title: str
    count: int


class PreferencesIn(InSchema):
    posts: list[int] = Field(..., description="Mã vị trí theo thứ tự nguyện vọng, nguyện vọng 1 trước")


class EvidenceIn(InSchema):
    employee: str
    kind: str
    value: Any = None
    document_ref: str = Field(..., max_length=250)
    note: str = Field("", max_length=500)


class EvidenceItemIn(InSchema):
    kind: str
    value: Any = None
    document_ref: str = Field(..., max_length=250)
    note: str = Field("", max_length=500)


class EvidenceOut(Schema):
    id: int
    employee: str = Field(..., alias="candidate.employee.code")
    kind: str
    kind_label: str
    value: Any
    document_ref: str
    note: str
    entered_by: str | None = Field(None, alias="entered_by.username")
    entered_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()


class ComputeIn(InSchema):
    from_registry: bool = Field(False, description="Đọc lại hồ sơ cán bộ và điểm thi thay vì dùng số liệu đã lưu")


class ComputationOut(Schema):
    number: int
    reason: str
    at: dt.datetime
    criteria_set: int = Field(..., alias="criteria_set_id")
    warnings: list[RoundWarningOut]


class PublishIn(InSchema):
    opens_at: dt.datetime
    closes_at: dt.datetime


class ExclusionOut(Schema):
    code: str
    reason: str
    rule: str


class RatingSourceOut(Schema):
    year: int
    rating: str
    source: str = Field(..., description="evaluation: xếp loại năm đã quyết định; evidence: minh chứng nhập tay")
    source_text: str


class LineOut(Schema):
    criterion: str
    label: str
    input: str
    value: Any
    value_text: str
    rule: str
    points: float
    sources: list[RatingSourceOut] = Field(
        default_factory=list, description="Tiêu chí kết quả đánh giá, xếp loại: nguồn của từng năm được tính"
    )


class ObjectionOut(Schema):
    id: int
    employee: str = Field(..., alias="candidate.employee.code")
    full_name: str = Field(..., alias="candidate.employee.full_name")
    text: str
    status: str
    filed_at: dt.datetime
    resolution: str
    rank_before: int | None
    rank_after: int | None


# Personal data in a row's registry snapshot that the round's readers (exam boards among
# them) may not see in results (issue 16): the rules read the date of birth for the
# retirement exclusion, and what they concluded is in `exclusions` and `notes`.
HIDDEN_INPUTS = frozenset({"date_of_birth", "citizen_id"})


class RowOut(Schema):
    employee: str = Field(..., alias="employee.code")
    full_name: str = Field(..., alias="employee.full_name")
    unit_name: str
    rank: int | None
    eligible: bool | None
    total: Decimal | None
    volunteer: bool
    exclusions: list[ExclusionOut]
    notes: list[str]
    breakdown: list[LineOut]
    assigned_post: int | None = Field(None, alias="assigned_post_id")
    assigned_post_label: str
    inputs: dict

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.inputs.get("unit_name") or obj.employee.unit.name

    @staticmethod
    def resolve_inputs(obj) -> dict:
        return {k: v for k, v in obj.inputs.items() if k not in HIDDEN_INPUTS}

    @staticmethod
    def resolve_volunteer(obj) -> bool:
        return bool(obj.inputs.get("volunteer"))

    @staticmethod
    def resolve_assigned_post_label(obj) -> str:
        return str(obj.assigned_post) if obj.assigned_post_id else ""


class MyRowOut(RowOut):
    round_title: str = Field(..., alias="round.title")
    round_status: str = Field(..., alias="round.status")
    tie_break_text: str
    objection_opens_at: dt.datetime | None = Field(None, alias="round.objection_opens_at")
    objection_closes_at: dt.datetime | None = Field(None, alias="round.objection_closes_at")
    objections: list[ObjectionOut]

    @staticmethod
    def resolve_tie_break_text(obj) -> str:
        return obj.round.criteria_set.tie_break_text()

    @staticmethod
    def resolve_objections(obj) -> list:
        return list(obj.objections.select_related("candidate__employee"))


class ResultsOut(Schema):
    round: RoundOut
    ranked: list[RowOut]
    excluded: list[RowOut]


class ObjectionIn(InSchema):
    text: str = Field(..., min_length=1, max_length=4000)


class ResolveIn(InSchema):
    accept: bool
    reason: str = Field("", max_length=4000)
    evidence: list[EvidenceItemIn] = []


# --- leader selection ------------------------------------------------------------------


class WeightsIn(InSchema):
    exam: Decimal = Field(Decimal(1), ge=0, le=100)
    presentation: Decimal = Field(Decimal(1), ge=0, le=100)
    interview: Decimal = Field(Decimal(1), ge=0, le=100)


class PassMarksIn(InSchema):
    exam: Decimal | None = Field(None, ge=0, le=100)
    presentation: Decimal | None = Field(None, ge=0, le=100)
    interview: Decimal | None = Field(None, ge=0, le=100)


class SelectionIn(InSchema):
    title: str = Field(..., min_length=1, max_length=250)
    unit: str
    post: str = Field("Hiệu trưởng", min_length=1, max_length=120)
    exam: int | None = None
    weights: WeightsIn = Field(default_factory=WeightsIn)
    pass_marks: PassMarksIn = Field(default_factory=PassMarksIn)
    pass_total: Decimal | None = Field(None, ge=0, le=100)
    drop_extremes: bool = True
    tie_break: list[str] = Field(default_factory=lambda: list(rules.DEFAULT_LEADER_TIE_BREAK))
    candidates: list[str] = []
    panel: list[str] = Field([], description="Tên đăng nhập của thành viên hội đồng")


class SelectionOut(Schema):
    id: int
    title: str
    unit: str = Field(..., alias="unit.code")
    post: str
    exam: int | None = Field(None, alias="exam_id")
    weight_exam: Decimal
    weight_presentation: Decimal
    weight_interview: Decimal
    pass_exam: Decimal | None
    pass_presentation: Decimal | None
    pass_interview: Decimal | None
    pass_total: Decimal | None
    drop_extremes: bool
    tie_break: list[str]
    closed_at: dt.datetime | None
    candidates: list[str]
    panel: list[str]

    @staticmethod
    def resolve_candidates(obj) -> list[str]:
        return list(obj.candidates.order_by("employee__code").values_list("employee__code", flat=True))

    @staticmethod
    def resolve_panel(obj) -> list[str]:
        return list(obj.panel.order_by("pk").values_list("user__username", flat=True))


class SelectionPeopleIn(InSchema):
    candidates: list[str] = []
    panel: list[str] = []


class ScoreIn(InSchema):
    employee: str
    part: PanelScore.Part
    score: Decimal = Field(..., ge=0, le=100)


class ScoresIn(InSchema):
    scores: list[ScoreIn] = Field(..., min_length=1)


class PanelScoreOut(Schema):
    employee: str = Field(..., alias="candidate.employee.code")
    full_name: str = Field(..., alias="candidate.employee.full_name")
    part: str
    score: Decimal
    updated_at: dt.datetime


class LeaderRowOut(Schema):
    rank: int | None
    employee: str = Field(..., alias="key")
    full_name: str
    unit_name: str
    exam: float | None
    presentation: Decimal | None
    interview: Decimal | None
    presentation_count: int
    interview_count: int
    total: Decimal | None
    passed: bool
    failed: list[str]
    tied_with_previous: bool


class LeaderResultsOut(Schema):
    rows: list[LeaderRowOut]
    warnings: list[str]
    panel_size: int
    winner: str | None
    tie_break_text: str
