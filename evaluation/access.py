"""Who may see or change which evaluation, quy chế, product, assignment and discipline record.

Every page and endpoint of the evaluation app fetches these objects through the helpers
below. An object outside the caller's org subtree is reported as missing (404); one they
may read but not change is refused (403).

Our reading of who does what (the decrees put the self-assessment with the person, the
score with the direct manager and the decision with the head of the agency, the Phòng
Nội vụ preparing; we did not read the procedure articles themselves [U]):
- self: the person themself, on their own evaluation only;
- score: a unit head (Thủ trưởng) whose scope covers the person's unit, never on
  their own evaluation (their own manager scores them);
- review (yearly collective review): a unit head or an HR officer over the unit;
- decide and reopen: a unit head over the unit, not on their own evaluation;
- read: the person, and unit heads and HR officers over the unit;
- the product catalogue, the quy chế and discipline records: HR officers over the unit;
- assignments and their results: unit heads and HR officers over the unit; accepting
  an objective cause for a late product: a unit head over the unit.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from evaluation.models import Assignment, DisciplinaryMeasure, Evaluation, ProductType, Rulebook
from hr_system import access
from hr_system.models import Employee, OrgUnit, Role

HEAD = Role.Kind.UNIT_HEAD
HR = Role.Kind.HR_OFFICER

READERS = (HEAD, HR)
SCORERS = (HEAD,)
REVIEWERS = (HEAD, HR)
DECIDERS = (HEAD,)
CATALOGUE_MANAGERS = (HR,)
WORK_MANAGERS = (HEAD, HR)
CAUSE_ACCEPTERS = (HEAD,)
DISCIPLINE_RECORDERS = (HR,)

ACTION_KINDS = {
    "score": SCORERS,
    "review": REVIEWERS,
    "decide": DECIDERS,
    "reopen": DECIDERS,
}
ACTION_REFUSALS = {
    "self": "Chỉ chính cán bộ được tự đánh giá.",
    "score": "Chỉ thủ trưởng trực tiếp quản lý cán bộ này được chấm điểm.",
    "review": "Bạn không có quyền ghi kết quả họp xét của đơn vị này.",
    "decide": "Chỉ thủ trưởng đơn vị được quyết định xếp loại.",
    "reopen": "Chỉ thủ trưởng đơn vị được mở lại phiếu đã quyết định.",
}
NOT_FOUND = "Không tìm thấy phiếu đánh giá."


def covers(user, kinds, unit: OrgUnit) -> bool:
    """Whether one of the user's roles of `kinds` has `unit` in its subtree."""
    if access.is_admin(user):
        return True
    return any(
        r.kind in kinds and r.unit is not None and unit.path.startswith(r.unit.path) for r in access.roles_of(user)
    )


def _scoped(queryset: QuerySet, user, kinds, field: str) -> QuerySet:
    q = access.scope_q(user, kinds, field=field)
    return queryset if q is None else queryset.filter(q)


def _is_own(user, employee_id: int) -> bool:
    own = access.own_employee(user)
    return own is not None and own.pk == employee_id


# --- evaluations ----------------------------------------------------------------------


def own_evaluations(user) -> QuerySet[Evaluation]:
    """The caller's own evaluations (an employee sees theirs)."""
    own = access.own_employee(user)
    if own is None:
        return Evaluation.objects.none()
    return Evaluation.objects.filter(employee=own).select_related("employee", "unit")


def evaluations_for(user) -> QuerySet[Evaluation]:
    """Evaluations of units in the caller's head / HR subtree, and their own."""
    evaluations = Evaluation.objects.select_related("employee", "unit")
    q = access.scope_q(user, READERS, field="unit__path")
    if q is None:
        return evaluations
    own = access.own_employee(user)
    if own is not None:
        q |= Q(employee=own)
    return evaluations.filter(q)


def may(user, evaluation: Evaluation, action: str) -> bool:
    if action == "read":
        return _is_own(user, evaluation.employee_id) or covers(user, READERS, evaluation.unit)
    if action == "self":
        return _is_own(user, evaluation.employee_id)
    kinds = ACTION_KINDS.get(action)
    if kinds is None:
        raise ValueError(f"unknown evaluation action {action!r}")
    if _is_own(user, evaluation.employee_id) and not access.is_admin(user):
        return False
    return covers(user, kinds, evaluation.unit)


def get_evaluation_for_user(user, pk, *, action: str = "read") -> Evaluation:
    """The evaluation `pk`: 404 outside the caller's scope, 403 when they may read it
    but not do `action` ("read" | "self" | "score" | "review" | "decide" | "reopen")."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    evaluation = evaluations_for(user).filter(pk=pk).first()
    if evaluation is None:
        raise Http404(NOT_FOUND)
    if action != "read" and not may(user, evaluation, action):
        raise PermissionDenied(ACTION_REFUSALS.get(action, "Bạn không có quyền thực hiện thao tác này."))
    return evaluation


def evaluable_employees_for(user) -> QuerySet[Employee]:
    """People whose evaluation the caller may open: heads and HR over their unit."""
    return _scoped(Employee.objects.select_related("unit"), user, READERS, "unit__path")


def get_evaluable_employee(user, code: str) -> Employee:
    employee = access.get_employee_for_user(user, code)
    if not evaluable_employees_for(user).filter(pk=employee.pk).exists():
        raise PermissionDenied("Bạn không có quyền mở phiếu đánh giá cho cán bộ này.")
    return employee


def get_summary_unit(user, code: str) -> OrgUnit:
    """The unit whose classification summary (tổng hợp) the caller may read: heads and HR
    over it; 404 outside the caller's scope, 403 for other roles inside it."""
    unit = access.get_unit_for_user(user, code)
    if not covers(user, READERS, unit):
        raise PermissionDenied("Bạn không có quyền xem tổng hợp xếp loại của đơn vị này.")
    return unit


def get_summary_unit_for_signing(user, code: str) -> OrgUnit:
    """The unit whose summary the caller may sign: a head over it (404 outside scope,
    403 for HR or a reader inside it)."""
    unit = get_summary_unit(user, code)
    if not covers(user, DECIDERS, unit):
        raise PermissionDenied("Chỉ thủ trưởng đơn vị được ký số bản tổng hợp xếp loại.")
    return unit


def get_employee_for_yearly(user, code: str) -> Employee:
    """The person whose yearly evaluation the caller may build from the decided periods:
    a head over their unit (the yearly result then goes to the collective review)."""
    employee = access.get_employee_for_user(user, code)
    if not covers(user, SCORERS, employee.unit) or _is_own(user, employee.pk):
        raise PermissionDenied("Bạn không có quyền lập kết quả năm cho cán bộ này.")
    return employee


# --- quy chế and product catalogue ---------------------------------------------------


def _ancestor_or_subtree_q(user, kinds) -> Q | None:
    """Rulebooks and products issued in the caller's subtree or above it (a province's
    catalogue applies to its communes)."""
    if access.is_admin(user):
        return None
    q = Q(pk__in=[])
    for role in access.roles_of(user):
        if role.kind in kinds and role.unit is not None:
            q |= Q(unit__path__startswith=role.unit.path) | Q(unit__pk__in=role.unit.ancestors().values("pk"))
    return q


def rulebooks_for(user) -> QuerySet[Rulebook]:
    q = _ancestor_or_subtree_q(user, READERS)
    rulebooks = Rulebook.objects.select_related("unit")
    return rulebooks if q is None else rulebooks.filter(q)


def get_rulebook_for_user(user, pk, *, write: bool = False) -> Rulebook:
    rulebook = rulebooks_for(user).filter(pk=_int(pk)).first()
    if rulebook is None:
        raise Http404("Không tìm thấy quy chế đánh giá.")
    if write and not covers(user, CATALOGUE_MANAGERS, rulebook.unit):
        raise PermissionDenied("Bạn không có quyền sửa quy chế đánh giá của đơn vị này.")
    return rulebook


def product_types_for(user) -> QuerySet[ProductType]:
    q = _ancestor_or_subtree_q(user, READERS)
    products = ProductType.objects.select_related("unit")
    return products if q is None else products.filter(q)


def get_product_type_for_user(user, pk, *, write: bool = False) -> ProductType:
    product = product_types_for(user).filter(pk=_int(pk)).first()
    if product is None:
        raise Http404("Không tìm thấy loại sản phẩm.")
    if write and not covers(user, CATALOGUE_MANAGERS, product.unit):
        raise PermissionDenied("Bạn không có quyền sửa danh mục sản phẩm của đơn vị này.")
    return product


def catalogue_units_for(user) -> QuerySet[OrgUnit]:
    """Units where the caller may keep a quy chế and a product catalogue."""
    return _scoped(OrgUnit.objects.all(), user, CATALOGUE_MANAGERS, "path")


# --- assignments and results ---------------------------------------------------------


def assignments_for(user) -> QuerySet[Assignment]:
    """Assignments of people in the caller's head / HR subtree, and their own."""
    assignments = Assignment.objects.select_related("employee", "product_type", "result")
    q = access.scope_q(user, WORK_MANAGERS, field="employee__unit__path")
    if q is None:
        return assignments
    own = access.own_employee(user)
    if own is not None:
        q |= Q(employee=own)
    return assignments.filter(q)


def get_assignment_for_user(user, pk, *, action: str = "read") -> Assignment:
    """`action`: "read" | "write" (change, record results) | "accept_cause"."""
    assignment = assignments_for(user).filter(pk=_int(pk)).first()
    if assignment is None:
        raise Http404("Không tìm thấy nhiệm vụ được giao.")
    unit = assignment.employee.unit
    if action == "write" and not covers(user, WORK_MANAGERS, unit):
        raise PermissionDenied("Bạn không có quyền giao việc hoặc ghi kết quả cho cán bộ này.")
    if action == "accept_cause" and (
        not covers(user, CAUSE_ACCEPTERS, unit) or (_is_own(user, assignment.employee_id) and not access.is_admin(user))
    ):
        raise PermissionDenied("Chỉ thủ trưởng quản lý cán bộ này được chấp nhận nguyên nhân khách quan.")
    return assignment


def assignable_employees_for(user) -> QuerySet[Employee]:
    return _scoped(Employee.objects.select_related("unit"), user, WORK_MANAGERS, "unit__path")


# --- discipline records ----------------------------------------------------------------


def disciplinary_measures_for(user) -> QuerySet[DisciplinaryMeasure]:
    """Discipline records of people in the caller's HR subtree (heads read them too)."""
    return _scoped(DisciplinaryMeasure.objects.select_related("employee"), user, READERS, "employee__unit__path")


def get_disciplinary_measure_for_user(user, pk, *, write: bool = False) -> DisciplinaryMeasure:
    measure = disciplinary_measures_for(user).filter(pk=_int(pk)).first()
    if measure is None:
        raise Http404("Không tìm thấy quyết định kỷ luật.")
    if write and not covers(user, DISCIPLINE_RECORDERS, measure.employee.unit):
        raise PermissionDenied("Bạn không có quyền sửa quyết định kỷ luật của cán bộ này.")
    return measure


def require_discipline_recorder(user, employee: Employee) -> None:
    if not covers(user, DISCIPLINE_RECORDERS, employee.unit):
        raise PermissionDenied("Chỉ cán bộ Phòng Nội vụ quản lý cán bộ này được ghi quyết định kỷ luật.")


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        return -1
