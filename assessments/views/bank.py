"""Question bank pages: list, detail with versions and the review workflow, the
question form, categories, and the file import (the roster import's flow, with the
pending file in hr_system.uploads).

Every question and category goes through assessments.access;
all pages are for exam-board members, HR officers and administrators only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic import ValidationError as SchemaError

from assessments import access, bank, parsers
from assessments.forms import QuestionForm
from assessments.models import Question, QuestionVersion
from assessments.papers import ExamError, with_approved_counts
from assessments.schemas import QuestionFilter
from hr_system.uploads import PendingUpload, UploadRejected, read_upload

# Kept under MEDIA_ROOT between the report and the import (hr_system.uploads).
UPLOADS = "bank-imports"
FORMAT_CHOICES = [
    ("aiken", gettext_lazy("Aiken (.txt)")),
    ("gift", gettext_lazy("GIFT (.txt)")),
    ("xlsx", gettext_lazy("Excel theo mẫu (.xlsx)")),
]
# The button shown for each step of the review workflow.
STATUS_ACTIONS = {
    QuestionVersion.Status.REVIEWED: gettext_lazy("Xác nhận đã thẩm định"),
    QuestionVersion.Status.APPROVED: gettext_lazy("Phê duyệt"),
    QuestionVersion.Status.RETIRED: gettext_lazy("Ngừng sử dụng"),
}


def _action(user, version: QuestionVersion, status: str) -> dict:
    """A workflow button of the detail page: its label, the question asked before an
    action that takes an item out of use, and the warning shown to an author about to
    review or approve their own item (allowed: bank.set_status)."""
    Status = QuestionVersion.Status
    action = {"status": status, "label": STATUS_ACTIONS[status], "confirm": "", "warning": ""}
    if version.status == Status.RETIRED:
        action["label"] = _("Khôi phục (hủy ngừng sử dụng)")
    elif status == Status.RETIRED:
        action["confirm"] = _(
            "Ngừng sử dụng phiên bản %(n)s? Câu hỏi sẽ không được rút vào đề thi mới; các đề đã tạo giữ nguyên. "
            "Có thể khôi phục lại sau."
        ) % {"n": version.number}
    elif status in (Status.REVIEWED, Status.APPROVED) and version.author_id == user.pk:
        action["warning"] = _(
            "Bạn là người soạn phiên bản này. Nên để một người khác thẩm định và phê duyệt; nếu bạn tự làm, "
            "việc này được ghi vào nhật ký."
        )
        action["confirm"] = _("Bạn là người soạn câu hỏi này. Vẫn tự xác nhận?")
    return action


def _latest(question: Question) -> QuestionVersion:
    return max(question.versions.all(), key=lambda v: v.number)


@login_required
def question_list(request):
    access.require_manager(request.user)
    try:
        filters = QuestionFilter(
            category=request.GET.get("category") or None,
            status=request.GET.get("status") or None,
            difficulty=request.GET.get("difficulty") or None,
            tag=request.GET.get("tag") or None,
            q=request.GET.get("q") or None,
        )
    except SchemaError:
        filters = QuestionFilter()
        messages.error(request, _("Bộ lọc không hợp lệ."))
    page = Paginator(access.filtered_questions(request.user, filters), 50).get_page(request.GET.get("page"))
    for question in page:
        question.latest = _latest(question)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/bank/question_list.html",
        {
            "page": page,
            "filters": filters,
            "categories": access.categories_for(request.user).order_by("name"),
            "statuses": QuestionVersion.Status.choices,
            "difficulties": QuestionVersion.Difficulty.choices,
            "query": query.urlencode(),
        },
    )


@login_required
def question_detail(request, question_id: int):
    access.get_question_for_user(request.user, question_id)
    question = Question.objects.filter(pk=question_id).with_versions().get()
    versions = sorted(question.versions.all(), key=lambda v: -v.number)
    for version in versions:
        version.actions = [_action(request.user, version, s) for s in version.next_statuses()]
    latest = versions[0]
    return render(
        request,
        "assessments/bank/question_detail.html",
        {"question": question, "versions": versions, "latest": latest, "latest_frozen": latest.is_frozen()},
    )


@login_required
def question_create(request):
    access.require_manager(request.user)
    form = QuestionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = bank.create_question(
                acting_user=request.user,
                category=data["category"],
                kind=data["kind"],
                text=data["text"],
                options=form.options(),
                difficulty=data["difficulty"],
                tags=data["tags"],
            )
        except ExamError as exc:
            form.add_exam_error(exc)
        else:
            messages.success(request, _("Đã tạo câu hỏi (bản nháp)."))
            return redirect("bank_question_detail", question.pk)
    return render(request, "assessments/bank/question_form.html", {"form": form, "question": None})


@login_required
def question_edit(request, question_id: int):
    question = access.get_question_for_user(request.user, question_id)
    latest = question.versions.order_by("-number").first()
    form = QuestionForm(
        request.POST or None, user=request.user, editing=True, initial=QuestionForm.initial_from(latest)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = bank.edit_question(
                acting_user=request.user,
                question=question,
                text=data["text"],
                options=form.options(),
                kind=data["kind"],
                difficulty=data["difficulty"],
                tags=data["tags"],
            )
        except ExamError as exc:
            form.add_exam_error(exc)
        else:
            if version.pk != latest.pk:
                messages.success(
                    request, _("Đã tạo phiên bản %(n)s (bản nháp); phiên bản cũ giữ nguyên.") % {"n": version.number}
                )
            else:
                messages.success(request, _("Đã lưu phiên bản %(n)s.") % {"n": version.number})
            return redirect("bank_question_detail", question.pk)
    return render(
        request,
        "assessments/bank/question_form.html",
        {"form": form, "question": question, "latest": latest, "latest_frozen": latest.is_frozen()},
    )


@login_required
@require_POST
def version_status(request, version_id: int):
    access.require_manager(request.user)
    version = get_object_or_404(
        QuestionVersion.objects.filter(question__in=access.questions_for(request.user)), pk=version_id
    )
    try:
        before = version.status
        version = bank.set_status(acting_user=request.user, version=version, status=request.POST.get("status", ""))
    except ExamError as exc:
        messages.error(request, str(exc))
    else:
        if before == QuestionVersion.Status.RETIRED:
            messages.success(
                request, _("Đã khôi phục phiên bản %(n)s về trạng thái Đã phê duyệt.") % {"n": version.number}
            )
        elif version.status == QuestionVersion.Status.RETIRED:
            messages.success(
                request,
                _("Đã ngừng sử dụng phiên bản %(n)s. Có thể khôi phục bằng nút “Khôi phục”.") % {"n": version.number},
            )
        else:
            messages.success(request, _("Đã cập nhật trạng thái phiên bản %(n)s.") % {"n": version.number})
    return redirect("bank_question_detail", version.question_id)


@login_required
def category_list(request):
    access.require_manager(request.user)
    units = access.manager_units(request.user).order_by("path")
    if request.method == "POST":
        unit_code = request.POST.get("unit", "")
        unit = units.filter(code=unit_code).first() if unit_code else None
        try:
            if unit is None:
                raise ExamError(_("Hãy chọn một đơn vị trong phạm vi bạn quản lý làm đơn vị sở hữu chủ đề."), "unit")
            bank.create_category(
                acting_user=request.user,
                code=request.POST.get("code", ""),
                name=request.POST.get("name", ""),
                unit=unit,
            )
        except ExamError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Đã tạo chủ đề."))
            return redirect("bank_categories")
    # Managed categories link to their questions; those of a unit above are listed
    # with their approved counts only (what a blueprint may draw), never their items.
    categories = with_approved_counts(access.usable_with_management(request.user)).annotate(
        n=Count("questions", distinct=True)
    )
    return render(
        request,
        "assessments/bank/categories.html",
        {
            "categories": categories.select_related("unit").order_by("name", "pk"),
            "units": units,
            "posted": request.POST if request.method == "POST" else {},
        },
    )


@login_required
def import_template(request):
    access.require_manager(request.user)
    response = HttpResponse(parsers.template_xlsx(), content_type=parsers.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-ngan-hang-cau-hoi.xlsx"'
    return response


@login_required
def import_questions(request):
    """Upload → report. With rejected items nothing is written; the author may then
    explicitly choose to import only the valid items of the same file, kept on the
    server meanwhile so it need not be uploaded again, or cancel."""
    access.require_manager(request.user)
    categories = access.categories_for(request.user).order_by("name")
    report = None
    pending = PendingUpload(request.session, UPLOADS)
    if request.method == "POST":
        if request.POST.get("cancel"):
            pending.discard()
            messages.info(request, _("Đã hủy lần nhập; tệp đã tải lên được xóa khỏi máy chủ."))
            return redirect("bank_import")
        import_valid = bool(request.POST.get("import_valid"))
        upload = request.FILES.get("file")
        if upload is not None:
            pending.discard()  # a new upload replaces the pending file, accepted or not
            try:
                data, filename = read_upload(upload), upload.name
            except UploadRejected as exc:
                messages.error(request, str(exc))
                return redirect("bank_import")
            options = {
                "format": request.POST.get("format", ""),
                "category": request.POST.get("category", ""),
                "difficulty": request.POST.get("difficulty", ""),
            }
        elif pending.info and import_valid:
            data, options = pending.read(), pending.info
            filename = options["filename"]
            if not data:
                pending.discard()
                messages.error(request, _("Tệp đã tải lên không còn trên máy chủ; vui lòng tải lên lại."))
                return redirect("bank_import")
        else:
            messages.error(request, _("Vui lòng chọn tệp câu hỏi."))
            return redirect("bank_import")
        category = categories.filter(pk=options["category"]).first() if str(options["category"]).isdigit() else None
        try:
            difficulty = int(options["difficulty"] or QuestionVersion.Difficulty.MEDIUM)
            if difficulty not in QuestionVersion.Difficulty.values:
                raise ValueError
        except ValueError:
            messages.error(request, _("Mức độ không hợp lệ."))
            return redirect("bank_import")
        try:
            items, errors = parsers.parse(data, options["format"])
            report = bank.import_items(
                acting_user=request.user,
                items=items,
                errors=errors,
                category=category,
                difficulty=difficulty,
                import_valid=import_valid,
                dry_run=bool(request.POST.get("dry_run")),
                source=f"{options['format']}:{filename}",
            )
        except UploadRejected as exc:  # the file as a whole: nothing of it is kept
            pending.discard()
            messages.error(request, str(exc))
            return redirect("bank_import")
        except ExamError as exc:
            messages.error(request, str(exc))
            return redirect("bank_import")
        if report.written:
            pending.discard()
            messages.success(
                request,
                _("Đã nhập %(c)s câu hỏi (bản nháp); %(r)s mục bị từ chối.")
                % {"c": report.created, "r": len(report.rejected)},
            )
        elif upload is not None:
            pending.save(data, filename, **options)
    return render(
        request,
        "assessments/bank/import.html",
        {
            "report": report,
            "categories": categories,
            "formats": FORMAT_CHOICES,
            "difficulties": QuestionVersion.Difficulty.choices,
        },
    )
