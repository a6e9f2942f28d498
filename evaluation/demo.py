"""Demo data on top of hr_system.demo and attendance.demo (issue 17, item 8): the Mộc Châu
ward's civil servants evaluated for the first three quarters of 2026 under Decree
335/2025 — the ward's quy chế, its product catalogue, assignments and results, attendance
evidence (January 2026 is the demo's pilot month of punches), manager scores and the
head's decisions — with:

- one person disciplined (khiển trách, effective 15/05/2026): không hoàn thành from Q2;
- one product late without an accepted cause, one late with an accepted cause;
- in Q3 a second xuất sắc in the specialists' task group that the quota refuses: that
  evaluation stays "manager_scored" with the quota problem shown where it is decided;
- a decided 2025 yearly classification for a few teachers of the demo transfer round
  (transfers.demo calls seed_yearly_ratings before it computes the round), so the round
  shows that source beside the ratings HR entered by hand.

Idempotent: every object is found by its natural key and created only when missing; a
decided evaluation is never touched again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from evaluation import actions, rules
from evaluation.models import (
    Assignment,
    DisciplinaryMeasure,
    Evaluation,
    ProductResult,
    ProductType,
    Rulebook,
)
from hr_system.models import Employee, OrgUnit

WARD = "P-MOCCHAU"
REGIME = "nd335_2025"
QUARTERS = [dt.date(2026, 1, 1), dt.date(2026, 4, 1), dt.date(2026, 7, 1)]
# The ward's own split of the 30 general points (Decree 233/2026 Art. 12(5) lets a unit
# set sub-criterion points within the framework; the totals 30 / 70 stay).
CRITERIA_POINTS = {
    "chinh_tri_dao_duc": 6,
    "ky_luat_ky_cuong": 8,
    "trach_nhiem_phuc_vu": 6,
    "nang_luc": 5,
    "doi_moi_sang_tao": 5,
    "ket_qua_nhiem_vu": 70,
}
# The ward's nội quy for the discipline criterion: no statute fixes one.
DISCIPLINE_RULE = {
    "late_per": 2,
    "late_points": 1,
    "early_per": 2,
    "early_points": 1,
    "unexcused_absence_points": 2,
    "missing_punch_per": 3,
    "missing_punch_points": 0.5,
    "cap": 8,
}
# Task groups for the quota (xuất sắc ≤ 20 % of tốt within an agency and task group).
SPECIALISTS = "Chuyên viên các phòng, văn phòng"
HEADS = "Lãnh đạo phòng, văn phòng"
HEAD_TITLES = ("Chánh Văn phòng", "Trưởng phòng")
SPECIALIST_TITLES = ("Chuyên viên", "Chuyên viên địa chính", "Chuyên viên nội vụ", "Kế toán", "Văn thư")
TASK_GROUPS = {**dict.fromkeys(HEAD_TITLES, HEADS), **dict.fromkeys(SPECIALIST_TITLES, SPECIALISTS)}
CATALOGUE = [
    # (position, name, measure, standard units)
    ("", "Văn bản tham mưu, báo cáo", "văn bản", Decimal(1)),
    ("", "Hồ sơ thủ tục hành chính giải quyết", "hồ sơ", Decimal("0.5")),
    ("Chuyên viên địa chính", "Hồ sơ đất đai thẩm định", "hồ sơ", Decimal(2)),
    ("Kế toán", "Chứng từ, báo cáo tài chính", "bộ", Decimal("1.5")),
]
# General-criteria points by person (index in the ward's list, by code), for the
# self-assessment and the manager; the results points come from the products.
GENERAL_STRONG = {"chinh_tri_dao_duc": 6, "trach_nhiem_phuc_vu": 6, "nang_luc": 5, "doi_moi_sang_tao": 5}
GENERAL_GOOD = {"chinh_tri_dao_duc": 5.5, "trach_nhiem_phuc_vu": 5, "nang_luc": 4, "doi_moi_sang_tao": 3.5}
DISCIPLINE_DECISION = "12/QĐ-UBND"
YEARLY_2025 = ["tot", "xuat_sac", "hoan_thanh"]


def _admin():
    return get_user_model().objects.get(username="admin")


def ward_civil_servants() -> list[Employee]:
    ward = OrgUnit.objects.get(code=WARD)
    return list(
        Employee.objects.filter(unit__path__startswith=ward.path, category=Employee.Category.CIVIL_SERVANT)
        .select_related("unit")
        .order_by("unit__path", "code")
    )


def ensure_rulebook(admin) -> Rulebook:
    ward = OrgUnit.objects.get(code=WARD)
    book = Rulebook.objects.filter(unit=ward, regime=REGIME, effective_from=dt.date(2026, 1, 1)).first()
    if book is None:
        book = actions.save_rulebook(
            acting_user=admin,
            unit=ward,
            regime=REGIME,
            effective_from=dt.date(2026, 1, 1),
            period_kind=Rulebook.PeriodKind.QUARTER,
            criteria_points=CRITERIA_POINTS,
            discipline_rule=DISCIPLINE_RULE,
            task_groups=TASK_GROUPS,
        )
    return book


def ensure_catalogue(admin) -> dict[str, ProductType]:
    ward = OrgUnit.objects.get(code=WARD)
    out = {}
    for position, name, measure, units in CATALOGUE:
        product = ProductType.objects.filter(unit=ward, position=position, name=name).first()
        if product is None:
            product = actions.add_product_type(
                acting_user=admin, unit=ward, name=name, measure=measure, standard_units=units, position=position
            )
        out[name] = product
    return out


def _products_for(employee: Employee, catalogue: dict[str, ProductType]) -> list[ProductType]:
    """The position's own product first, then the ward's general ones."""
    own = [p for p in catalogue.values() if p.position and p.position == employee.job_title]
    general = [p for p in catalogue.values() if not p.position]
    return (own + general)[:2]


def ensure_work(admin, employee: Employee, quarter: dt.date, catalogue: dict, plan: dict) -> None:
    """Two assignments for the quarter and their results. `plan`: short (products not
    done), rejected (on quality), late, cause (an objective cause, accepted when given)."""
    _start, end = rules.period_bounds("quarter", quarter)
    for i, product in enumerate(_products_for(employee, catalogue)):
        quantity = Decimal(10 if i == 0 else 6)
        assignment = Assignment.objects.filter(
            employee=employee, product_type=product, period_kind="quarter", period_start=quarter
        ).first()
        if assignment is None:
            assignment = actions.assign(
                acting_user=admin,
                employee=employee,
                product_type=product,
                period_kind="quarter",
                period_start=quarter,
                quantity=quantity,
                deadline=end,
                quality_requirement="Đúng thể thức, đúng thời hạn, không phải trả lại",
            )
        if ProductResult.objects.filter(assignment=assignment).exists():
            continue
        first = i == 0
        actions.record_result(
            acting_user=admin,
            assignment=assignment,
            quantity_done=quantity - (plan.get("short", 0) if first else 0),
            rejected_on_quality=plan.get("rejected", 0) if first else 0,
            late=plan.get("late", 0) if first else 0,
            objective_cause=plan.get("cause", "") if first else "",
        )
        if first and plan.get("cause"):
            actions.accept_cause(acting_user=admin, assignment=assignment)


def ensure_discipline(admin, employee: Employee) -> DisciplinaryMeasure:
    measure = DisciplinaryMeasure.objects.filter(employee=employee, decision_number=DISCIPLINE_DECISION).first()
    if measure is None:
        measure = actions.record_discipline(
            acting_user=admin,
            employee=employee,
            level=DisciplinaryMeasure.Level.KHIEN_TRACH,
            decision_number=DISCIPLINE_DECISION,
            decided_on=dt.date(2026, 5, 12),
            effective_from=dt.date(2026, 5, 15),
            note="Vi phạm quy định về giải quyết thủ tục hành chính (dữ liệu minh họa)",
        )
    return measure


def evaluate(admin, employee: Employee, quarter: dt.date, general: dict) -> tuple[Evaluation, list]:
    """Open, self-assess, score and decide one quarter; returns the evaluation and the
    problems that held its decision back ([] once decided)."""
    evaluation = Evaluation.objects.filter(employee=employee, period_kind="quarter", period_start=quarter).first()
    if evaluation is None:
        evaluation = actions.open_evaluation(
            acting_user=admin,
            employee=employee,
            period_kind="quarter",
            period_start=quarter,
            is_unit_head=employee.job_title in HEAD_TITLES,
        )
    if evaluation.locked():
        return evaluation, []
    if evaluation.status == Evaluation.Status.DRAFT:
        actions.self_assess(
            acting_user=admin, evaluation=evaluation, scores=dict(general), comment="Hoàn thành các nhiệm vụ được giao."
        )
        evaluation.refresh_from_db()
    if evaluation.status == Evaluation.Status.SELF:
        # The discipline criterion as the ward's rule suggests from the attendance evidence
        # (the full points when there is no evidence module or no fact to deduct).
        evidence = actions.take_evidence(evaluation).get("discipline") or {}
        suggested = evidence.get("suggested_points", evidence.get("suggested"))
        scores = {
            **general,
            "ky_luat_ky_cuong": CRITERIA_POINTS["ky_luat_ky_cuong"] if suggested is None else suggested,
        }
        actions.manager_score(
            acting_user=admin, evaluation=evaluation, scores=scores, comment="Đồng ý với tự đánh giá."
        )
        evaluation.refresh_from_db()
    try:
        problems = actions.decide(acting_user=admin, evaluation=evaluation, force_warnings=True)
    except actions.EvaluationBlocked as blocked:
        return evaluation, list(blocked.problems)
    evaluation.refresh_from_db()
    return evaluation, [p for p in problems if p.severity == "block"]


def seed_yearly_ratings(admin, employees: list[Employee]) -> int:
    """A decided 2025 yearly classification for the given people (viên chức in 2025: the
    qualitative framework of Decree 90/2020 as amended by 48/2023, classification entered
    directly as the unit's decision recorded it)."""
    made = 0
    decided_at = timezone.make_aware(dt.datetime(2025, 12, 12, 9, 0))
    for i, employee in enumerate(employees):
        start, end = rules.period_bounds("year", dt.date(2025, 1, 1))
        _, created = Evaluation.objects.get_or_create(
            employee=employee,
            period_kind="year",
            period_start=start,
            defaults={
                "unit": employee.unit,
                "regime": rules.regime_for(employee.category, start).code,
                "period_end": end,
                "status": Evaluation.Status.DECIDED,
                "classification": YEARLY_2025[i % len(YEARLY_2025)],
                "review_note": "Quyết định công nhận kết quả đánh giá, xếp loại năm 2025 (dữ liệu minh họa)",
                "decided_by": admin,
                "decided_at": decided_at,
            },
        )
        made += created
    return made


@transaction.atomic
def seed() -> dict:
    admin = _admin()
    book = ensure_rulebook(admin)
    catalogue = ensure_catalogue(admin)
    people = ward_civil_servants()
    heads = [e for e in people if e.job_title in HEAD_TITLES]
    specialists = [e for e in people if e.job_title not in HEAD_TITLES]
    # Roles in the story, by position in the list (codes are fixed by hr_system.demo).
    excellent = specialists[:2]  # the first xuất sắc each quarter; the second too in Q3
    late_person, excused_person, disciplined = specialists[2], specialists[3], specialists[-1]
    ensure_discipline(admin, disciplined)
    held: dict[str, list] = {}
    for q, quarter in enumerate(QUARTERS):
        for employee in people:
            if employee == excellent[0] or (employee == excellent[1] and q == 2):
                plan = {}  # everything done, on time, nothing rejected
            elif employee in heads or employee == excellent[1]:
                plan = {"short": 3}
            elif employee == late_person:
                # one product late, no objective cause: it loses 25 % of its timeliness points
                plan = {"short": 2, "late": 1}
            elif employee == excused_person:
                plan = {"short": 2, "late": 2, "cause": "Chờ ý kiến thẩm định của Sở Nông nghiệp và Môi trường"}
            else:
                plan = {"short": 2 + int(employee.code) % 2, "rejected": int(employee.code) % 2}
            ensure_work(admin, employee, quarter, catalogue, plan)
        # The quota compares xuất sắc with those already decided tốt: the others are
        # decided first, the heads last (their unit's results count in their score).
        others = [e for e in specialists if e not in excellent]
        for employee in others + excellent + heads:
            strong = employee == excellent[0] or (employee == excellent[1] and q == 2)
            evaluation, problems = evaluate(admin, employee, quarter, GENERAL_STRONG if strong else GENERAL_GOOD)
            if problems:
                held[f"{employee.code}:{quarter.isoformat()}"] = problems
    quarterly = Evaluation.objects.filter(employee__in=people, period_kind="quarter")
    return {
        "rulebook": book,
        "people": len(people),
        "disciplined": disciplined,
        "excellent": excellent,
        "late": late_person,
        "held": held,
        "evaluations": quarterly.count(),
        "decided": quarterly.filter(status=Evaluation.Status.DECIDED).count(),
        "yearly_2025": Evaluation.objects.filter(
            period_kind="year", period_start=dt.date(2025, 1, 1), status=Evaluation.Status.DECIDED
        ).count(),
    }
