"""Evaluation and classification by work results (mounted at /api/v1/evaluation by
hr_system/api.py). Endpoints are thin: schema in → access helper (evaluation/access.py)
→ action → schema out. Refusals come back in the one error envelope: 422 with the field
for bad input (points above a criterion's maximum, a period outside the person's
employment, a regime outside its dates), 409 for a decision the quota or consistency
checks refuse (the problems listed under `fields.problems`), 404 outside the caller's
scope.

No `from __future__ import annotations` here: ninja reads `Query[...]` at import time."""

from contextlib import contextmanager

from django.http import HttpResponse
from ninja import Query, Router, Status
from ninja.pagination import paginate

from assessments.reports import exam_choices_for
from evaluation import access, actions, reports, rules, signed_records
from evaluation.models import Evaluation
from evaluation.schemas import (
    AssignmentIn,
    AssignmentOut,
    CauseIn,
    DecideIn,
    DecisionOut,
    DisciplinaryMeasureIn,
    DisciplinaryMeasureOut,
    EvaluationDetailOut,
    EvaluationFilter,
    EvaluationOut,
    EvaluationScoresIn,
    OpenIn,
    ProductResultIn,
    ProductResultOut,
    ProductTypeIn,
    ProductTypeOut,
    RegimeOut,
    ReopenIn,
    ReviewIn,
    RulebookIn,
    RulebookOut,
    SummaryFilter,
    YearIn,
)
from hr_system import access as hr_access
from hr_system import signed_documents
from hr_system.api_base import ApiError, PageNumber, invalid
from hr_system.models import Employee
from hr_system.signed_documents import api as signed_api

router = Router(tags=["Đánh giá, xếp loại"])


@contextmanager
def domain_errors():
    """Refused operations become the one error envelope (422 with a field, or 409)."""
    try:
        yield
    except actions.EvaluationBlocked as exc:
        problems = [_problem_text(p) for p in exc.problems]
        raise ApiError(409, exc.code, exc.message, {"problems": problems}) from None
    except actions.EvaluationError as exc:
        if exc.status == 422 and exc.field:
            raise invalid(exc.field, exc.message) from None
        raise ApiError(exc.status, exc.code, exc.message) from None


def _codes(employee_ids) -> list[str]:
    codes = dict(Employee.objects.filter(pk__in=list(employee_ids)).values_list("pk", "code"))
    return [codes[pk] for pk in employee_ids if pk in codes]


def _problem_text(p: rules.Problem) -> str:
    """A problem for the error envelope, naming who it is about by code."""
    who = ", ".join(_codes(p.employee_ids))
    severity = "Không được phép" if p.severity == "block" else "Cảnh báo"
    return f"{severity}: {p.message}" + (f" Mã cán bộ: {who}." if who else "")


def _problem(p: rules.Problem) -> dict:
    return {"code": p.code, "severity": p.severity, "message": p.message, "employees": _codes(p.employee_ids)}


# --- frameworks ------------------------------------------------------------------------------


@router.get("/regimes", response=list[RegimeOut])
def list_regimes(request):
    """The frameworks as data: criteria and maximum points per regime and dates."""
    return [
        {
            "code": r.code,
            "label": str(r.label),
            "category": r.category,
            "effective_from": r.effective_from,
            "effective_to": r.effective_to,
            "scale": r.scale,
            "criteria": [
                {
                    "code": c.code,
                    "label": str(c.label),
                    "max_points": float(c.max_points),
                    "group": c.group,
                    "discipline": c.discipline,
                    "competence": c.competence,
                }
                for c in r.criteria
            ],
        }
        for r in rules.REGIMES
    ]


# --- evaluations ------------------------------------------------------------------------------


@router.get("/evaluations", response=list[EvaluationOut])
@paginate(PageNumber)
def list_evaluations(request, filters: Query[EvaluationFilter]):
    evaluations = access.evaluations_for(request.user)
    if filters.unit:
        unit = hr_access.get_unit_for_user(request.user, filters.unit)
        evaluations = evaluations.filter(unit__path__startswith=unit.path)
    if filters.period_kind:
        evaluations = evaluations.filter(period_kind=filters.period_kind)
    if filters.period_start:
        evaluations = evaluations.filter(period_start=filters.period_start)
    if filters.status:
        evaluations = evaluations.filter(status=filters.status)
    return evaluations.order_by("-period_start", "unit__path", "employee__sort_key", "pk")


@router.get("/mine", response=list[EvaluationOut])
@paginate(PageNumber)
def list_mine(request):
    """The caller's own evaluations."""
    return access.own_evaluations(request.user).order_by("-period_start", "pk")


@router.post("/evaluations", response={201: EvaluationDetailOut, 200: EvaluationDetailOut})
def open_evaluation(request, payload: OpenIn):
    """Open (or return the existing) evaluation of a person for a period."""
    employee = access.get_evaluable_employee(request.user, payload.employee)
    existed = Evaluation.objects.filter(
        employee=employee, period_kind=payload.period_kind, period_start=payload.period_start
    ).exists()
    with domain_errors():
        evaluation = actions.open_evaluation(
            acting_user=request.user,
            employee=employee,
            period_kind=payload.period_kind,
            period_start=payload.period_start,
            regime=payload.regime,
        )
    return Status(200 if existed else 201, evaluation)


@router.post("/years", response={201: EvaluationDetailOut})
def aggregate_year(request, payload: YearIn):
    """The yearly evaluation built from the person's decided months or quarters; it then
    goes to the collective review and the head's decision."""
    employee = access.get_employee_for_yearly(request.user, payload.employee)
    with domain_errors():
        evaluation = actions.aggregate_year(acting_user=request.user, employee=employee, year=payload.year)
    return Status(201, evaluation)


@router.get("/evaluations/{evaluation_id}/form.pdf")
def form_pdf(request, evaluation_id: int):
    """The phiếu đánh giá as PDF; once signed, the signed bytes."""
    evaluation = access.get_evaluation_for_user(request.user, evaluation_id)
    signed = signed_documents.current(signed_documents.EVALUATION_FORM, signed_records.form_subject(evaluation))
    if signed is not None:
        return signed_api.signed_pdf(signed)
    name = f"phieu-danh-gia-{evaluation.employee.code}-{evaluation.period_start:%Y-%m}.pdf"
    return _file(reports.form_pdf(evaluation), name, "application/pdf")


@router.get("/summary.{fmt}")
def summary(request, fmt: str, filters: Query[SummaryFilter]):
    """The unit's tổng hợp kết quả đánh giá, xếp loại for a period, as PDF or Excel."""
    if fmt not in ("pdf", "xlsx"):
        raise ApiError(404, "not_found", "Không tìm thấy.")
    unit = access.get_summary_unit(request.user, filters.unit)
    name = f"tong-hop-xep-loai-{unit.code}-{filters.period_start:%Y-%m}"
    if fmt == "xlsx":
        content = reports.summary_xlsx(unit, filters.period_kind, filters.period_start)
        return _file(content, f"{name}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return _file(reports.summary_pdf(unit, filters.period_kind, filters.period_start), f"{name}.pdf", "application/pdf")


def _file(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/evaluations/{evaluation_id}", response=EvaluationDetailOut)
def get_evaluation(request, evaluation_id: int):
    return access.get_evaluation_for_user(request.user, evaluation_id)


@router.post("/evaluations/{evaluation_id}/self-assessment", response=EvaluationDetailOut)
def self_assess(request, evaluation_id: int, payload: EvaluationScoresIn):
    evaluation = access.get_evaluation_for_user(request.user, evaluation_id, action="self")
    with domain_errors():
        return actions.self_assess(
            acting_user=request.user, evaluation=evaluation, scores=payload.plain_scores(), comment=payload.comment
        )


@router.post("/evaluations/{evaluation_id}/score", response=EvaluationDetailOut)
def score(request, evaluation_id: int, payload: EvaluationScoresIn):
    """The direct manager's score; the results criterion is computed from products."""
    evaluation = access.get_evaluation_for_user(request.user, evaluation_id, action="score")
    with domain_errors():
        return actions.manager_score(
            acting_user=request.user, evaluation=evaluation, scores=payload.plain_scores(), comment=payload.comment
        )


@router.post("/evaluations/{evaluation_id}/review", response=EvaluationDetailOut)
def review(request, evaluation_id: int, payload: ReviewIn):
    evaluation = access.get_evaluation_for_user(request.user, evaluation_id, action="review")
    with domain_errors():
        return actions.collective_review(acting_user=request.user, evaluation=evaluation, note=payload.note)


@router.post("/evaluations/{evaluation_id}/decision", response=DecisionOut)
def decide(request, evaluation_id: int, payload: DecideIn):
    """The head's decision after the quota and consistency checks: a blocking problem
    is 409 `blocked`, unconfirmed warnings 409 `needs_confirmation`."""
    evaluation = access.get_evaluation_for_user(request.user, evaluation_id, action="decide")
    with domain_errors():
        warnings = actions.decide(
            acting_user=request.user,
            evaluation=evaluation,
            classification=payload.classification,
            force_warnings=payload.confirm_warnings,
        )
    evaluation.refresh_from_db()
    return {"evaluation": evaluation, "warnings": [_problem(p) for p in warnings]}


@router.post("/evaluations/{evaluation_id}/reopen", response=EvaluationDetailOut)
def reopen(request, evaluation_id: int, payload: ReopenIn):
    evaluation = access.get_evaluation_for_user(request.user, evaluation_id, action="reopen")
    with domain_errors():
        return actions.reopen(acting_user=request.user, evaluation=evaluation, reason=payload.reason)


# --- catalogue, assignments, results ---------------------------------------------------------


def _catalogue_unit(user, code: str):
    unit = access.catalogue_units_for(user).filter(code=code).first()
    if unit is None:
        raise invalid("unit", f"Không có đơn vị trong phạm vi bạn quản lý: {code}")
    return unit


@router.get("/product-types", response=list[ProductTypeOut])
@paginate(PageNumber)
def list_product_types(request):
    return access.product_types_for(request.user).order_by("unit__path", "position", "name", "pk")


@router.post("/product-types", response={201: ProductTypeOut})
def add_product_type(request, payload: ProductTypeIn):
    hr_access.require_role(request.user, *access.CATALOGUE_MANAGERS)
    unit = _catalogue_unit(request.user, payload.unit)
    with domain_errors():
        product = actions.add_product_type(
            acting_user=request.user,
            unit=unit,
            position=payload.position,
            name=payload.name,
            measure=payload.measure,
            standard_units=payload.standard_units,
        )
    return Status(201, product)


@router.get("/assignments", response=list[AssignmentOut])
@paginate(PageNumber)
def list_assignments(request):
    return access.assignments_for(request.user).order_by("-period_start", "employee__sort_key", "pk")


@router.post("/assignments", response={201: AssignmentOut})
def assign(request, payload: AssignmentIn):
    hr_access.require_role(request.user, *access.WORK_MANAGERS)
    employee = access.assignable_employees_for(request.user).filter(code=payload.employee).first()
    if employee is None:
        raise invalid("employee", f"Không có cán bộ trong phạm vi bạn quản lý: {payload.employee}")
    product = access.product_types_for(request.user).filter(pk=payload.product_type).first()
    if product is None:
        raise invalid("product_type", "Không tìm thấy loại sản phẩm trong danh mục của bạn.")
    with domain_errors():
        assignment = actions.assign(
            acting_user=request.user,
            employee=employee,
            product_type=product,
            **payload.dict(exclude={"employee", "product_type"}),
        )
    return Status(201, assignment)


@router.put("/assignments/{assignment_id}/result", response=ProductResultOut)
def record_result(request, assignment_id: int, payload: ProductResultIn):
    assignment = access.get_assignment_for_user(request.user, assignment_id, action="write")
    with domain_errors():
        return actions.record_result(acting_user=request.user, assignment=assignment, **payload.dict())


@router.post("/assignments/{assignment_id}/result/cause", response=ProductResultOut)
def accept_cause(request, assignment_id: int, payload: CauseIn):
    """The manager accepts (or not) the objective cause of late products."""
    assignment = access.get_assignment_for_user(request.user, assignment_id, action="accept_cause")
    with domain_errors():
        return actions.accept_cause(acting_user=request.user, assignment=assignment, accepted=payload.accepted)


# --- quy chế and discipline --------------------------------------------------------------------


@router.get("/rulebooks", response=list[RulebookOut])
@paginate(PageNumber)
def list_rulebooks(request):
    return access.rulebooks_for(request.user).order_by("unit__path", "regime", "-effective_from", "pk")


@router.post("/rulebooks", response={201: RulebookOut})
def save_rulebook(request, payload: RulebookIn):
    hr_access.require_role(request.user, *access.CATALOGUE_MANAGERS)
    unit = _catalogue_unit(request.user, payload.unit)
    if payload.competence_exam_id is not None:
        if payload.competence_exam_id not in {pk for pk, _title in exam_choices_for(request.user)}:
            raise invalid("competence_exam_id", "Không tìm thấy kỳ thi này trong phạm vi của bạn.")
    with domain_errors():
        rulebook = actions.save_rulebook(
            acting_user=request.user,
            unit=unit,
            regime=payload.regime,
            effective_from=payload.effective_from,
            period_kind=payload.period_kind,
            criteria_points={k: float(v) for k, v in payload.criteria_points.items()},
            discipline_rule=payload.discipline_rule.plain(),
            competence_exam_id=payload.competence_exam_id,
            task_groups=payload.task_groups,
        )
    return Status(201, rulebook)


@router.get("/discipline-records", response=list[DisciplinaryMeasureOut])
@paginate(PageNumber)
def list_discipline(request):
    return access.disciplinary_measures_for(request.user).order_by("-effective_from", "pk")


@router.post("/discipline-records", response={201: DisciplinaryMeasureOut})
def record_discipline(request, payload: DisciplinaryMeasureIn):
    employee = hr_access.get_employee_for_user(request.user, payload.employee)
    access.require_discipline_recorder(request.user, employee)
    with domain_errors():
        measure = actions.record_discipline(
            acting_user=request.user, employee=employee, **payload.dict(exclude={"employee"})
        )
    return Status(201, measure)
