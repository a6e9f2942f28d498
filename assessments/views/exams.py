"""Exam pages for the exam board and HR officers: the list of exams they manage, the
form that creates an exam with its blueprint, and the exam's page where candidates are
added and papers generated.

Exams come only through assessments.access (another unit's exam is a 404) and every
write goes through the actions in assessments.attempts / assessments.papers, which
audit it. The monitor (views/take.py) and the results (views/results.py) have their own
pages.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import access, attempts, sittings
from assessments.forms import BlueprintForm, CandidatesForm, ExamForm, show_exam_error
from assessments.models import BlueprintRule, Exam, PaperItem, QuestionVersion
from assessments.papers import ExamError, exam_pool, generate_papers, with_approved_counts

SHOWN_CANDIDATES = 200


def exam_phase(exam: Exam, now: dt.datetime) -> str:
    if exam.published_at is not None:
        return _("Đã công bố kết quả")
    if now < exam.opens_at:
        return _("Chưa mở")
    if exam.is_open(now):
        return _("Đang diễn ra")
    return _("Đã đóng")


def approved_counts(categories) -> list[dict]:
    """Per category, how many current approved questions there are at each level:
    what a blueprint rule can draw from (counts only: a category used from a unit above
    shows no text anywhere). `categories` is annotated with `managed`."""
    table = []
    for category in with_approved_counts(categories).select_related("unit"):
        counts = [category.easy, category.medium, category.hard]
        table.append({"category": category, "counts": counts, "total": sum(counts)})
    return table


def blueprint_parts(exam: Exam) -> list:
    """The exam's parts with their rules, each rule annotated with how many approved
    questions it can draw from, how many the blueprint needs of that pool in all (two
    rules may share one), and whether that is short, as papers.check_blueprint judges."""
    rules = BlueprintRule.objects.select_related("category").order_by("pk")
    parts = list(exam.parts.prefetch_related(Prefetch("rules", queryset=rules)).order_by("order", "pk"))
    all_rules = [rule for part in parts for rule in part.rules.all()]
    pool = exam_pool(exam, all_rules) if all_rules else {}
    needed: dict[tuple[int, int | None], int] = {}
    for rule in all_rules:
        key = (rule.category_id, rule.difficulty)
        needed[key] = needed.get(key, 0) + rule.count
    for rule in all_rules:
        key = (rule.category_id, rule.difficulty)
        rule.available, rule.needed = len(pool.get(key, [])), needed[key]
        rule.short = rule.available < rule.needed
    return parts


@login_required
def exam_list(request):
    access.require_manager(request.user)
    exams = access.exams_for(request.user).annotate(n_candidates=Count("attempts")).order_by("-opens_at", "-pk")
    page = Paginator(exams, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    for exam in page:
        exam.phase = exam_phase(exam, now)
    return render(request, "assessments/exams/list.html", {"page": page})


@login_required
def exam_create(request):
    access.require_manager(request.user)
    categories = access.usable_with_management(request.user).select_related("unit").order_by("name")
    data = request.POST if request.method == "POST" else None
    form = ExamForm(data, units=access.manager_units(request.user))
    blueprint = BlueprintForm(data, categories=categories)
    if data is not None and all([form.is_valid(), blueprint.is_valid()]):
        try:
            exam = attempts.create_exam(acting_user=request.user, parts=blueprint.parts(), **form.exam_settings())
        except (ExamError, ValidationError) as exc:
            show_exam_error(exc, form, blueprint)
        else:
            messages.success(request, _("Đã tạo kỳ thi. Bước tiếp theo: thêm thí sinh rồi tạo đề."))
            return redirect("exam_detail", exam_id=exam.pk)
    return render(
        request,
        "assessments/exams/form.html",
        {
            "form": form,
            "blueprint": blueprint,
            "available": approved_counts(categories),
            "levels": QuestionVersion.Difficulty.labels,
        },
    )


@login_required
def exam_detail(request, exam_id: int):
    exam = access.get_managed_exam(request.user, exam_id)
    form = CandidatesForm(user=request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "generate":
            _generate(request, exam)
            return redirect("exam_detail", exam_id=exam.pk)
        if action != "candidates":
            messages.error(request, _("Thao tác không hợp lệ."))
            return redirect("exam_detail", exam_id=exam.pk)
        form = CandidatesForm(request.POST, user=request.user)
        if form.is_valid() and _add_candidates(request, exam, form):
            return redirect("exam_detail", exam_id=exam.pk)
    has_paper = Exists(PaperItem.objects.filter(attempt=OuterRef("pk")))
    candidates = exam.attempts.select_related("employee__unit", "sitting").annotate(has_paper=has_paper)
    parts = blueprint_parts(exam)
    return render(
        request,
        "assessments/exams/detail.html",
        {
            "exam": exam,
            "phase": exam_phase(exam, timezone.now()),
            "parts": parts,
            "short": any(rule.short for part in parts for rule in part.rules.all()),
            "networks": exam.allowed_networks.split(),
            "candidates": candidates.order_by("employee__sort_key", "employee__code", "pk")[:SHOWN_CANDIDATES],
            "candidate_count": exam.attempts.count(),
            "without_paper": exam.attempts.exclude(has_paper).count(),
            "shown_limit": SHOWN_CANDIDATES,
            "form": form,
            "sittings": exam.sittings.annotate(n_candidates=Count("attempts")).prefetch_related("proctors"),
            "unassigned": exam.attempts.filter(sitting__isnull=True).count(),
            "editable": _editable(exam),
        },
    )


def _editable(exam: Exam) -> bool:
    try:
        sittings.check_editable(exam)
    except ExamError:
        return False
    return True


def _add_candidates(request, exam: Exam, form: CandidatesForm) -> bool:
    selection = form.selection
    try:
        added = attempts.add_candidates(
            acting_user=request.user, exam=exam, employees=selection.employees.values_list("pk", flat=True)
        )
    except ExamError as exc:
        show_exam_error(exc, form)
        return False
    chosen = selection.employees.count()
    messages.success(
        request,
        _("Đã thêm %(added)s thí sinh mới; %(already)s người đã có tên trong danh sách từ trước.")
        % {"added": added, "already": chosen - added},
    )
    if selection.rejected:
        messages.warning(
            request,
            _("Đã bỏ qua %(n)s dòng: %(lines)s")
            % {"n": len(selection.rejected), "lines": " ".join(selection.rejected[:20])},
        )
    return True


def _generate(request, exam: Exam) -> None:
    if not exam.attempts.exists():
        messages.error(request, _("Kỳ thi chưa có thí sinh; hãy thêm thí sinh trước khi tạo đề."))
        return
    try:
        generated = generate_papers(acting_user=request.user, exam=exam)
    except ExamError as exc:
        messages.error(request, str(exc))
        return
    if generated:
        messages.success(request, _("Đã tạo đề cho %(n)s thí sinh.") % {"n": generated})
    else:
        messages.info(request, _("Mọi thí sinh chưa bắt đầu đều đã có đề; không có đề mới nào được tạo."))
