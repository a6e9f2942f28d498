"""Writes of the evaluation app. Every write is keyword-only, atomic and audited with
the acting user; the framework arithmetic is the pure code in evaluation/rules.py, who
may call these is decided in evaluation/access.py.

Workflow of one evaluation (the shape of the decrees' procedure; its articles were not
read [U]):
draft → self-assessed → scored by the direct manager → (yearly: collective review) →
decided by the head; a decided evaluation is locked and changes only after reopen()
with a reason.

Audit details carry codes, levels and totals, never personal data (no citizen ID,
no date of birth, no comment text).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from evaluation import rules
from evaluation.models import (
    Assignment,
    DisciplinaryMeasure,
    Evaluation,
    PeriodKind,
    ProductResult,
    ProductType,
    Rulebook,
)
from hr_system.models import AuditLog, Employee, OrgUnit, Role

try:  # written by the evidence work (evaluation/evidence.py); absent until it lands
    import evaluation.evidence as evidence_module
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the branch
    if exc.name != "evaluation.evidence":
        raise
    evidence_module = None

Status = Evaluation.Status
EDITABLE_BY_SELF = (Status.DRAFT, Status.SELF)
SCORABLE = (Status.SELF, Status.SCORED)
CATEGORIES = (Employee.Category.CIVIL_SERVANT, Employee.Category.PUBLIC_EMPLOYEE)


class EvaluationError(Exception):
    """A refused operation; `message` (Vietnamese) is shown to the user as is."""

    def __init__(self, code: str, message: str, *, status: int = 422, field: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field


class EvaluationBlocked(EvaluationError):
    """A decision refused by the quota and consistency checks. Problems of severity
    "block" always refuse it; "warn" ones refuse it until confirmed (force_warnings)."""

    def __init__(self, problems: list[rules.Problem]):
        blocking = [p for p in problems if p.severity == "block"]
        code = "blocked" if blocking else "needs_confirmation"
        shown = blocking or problems
        super().__init__(code, " ".join(p.message for p in shown), status=409)
        self.problems = problems


def _refuse(code: str, message: str, **kw) -> EvaluationError:
    return EvaluationError(code, message, **kw)


def _day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason_required", "Cần ghi rõ lý do.", field="reason")
    return reason


def _decimal(value, field: str, label: str, *, positive: bool = False) -> Decimal:
    number = rules.to_decimal(value)
    if number is None or number < 0 or (positive and number == 0):
        raise _refuse("invalid", f"{label} phải là số {'dương' if positive else 'không âm'}.", field=field)
    return number


# --- discipline records -----------------------------------------------------------------


@transaction.atomic
def record_discipline(
    *,
    acting_user,
    employee: Employee,
    level: str,
    decision_number: str,
    decided_on: dt.date,
    effective_from: dt.date,
    note: str = "",
) -> DisciplinaryMeasure:
    """Record a disciplinary decision taken elsewhere (this product never imposes one:
    the law requires a review meeting, a council and a decision)."""
    if level not in DisciplinaryMeasure.Level.values:
        raise _refuse("invalid", "Hình thức kỷ luật không hợp lệ.", field="level")
    decision_number = (decision_number or "").strip()
    if not decision_number:
        raise _refuse("invalid", "Cần ghi số quyết định kỷ luật.", field="decision_number")
    if effective_from < decided_on:
        raise _refuse("invalid", "Ngày có hiệu lực không được trước ngày quyết định.", field="effective_from")
    measure = DisciplinaryMeasure.objects.create(
        employee=employee,
        level=level,
        decision_number=decision_number,
        decided_on=decided_on,
        effective_from=effective_from,
        note=note or "",
        recorded_by=acting_user,
    )
    AuditLog.record(
        user=acting_user,
        action="evaluation.discipline_recorded",
        obj=measure,
        employee=employee.code,
        level=level,
        effective_from=effective_from.isoformat(),
    )
    return measure


def disciplined_in(employee: Employee, start: dt.date, end: dt.date) -> bool:
    """A disciplinary decision (khiển trách or above: every level recorded here) took
    effect between `start` and `end`."""
    return employee.disciplinary_measures.filter(effective_from__gte=start, effective_from__lte=end).exists()


# --- quy chế and catalogue -------------------------------------------------------------


@transaction.atomic
def save_rulebook(
    *,
    acting_user,
    unit: OrgUnit,
    regime: str,
    effective_from: dt.date,
    period_kind: str = Rulebook.PeriodKind.QUARTER,
    criteria_points: dict | None = None,
    discipline_rule: dict | None = None,
    results_split: dict | None = None,
    competence_exam_id: int | None = None,
    task_groups: dict | None = None,
) -> Rulebook:
    """Create or replace the unit's quy chế for a regime from a date."""
    try:
        framework = rules.get_regime(regime)
    except rules.RegimeError as exc:
        raise _refuse("regime", exc.message, field="regime") from None
    if period_kind not in Rulebook.PeriodKind.values:
        raise _refuse("invalid", "Chu kỳ theo dõi phải là tháng hoặc quý.", field="period_kind")
    problems = rules.validate_rulebook(framework, criteria_points or {}, discipline_rule or {})
    for key, value in (results_split or {}).items():
        if key not in rules.DEFAULT_RESULTS_SPLIT or (rules.to_decimal(value) or Decimal(-1)) < 0:
            problems.append(f"Tỷ trọng “{key}” không hợp lệ (chỉ gồm quantity, quality, timeliness, số không âm).")
    if task_groups is not None and not (
        isinstance(task_groups, dict) and all(isinstance(v, str) for v in task_groups.values())
    ):
        problems.append("Nhóm nhiệm vụ phải là bảng {chức danh: tên nhóm}.")
    if problems:
        raise _refuse("invalid", " ".join(problems), field="criteria_points")
    rulebook, created = Rulebook.objects.update_or_create(
        unit=unit,
        regime=regime,
        effective_from=effective_from,
        defaults={
            "period_kind": period_kind,
            "criteria_points": {k: float(v) for k, v in (criteria_points or {}).items()},
            "discipline_rule": {k: float(v) for k, v in (discipline_rule or {}).items()},
            "results_split": {k: float(v) for k, v in (results_split or {}).items()},
            "competence_exam_id": competence_exam_id,
            "task_groups": task_groups or {},
            "created_by": acting_user,
        },
    )
    AuditLog.record(
        user=acting_user,
        action="evaluation.rulebook_saved",
        obj=rulebook,
        unit=unit.code,
        regime=regime,
        effective_from=effective_from.isoformat(),
        created=created,
    )
    return rulebook


@transaction.atomic
def add_product_type(
    *, acting_user, unit: OrgUnit, name: str, measure: str, standard_units=1, position: str = ""
) -> ProductType:
    name = (name or "").strip()
    measure = (measure or "").strip()
    if not name:
        raise _refuse("invalid", "Cần ghi tên sản phẩm.", field="name")
    if not measure:
        raise _refuse("invalid", "Cần ghi đơn vị tính (ví dụ: văn bản, hồ sơ).", field="measure")
    units = _decimal(standard_units, "standard_units", "Hệ số quy đổi", positive=True)
    product = ProductType.objects.create(
        unit=unit, name=name, measure=measure, standard_units=units, position=(position or "").strip()
    )
    AuditLog.record(user=acting_user, action="evaluation.product_type_added", obj=product, unit=unit.code)
    return product


# --- assignments and results -------------------------------------------------------------


def _employment_overlap(employee: Employee, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    first = max(start, employee.start_date) if employee.start_date else start
    last = min(end, employee.leave_date) if employee.leave_date else end
    return (first, last) if first <= last else None


def _require_employed(employee: Employee, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    overlap = _employment_overlap(employee, start, end)
    if overlap is None:
        worked = []
        if employee.start_date:
            worked.append(f"từ {_day(employee.start_date)}")
        if employee.leave_date:
            worked.append(f"đến {_day(employee.leave_date)}")
        raise _refuse(
            "outside_employment",
            f"Kỳ {_day(start)} - {_day(end)} nằm ngoài thời gian công tác của cán bộ ({' '.join(worked)}).",
            field="period_start",
        )
    return overlap


def _bounds(kind: str, start: dt.date) -> tuple[dt.date, dt.date]:
    try:
        return rules.period_bounds(kind, start)
    except rules.RuleError as exc:
        raise _refuse("invalid", exc.message, field="period_start") from None


def _decided_covering(employee: Employee, day: dt.date) -> Evaluation | None:
    return (
        Evaluation.objects.filter(employee=employee, status=Status.DECIDED, period_start__lte=day, period_end__gte=day)
        .exclude(period_kind=PeriodKind.YEAR)
        .first()
    )


def _require_open_period(employee: Employee, day: dt.date) -> None:
    decided = _decided_covering(employee, day)
    if decided is not None:
        raise _refuse(
            "locked",
            f"Phiếu đánh giá {decided.period_label()} đã được quyết định; mở lại phiếu trước khi sửa nhiệm vụ.",
            status=409,
        )


@transaction.atomic
def assign(
    *,
    acting_user,
    employee: Employee,
    product_type: ProductType,
    period_kind: str,
    period_start: dt.date,
    quantity,
    deadline: dt.date,
    quality_requirement: str = "",
) -> Assignment:
    if period_kind not in Rulebook.PeriodKind.values:
        raise _refuse("invalid", "Chu kỳ giao việc phải là tháng hoặc quý.", field="period_kind")
    start, end = _bounds(period_kind, period_start)
    if not product_type.active:
        raise _refuse("invalid", "Loại sản phẩm này đã ngừng sử dụng.", field="product_type")
    if not employee.unit.path.startswith(product_type.unit.path):
        raise _refuse("invalid", "Loại sản phẩm không thuộc danh mục của đơn vị cán bộ.", field="product_type")
    if product_type.position and product_type.position not in (employee.job_title, employee.rank):
        raise _refuse("invalid", "Loại sản phẩm không dành cho vị trí việc làm của cán bộ.", field="product_type")
    amount = _decimal(quantity, "quantity", "Số lượng giao", positive=True)
    if deadline < start:
        raise _refuse("invalid", "Hạn hoàn thành không được trước đầu kỳ.", field="deadline")
    _require_employed(employee, start, end)
    _require_open_period(employee, start)
    assignment = Assignment.objects.create(
        employee=employee,
        product_type=product_type,
        period_kind=period_kind,
        period_start=start,
        quantity=amount,
        deadline=deadline,
        quality_requirement=quality_requirement or "",
        assigned_by=acting_user,
    )
    AuditLog.record(
        user=acting_user,
        action="evaluation.assigned",
        obj=assignment,
        employee=employee.code,
        product_type=product_type.pk,
        quantity=str(amount),
        period_start=start.isoformat(),
    )
    return assignment


@transaction.atomic
def record_result(
    *,
    acting_user,
    assignment: Assignment,
    quantity_done,
    rejected_on_quality: int = 0,
    late: int = 0,
    objective_cause: str = "",
) -> ProductResult:
    """Record (or correct) what came of an assignment. A changed cause must be accepted
    again."""
    _require_open_period(assignment.employee, assignment.period_start)
    done = _decimal(quantity_done, "quantity_done", "Số lượng hoàn thành")
    try:
        rejected = int(rejected_on_quality or 0)
        slow = int(late or 0)
    except (TypeError, ValueError):
        raise _refuse("invalid", "Số sản phẩm không đạt và chậm tiến độ phải là số nguyên.") from None
    if rejected < 0 or slow < 0:
        raise _refuse("invalid", "Số sản phẩm không đạt và chậm tiến độ không được âm.")
    if rejected > done:
        raise _refuse("invalid", "Số sản phẩm không đạt chất lượng vượt số hoàn thành.", field="rejected_on_quality")
    if slow > done:
        raise _refuse("invalid", "Số sản phẩm chậm tiến độ vượt số hoàn thành.", field="late")
    cause = (objective_cause or "").strip()
    result = ProductResult.objects.select_for_update().filter(assignment=assignment).first()
    if result is None:
        result = ProductResult(assignment=assignment)
    elif result.objective_cause != cause:
        result.cause_accepted = False
        result.cause_accepted_by = None
    result.quantity_done = done
    result.rejected_on_quality = rejected
    result.late = slow
    result.objective_cause = cause
    result.recorded_by = acting_user
    result.recorded_at = timezone.now()
    result.save()
    assignment.result = result
    AuditLog.record(
        user=acting_user,
        action="evaluation.result_recorded",
        obj=result,
        assignment=assignment.pk,
        quantity_done=str(done),
        rejected=rejected,
        late=slow,
        has_cause=bool(cause),
    )
    return result


@transaction.atomic
def accept_cause(*, acting_user, assignment: Assignment, accepted: bool = True) -> ProductResult:
    """Accept (or withdraw acceptance of) the objective cause of late products: accepted,
    they lose no timeliness points."""
    result = ProductResult.objects.select_for_update().filter(assignment=assignment).first()
    if result is None:
        raise _refuse("invalid", "Chưa ghi kết quả thực hiện cho nhiệm vụ này.")
    if accepted and not result.objective_cause:
        raise _refuse("invalid", "Chưa ghi nguyên nhân khách quan để chấp nhận.", field="objective_cause")
    _require_open_period(assignment.employee, assignment.period_start)
    result.cause_accepted = bool(accepted)
    result.cause_accepted_by = acting_user if accepted else None
    result.save(update_fields=["cause_accepted", "cause_accepted_by"])
    AuditLog.record(
        user=acting_user, action="evaluation.cause_accepted", obj=result, assignment=assignment.pk, accepted=accepted
    )
    return result


# --- evaluations ---------------------------------------------------------------------------


def rulebook_for(unit: OrgUnit, regime: str, day: dt.date) -> Rulebook | None:
    """The quy chế in force: the unit's own, else the nearest ancestor's."""
    return Rulebook.in_force(unit, regime, day)


def _criteria_points(evaluation: Evaluation) -> dict:
    rulebook = evaluation.rulebook()
    return rulebook.criteria_points if rulebook else {}


@transaction.atomic
def open_evaluation(
    *,
    acting_user,
    employee: Employee,
    period_kind: str,
    period_start: dt.date,
    regime: str | None = None,
    is_unit_head: bool | None = None,
) -> Evaluation:
    """Open (or return the existing) evaluation of a person for a period.

    Month and quarter: the regime in force over the whole period. Year: the regime in
    force when the year is rated, i.e. on its last day [our reading: a viên chức's 2026
    yearly rating falls under Decree 233/2026]. `is_unit_head` defaults to whether the
    person's login holds the unit-head role over their unit or its agency."""
    if period_kind not in PeriodKind.values:
        raise _refuse("invalid", "Kỳ đánh giá phải là tháng, quý hoặc năm.", field="period_kind")
    start, end = _bounds(period_kind, period_start)
    if employee.category not in CATEGORIES:
        raise _refuse("regime", "Chỉ công chức và viên chức được đánh giá theo khung này.", field="employee")
    _require_employed(employee, start, end)
    applies_on = end if period_kind == PeriodKind.YEAR else start
    try:
        code = regime or rules.regime_for(employee.category, applies_on).code
        framework = rules.check_regime(code, employee.category, applies_on, end)
    except rules.RegimeError as exc:
        raise _refuse("regime", exc.message, field="regime") from None
    existing = Evaluation.objects.filter(employee=employee, period_kind=period_kind, period_start=start).first()
    if existing is not None:
        return existing
    rulebook = rulebook_for(employee.unit, framework.code, end)
    if is_unit_head is None:
        is_unit_head = employee.user_id is not None and (
            Role.objects.filter(
                user_id=employee.user_id,
                kind=Role.Kind.UNIT_HEAD,
                unit_id__in={employee.unit_id, agency_of(employee.unit).pk},
            ).exists()
        )
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                employee=employee,
                unit=employee.unit,
                regime=framework.code,
                period_kind=period_kind,
                period_start=start,
                period_end=end,
                task_group=rulebook.task_group_of(employee) if rulebook else "",
                is_unit_head=is_unit_head,
            )
    except IntegrityError:
        return Evaluation.objects.get(employee=employee, period_kind=period_kind, period_start=start)
    AuditLog.record(
        user=acting_user,
        action="evaluation.opened",
        obj=evaluation,
        employee=employee.code,
        period_kind=period_kind,
        period_start=start.isoformat(),
        regime=framework.code,
    )
    return evaluation


def _require_unlocked(evaluation: Evaluation) -> None:
    if evaluation.locked():
        raise _refuse("locked", "Phiếu đánh giá đã được quyết định; chỉ sửa được sau khi mở lại có lý do.", status=409)


def _lock(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update(of=("self",)).select_related("employee", "unit").get(pk=evaluation.pk)


def _clean_scores(evaluation: Evaluation, scores) -> dict[str, float]:
    regime = evaluation.regime_rules()
    problems = rules.validate_scores(regime, _criteria_points(evaluation), scores if scores is not None else {})
    if problems:
        raise _refuse("invalid_scores", " ".join(problems), field="scores")
    return {code: float(rules.to_decimal(value)) for code, value in (scores or {}).items()}


@transaction.atomic
def self_assess(*, acting_user, evaluation: Evaluation, scores: dict, comment: str = "") -> Evaluation:
    evaluation = _lock(evaluation)
    _require_unlocked(evaluation)
    if evaluation.status not in EDITABLE_BY_SELF:
        raise _refuse("wrong_state", "Quản lý đã chấm điểm; không sửa được phần tự đánh giá.", status=409)
    evaluation.self_scores = _clean_scores(evaluation, scores)
    evaluation.self_comment = comment or ""
    evaluation.status = Status.SELF
    evaluation.save()
    AuditLog.record(
        user=acting_user,
        action="evaluation.self_assessed",
        obj=evaluation,
        total=str(rules.total_of(evaluation.self_scores)),
    )
    return evaluation


def _result_lines(evaluation: Evaluation) -> tuple[list[dict], list[dict]]:
    """The period's own assignment lines and, for a head, the unit's (Decree 335/2025:
    leaders are also scored on the results of the unit they run [C]; we pool the unit's
    products with their own, our reading [U])."""

    def lines(queryset) -> list[dict]:
        rows = []
        for a in queryset.select_related("product_type", "result", "employee"):
            line = a.line()
            line.update(assignment=a.pk, employee=a.employee.code, product=a.product_type.name)
            rows.append(line)
        return rows

    period = {"period_start__gte": evaluation.period_start, "period_start__lte": evaluation.period_end}
    own = lines(Assignment.objects.filter(employee=evaluation.employee, **period))
    unit = []
    if evaluation.is_unit_head:
        unit = lines(
            Assignment.objects.filter(employee__unit__path__startswith=evaluation.unit.path, **period).exclude(
                employee=evaluation.employee
            )
        )
    return own, unit


def compute_task_results(evaluation: Evaluation) -> dict | None:
    """The results criterion computed from the period's products, or None when the
    person had no assignments (the manager's own points stand)."""
    regime = evaluation.regime_rules()
    results = [c for c in regime.criteria if c.group == "results"]
    if not results:
        return None
    criterion = results[0]
    rulebook = rulebook_for(evaluation.unit, evaluation.regime, evaluation.period_end)
    maximum = rules.criteria_maxima(regime, rulebook.criteria_points if rulebook else {})[criterion.code]
    own, unit = _result_lines(evaluation)
    if not own and not unit:
        return None
    points = rules.results_points(own + unit, maximum, rulebook.results_split if rulebook else None)
    return {
        "criterion": criterion.code,
        "lines": own,
        "unit_lines": unit,
        "points": {k: float(v) for k, v in points.items()},
    }


def _discipline_evidence(evaluation: Evaluation, snapshot: dict) -> dict | None:
    facts = snapshot.get("attendance") if isinstance(snapshot, dict) else None
    regime = evaluation.regime_rules()
    criterion = next((c for c in regime.criteria if c.discipline), None)
    if not isinstance(facts, dict) or criterion is None:
        return None
    rulebook = rulebook_for(evaluation.unit, evaluation.regime, evaluation.period_end)
    maximum = rules.criteria_maxima(regime, rulebook.criteria_points if rulebook else {})[criterion.code]
    deduction, explanation = rules.discipline_deduction(facts, rulebook.discipline_rule if rulebook else None, maximum)
    return {
        "criterion": criterion.code,
        "deduction": float(deduction),
        "suggested": float(maximum - deduction),
        "explanation": explanation,
        "statutory": False,  # no statute fixes a points-per-late-arrival rule
    }


def take_evidence(evaluation: Evaluation) -> dict:
    """The evidence snapshot recorded with a score: what evaluation/evidence.py reads
    from attendance and assessments reports, plus the unit's discipline deduction.

    Contract with evaluation/evidence.py: `snapshot(evaluation) -> dict` of plain JSON
    values. This module reads only these keys of it:
    - "attendance": {"late", "early", "unexcused_absences", "missing_punches": int, ...}
      → the "discipline" entry added here (deduction under the unit's rule);
    - "months_absent" (float) and "maternity" (bool), for a year → classify()'s overrides.
    Everything else (minutes, leave, exam results for the competence criterion) is
    stored as given and shown beside its criterion."""
    if evidence_module is None:
        return {}
    snapshot = dict(evidence_module.snapshot(evaluation) or {})
    # evidence.snapshot computes the deduction itself from the attendance report's
    # field names (late_count, absent_days, ...); only fill in when it did not.
    if not snapshot.get("discipline"):
        discipline = _discipline_evidence(evaluation, snapshot)
        if discipline is not None:
            snapshot["discipline"] = discipline
    return snapshot


@transaction.atomic
def manager_score(*, acting_user, evaluation: Evaluation, scores: dict, comment: str = "") -> Evaluation:
    """The direct manager's score. The results criterion is computed from the period's
    products when there are any (the manager's figure for it is replaced); the evidence
    is snapshotted now and kept with the score."""
    evaluation = _lock(evaluation)
    _require_unlocked(evaluation)
    if evaluation.status not in SCORABLE and not (
        evaluation.period_kind == PeriodKind.YEAR and evaluation.status == Status.REVIEWED
    ):
        raise _refuse("wrong_state", "Cán bộ chưa tự đánh giá; chưa chấm điểm được.", status=409)
    clean = _clean_scores(evaluation, scores)
    regime = evaluation.regime_rules()
    task_results = compute_task_results(evaluation) if evaluation.period_kind != PeriodKind.YEAR else None
    if task_results is not None:
        clean[task_results["criterion"]] = task_results["points"]["total"]
    if regime.scored:
        missing = [str(c.label) for c in regime.criteria if c.code not in clean]
        if missing:
            raise _refuse("invalid_scores", "Chưa chấm các tiêu chí: " + "; ".join(missing) + ".", field="scores")
    evaluation.manager_scores = clean
    evaluation.manager_comment = comment or ""
    evaluation.task_results = task_results or evaluation.task_results or {}
    evaluation.evidence = take_evidence(evaluation)
    evaluation.total = rules.total_of(clean) if regime.scored else None
    evaluation.scored_by = acting_user
    evaluation.scored_at = timezone.now()
    if evaluation.status != Status.REVIEWED:
        evaluation.status = Status.SCORED
    evaluation.save()
    AuditLog.record(
        user=acting_user,
        action="evaluation.manager_scored",
        obj=evaluation,
        total=str(evaluation.total) if evaluation.total is not None else "",
    )
    return evaluation


@transaction.atomic
def collective_review(*, acting_user, evaluation: Evaluation, note: str) -> Evaluation:
    """The yearly collective review (họp xét) before the head's decision."""
    evaluation = _lock(evaluation)
    _require_unlocked(evaluation)
    if evaluation.period_kind != PeriodKind.YEAR:
        raise _refuse("wrong_state", "Chỉ đánh giá năm mới họp xét tập thể.", status=409)
    if evaluation.status not in (Status.SCORED, Status.REVIEWED):
        raise _refuse("wrong_state", "Quản lý chưa chấm điểm năm; chưa họp xét được.", status=409)
    evaluation.review_note = (note or "").strip()
    if not evaluation.review_note:
        raise _refuse("invalid", "Cần ghi ý kiến của cuộc họp xét.", field="note")
    evaluation.reviewed_by = acting_user
    evaluation.reviewed_at = timezone.now()
    evaluation.status = Status.REVIEWED
    evaluation.save()
    AuditLog.record(user=acting_user, action="evaluation.reviewed", obj=evaluation)
    return evaluation


def _months(first: dt.date, last: dt.date) -> float:
    return round(((last - first).days + 1) / 30.4375, 2)


def _disciplined_ids(evaluations: list[Evaluation]) -> set[int]:
    """Employees with a disciplinary decision taking effect in their evaluation's year,
    up to the period's end: one query for the lot."""
    if not evaluations:
        return set()
    first = min(dt.date(e.period_start.year, 1, 1) for e in evaluations)
    last = max(e.period_end for e in evaluations)
    found = DisciplinaryMeasure.objects.filter(
        employee_id__in={e.employee_id for e in evaluations}, effective_from__gte=first, effective_from__lte=last
    ).values_list("employee_id", "effective_from")
    by_employee: dict[int, list[dt.date]] = defaultdict(list)
    for employee_id, day in found:
        by_employee[employee_id].append(day)
    return {
        e.employee_id
        for e in evaluations
        if any(dt.date(e.period_start.year, 1, 1) <= day <= e.period_end for day in by_employee.get(e.employee_id, ()))
    }


def classification_facts(evaluation: Evaluation, *, disciplined: bool | None = None) -> dict:
    """What the overrides read. The minimum months and the absence cap are yearly
    rules; a month or quarter is checked only for discipline in the period's year.
    Months absent and maternity come from the evidence snapshot (evaluation/evidence.py
    records "months_absent" and "maternity" for a year)."""
    if disciplined is None:
        disciplined = bool(_disciplined_ids([evaluation]))
    snapshot = evaluation.evidence or {}
    if evaluation.period_kind != PeriodKind.YEAR:
        return {"disciplined": disciplined, "months_worked": 12.0, "maternity": False, "months_absent": 0.0}
    overlap = _employment_overlap(evaluation.employee, evaluation.period_start, evaluation.period_end)
    return {
        "disciplined": disciplined,
        "months_worked": _months(*overlap) if overlap else 0.0,
        "maternity": bool(snapshot.get("maternity")),
        "months_absent": float(snapshot.get("months_absent") or 0),
    }


def agency_of(unit: OrgUnit) -> OrgUnit:
    """The agency a unit belongs to for the quota (Decree 335/2025 Art. 20(5): "within
    the same agency, organisation or unit"): a department (phòng, ban) counts with the
    nearest unit above it that is not one."""
    if unit.kind != OrgUnit.Kind.DEPARTMENT:
        return unit
    for ancestor in reversed(list(unit.ancestors())):
        if ancestor.kind != OrgUnit.Kind.DEPARTMENT:
            return ancestor
    return unit


def _agency_members(agency: OrgUnit) -> set[int]:
    """The agency's own unit and the departments under it (not the agencies under it)."""
    members = {agency.pk}
    below = OrgUnit.objects.filter(path__startswith=agency.path, depth__gt=agency.depth).order_by("depth")
    for unit_id, parent_id, kind in below.values_list("pk", "parent_id", "kind"):
        if kind == OrgUnit.Kind.DEPARTMENT and parent_id in members:
            members.add(unit_id)
    return members


def _required_status(evaluation: Evaluation) -> str:
    return Status.REVIEWED if evaluation.period_kind == PeriodKind.YEAR else Status.SCORED


def _check_batch(
    batch: list[Evaluation], entered: dict[int, str | None], unit_level: str | None
) -> tuple[dict[int, tuple[str, list[str]]], list[rules.Problem]]:
    """Levels and reasons for every evaluation of the batch (one period), and the quota
    and consistency problems of the batch together with the decisions already taken in
    the same agencies."""
    if unit_level is not None and unit_level not in rules.RANK:
        raise _refuse("invalid", "Mức xếp loại của đơn vị không hợp lệ.", field="unit_level")
    periods = {(e.period_kind, e.period_start, e.regime) for e in batch}
    if len(periods) != 1:
        raise _refuse("invalid", "Chỉ quyết định cùng lúc các phiếu của cùng một kỳ và một khung đánh giá.")
    regime = batch[0].regime_rules()
    disciplined = _disciplined_ids(batch)
    outcome: dict[int, tuple[str, list[str]]] = {}
    consistency_rows = []
    for e in batch:
        facts = classification_facts(e, disciplined=e.employee_id in disciplined)
        choice = entered.get(e.pk)
        try:
            level, reasons = rules.classify(
                e.total,
                regime=regime,
                disciplined=facts["disciplined"],
                months_worked=facts["months_worked"],
                maternity=facts["maternity"],
                months_absent=facts["months_absent"],
                entered=choice,
            )
        except rules.RuleError as exc:
            raise _refuse("invalid", f"{e.employee.code}: {exc.message}", field="classification") from None
        if regime.scored and choice and choice != level:
            raise _refuse(
                "invalid",
                f"Theo tổng điểm và các quy định, mức xếp loại là “{rules.level_label(level)}”, "
                f"không phải “{rules.level_label(choice)}”.",
                field="classification",
            )
        outcome[e.pk] = (level, reasons)
        consistency_rows.append({"employee_id": e.employee_id, "level": level, "is_unit_head": e.is_unit_head, **facts})
    quota_rows = []
    by_agency: dict[int, list[Evaluation]] = defaultdict(list)
    agencies: dict[int, OrgUnit] = {}
    for e in batch:
        agency = agency_of(e.unit)
        agencies[agency.pk] = agency
        by_agency[agency.pk].append(e)
    batch_ids = [e.pk for e in batch]
    kind, start, _code = periods.pop()
    for agency_id, members in by_agency.items():
        peers = (
            Evaluation.objects.filter(
                unit_id__in=_agency_members(agencies[agency_id]),
                period_kind=kind,
                period_start=start,
                status=Status.DECIDED,
            )
            .exclude(pk__in=batch_ids)
            .values_list("employee_id", "task_group", "classification")
        )
        quota_rows += [
            {"employee_id": emp, "agency": agency_id, "task_group": group, "level": level}
            for emp, group, level in peers
        ]
        quota_rows += [
            {
                "employee_id": e.employee_id,
                "agency": agency_id,
                "task_group": e.task_group,
                "level": outcome[e.pk][0],
                "pending": True,
            }
            for e in members
        ]
    problems = rules.quota_problems(quota_rows, regime=regime, unit_excellent=unit_level == rules.XUAT_SAC)
    problems += rules.consistency_problems(consistency_rows, unit_level, regime=regime)
    return outcome, problems


def check_decision(
    evaluation: Evaluation, *, classification: str | None = None, unit_level: str | None = None
) -> tuple[str, list[str], list[rules.Problem]]:
    """The level a decision would record, why, and the quota and consistency problems,
    without saving anything (pages show them before the head confirms)."""
    outcome, problems = _check_batch([evaluation], {evaluation.pk: classification}, unit_level)
    level, reasons = outcome[evaluation.pk]
    return level, reasons, problems


def _decide_batch(
    *, acting_user, batch: list[Evaluation], entered: dict, force_warnings: bool, unit_level: str | None
) -> tuple[dict[int, tuple[str, list[str]]], list[rules.Problem]]:
    for e in batch:
        _require_unlocked(e)
        if e.status != _required_status(e):
            message = (
                "Đánh giá năm cần họp xét tập thể trước khi quyết định."
                if _required_status(e) == Status.REVIEWED
                else "Quản lý chưa chấm điểm; chưa quyết định được."
            )
            raise _refuse("wrong_state", f"{e.employee.code}: {message}", status=409)
    # Serialise decisions within each agency, so two heads deciding at once cannot both
    # take the last xuất sắc place.
    agency_ids = sorted({agency_of(e.unit).pk for e in batch})
    list(OrgUnit.objects.select_for_update().filter(pk__in=agency_ids).order_by("pk").values_list("pk"))
    outcome, problems = _check_batch(batch, entered, unit_level)
    if any(p.severity == "block" for p in problems) or (problems and not force_warnings):
        raise EvaluationBlocked(problems)
    now = timezone.now()
    for e in batch:
        level, reasons = outcome[e.pk]
        e.classification = level
        e.decided_by = acting_user
        e.decided_at = now
        e.status = Status.DECIDED
        e.task_results = {**(e.task_results or {}), "classification_reasons": reasons}
        e.updated_at = now
    Evaluation.objects.bulk_update(
        batch, ["classification", "decided_by", "decided_at", "status", "task_results", "updated_at"], batch_size=1000
    )
    return outcome, problems


@transaction.atomic
def decide(
    *,
    acting_user,
    evaluation: Evaluation,
    classification: str | None = None,
    force_warnings: bool = False,
    unit_level: str | None = None,
) -> list[rules.Problem]:
    """The head's decision. Runs the quota and consistency checks first: a "block"
    problem refuses it (EvaluationBlocked); "warn" ones need force_warnings. Returns
    the warnings the decision was saved over. `classification` is needed where the
    regime is qualitative; under a points regime it may only confirm the computed
    level. `unit_level` is the unit's own rating this year, when known (a head is not
    rated above it; the 25 % quota where it is xuất sắc)."""
    evaluation = _lock(evaluation)
    outcome, problems = _decide_batch(
        acting_user=acting_user,
        batch=[evaluation],
        entered={evaluation.pk: classification},
        force_warnings=force_warnings,
        unit_level=unit_level,
    )
    AuditLog.record(
        user=acting_user,
        action="evaluation.decided",
        obj=evaluation,
        classification=outcome[evaluation.pk][0],
        total=str(evaluation.total) if evaluation.total is not None else "",
        warnings=[p.code for p in problems],
    )
    return problems


@transaction.atomic
def decide_many(
    *,
    acting_user,
    evaluations,
    force_warnings: bool = False,
    unit_level: str | None = None,
) -> list[rules.Problem]:
    """The head's decision on a whole period of a points regime at once (a unit's
    quarter): all or nothing, the quota checked over the batch together with what was
    decided before. One audit record names every evaluation and its level."""
    ids = sorted({e.pk for e in evaluations})
    batch = list(
        Evaluation.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("employee", "unit")
        .order_by("pk")
    )
    if not batch:
        raise _refuse("invalid", "Chưa chọn phiếu đánh giá nào.")
    if not batch[0].regime_rules().scored:
        raise _refuse("regime", "Khung đánh giá này cần chọn mức xếp loại cho từng người.", status=409)
    outcome, problems = _decide_batch(
        acting_user=acting_user, batch=batch, entered={}, force_warnings=force_warnings, unit_level=unit_level
    )
    first = batch[0]
    AuditLog.record(
        user=acting_user,
        action="evaluation.decided_many",
        object_type="evaluation.Evaluation",
        period_kind=first.period_kind,
        period_start=first.period_start.isoformat(),
        decided={str(e.pk): outcome[e.pk][0] for e in batch},
        warnings=[p.code for p in problems],
    )
    return problems


@transaction.atomic
def reopen(*, acting_user, evaluation: Evaluation, reason: str) -> Evaluation:
    """Reopen a decided evaluation for correction; the reason is kept and audited."""
    reason = _require_reason(reason)
    evaluation = _lock(evaluation)
    if not evaluation.locked():
        raise _refuse("wrong_state", "Phiếu đánh giá chưa được quyết định; không cần mở lại.", status=409)
    previous = evaluation.classification
    evaluation.status = Status.REVIEWED if evaluation.period_kind == PeriodKind.YEAR else Status.SCORED
    evaluation.classification = ""
    evaluation.decided_by = None
    evaluation.decided_at = None
    evaluation.reopened_reason = reason
    evaluation.reopened_by = acting_user
    evaluation.reopened_at = timezone.now()
    evaluation.save()
    AuditLog.record(user=acting_user, action="evaluation.reopened", obj=evaluation, previous=previous, reason=reason)
    return evaluation


@transaction.atomic
def aggregate_year(*, acting_user, employee: Employee, year: int) -> Evaluation:
    """The yearly evaluation from the year's decided months or quarters: each
    criterion's points and the total are the mean over those periods [U: our reading
    of Decree 335/2025 — the yearly result is built from the monthly or quarterly
    tracking; the exact formula is not verified]. The result stands as "scored by the
    manager" and goes on to the collective review and the head's decision."""
    periods = list(
        Evaluation.objects.filter(
            employee=employee,
            period_kind__in=(PeriodKind.MONTH, PeriodKind.QUARTER),
            period_start__year=year,
            status=Status.DECIDED,
        ).order_by("period_start")
    )
    year_eval = open_evaluation(
        acting_user=acting_user, employee=employee, period_kind=PeriodKind.YEAR, period_start=dt.date(year, 1, 1)
    )
    year_eval = _lock(year_eval)
    _require_unlocked(year_eval)
    regime = year_eval.regime_rules()
    if not regime.scored:
        raise _refuse("regime", "Khung đánh giá này xếp loại năm trực tiếp, không tổng hợp từ điểm.", status=409)
    scored = [p for p in periods if p.total is not None and p.regime == year_eval.regime]
    if not scored:
        raise _refuse("no_periods", f"Chưa có kỳ đánh giá nào trong năm {year} đã được quyết định.", status=409)
    kinds = {p.period_kind for p in scored}
    if len(kinds) > 1:
        raise _refuse("mixed_periods", "Năm có cả kỳ tháng và kỳ quý đã quyết định; không tổng hợp được.", status=409)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for p in scored:
        for code, value in p.manager_scores.items():
            sums[code] += rules.to_decimal(value) or rules.ZERO
    year_eval.manager_scores = {code: float(rules.round2(total / len(scored))) for code, total in sums.items()}
    year_eval.total = rules.mean_total(p.total for p in scored)
    year_eval.task_results = {
        "periods": [
            {"id": p.pk, "label": p.period_label(), "total": float(p.total), "classification": p.classification}
            for p in scored
        ],
        "rule": "mean",
    }
    year_eval.evidence = take_evidence(year_eval)
    year_eval.scored_by = acting_user
    year_eval.scored_at = timezone.now()
    year_eval.status = Status.SCORED
    year_eval.save()
    AuditLog.record(
        user=acting_user,
        action="evaluation.year_aggregated",
        obj=year_eval,
        periods=len(scored),
        total=str(year_eval.total),
    )
    return year_eval


def deadline_warning(evaluation: Evaluation, today: dt.date | None = None) -> str:
    """The yearly rating's deadline, as a warning once it is near or past (≤ 14 days)."""
    if evaluation.period_kind != PeriodKind.YEAR or evaluation.locked():
        return ""
    today = today or timezone.localdate()
    deadline = rules.deadline_for(evaluation.regime_rules(), evaluation.period_start.year)
    if today > deadline:
        return f"Đã quá hạn xếp loại năm ({_day(deadline)})."
    if (deadline - today).days <= 14:
        return f"Hạn xếp loại năm là {_day(deadline)}."
    return ""
