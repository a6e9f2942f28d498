"""Transfer and secondment rounds, and leader-selection exams (mounted at
/api/v1/assessments/transfers). Endpoints are thin: schema in → access helper in
transfer_actions → action → schema out."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from assessments import transfer_actions as actions
from assessments import transfer_rules as rules
from assessments.access import get_exam_for_user
from assessments.transfer_models import (
    ROUND_WRITERS,
    SELECTION_MANAGERS,
    CriteriaSet,
    Evidence,
    LeaderSelection,
    Objection,
    PanelScore,
    TransferRound,
)
from hr_system import access
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.schemas import InSchema

router = Router()


@contextmanager
def domain_errors():
    """Refused operations become the one error envelope (422 with a field, or 409)."""
    try:
        yield
    except actions.TransferError as exc:
        if exc.field:
            raise invalid(exc.field, exc.message)
        raise ApiError(exc.status, exc.code, exc.message)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _units(user, codes: list[str], field: str, *, write: bool = True):
    units = list(access.units_for(user, write=write).filter(code__in=codes))
    missing = sorted(set(codes) - {u.code for u in units})
    if missing:
        raise invalid(field, f"Không có đơn vị trong phạm vi bạn quản lý: {', '.join(missing)}")
    return sorted(units, key=lambda u: codes.index(u.code))


def _employees(user, codes: list[str], field: str = "employees"):
    employees = list(access.employees_for(user, write=True).filter(code__in=codes))
    missing = sorted(set(codes) - {e.code for e in employees})
    if missing:
        raise invalid(field, f"Không có cán bộ trong phạm vi bạn quản lý: {', '.join(missing)}")
    return employees


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


@router.get("/criteria-sets", response=list[CriteriaSetOut])
@paginate(PageNumber)
def list_criteria_sets(request):
    return CriteriaSet.objects.for_user(request.user).select_related("unit").order_by("name", "-version", "pk")


@router.post("/criteria-sets/validate", response=ValidationOut)
def validate_criteria_set(request, payload: CriteriaSetIn):
    """Check a set without saving it: each error names the criteria involved."""
    access.require_role(request.user, *ROUND_WRITERS)
    errors = actions.check_criteria_set(
        criteria=payload.criteria_dicts(), tie_break=payload.tie_break, eligibility=payload.eligibility
    )
    return {"valid": not errors, "errors": errors}


@router.post("/criteria-sets", response={201: CriteriaSetOut})
def create_criteria_set(request, payload: CriteriaSetIn):
    access.require_role(request.user, *ROUND_WRITERS)
    unit = None
    if payload.unit:
        unit = _units(request.user, [payload.unit], "unit")[0]
    elif not access.is_admin(request.user):
        raise invalid("unit", "Cần chọn đơn vị ban hành bộ tiêu chí.")
    errors = actions.check_criteria_set(
        criteria=payload.criteria_dicts(), tie_break=payload.tie_break, eligibility=payload.eligibility
    )
    if errors:
        raise ApiError(422, "validation_error", "Bộ tiêu chí không hợp lệ.", {"criteria": errors})
    with domain_errors():
        found = actions.create_criteria_set(
            acting_user=request.user,
            name=payload.name,
            criteria=payload.criteria_dicts(),
            valid_from=payload.valid_from,
            valid_to=payload.valid_to,
            unit=unit,
            tie_break=payload.tie_break,
            volunteers_first=payload.volunteers_first,
            eligibility=payload.eligibility,
            source=payload.source,
        )
    return Status(201, found)


@router.post("/criteria-sets/default", response={201: CriteriaSetOut})
def create_default_criteria_set(request):
    """The illustrative §5.3 template (created once; labelled as a template to adapt)."""
    access.require_role(request.user, *ROUND_WRITERS)
    return Status(201, actions.create_default_set(acting_user=request.user))


# Registered after /criteria-sets/default and /validate so those paths are not read as an id.
@router.get("/criteria-sets/{set_id}", response=CriteriaSetOut)
def get_criteria_set(request, set_id: int):
    return actions.get_criteria_set_for_user(request.user, set_id)


# --- rounds ----------------------------------------------------------------------------


class RoundIn(InSchema):
    title: str = Field(..., min_length=1, max_length=250)
    unit: str = Field(..., description="Mã đơn vị tổ chức")
    purpose: TransferRound.Purpose
    kind: TransferRound.Kind
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
    warnings: list[dict]
    tie_break_text: str

    @staticmethod
    def resolve_source_units(obj) -> list[str]:
        return list(obj.source_units.order_by("path").values_list("code", flat=True))

    @staticmethod
    def resolve_tie_break_text(obj) -> str:
        return obj.criteria_set.tie_break_text()


@router.get("/rounds", response=list[RoundOut])
@paginate(PageNumber)
def list_rounds(request):
    return TransferRound.objects.for_user(request.user).select_related("unit", "criteria_set").order_by("-pk")


@router.post("/rounds", response={201: RoundOut})
def create_round(request, payload: RoundIn):
    access.require_role(request.user, *ROUND_WRITERS)
    unit = _units(request.user, [payload.unit], "unit")[0]
    sources = _units(request.user, payload.source_units, "source_units")
    criteria_set = CriteriaSet.objects.for_user(request.user).filter(pk=payload.criteria_set).first()
    if criteria_set is None:
        raise invalid("criteria_set", "Không tìm thấy bộ tiêu chí.")
    exam = get_exam_for_user(request.user, payload.exam) if payload.exam else None
    with domain_errors():
        found = actions.create_round(
            acting_user=request.user,
            unit=unit,
            source_units=sources,
            criteria_set=criteria_set,
            exam=exam,
            **payload.dict(exclude={"unit", "source_units", "criteria_set", "exam"}),
        )
    return Status(201, found)


@router.get("/rounds/{round_id}", response=RoundOut)
def get_round(request, round_id: int):
    return actions.get_round_for_user(request.user, round_id)


class CandidatesIn(InSchema):
    employees: list[str] = []
    from_sources: bool = Field(False, description="Thêm mọi người đang làm việc ở các đơn vị nguồn")
    job_title_contains: str = Field("", max_length=100)


class AddedOut(Schema):
    added: int
    total: int


@router.post("/rounds/{round_id}/candidates", response=AddedOut)
def add_candidates(request, round_id: int, payload: CandidatesIn):
    round = actions.get_round_for_user(request.user, round_id, write=True)
    employees = _employees(request.user, payload.employees) if payload.employees else []
    if payload.from_sources:
        pool = actions.source_employees(round, job_title_contains=payload.job_title_contains)
        employees += list(pool.filter(pk__in=access.employees_for(request.user, write=True).values("pk")))
    if not employees:
        raise invalid("employees", "Chưa chọn người nào.")
    with domain_errors():
        added = actions.add_candidates(acting_user=request.user, round=round, employees=employees)
    return {"added": added, "total": round.candidates.count()}


class CandidateOut(Schema):
    employee: str = Field(..., alias="employee.code")
    full_name: str = Field(..., alias="employee.full_name")
    unit_name: str = Field(..., alias="employee.unit.name")
    preferences: list[int]

    @staticmethod
    def resolve_preferences(obj) -> list[int]:
        return [p.post_id for p in obj.preferences.all()]


@router.get("/rounds/{round_id}/candidates", response=list[CandidateOut])
@paginate(PageNumber)
def list_candidates(request, round_id: int):
    round = actions.get_round_for_user(request.user, round_id)
    return round.candidates.select_related("employee__unit").prefetch_related("preferences").order_by("employee__code")


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


@router.post("/rounds/{round_id}/posts", response={201: PostOut})
def add_post(request, round_id: int, payload: PostIn):
    round = actions.get_round_for_user(request.user, round_id, write=True)
    unit = _units(request.user, [payload.unit], "unit", write=False)[0]
    with domain_errors():
        post = actions.add_target_post(
            acting_user=request.user, round=round, unit=unit, title=payload.title, count=payload.count
        )
    return Status(201, post)


@router.get("/rounds/{round_id}/posts", response=list[PostOut])
def list_posts(request, round_id: int):
    round = actions.get_round_for_user(request.user, round_id)
    return list(round.posts.select_related("unit"))


class PreferencesIn(InSchema):
    posts: list[int] = Field(..., description="Mã vị trí theo thứ tự nguyện vọng, nguyện vọng 1 trước")


@router.put("/rounds/{round_id}/candidates/{code}/preferences", response=CandidateOut)
def set_preferences(request, round_id: int, code: str, payload: PreferencesIn):
    round = actions.get_round_for_user(request.user, round_id, write=True)
    candidate = round.candidates.select_related("employee__unit", "round").filter(employee__code=code).first()
    if candidate is None:
        raise invalid("employee", f"Cán bộ mã {code} không có trong danh sách xem xét của đợt này")
    with domain_errors():
        actions.set_preferences(acting_user=request.user, candidate=candidate, post_ids=payload.posts)
    return candidate


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


@router.post("/rounds/{round_id}/evidence", response={201: EvidenceOut})
def add_evidence(request, round_id: int, payload: EvidenceIn):
    round = actions.get_round_for_user(request.user, round_id, write=True)
    with domain_errors():
        row = actions.add_evidence(
            acting_user=request.user, round=round, employee_code=payload.employee, **payload.dict(exclude={"employee"})
        )
    return Status(201, row)


@router.get("/rounds/{round_id}/evidence", response=list[EvidenceOut])
@paginate(PageNumber)
def list_evidence(request, round_id: int):
    round = actions.get_round_for_user(request.user, round_id)
    return (
        Evidence.objects.filter(candidate__round=round)
        .select_related("candidate__employee", "entered_by")
        .order_by("entered_at", "pk")
    )


class ComputeIn(InSchema):
    from_registry: bool = Field(False, description="Đọc lại hồ sơ cán bộ và điểm thi thay vì dùng số liệu đã lưu")


class ComputationOut(Schema):
    number: int
    reason: str
    at: dt.datetime
    criteria_set: int = Field(..., alias="criteria_set_id")
    warnings: list[dict]


@router.post("/rounds/{round_id}/compute", response=ComputationOut)
def compute_round(request, round_id: int, payload: ComputeIn):
    round = actions.get_round_for_user(request.user, round_id, write=True)
    with domain_errors():
        reason = "registry" if payload.from_registry else "compute"
        return actions.compute_round(
            acting_user=request.user, round=round, from_registry=payload.from_registry, reason=reason
        )


class PublishIn(InSchema):
    opens_at: dt.datetime
    closes_at: dt.datetime


@router.post("/rounds/{round_id}/publish", response=RoundOut)
def publish_round(request, round_id: int, payload: PublishIn):
    round = actions.get_round_for_user(request.user, round_id, write=True)
    with domain_errors():
        actions.publish_round(
            acting_user=request.user, round=round, opens_at=payload.opens_at, closes_at=payload.closes_at
        )
    return round


@router.post("/rounds/{round_id}/finalise", response=RoundOut)
def finalise_round(request, round_id: int):
    round = actions.get_round_for_user(request.user, round_id, write=True)
    with domain_errors():
        actions.finalise_round(acting_user=request.user, round=round)
    return round


class ExclusionOut(Schema):
    code: str
    reason: str
    rule: str


class LineOut(Schema):
    criterion: str
    label: str
    input: str
    value: Any
    value_text: str
    rule: str
    points: float


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


@router.get("/rounds/{round_id}/results", response=ResultsOut)
def round_results(request, round_id: int):
    """The full computed list (HR and the exam board in scope)."""
    round = actions.get_round_for_user(request.user, round_id)
    rows = list(
        round.candidates.select_related("employee__unit", "assigned_post__unit").order_by("rank", "employee__code")
    )
    return {
        "round": round,
        "ranked": [c for c in rows if c.eligible],
        "excluded": [c for c in rows if c.eligible is False],
    }


@router.get("/rounds/{round_id}/me", response=MyRowOut)
def my_row(request, round_id: int):
    """The caller's own row and breakdown, once the list is published."""
    return actions.get_own_candidate(request.user, round_id)


@router.get("/rounds/{round_id}/candidates/{code}", response=RowOut)
def get_row(request, round_id: int, code: str):
    """One row: HR in scope see anyone's; a candidate only their own (404 for others)."""
    return actions.get_candidate_for_user(request.user, round_id, code)


class ObjectionIn(InSchema):
    text: str = Field(..., min_length=1, max_length=4000)


@router.post("/rounds/{round_id}/objections", response={201: ObjectionOut})
def file_objection(request, round_id: int, payload: ObjectionIn):
    candidate = actions.get_own_candidate(request.user, round_id)
    with domain_errors():
        objection = actions.file_objection(acting_user=request.user, candidate=candidate, text=payload.text)
    return Status(201, objection)


@router.get("/rounds/{round_id}/objections", response=list[ObjectionOut])
@paginate(PageNumber)
def list_objections(request, round_id: int):
    round = actions.get_round_for_user(request.user, round_id)
    return Objection.objects.filter(candidate__round=round).select_related("candidate__employee").order_by("pk")


class ResolveIn(InSchema):
    accept: bool
    reason: str = Field("", max_length=4000)
    evidence: list[EvidenceItemIn] = []


@router.post("/rounds/{round_id}/objections/{objection_id}/resolve", response=ObjectionOut)
def resolve_objection(request, round_id: int, objection_id: int, payload: ResolveIn):
    round = actions.get_round_for_user(request.user, round_id, write=True)
    objection = Objection.objects.filter(pk=objection_id, candidate__round=round).first()
    if objection is None:
        raise ApiError(404, "not_found", "Không tìm thấy ý kiến phản hồi.")
    with domain_errors():
        return actions.resolve_objection(
            acting_user=request.user,
            objection=objection,
            accept=payload.accept,
            reason=payload.reason,
            evidence=[e.dict() for e in payload.evidence],
        )


def _require_computed(round: TransferRound) -> None:
    if round.status == TransferRound.Status.DRAFT:
        raise ApiError(409, "round_state", "Đợt chưa được tính điểm.")


@router.get("/rounds/{round_id}/ranking.pdf")
def ranking_pdf(request, round_id: int):
    round = actions.get_round_for_user(request.user, round_id)
    _require_computed(round)
    return _pdf(actions.ranking_pdf(round), f"danh-sach-xep-hang-{round.pk}.pdf")


@router.get("/rounds/{round_id}/decision.pdf")
def decision_pdf(request, round_id: int):
    round = actions.get_round_for_user(request.user, round_id)
    _require_computed(round)
    return _pdf(actions.decision_pdf(round), f"du-thao-quyet-dinh-{round.pk}.pdf")


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


def _panel_users(usernames: list[str]):
    users = list(get_user_model().objects.filter(username__in=usernames, is_active=True))
    missing = sorted(set(usernames) - {u.username for u in users})
    if missing:
        raise invalid("panel", f"Không có tài khoản: {', '.join(missing)}")
    return users


@router.post("/leaders", response={201: SelectionOut})
def create_selection(request, payload: SelectionIn):
    access.require_role(request.user, *SELECTION_MANAGERS)
    q = access.scope_q(request.user, SELECTION_MANAGERS)
    units = access.units_for(request.user) if q is None else access.units_for(request.user).filter(q)
    unit = units.filter(code=payload.unit).first()
    if unit is None:
        raise invalid("unit", "Không có đơn vị trong phạm vi bạn quản lý.")
    exam = get_exam_for_user(request.user, payload.exam) if payload.exam else None
    candidates = _employees(request.user, payload.candidates, "candidates") if payload.candidates else []
    panel = _panel_users(payload.panel) if payload.panel else []
    with domain_errors():
        selection = actions.create_selection(
            acting_user=request.user,
            title=payload.title,
            unit=unit,
            post=payload.post,
            exam=exam,
            weights=payload.weights.dict(),
            pass_marks=payload.pass_marks.dict(),
            pass_total=payload.pass_total,
            drop_extremes=payload.drop_extremes,
            tie_break=payload.tie_break,
        )
        actions.add_leader_candidates(acting_user=request.user, selection=selection, employees=candidates)
        actions.add_panel_members(acting_user=request.user, selection=selection, users=panel)
    return Status(201, selection)


@router.get("/leaders", response=list[SelectionOut])
@paginate(PageNumber)
def list_selections(request):
    return LeaderSelection.objects.for_user(request.user).select_related("unit").order_by("-pk")


@router.get("/leaders/{selection_id}", response=SelectionOut)
def get_selection(request, selection_id: int):
    return actions.get_selection_for_user(request.user, selection_id)


class SelectionPeopleIn(InSchema):
    candidates: list[str] = []
    panel: list[str] = []


@router.post("/leaders/{selection_id}/people", response=SelectionOut)
def add_selection_people(request, selection_id: int, payload: SelectionPeopleIn):
    selection = actions.get_selection_for_user(request.user, selection_id)
    candidates = _employees(request.user, payload.candidates, "candidates") if payload.candidates else []
    panel = _panel_users(payload.panel) if payload.panel else []
    with domain_errors():
        actions.add_leader_candidates(acting_user=request.user, selection=selection, employees=candidates)
        actions.add_panel_members(acting_user=request.user, selection=selection, users=panel)
    return selection


class ScoreIn(InSchema):
    employee: str
    part: PanelScore.Part
    score: Decimal = Field(..., ge=0, le=100)


class ScoresIn(InSchema):
    scores: list[ScoreIn] = Field(..., min_length=1)


class ScoreOut(Schema):
    employee: str = Field(..., alias="candidate.employee.code")
    full_name: str = Field(..., alias="candidate.employee.full_name")
    part: str
    score: Decimal
    updated_at: dt.datetime


def _own_scores(member) -> list[PanelScore]:
    return list(member.scores.select_related("candidate__employee").order_by("candidate__employee__code", "part"))


@router.get("/leaders/{selection_id}/scores", response=list[ScoreOut])
def my_scores(request, selection_id: int):
    """The caller's own scores as a panel member — never another member's."""
    return _own_scores(actions.get_panel_member(request.user, selection_id))


@router.put("/leaders/{selection_id}/scores", response=list[ScoreOut])
def enter_scores(request, selection_id: int, payload: ScoresIn):
    member = actions.get_panel_member(request.user, selection_id)
    with domain_errors():
        actions.enter_scores(acting_user=request.user, member=member, scores=[s.dict() for s in payload.scores])
    return _own_scores(member)


@router.post("/leaders/{selection_id}/close", response=SelectionOut)
def close_selection(request, selection_id: int):
    selection = actions.get_selection_for_user(request.user, selection_id)
    with domain_errors():
        actions.close_selection(acting_user=request.user, selection=selection)
    return selection


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


@router.get("/leaders/{selection_id}/results", response=LeaderResultsOut)
def selection_results(request, selection_id: int):
    """Combined panel scores and the ranking (HR and the exam board in scope only)."""
    return actions.selection_results(actions.get_selection_for_user(request.user, selection_id))


@router.get("/leaders/{selection_id}/results.pdf")
def selection_results_pdf(request, selection_id: int):
    selection = actions.get_selection_for_user(request.user, selection_id)
    return _pdf(actions.leader_results_pdf(selection), f"ket-qua-thi-tuyen-{selection.pk}.pdf")
