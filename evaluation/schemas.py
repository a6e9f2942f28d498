"""Request and response shapes of the evaluation API. Inputs forbid unknown fields
(InSchema); outputs name every field they show. Lists never carry personal data beyond
a code and a name (no date of birth, no citizen id)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from hr_system.schemas import InSchema

Code = Annotated[str, Field(min_length=1, max_length=40)]
Points = Annotated[Decimal, Field(ge=0, le=1000, max_digits=7, decimal_places=2)]
PeriodKindIn = Literal["month", "quarter", "year"]
WorkPeriodIn = Literal["month", "quarter"]


# --- frameworks -----------------------------------------------------------------------------


class EvaluationCriterionOut(Schema):
    code: str
    label: str
    max_points: float
    group: str
    discipline: bool
    competence: bool


class RegimeOut(Schema):
    code: str
    label: str
    category: str
    effective_from: dt.date
    effective_to: dt.date | None
    scale: str
    criteria: list[EvaluationCriterionOut]


# --- evaluations ----------------------------------------------------------------------------


class EvaluationFilter(Schema):
    unit: str | None = Field(None, max_length=32, description="Mã đơn vị (gồm cả đơn vị trực thuộc)")
    period_kind: PeriodKindIn | None = None
    period_start: dt.date | None = None
    status: str | None = Field(None, max_length=20)


class SummaryFilter(Schema):
    unit: str = Field(..., min_length=1, max_length=32, description="Mã đơn vị")
    period_kind: PeriodKindIn = "quarter"
    period_start: dt.date


class EvaluationOut(Schema):
    id: int
    employee: str = Field(..., alias="employee.code")
    full_name: str = Field(..., alias="employee.full_name")
    unit: str = Field(..., alias="unit.code")
    regime: str
    period_kind: str
    period_start: dt.date
    period_end: dt.date
    status: str
    total: Decimal | None
    classification: str
    task_group: str
    is_unit_head: bool
    locked: bool

    @staticmethod
    def resolve_locked(obj) -> bool:
        return obj.locked()


class EvaluationDetailOut(EvaluationOut):
    self_scores: dict[str, float]
    self_comment: str
    manager_scores: dict[str, float]
    manager_comment: str
    review_note: str
    evidence: dict
    task_results: dict
    reopened_reason: str
    decided_at: dt.datetime | None
    scored_at: dt.datetime | None


class OpenIn(InSchema):
    employee: str = Field(..., min_length=1, max_length=9, description="Mã chấm công")
    period_kind: PeriodKindIn = "quarter"
    period_start: dt.date
    regime: str | None = Field(None, max_length=32, description="Để trống: khung đang áp dụng cho loại cán bộ")


class EvaluationScoresIn(InSchema):
    scores: dict[Code, Points] = Field(..., description="Điểm theo mã tiêu chí")
    comment: str = Field("", max_length=4000)

    def plain_scores(self) -> dict[str, float]:
        return {code: float(value) for code, value in self.scores.items()}


class ReviewIn(InSchema):
    note: str = Field(..., min_length=1, max_length=4000)


class DecideIn(InSchema):
    classification: Literal["xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh", "not_rated"] | None = Field(
        None, description="Để trống: theo tổng điểm"
    )
    confirm_warnings: bool = Field(False, description="Đã xem các cảnh báo và vẫn quyết định")


class ProblemOut(Schema):
    code: str
    severity: str
    message: str
    employees: list[str] = Field(..., description="Mã chấm công của những người liên quan")


class DecisionOut(Schema):
    evaluation: EvaluationOut
    warnings: list[ProblemOut]


class YearIn(InSchema):
    employee: str = Field(..., min_length=1, max_length=9, description="Mã chấm công")
    year: int = Field(..., ge=2000, le=2100)


class ReopenIn(InSchema):
    reason: str = Field(..., min_length=1, max_length=2000)


# --- catalogue, assignments, results --------------------------------------------------------


class ProductTypeIn(InSchema):
    unit: str = Field(..., max_length=32)
    position: str = Field("", max_length=120)
    name: str = Field(..., min_length=1, max_length=200)
    measure: str = Field(..., min_length=1, max_length=40)
    standard_units: Decimal = Field(Decimal("1"), gt=0, le=1000, max_digits=8, decimal_places=2)


class ProductTypeOut(Schema):
    id: int
    unit: str = Field(..., alias="unit.code")
    position: str
    name: str
    measure: str
    standard_units: Decimal
    active: bool


class AssignmentIn(InSchema):
    employee: str = Field(..., min_length=1, max_length=9)
    product_type: int = Field(..., ge=1, le=2**31 - 1)
    period_kind: WorkPeriodIn = "quarter"
    period_start: dt.date
    quantity: Decimal = Field(..., gt=0, le=100000, max_digits=10, decimal_places=2)
    deadline: dt.date
    quality_requirement: str = Field("", max_length=2000)


class ProductResultOut(Schema):
    quantity_done: Decimal
    rejected_on_quality: int
    late: int
    objective_cause: str
    cause_accepted: bool


class AssignmentOut(Schema):
    id: int
    employee: str = Field(..., alias="employee.code")
    product_type: int = Field(..., alias="product_type_id")
    product_name: str = Field(..., alias="product_type.name")
    period_kind: str
    period_start: dt.date
    quantity: Decimal
    deadline: dt.date
    quality_requirement: str
    result: ProductResultOut | None

    @staticmethod
    def resolve_result(obj):
        return getattr(obj, "result", None)


class ProductResultIn(InSchema):
    quantity_done: Decimal = Field(..., ge=0, le=100000, max_digits=10, decimal_places=2)
    rejected_on_quality: int = Field(0, ge=0, le=100000)
    late: int = Field(0, ge=0, le=100000)
    objective_cause: str = Field("", max_length=2000)


class CauseIn(InSchema):
    accepted: bool


# --- quy chế and discipline -----------------------------------------------------------------


class DisciplineDeductionRuleIn(InSchema):
    late_per: Decimal | None = Field(None, ge=0, le=100)
    late_points: Decimal | None = Field(None, ge=0, le=100)
    early_per: Decimal | None = Field(None, ge=0, le=100)
    early_points: Decimal | None = Field(None, ge=0, le=100)
    unexcused_absence_points: Decimal | None = Field(None, ge=0, le=100)
    missing_punch_per: Decimal | None = Field(None, ge=0, le=100)
    missing_punch_points: Decimal | None = Field(None, ge=0, le=100)
    cap: Decimal | None = Field(None, ge=0, le=100)

    def plain(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.dict().items() if v is not None}


class RulebookIn(InSchema):
    unit: str = Field(..., max_length=32)
    regime: str = Field(..., max_length=32)
    effective_from: dt.date
    period_kind: WorkPeriodIn = "quarter"
    criteria_points: dict[Code, Points] = {}
    discipline_rule: DisciplineDeductionRuleIn = Field(default_factory=DisciplineDeductionRuleIn)
    competence_exam_id: int | None = Field(None, ge=1, le=2**31 - 1)
    task_groups: dict[Annotated[str, Field(max_length=120)], Annotated[str, Field(max_length=120)]] = {}


class RulebookOut(Schema):
    id: int
    unit: str = Field(..., alias="unit.code")
    regime: str
    effective_from: dt.date
    period_kind: str
    criteria_points: dict
    discipline_rule: dict
    competence_exam_id: int | None
    task_groups: dict


class DisciplinaryMeasureIn(InSchema):
    employee: str = Field(..., min_length=1, max_length=9)
    level: Literal["khien_trach", "canh_cao", "ha_bac_luong", "giang_chuc", "cach_chuc", "buoc_thoi_viec"]
    decision_number: str = Field(..., min_length=1, max_length=64)
    decided_on: dt.date
    effective_from: dt.date
    note: str = Field("", max_length=2000)


class DisciplinaryMeasureOut(Schema):
    id: int
    employee: str = Field(..., alias="employee.code")
    full_name: str = Field(..., alias="employee.full_name")
    level: str
    decision_number: str
    decided_on: dt.date
    effective_from: dt.date
