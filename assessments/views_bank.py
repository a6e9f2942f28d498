"""Question bank pages: list, detail with versions and the review workflow, the
question form, categories, and the file import (same UX as the roster import).

Every question and category goes through assessments.access / bank.questions_for;
all pages are for exam-board members, HR officers and administrators only."""

from __future__ import annotations

import uuid
from pathlib import Path

from django import forms
from django.conf import settings
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

from assessments import access, bank
from assessments.api_bank import XLSX_TYPE, QuestionFilter, filtered_questions, with_versions
from assessments.models import Category, Question, QuestionVersion
from assessments.papers import ExamError
from hr_system import access as hr_access

PENDING = "pending_bank_import"
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


def _import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "bank-imports"


def _latest(question: Question) -> QuestionVersion:
    return max(question.versions.all(), key=lambda v: v.number)


class QuestionForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label=gettext_lazy("Chủ đề"))
    kind = forms.ChoiceField(choices=QuestionVersion.Kind.choices, label=gettext_lazy("Loại câu hỏi"))
    difficulty = forms.TypedChoiceField(
        choices=QuestionVersion.Difficulty.choices,
        coerce=int,
        initial=QuestionVersion.Difficulty.MEDIUM,
        label=gettext_lazy("Mức độ"),
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=10000, label=gettext_lazy("Nội dung"))
    tags = forms.CharField(
        required=False, max_length=300, label=gettext_lazy("Thẻ"), help_text=gettext_lazy("Cách nhau bằng dấu phẩy")
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["category"]
        else:
            self.fields["category"].queryset = access.categories_for(user).order_by("name")
        for letter in bank.LETTERS:
            self.fields[f"option_{letter}"] = forms.CharField(required=False, max_length=2000, label=letter)
            self.fields[f"correct_{letter}"] = forms.BooleanField(required=False, label=_("Đúng"))

    @staticmethod
    def initial_from(version: QuestionVersion) -> dict:
        initial = {
            "kind": version.kind,
            "difficulty": version.difficulty,
            "text": version.text,
            "tags": version.tags,
        }
        for letter, option in zip(bank.LETTERS, version.options, strict=False):
            initial[f"option_{letter}"] = option["text"]
            initial[f"correct_{letter}"] = bool(option.get("correct"))
        return initial

    def option_rows(self) -> list:
        return [(letter, self[f"option_{letter}"], self[f"correct_{letter}"]) for letter in bank.LETTERS]

    def options(self) -> list[dict]:
        data = self.cleaned_data
        return [{"text": data[f"option_{x}"], "correct": data[f"correct_{x}"]} for x in bank.LETTERS]

    def add_exam_error(self, exc: ExamError) -> None:
        self.add_error(exc.field if exc.field in self.fields else None, str(exc))


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
    page = Paginator(filtered_questions(request.user, filters), 50).get_page(request.GET.get("page"))
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
    bank.get_question_for_user(request.user, question_id)
    question = with_versions(Question.objects.filter(pk=question_id)).get()
    versions = sorted(question.versions.all(), key=lambda v: -v.number)
    for version in versions:
        version.actions = [(s, STATUS_ACTIONS[s]) for s in bank.allowed_statuses(version)]
    latest = versions[0]
    return render(
        request,
        "assessments/bank/question_detail.html",
        {"question": question, "versions": versions, "latest": latest, "latest_frozen": bank.is_frozen(latest)},
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
    question = bank.get_question_for_user(request.user, question_id)
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
        {"form": form, "question": question, "latest": latest, "latest_frozen": bank.is_frozen(latest)},
    )


@login_required
@require_POST
def version_status(request, version_id: int):
    access.require_manager(request.user)
    version = get_object_or_404(
        QuestionVersion.objects.filter(question__in=bank.questions_for(request.user)), pk=version_id
    )
    try:
        bank.set_status(acting_user=request.user, version=version, status=request.POST.get("status", ""))
    except ExamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã cập nhật trạng thái phiên bản %(n)s.") % {"n": version.number})
    return redirect("bank_question_detail", version.question_id)


@login_required
def category_list(request):
    access.require_manager(request.user)
    units = bank.manager_units(request.user).order_by("path")
    if request.method == "POST":
        unit_code = request.POST.get("unit", "")
        unit = units.filter(code=unit_code).first() if unit_code else None
        try:
            if unit_code and unit is None:
                raise ExamError(_("Không có đơn vị này trong phạm vi bạn quản lý."), "unit")
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
    categories = access.categories_for(request.user).select_related("unit").annotate(n=Count("questions"))
    return render(
        request,
        "assessments/bank/categories.html",
        {
            "categories": categories.order_by("name"),
            "units": units,
            "can_share": hr_access.is_admin(request.user),
            "posted": request.POST if request.method == "POST" else {},
        },
    )


@login_required
def import_template(request):
    access.require_manager(request.user)
    response = HttpResponse(bank.template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-ngan-hang-cau-hoi.xlsx"'
    return response


def _forget_pending(request) -> None:
    pending = request.session.pop(PENDING, None)
    if pending:
        (_import_dir() / pending["token"]).unlink(missing_ok=True)


@login_required
def import_questions(request):
    """Upload → report. With rejected items nothing is written; the author may then
    explicitly choose to import only the valid items of the same file, kept on the
    server meanwhile so it need not be uploaded again."""
    access.require_manager(request.user)
    categories = access.categories_for(request.user).order_by("name")
    report = None
    pending = request.session.get(PENDING)
    if request.method == "POST":
        import_valid = bool(request.POST.get("import_valid"))
        upload = request.FILES.get("file")
        if upload is not None and upload.size > bank.MAX_FILE_BYTES:
            messages.error(request, _("Tệp lớn hơn %(n)s MB.") % {"n": bank.MAX_FILE_BYTES // (1024 * 1024)})
            return redirect("bank_import")
        if upload is not None:
            data, filename = upload.read(), upload.name
            settings_ = {
                "format": request.POST.get("format", ""),
                "category": request.POST.get("category", ""),
                "difficulty": request.POST.get("difficulty", ""),
            }
        elif pending and import_valid:
            path = _import_dir() / pending["token"]
            data, filename, settings_ = (path.read_bytes() if path.exists() else b""), pending["filename"], pending
            if not data:
                messages.error(request, _("Tệp đã tải lên không còn trên máy chủ; vui lòng tải lên lại."))
                return redirect("bank_import")
        else:
            messages.error(request, _("Vui lòng chọn tệp câu hỏi."))
            return redirect("bank_import")
        category = categories.filter(pk=settings_["category"]).first() if str(settings_["category"]).isdigit() else None
        try:
            difficulty = int(settings_["difficulty"] or QuestionVersion.Difficulty.MEDIUM)
            if difficulty not in QuestionVersion.Difficulty.values:
                raise ValueError
        except ValueError:
            messages.error(request, _("Mức độ không hợp lệ."))
            return redirect("bank_import")
        try:
            items, errors = bank.parse(data, settings_["format"])
            report = bank.import_items(
                acting_user=request.user,
                items=items,
                errors=errors,
                category=category,
                difficulty=difficulty,
                import_valid=import_valid,
                dry_run=bool(request.POST.get("dry_run")),
                source=f"{settings_['format']}:{filename}",
            )
        except (bank.BankFileError, ExamError) as exc:
            messages.error(request, str(exc))
            return redirect("bank_import")
        if report.written:
            _forget_pending(request)
            messages.success(
                request,
                _("Đã nhập %(c)s câu hỏi (bản nháp); %(r)s mục bị từ chối.")
                % {"c": report.created, "r": len(report.rejected)},
            )
        elif upload is not None:
            _forget_pending(request)
            _import_dir().mkdir(parents=True, exist_ok=True)
            token = uuid.uuid4().hex
            (_import_dir() / token).write_bytes(data)
            request.session[PENDING] = {"token": token, "filename": filename, **settings_}
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
