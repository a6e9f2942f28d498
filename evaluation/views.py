"""Pages of the evaluation app (Decree 335/2025 for công chức, 233/2026 for viên chức):
the unit's list for a period, one person's evaluation (self-assessment, the manager's
scores beside the attendance and exam evidence, the decision with its quota checks,
reopening), "Đánh giá của tôi", and HR's catalogue, assignments and results, quy chế and
discipline records. Views are thin: every object comes through evaluation/access.py and
every write goes through evaluation/actions.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.reports import exam_choices_for
from evaluation import access, actions, reports, rules, signed_records
from evaluation.forms import (
    AssignmentForm,
    DisciplineForm,
    OpenForm,
    ProductTypeForm,
    ResultForm,
    RulebookForm,
)
from evaluation.models import Evaluation, PeriodKind
from hr_system import access as hr_access
from hr_system import signed_documents, widgets
from hr_system.models import Employee
from hr_system.signed_documents import pages as signed_pages

# The page says this beside the discipline criterion: attendance is evidence, and the
# points it costs come from the unit's own quy chế (Decree 233/2026 Art. 12(5)).
NO_STATUTE_NOTE = (
    "Không có văn bản quy phạm nào quy định mức trừ điểm theo số lần đi muộn; mức trừ này do quy chế của đơn vị đặt ra."
)


def _download(content: bytes, filename: str, content_type: str = "application/pdf") -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _scores_from(post, codes, prefix: str = "score-") -> tuple[dict, list[str]]:
    """The points typed in the `score-<code>` boxes (a decimal comma is fine)."""
    scores, errors = {}, []
    for code, label in codes:
        raw = (post.get(f"{prefix}{code}") or "").strip().replace(",", ".")
        if not raw:
            continue
        try:
            value = Decimal(raw)
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors.append(_("%(c)s: điểm không hợp lệ “%(v)s”.") % {"c": label, "v": raw[:20]})
            continue
        scores[code] = float(value)
    return scores, errors


def _deadline(evaluation: Evaluation) -> dict:
    """The yearly rating's deadline of the regime (15/12 or 5/12), red once
    actions.deadline_warning says it is near or past."""
    day = rules.deadline_for(evaluation.regime_rules(), evaluation.period_start.year)
    return {"date": day, "warning": actions.deadline_warning(evaluation)}


def _maxima(evaluation: Evaluation) -> dict:
    rulebook = actions.rulebook_for(evaluation.unit, evaluation.regime, evaluation.period_end)
    return rules.criteria_maxima(evaluation.regime_rules(), rulebook.criteria_points if rulebook else {})


def _criteria_rows(evaluation: Evaluation, maxima: dict) -> list[dict]:
    rows = []
    for c in evaluation.regime_rules().criteria:
        rows.append(
            {
                "code": c.code,
                "label": c.label,
                "group": c.group,
                "max": rules.fmt(maxima.get(c.code, c.max_points)),
                "max_value": maxima.get(c.code, c.max_points),
                "self": evaluation.self_scores.get(c.code),
                "manager": evaluation.manager_scores.get(c.code),
                "discipline": c.discipline,
                "competence": c.competence,
            }
        )
    return rows


# Attendance facts shown beside the discipline criterion, in this order (the keys of
# attendance.reports.evaluation_facts).
FACT_LABELS = (
    ("worked_days", "Ngày làm việc"),
    ("late_count", "Số lần đi muộn"),
    ("late_minutes", "Số phút đi muộn"),
    ("early_count", "Số lần về sớm"),
    ("early_minutes", "Số phút về sớm"),
    ("absent_days", "Ngày nghỉ không lý do"),
    ("missing_punches", "Số lần thiếu chấm công"),
    ("leave_days_total", "Ngày nghỉ có lý do"),
    ("not_tracked_days", "Ngày không theo dõi"),
)


def _evidence_view(evidence: dict) -> dict:
    """The snapshot (or the live figures) as the page shows them: the attendance facts
    and the unit's deduction beside the discipline criterion, the linked exam's result
    beside the competence criterion (keys: evaluation/evidence.py and
    actions.take_evidence)."""
    facts = evidence.get("attendance") if isinstance(evidence.get("attendance"), dict) else {}
    discipline = evidence.get("discipline") if isinstance(evidence.get("discipline"), dict) else {}
    competence = evidence.get("competence") if isinstance(evidence.get("competence"), dict) else {}
    exam = competence.get("result") if isinstance(competence.get("result"), dict) else None
    exam_text = ""
    if exam:
        exam_text = _("%(t)s: %(s)s/%(m)s điểm (%(p)s%%) — %(r)s") % {
            "t": exam.get("exam_title", ""),
            "s": rules.fmt(exam.get("score")),
            "m": rules.fmt(exam.get("max_score")),
            "p": rules.fmt(exam.get("percent")),
            "r": exam.get("result", ""),
        }
    suggested = discipline.get("suggested", discipline.get("suggested_points"))
    return {
        "attendance": [(_(label), rules.fmt(facts[key]) or "0") for key, label in FACT_LABELS if key in facts],
        "deduction": rules.fmt(discipline["deduction"]) or "0" if "deduction" in discipline else None,
        "deduction_text": discipline.get("explanation", ""),
        "suggested": rules.fmt(suggested) if suggested is not None else None,
        "exam": exam_text,
        "exam_linked": bool(competence),
        "taken_at": evidence.get("taken_at", ""),
    }


def _task_results_view(task_results: dict | None) -> dict:
    task_results = task_results or {}
    lines = [
        {
            "name": line.get("product", ""),
            "quantity": rules.fmt(line.get("quantity")),
            "quantity_done": rules.fmt(line.get("quantity_done")),
            "rejected": line.get("rejected", 0),
            "late": line.get("late", 0),
            "cause_accepted": line.get("cause_accepted", False),
        }
        for line in task_results.get("lines", [])
    ]
    points = task_results.get("points") or {}
    return {
        "lines": lines,
        "points": rules.fmt(points["total"]) if "total" in points else None,
        "parts": [(k, rules.fmt(v)) for k, v in points.items() if k != "total"],
    }


def _evidence_changes(evaluation: Evaluation) -> list[str]:
    """What moved in the live figures since the snapshot (evaluation/evidence.py), for a
    notice: the stored evidence and the score stay as they were."""
    changes = getattr(actions.evidence_module, "changes", None)
    if not evaluation.evidence or changes is None:
        return []
    return list(changes(evaluation))


# --- the unit's list and opening evaluations ------------------------------------------------


@login_required
def unit_list(request):
    """Everyone's evaluation for a period in the caller's scope: status, total, level."""
    kind = request.GET.get("period_kind") or "quarter"
    if kind not in PeriodKind.values:
        kind = "quarter"
    start = None
    error = ""
    if request.GET.get("period_start"):
        try:
            start = widgets.parse_date(request.GET["period_start"])
        except ValueError as exc:
            error = str(exc)
    evaluations = access.evaluations_for(request.user).select_related("employee", "unit")
    unit = None
    if request.GET.get("unit"):
        unit = hr_access.get_unit_for_user(request.user, request.GET["unit"])
        evaluations = evaluations.filter(unit__path__startswith=unit.path)
    evaluations = evaluations.filter(period_kind=kind)
    if start:
        evaluations = evaluations.filter(period_start=start)
    evaluations = list(evaluations.order_by("-period_start", "unit__path", "employee__sort_key", "pk")[:500])
    # For one unit and period: the level a decision would record for each scored row
    # (the quota and consistency checks run when the head decides).
    decidable = []
    if unit is not None and start is not None:
        for e in evaluations:
            if e.status == Evaluation.Status.SCORED and e.regime_rules().scored:
                e.proposed = rules.level_label(actions.check_decision(e)[0])
                if access.may(request.user, e, "decide"):
                    decidable.append(e)
    return render(
        request,
        "evaluation/unit_list.html",
        {
            "evaluations": evaluations,
            "units": hr_access.units_for(request.user).order_by("path"),
            "unit": unit,
            "kind": kind,
            "kinds": PeriodKind.choices,
            "start": start,
            "error": error,
            "open_form": OpenForm(),
            "can_open": access.evaluable_employees_for(request.user).exists(),
            "decidable": decidable,
            "levels": rules.LEVEL_CHOICES,
            "problems": request.session.pop("evaluation-unit-problems", None),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def open_evaluation(request):
    form = OpenForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("evaluation_unit_list")
    employee = access.get_evaluable_employee(request.user, form.cleaned_data["employee"])
    try:
        evaluation = actions.open_evaluation(
            acting_user=request.user,
            employee=employee,
            period_kind=form.cleaned_data["period_kind"],
            period_start=form.cleaned_data["period_start"],
        )
    except (actions.EvaluationError, rules.RegimeError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return redirect("evaluation_unit_list")
    messages.success(request, _("Đã mở phiếu đánh giá."))
    return redirect("evaluation_detail", pk=evaluation.pk)


# --- one evaluation ---------------------------------------------------------------------------


@login_required
def detail(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk, action="read")
    user = request.user
    locked = evaluation.locked()
    can_score = not locked and access.may(user, evaluation, "score")
    rows = _criteria_rows(evaluation, _maxima(evaluation))
    # Before the manager scores, the page shows the live figures (marked as such); the
    # score records them as the snapshot, which is what the page shows from then on.
    evidence_live = not evaluation.evidence
    evidence = actions.take_evidence(evaluation) if evidence_live else evaluation.evidence
    task_results = evaluation.task_results
    if not task_results.get("lines") and evaluation.period_kind != "year":
        task_results = actions.compute_task_results(evaluation) or {}
    return render(
        request,
        "evaluation/detail.html",
        {
            "e": evaluation,
            "regime": evaluation.regime_rules(),
            "rows": rows,
            "max_total": rules.fmt(sum(Decimal(str(r["max_value"])) for r in rows)),
            "task_results": _task_results_view(task_results),
            "evidence": _evidence_view(evidence),
            "evidence_live": evidence_live and bool(evidence),
            "evidence_changes": _evidence_changes(evaluation),
            "no_statute_note": _(NO_STATUTE_NOTE),
            "deadline": _deadline(evaluation),
            "levels": rules.LEVEL_CHOICES,
            "can_self": not locked and access.may(user, evaluation, "self"),
            "can_score": can_score,
            "can_review": not locked and evaluation.period_kind == "year" and access.may(user, evaluation, "review"),
            "can_decide": not locked and access.may(user, evaluation, "decide"),
            "can_reopen": locked and access.may(user, evaluation, "reopen"),
            "can_sign": locked and access.may(user, evaluation, "decide"),
            "problems": request.session.pop(f"evaluation-problems-{pk}", None),
        },
    )


def _back(pk: int):
    return redirect("evaluation_detail", pk=pk)


def _save_scores(request, pk: int, *, action: str, save, done: str):
    """The self-assessment and the manager's scoring share one form: the criteria's points
    and a comment. `save` is the action that records them."""
    evaluation = access.get_evaluation_for_user(request.user, pk, action=action)
    codes = [(c.code, c.label) for c in evaluation.regime_rules().criteria]
    scores, errors = _scores_from(request.POST, codes)
    if errors:
        for e in errors:
            messages.error(request, e)
        return _back(pk)
    try:
        save(acting_user=request.user, evaluation=evaluation, scores=scores, comment=request.POST.get("comment", ""))
        messages.success(request, done)
    except actions.EvaluationError as exc:
        messages.error(request, exc.message)
    return _back(pk)


@login_required
@require_POST
def self_assess(request, pk: int):
    return _save_scores(request, pk, action="self", save=actions.self_assess, done=_("Đã lưu phần tự đánh giá."))


@login_required
@require_POST
def score(request, pk: int):
    return _save_scores(
        request, pk, action="score", save=actions.manager_score, done=_("Đã lưu điểm của người quản lý.")
    )


@login_required
@require_POST
def review(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk, action="review")
    try:
        actions.collective_review(acting_user=request.user, evaluation=evaluation, note=request.POST.get("note", ""))
        messages.success(request, _("Đã ghi ý kiến họp xét."))
    except actions.EvaluationError as exc:
        messages.error(request, exc.message)
    return _back(pk)


@login_required
@require_POST
def decide(request, pk: int):
    """The head's decision. The quota and consistency checks run first: a "block"
    problem refuses the decision and names who exceeds; warnings need the confirm box."""
    evaluation = access.get_evaluation_for_user(request.user, pk, action="decide")
    level = request.POST.get("classification") or None
    if level is not None and level not in dict(rules.LEVEL_CHOICES):
        messages.error(request, _("Mức xếp loại không hợp lệ."))
        return _back(pk)
    try:
        actions.decide(
            acting_user=request.user,
            evaluation=evaluation,
            classification=level,
            force_warnings=request.POST.get("confirm_warnings") == "1",
            unit_level=_unit_level(request),
        )
        messages.success(request, _("Đã quyết định xếp loại."))
    except actions.EvaluationBlocked as exc:
        request.session[f"evaluation-problems-{pk}"] = [
            {"severity": p.severity, "message": p.message, "people": _names(p.employee_ids)} for p in exc.problems
        ]
        messages.error(request, _("Chưa thể quyết định xếp loại: xem các vấn đề dưới đây."))
    except actions.EvaluationError as exc:
        messages.error(request, exc.message)
    return _back(pk)


def _unit_level(request) -> str | None:
    """The unit's own rating this year, when the head gives it (a head is not rated
    above their unit; the quota is 25 % where the unit is xuất sắc)."""
    return request.POST.get("unit_level") or None


@login_required
@require_POST
def decide_unit(request):
    """The head's decision on every scored evaluation of a unit's period at once: all or
    nothing, the quota checked over the batch together with what was decided before."""
    unit = hr_access.get_unit_for_user(request.user, request.POST.get("unit", ""))
    kind = request.POST.get("period_kind", "")
    try:
        start = widgets.parse_date(request.POST.get("period_start", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("evaluation_unit_list")
    back = redirect(
        f"{reverse('evaluation_unit_list')}?unit={unit.code}&period_kind={kind}&period_start={start:%d/%m/%Y}"
    )
    batch = [
        e
        for e in access.evaluations_for(request.user).filter(
            unit__path__startswith=unit.path, period_kind=kind, period_start=start, status=Evaluation.Status.SCORED
        )
        if access.may(request.user, e, "decide")
    ]
    if not batch:
        messages.error(request, _("Không có phiếu nào đã chấm điểm mà bạn được quyết định xếp loại."))
        return back
    try:
        actions.decide_many(
            acting_user=request.user,
            evaluations=batch,
            force_warnings=request.POST.get("confirm_warnings") == "1",
            unit_level=_unit_level(request),
        )
        messages.success(request, _("Đã quyết định xếp loại %(n)s người.") % {"n": len(batch)})
    except actions.EvaluationBlocked as exc:
        request.session["evaluation-unit-problems"] = [
            {"severity": p.severity, "message": p.message, "people": _names(p.employee_ids)} for p in exc.problems
        ]
        messages.error(request, _("Chưa thể quyết định xếp loại: xem các vấn đề dưới đây."))
    except actions.EvaluationError as exc:
        messages.error(request, exc.message)
    return back


def _names(employee_ids) -> list[str]:
    """Who a problem is about, as "name (code)", in the order given."""
    people = {e.pk: f"{e.full_name} ({e.code})" for e in Employee.objects.filter(pk__in=list(employee_ids))}
    return [people[pk] for pk in employee_ids if pk in people]


@login_required
@require_POST
def reopen(request, pk: int):
    evaluation = access.get_evaluation_for_user(request.user, pk, action="reopen")
    try:
        actions.reopen(acting_user=request.user, evaluation=evaluation, reason=request.POST.get("reason", ""))
        messages.success(request, _("Đã mở lại phiếu đánh giá."))
    except actions.EvaluationError as exc:
        messages.error(request, exc.message)
    return _back(pk)


@login_required
def form_pdf(request, pk: int):
    """The phiếu đánh giá as PDF (evaluation/reports.py); once signed, the signed one."""
    evaluation = access.get_evaluation_for_user(request.user, pk, action="read")
    signed = signed_documents.current(signed_documents.EVALUATION_FORM, signed_records.form_subject(evaluation))
    if signed is not None:
        return signed_pages.signed_pdf_response(request, signed)
    return _download(
        reports.form_pdf(evaluation),
        f"phieu-danh-gia-{evaluation.employee.code}-{evaluation.period_start:%Y-%m}.pdf",
    )


@login_required
def form_sign(request, pk: int):
    """The head signs the decided phiếu đánh giá (hr_system.signed_documents)."""
    evaluation = access.get_evaluation_for_user(request.user, pk, action="decide")
    return signed_pages.sign_page(
        request,
        kind=signed_documents.EVALUATION_FORM,
        unit=evaluation.unit,
        subject_key=signed_records.form_subject(evaluation),
        title=_("Ký số phiếu đánh giá: %(n)s — %(p)s")
        % {"n": evaluation.employee.full_name, "p": evaluation.period_label()},
        ready=signed_records.form_ready(evaluation),
        not_ready=signed_records.FORM_NOT_READY,
        # The form carries the head's signature only: no agency credential.
        sign=lambda credential, secret, **_agency: signed_records.sign_form(
            acting_user=request.user, evaluation=evaluation, credential=credential, secret=secret
        ),
        signed_url=reverse("evaluation_form_pdf", args=[evaluation.pk]),
        back_url=reverse("evaluation_detail", args=[evaluation.pk]),
    )


@login_required
def summary_sign(request, unit_code: str, period_kind: str, period_start: str):
    """The head signs the unit's summary once everyone in the period is decided; the
    agency signs it too (hr_system.signed_documents registry)."""
    unit = access.get_summary_unit_for_signing(request.user, unit_code)
    try:
        start = dt.date.fromisoformat(period_start)
    except ValueError:
        raise Http404(_("Kỳ đánh giá không hợp lệ.")) from None
    if period_kind not in PeriodKind.values:
        raise Http404(_("Kỳ đánh giá không hợp lệ."))
    return signed_pages.sign_page(
        request,
        kind=signed_documents.EVALUATION_SUMMARY,
        unit=unit,
        subject_key=signed_records.summary_subject(unit, period_kind, start),
        title=_("Ký số tổng hợp xếp loại: %(u)s — %(p)s")
        % {"u": unit.name, "p": rules.period_label(period_kind, start)},
        ready=signed_records.summary_ready(unit, period_kind, start),
        not_ready=signed_records.SUMMARY_NOT_READY,
        sign=lambda **cred: signed_records.sign_summary(
            acting_user=request.user, unit=unit, period_kind=period_kind, period_start=start, **cred
        ),
        signed_url=reverse("evaluation_summary", args=[unit.code, period_kind, period_start, "pdf"]),
        back_url=reverse("evaluation_unit_list")
        + f"?unit={unit.code}&period_kind={period_kind}&period_start={period_start}",
    )


@login_required
def mine(request):
    """ "Đánh giá của tôi": the caller's own evaluations (read-only once decided)."""
    evaluations = access.own_evaluations(request.user).select_related("unit").order_by("-period_start", "pk")
    return render(request, "evaluation/mine.html", {"evaluations": evaluations})


# --- catalogue, assignments, results ----------------------------------------------------------


def _catalogue_unit(user, code: str):
    """A unit where the caller keeps the catalogue and the quy chế: 404 outside their
    scope, 403 where they may only read."""
    unit = hr_access.get_unit_for_user(user, code)
    if not access.catalogue_units_for(user).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("Chỉ cán bộ Phòng Nội vụ quản lý đơn vị này được thay đổi danh mục và quy chế."))
    return unit


def _assignable(user, code: str):
    employee = hr_access.get_employee_for_user(user, code)
    if not access.assignable_employees_for(user).filter(pk=employee.pk).exists():
        raise PermissionDenied(_("Bạn không có quyền giao việc cho cán bộ này."))
    return employee


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}: {e}" if label else e)


@login_required
def products(request):
    hr_access.require_role(request.user, *access.READERS)
    form = ProductTypeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            unit = _catalogue_unit(request.user, form.cleaned_data["unit"])
            try:
                actions.add_product_type(
                    acting_user=request.user,
                    unit=unit,
                    position=form.cleaned_data["position"],
                    name=form.cleaned_data["name"],
                    measure=form.cleaned_data["measure"],
                    standard_units=form.cleaned_data["standard_units"],
                )
                messages.success(request, _("Đã thêm sản phẩm vào danh mục."))
                return redirect("evaluation_products")
            except actions.EvaluationError as exc:
                messages.error(request, exc.message)
        else:
            _form_errors(request, form)
        status = 400
    rows = access.product_types_for(request.user).select_related("unit").order_by("unit__path", "position", "name")
    return render(
        request,
        "evaluation/products.html",
        {"rows": rows, "form": form, "units": hr_access.units_for(request.user, write=True).order_by("path")},
        status=status,
    )


@login_required
def assignments(request):
    hr_access.require_role(request.user, *access.WORK_MANAGERS)
    form = AssignmentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            employee = _assignable(request.user, data["employee"])
            product = access.product_types_for(request.user).filter(pk=data["product_type"]).first()
            if product is None:
                messages.error(request, _("Không tìm thấy sản phẩm này trong danh mục của bạn."))
            else:
                try:
                    actions.assign(
                        acting_user=request.user,
                        employee=employee,
                        product_type=product,
                        period_kind=data["period_kind"],
                        period_start=data["period_start"],
                        quantity=data["quantity"],
                        deadline=data["deadline"],
                        quality_requirement=data["quality_requirement"],
                    )
                    messages.success(request, _("Đã giao nhiệm vụ."))
                    return redirect("evaluation_assignments")
                except actions.EvaluationError as exc:
                    messages.error(request, exc.message)
        else:
            _form_errors(request, form)
        status = 400
    rows = (
        access.assignments_for(request.user)
        .select_related("employee", "product_type", "result")
        .order_by("-period_start", "employee__sort_key", "pk")[:500]
    )
    return render(
        request,
        "evaluation/assignments.html",
        {
            "rows": rows,
            "form": form,
            "products": access.product_types_for(request.user).filter(active=True).order_by("name"),
        },
        status=status,
    )


@login_required
def result(request, assignment_id: int):
    """Results of one assignment; the manager accepts (or not) an objective cause."""
    assignment = access.get_assignment_for_user(request.user, assignment_id, action="write")
    existing = getattr(assignment, "result", None)
    initial = (
        {
            "quantity_done": existing.quantity_done,
            "rejected_on_quality": existing.rejected_on_quality,
            "late": existing.late,
            "objective_cause": existing.objective_cause,
        }
        if existing
        else {}
    )
    form = ResultForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if request.POST.get("do") == "accept_cause":
            assignment = access.get_assignment_for_user(request.user, assignment_id, action="accept_cause")
            try:
                actions.accept_cause(
                    acting_user=request.user, assignment=assignment, accepted=request.POST.get("accepted") == "1"
                )
                messages.success(request, _("Đã ghi ý kiến về nguyên nhân chậm tiến độ."))
                return redirect("evaluation_result", assignment_id=assignment.pk)
            except actions.EvaluationError as exc:
                messages.error(request, exc.message)
        elif form.is_valid():
            try:
                actions.record_result(acting_user=request.user, assignment=assignment, **form.cleaned_data)
                messages.success(request, _("Đã ghi kết quả thực hiện."))
                return redirect("evaluation_result", assignment_id=assignment.pk)
            except actions.EvaluationError as exc:
                messages.error(request, exc.message)
        else:
            _form_errors(request, form)
        status = 400
    return render(
        request,
        "evaluation/result.html",
        {"a": assignment, "r": existing, "form": form},
        status=status,
    )


# --- quy chế and discipline records -----------------------------------------------------------


@login_required
def rulebooks(request):
    hr_access.require_role(request.user, *access.READERS)
    exams = exam_choices_for(request.user)
    form = RulebookForm(request.POST or None, regimes=rules.REGIMES, exams=exams)
    status = 200
    regimes = list(rules.REGIMES)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = _catalogue_unit(request.user, data["unit"])
            regime = rules.get_regime(data["regime"])
            points, errors = _scores_from(
                request.POST, [(c.code, c.label) for c in regime.criteria], prefix=f"points-{regime.code}-"
            )
            rule, rule_errors = _discipline_rule_from(request.POST)
            errors += rule_errors
            if not errors:
                try:
                    actions.save_rulebook(
                        acting_user=request.user,
                        unit=unit,
                        regime=data["regime"],
                        effective_from=data["effective_from"],
                        period_kind=data["period_kind"],
                        criteria_points=points,
                        discipline_rule=rule,
                        competence_exam_id=data["competence_exam_id"],
                        task_groups=data["task_groups"],
                    )
                    messages.success(request, _("Đã lưu quy chế đánh giá."))
                    return redirect("evaluation_rulebooks")
                except actions.EvaluationError as exc:
                    errors.append(exc.message)
            for e in errors:
                messages.error(request, e)
        else:
            _form_errors(request, form)
        status = 400
    rows = access.rulebooks_for(request.user).select_related("unit").order_by("unit__path", "regime", "-effective_from")
    return render(
        request,
        "evaluation/rulebooks.html",
        {
            "rows": rows,
            "form": form,
            "regimes": regimes,
            "exams": exams,
            "rule_fields": DISCIPLINE_RULE_FIELDS,
            "no_statute_note": _(NO_STATUTE_NOTE),
            "units": hr_access.units_for(request.user, write=True).order_by("path"),
        },
        status=status,
    )


# The unit's deduction rule, one box each (labels shown on the page).
DISCIPLINE_RULE_FIELDS = (
    ("late_per", "Số lần đi muộn cho mỗi lần trừ"),
    ("late_points", "Số điểm trừ mỗi lần"),
    ("early_per", "Số lần về sớm cho mỗi lần trừ"),
    ("early_points", "Số điểm trừ (về sớm)"),
    ("unexcused_absence_points", "Điểm trừ mỗi ngày nghỉ không lý do"),
    ("missing_punch_per", "Số lần thiếu chấm công cho mỗi lần trừ"),
    ("missing_punch_points", "Điểm trừ (thiếu chấm công)"),
)


def _discipline_rule_from(post) -> tuple[dict, list[str]]:
    rule, errors = {}, []
    for key, label in DISCIPLINE_RULE_FIELDS:
        raw = (post.get(f"rule-{key}") or "").strip().replace(",", ".")
        if not raw:
            continue
        try:
            value = Decimal(raw)
            if not value.is_finite() or value < 0 or value > 100:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(_("%(l)s: phải là số từ 0 đến 100.") % {"l": _(label)})
            continue
        rule[key] = float(value)
    return rule, errors


@login_required
def discipline(request):
    hr_access.require_role(request.user, *access.READERS)
    form = DisciplineForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            employee = hr_access.get_employee_for_user(request.user, data.pop("employee"))
            access.require_discipline_recorder(request.user, employee)
            try:
                actions.record_discipline(acting_user=request.user, employee=employee, **data)
                messages.success(request, _("Đã ghi quyết định kỷ luật."))
                return redirect("evaluation_discipline")
            except actions.EvaluationError as exc:
                messages.error(request, exc.message)
        else:
            _form_errors(request, form)
        status = 400
    rows = access.disciplinary_measures_for(request.user).select_related("employee").order_by("-effective_from", "pk")
    return render(request, "evaluation/discipline.html", {"rows": rows, "form": form}, status=status)


@login_required
def summary(request, unit_code: str, period_kind: str, period_start: str, fmt: str):
    """The unit's tổng hợp kết quả đánh giá, xếp loại as PDF or Excel."""
    unit = access.get_summary_unit(request.user, unit_code)
    try:
        start = dt.date.fromisoformat(period_start)
    except ValueError:
        raise Http404(_("Kỳ đánh giá không hợp lệ.")) from None
    if period_kind not in PeriodKind.values or fmt not in ("pdf", "xlsx"):
        raise Http404(_("Kỳ đánh giá không hợp lệ."))
    name = f"tong-hop-xep-loai-{unit.code}-{start:%Y-%m}"
    signed = signed_documents.current(
        signed_documents.EVALUATION_SUMMARY, signed_records.summary_subject(unit, period_kind, start)
    )
    if fmt == "pdf" and signed is not None:
        return signed_pages.signed_pdf_response(request, signed)
    if fmt == "xlsx":
        return _download(
            reports.summary_xlsx(unit, period_kind, start),
            f"{name}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return _download(reports.summary_pdf(unit, period_kind, start), f"{name}.pdf")
