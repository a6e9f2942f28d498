"""Forms of the web pages: a bank question, and for the exam managers the exam's
settings, its blueprint, and adding candidates from the HR registry.

The blueprint is a fixed grid of small forms (PART_ROWS parts × RULE_ROWS rules) rather
than nested formsets: it needs no JavaScript, and empty rows are simply skipped. The
rules themselves (titles, counts, percentages, networks) are checked again by
assessments.attempts.create_exam, whose errors are put back on the row they name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import access, attempts, parsers, sittings
from assessments.models import Category, Exam, QuestionVersion
from assessments.papers import ExamError
from hr_system import access as hr_access
from hr_system import widgets
from hr_system.models import EMPLOYEE_CODE_RE, Employee, OrgUnit
from hr_system.templatetags.numbers import vn_number

PART_ROWS = 3
RULE_ROWS = 4
MAX_RULE_COUNT = 500
MAX_CODE_LINES = 20000
# Rejected lines listed on the form; the rest are summed up in one line.
SHOWN_REJECTIONS = 100


class QuestionForm(forms.Form):
    """A bank question's latest version: six option slots (A–F), as in the import files."""

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
        for letter in parsers.LETTERS:
            # The options are table rows with no <label> of their own: a name for each
            # input, or a screen reader announces six identical "edit text" fields.
            option = _("Phương án %(letter)s") % {"letter": letter}
            self.fields[f"option_{letter}"] = forms.CharField(
                required=False, max_length=2000, label=letter, widget=forms.TextInput(attrs={"aria-label": option})
            )
            self.fields[f"correct_{letter}"] = forms.BooleanField(
                required=False,
                label=_("Đúng"),
                widget=forms.CheckboxInput(attrs={"aria-label": _("%(option)s đúng") % {"option": option}}),
            )
            # Text, not a number input: "33,33" with the Vietnamese decimal comma is read
            # by parsers.parse_weight (bank.clean_content), as in the Excel template.
            self.fields[f"weight_{letter}"] = forms.CharField(
                required=False,
                max_length=12,
                label=_("Trọng số (%)"),
                widget=forms.TextInput(
                    attrs={"aria-label": _("Trọng số (%%) của %(option)s") % {"option": option}, "size": 6}
                ),
            )

    @staticmethod
    def initial_from(version: QuestionVersion) -> dict:
        initial = {
            "kind": version.kind,
            "difficulty": version.difficulty,
            "text": version.text,
            "tags": version.tags,
        }
        for letter, option in zip(parsers.LETTERS, version.options, strict=False):
            initial[f"option_{letter}"] = option["text"]
            initial[f"correct_{letter}"] = bool(option.get("correct"))
            if "weight" in option:
                initial[f"weight_{letter}"] = vn_number(option["weight"], 5)
        return initial

    def option_rows(self) -> list:
        return [
            (letter, self[f"option_{letter}"], self[f"correct_{letter}"], self[f"weight_{letter}"])
            for letter in parsers.LETTERS
        ]

    def options(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"text": data[f"option_{x}"], "correct": data[f"correct_{x}"], "weight": data[f"weight_{x}"] or None}
            for x in parsers.LETTERS
        ]

    def add_exam_error(self, exc: ExamError) -> None:
        self.add_error(exc.field if exc.field in self.fields else None, str(exc))


# --- exams ------------------------------------------------------------------------------


def _local_datetime_field(label) -> forms.DateTimeField:
    # dd/mm/yyyy hh:mm (ISO still read), a naive value read in the current time zone
    # (TIME_ZONE, Asia/Ho_Chi_Minh), and an aware value shown back in it.
    return forms.DateTimeField(
        label=label, input_formats=widgets.DATETIME_INPUT_FORMATS, widget=widgets.DateTimeInput()
    )


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by depth below the shallowest one offered."""

    base_depth = 0

    def label_from_instance(self, unit: OrgUnit) -> str:
        return "— " * max(0, unit.depth - self.base_depth) + unit.name


def _offer_units(field: UnitChoiceField, units) -> None:
    field.queryset = units.order_by("path")
    field.base_depth = units.aggregate(depth=Min("depth"))["depth"] or 0


class ExamForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tên kỳ thi"), max_length=200)
    unit = UnitChoiceField(
        queryset=OrgUnit.objects.none(),
        label=gettext_lazy("Đơn vị tổ chức"),
        empty_label=gettext_lazy("— Chọn đơn vị —"),
        error_messages={"invalid_choice": gettext_lazy("Không có đơn vị này trong phạm vi bạn quản lý.")},
    )
    opens_at = _local_datetime_field(gettext_lazy("Mở từ"))
    closes_at = _local_datetime_field(gettext_lazy("Đóng lúc"))
    time_limit = forms.IntegerField(
        label=gettext_lazy("Thời gian làm bài (phút)"), min_value=1, max_value=attempts.MAX_TIME_LIMIT, initial=60
    )
    access_code = forms.CharField(
        label=gettext_lazy("Mã dự thi"),
        max_length=64,
        required=False,
        help_text=gettext_lazy(
            "Thí sinh nhập mã này khi bắt đầu làm bài; để trống nếu không dùng. "
            "Hãy ghi lại mã: hệ thống chỉ lưu bản mã hóa, không hiển thị lại được."
        ),
    )
    allowed_networks = forms.CharField(
        label=gettext_lazy("Dải IP được phép dự thi"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Mỗi dòng một dải, ví dụ 10.20.0.0/24; để trống nếu thi từ mọi máy."),
    )
    shuffle_questions = forms.BooleanField(label=gettext_lazy("Đảo thứ tự câu hỏi"), required=False, initial=True)
    shuffle_options = forms.BooleanField(label=gettext_lazy("Đảo thứ tự phương án"), required=False, initial=True)
    negative_mark = forms.DecimalField(
        label=gettext_lazy("Điểm trừ mỗi câu sai"),
        min_value=0,
        max_value=1,
        max_digits=4,
        decimal_places=2,
        initial=0,
        help_text=gettext_lazy("Phần điểm của một câu, từ 0 đến 1 (ví dụ 0.25); 0 là không trừ điểm."),
    )
    floor_at_zero = forms.BooleanField(label=gettext_lazy("Tổng điểm không âm"), required=False, initial=True)
    pass_percent = forms.DecimalField(
        label=gettext_lazy("Điểm đạt của cả bài (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=50,
    )
    results_policy = forms.ChoiceField(
        label=gettext_lazy("Công bố kết quả"),
        choices=Exam.Results.choices,
        initial=Exam.Results.PUBLISHED,
        widget=forms.RadioSelect,
    )
    layout = forms.ChoiceField(
        label=gettext_lazy("Trình bày đề"),
        choices=Exam.Layout.choices,
        initial=Exam.Layout.ONE,
        widget=forms.RadioSelect,
    )
    # Sittings (issue 15): see SETTINGS_FIELDS below, shared with ExamSettingsForm.
    scoring = forms.ChoiceField(
        label=gettext_lazy("Cách tính điểm"),
        choices=Exam.Scoring.choices,
        initial=Exam.Scoring.ALL_OR_NOTHING,
        required=False,  # not chosen: all or nothing, as before issue 15
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Tính điểm từng phần dùng trọng số phương án của người soạn (ví dụ 50% và 50%, phương án sai -100%): "
            "mỗi câu được tổng trọng số các phương án đã chọn, từ 0 đến 1 điểm; điểm trừ mỗi câu sai không áp dụng. "
            "Câu không có trọng số chỉ được điểm khi chọn đúng và đủ."
        ),
    )
    late_entry_minutes = forms.IntegerField(
        label=gettext_lazy("Thời gian cho phép vào muộn (phút)"),
        required=False,
        min_value=0,
        max_value=attempts.MAX_LATE_ENTRY_MINUTES,
        help_text=gettext_lazy(
            "Để trống: theo Nội quy thi (Thông tư 22/2025/TT-BNV): 5 phút với bài thi đến 30 phút, "
            "10 phút với bài thi từ 60 phút; bài thi 31–59 phút: 5 phút (Nội quy không quy định, "
            "Chủ tịch Hội đồng quyết định)."
        ),
    )
    require_checkin = forms.BooleanField(
        label=gettext_lazy("Chỉ thí sinh đã được giám thị xác nhận danh tính mới được làm bài"), required=False
    )
    remark_window_days = forms.IntegerField(
        label=gettext_lazy("Thời hạn đề nghị phúc khảo (ngày)"),
        required=False,
        min_value=1,
        max_value=attempts.MAX_REMARK_DAYS,
        help_text=gettext_lazy("Tính từ ngày công bố kết quả; để trống: theo quy định."),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_units(self.fields["unit"], units)
        if not self.is_bound:
            # A suggestion only: tomorrow morning, 08:00–11:00 local time.
            tomorrow = timezone.localdate() + dt.timedelta(days=1)
            start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(8, 0)))
            self.initial.setdefault("opens_at", start)
            self.initial.setdefault("closes_at", start + dt.timedelta(hours=3))

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Thời điểm đóng phải sau thời điểm mở."))
        return data

    def exam_settings(self) -> dict:
        """Keyword arguments for attempts.create_exam, except the parts."""
        settings = {name: self.cleaned_data[name] for name in self.fields}
        settings["scoring"] = settings["scoring"] or Exam.Scoring.ALL_OR_NOTHING
        return settings


class PartForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tên phần thi"), max_length=200, required=False)
    pass_percent = forms.DecimalField(
        label=gettext_lazy("Điểm đạt của phần (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("Để trống nếu phần này không có điểm liệt."),
    )

    def has_data(self) -> bool:
        return bool((self.data.get(self.add_prefix("title")) or "").strip()) or bool(
            (self.data.get(self.add_prefix("pass_percent")) or "").strip()
        )


class RuleForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=None,
        label=gettext_lazy("Chủ đề"),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": gettext_lazy("Không có chủ đề câu hỏi này trong phạm vi của bạn.")},
    )
    difficulty = forms.TypedChoiceField(
        label=gettext_lazy("Mức độ"),
        choices=[("", gettext_lazy("Mọi mức độ")), *QuestionVersion.Difficulty.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    count = forms.IntegerField(label=gettext_lazy("Số câu"), min_value=1, max_value=MAX_RULE_COUNT, required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        # Rendered as table cells under column headers, without <label>s: each field is
        # named by its column's words for screen readers.
        for rule_field in self.fields.values():
            rule_field.widget.attrs["aria-label"] = rule_field.label

    def has_data(self) -> bool:
        # The difficulty alone does not make a row: "any" is its resting value.
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in ("category", "count"))

    def clean(self):
        data = super().clean()
        if self.has_data():
            if not data.get("category") and "category" not in self.errors:
                self.add_error("category", _("Chọn chủ đề câu hỏi."))
            if data.get("count") is None and "count" not in self.errors:
                self.add_error("count", _("Nhập số câu hỏi."))
        return data


@dataclass
class PartRow:
    number: int
    part: PartForm
    rules: list[RuleForm]

    def has_data(self) -> bool:
        return self.part.has_data() or any(r.has_data() for r in self.rules)

    def has_errors(self) -> bool:
        return bool(self.part.errors) or any(r.errors for r in self.rules)


class BlueprintForm:
    """The exam's parts in paper order, each with its "category × difficulty × count"
    rules, as the `parts` list attempts.create_exam takes."""

    def __init__(self, data=None, *, categories, parts: int = PART_ROWS, rules: int = RULE_ROWS):
        self.is_bound = data is not None
        self.rows = [
            PartRow(
                number=i + 1,
                part=PartForm(data, prefix=f"part{i}"),
                rules=[RuleForm(data, prefix=f"part{i}-rule{j}", categories=categories) for j in range(rules)],
            )
            for i in range(parts)
        ]
        self.errors: list[str] = []
        self._used: list[tuple[PartRow, list[RuleForm]]] = []

    def is_valid(self) -> bool:
        if not self.is_bound:
            return False
        # Every form is validated (no short-circuit) so all row errors show at once.
        valid = all([form.is_valid() for row in self.rows for form in (row.part, *row.rules)])
        self._used = [(row, [r for r in row.rules if r.has_data()]) for row in self.rows if row.has_data()]
        for row, rules in self._used:
            if not (row.part.data.get(row.part.add_prefix("title")) or "").strip():
                row.part.add_error("title", _("Phần thi thứ %(n)s chưa có tên.") % {"n": row.number})
                valid = False
            if not rules:
                row.part.add_error(None, _("Phần thi thứ %(n)s chưa có quy tắc chọn câu hỏi.") % {"n": row.number})
                valid = False
        if not self._used:
            self.errors.append(_("Kỳ thi cần ít nhất một phần thi."))
            valid = False
        return valid

    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.has_errors() for row in self.rows)

    def parts(self) -> list[dict]:
        return [
            {
                "title": row.part.cleaned_data["title"],
                "pass_percent": row.part.cleaned_data["pass_percent"],
                "rules": [
                    {
                        "category": rule.cleaned_data["category"],
                        "difficulty": rule.cleaned_data["difficulty"],
                        "count": rule.cleaned_data["count"],
                    }
                    for rule in rules
                ],
            }
            for row, rules in self._used
        ]

    def add_error(self, path: str, message: str) -> bool:
        """Put an error named like create_exam's fields ("parts.0.rules.1.count") on
        its row; False if the path names no row. Indexes count the rows in use only."""
        bits = path.split(".")
        if bits == ["parts"]:
            self.errors.append(message)
            return True
        if len(bits) < 2 or bits[0] != "parts" or not bits[1].isdigit() or int(bits[1]) >= len(self._used):
            return False
        row, rules = self._used[int(bits[1])]
        rest = bits[2:]
        if rest in (["title"], ["pass_percent"]):
            row.part.add_error(rest[0], message)
        elif len(rest) == 3 and rest[0] == "rules" and rest[1].isdigit() and int(rest[1]) < len(rules):
            form = rules[int(rest[1])]
            form.add_error(rest[2] if rest[2] in form.fields else None, message)
        else:
            row.part.add_error(None, message)
        return True


def show_exam_error(exc: Exception, form: forms.Form, blueprint: BlueprintForm | None = None) -> None:
    """An ExamError or a model ValidationError from an action, shown where it belongs."""
    if isinstance(exc, ExamError):
        if exc.field in form.fields:
            form.add_error(exc.field, str(exc))
        elif blueprint is None or not blueprint.add_error(exc.field, str(exc)):
            form.add_error(None, str(exc))
        return
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
        return
    form.add_error(None, getattr(exc, "messages", None) or str(exc))


# --- candidates -------------------------------------------------------------------------


@dataclass
class Selection:
    """Who the candidate form picked, and the pasted lines it could not use."""

    employees: QuerySet
    rejected: list[str] = field(default_factory=list)


def _code_of(line: str) -> str:
    # A block pasted from a spreadsheet keeps its other columns after a tab. Nothing
    # else separates: "101, 102" on one line is refused rather than half read.
    return line.split("\t", 1)[0].strip()


class CandidatesForm(forms.Form):
    """Candidates from the HR registry: a unit (with or without its sub-units), a staff
    category, a pasted list of codes, or a combination (every filter given applies).

    Scope is the one the exam API uses (hr_system.access.employees_for and units_for):
    a code outside it is reported exactly like an unknown code, so the page does not
    tell a commune's officer which codes exist elsewhere.
    """

    unit = UnitChoiceField(
        queryset=OrgUnit.objects.none(),
        to_field_name="code",
        label=gettext_lazy("Đơn vị"),
        required=False,
        empty_label=gettext_lazy("— Không lọc theo đơn vị —"),
        error_messages={"invalid_choice": gettext_lazy("Không có đơn vị này trong phạm vi bạn quản lý.")},
    )
    include_subunits = forms.BooleanField(label=gettext_lazy("Gồm cả đơn vị trực thuộc"), required=False, initial=True)
    category = forms.ChoiceField(
        label=gettext_lazy("Loại cán bộ"),
        choices=[("", gettext_lazy("— Mọi loại —")), *Employee.Category.choices],
        required=False,
    )
    codes = forms.CharField(
        label=gettext_lazy("Danh sách mã chấm công"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Mỗi dòng một mã; nếu dán từ Excel, mã phải ở cột đầu tiên."),
    )
    active_only = forms.BooleanField(label=gettext_lazy("Chỉ cán bộ đang công tác"), required=False, initial=True)
    add_valid = forms.BooleanField(label=gettext_lazy("Nếu có mã không hợp lệ, vẫn thêm các mã hợp lệ"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.selection: Selection | None = None
        _offer_units(self.fields["unit"], hr_access.units_for(user))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not (data.get("unit") or data.get("category") or data.get("codes", "").strip()):
            raise ValidationError(_("Chọn đơn vị, loại cán bộ hoặc nhập danh sách mã chấm công."))
        lines = data.get("codes", "").splitlines()
        if len(lines) > MAX_CODE_LINES:
            self.add_error("codes", _("Danh sách quá dài (tối đa %(n)s dòng).") % {"n": MAX_CODE_LINES})
            return data
        self.selection = self._select(data, lines)
        rejected = self.selection.rejected
        if rejected and not data.get("add_valid"):
            shown = rejected[:SHOWN_REJECTIONS]
            if len(rejected) > len(shown):
                shown.append(_("… và %(n)s dòng khác.") % {"n": len(rejected) - len(shown)})
            summary = _(
                "Có %(n)s dòng không dùng được nên chưa thêm thí sinh nào. Sửa các dòng dưới đây, "
                "hoặc đánh dấu “vẫn thêm các mã hợp lệ”."
            ) % {"n": len(rejected)}
            self.add_error("codes", [summary, *shown])
        return data

    def _select(self, data: dict, lines: list[str]) -> Selection:
        today = timezone.localdate()
        in_scope = hr_access.employees_for(self.user)
        employees = in_scope
        unit = data.get("unit")
        if unit is not None:
            if data.get("include_subunits"):
                employees = employees.filter(unit__path__startswith=unit.path)
            else:
                employees = employees.filter(unit=unit)
        if data.get("category"):
            employees = employees.filter(category=data["category"])
        if data.get("active_only"):
            employees = employees.filter(pk__in=Employee.objects.active_on(today).values("pk"))
        numbered = [(n, _code_of(line)) for n, line in enumerate(lines, start=1) if line.strip()]
        if not numbered:
            return Selection(employees)
        codes = list(dict.fromkeys(code for _n, code in numbered if re.match(EMPLOYEE_CODE_RE, code)))
        chosen = set(employees.filter(code__in=codes).values_list("code", flat=True))
        known = {e.code: e for e in in_scope.filter(code__in=[c for c in codes if c not in chosen])}
        rejected = []
        for n, code in numbered:
            if code in chosen:
                continue
            if not re.match(EMPLOYEE_CODE_RE, code):
                reason = _("“%(code)s” không phải là mã chấm công (chỉ gồm chữ số, tối đa 9 chữ số).")
            elif code not in known:
                reason = _("không tìm thấy cán bộ có mã %(code)s trong phạm vi bạn quản lý.")
            elif data.get("active_only") and not known[code].is_active_on(today):
                reason = _("%(who)s không còn công tác (hoặc chưa bắt đầu công tác).")
            else:
                reason = _("%(who)s không thuộc đơn vị hoặc loại cán bộ đã chọn.")
            who = str(known[code]) if code in known else ""
            rejected.append(_("Dòng %(n)s: %(reason)s") % {"n": n, "reason": reason % {"code": code, "who": who}})
        return Selection(employees.filter(code__in=chosen), rejected)


# --- sittings (ca thi) and the exam's settings -----------------------------------------


class ExamSettingsForm(forms.Form):
    """The settings an exam keeps editable until its first sitting starts
    (assessments.sittings.update_exam)."""

    title = ExamForm.base_fields["title"]
    opens_at = _local_datetime_field(gettext_lazy("Mở từ"))
    closes_at = _local_datetime_field(gettext_lazy("Đóng lúc"))
    time_limit = ExamForm.base_fields["time_limit"]
    late_entry_minutes = ExamForm.base_fields["late_entry_minutes"]
    require_checkin = ExamForm.base_fields["require_checkin"]
    scoring = ExamForm.base_fields["scoring"]
    remark_window_days = ExamForm.base_fields["remark_window_days"]
    pass_percent = ExamForm.base_fields["pass_percent"]
    negative_mark = ExamForm.base_fields["negative_mark"]
    results_policy = ExamForm.base_fields["results_policy"]

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Thời điểm đóng phải sau thời điểm mở."))
        return data


class SittingForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Tên ca thi"), max_length=100)
    venue = forms.CharField(label=gettext_lazy("Phòng thi, địa điểm"), max_length=200)
    starts_at = _local_datetime_field(gettext_lazy("Giờ bắt đầu (tính giờ cho mọi thí sinh)"))
    ends_at = _local_datetime_field(gettext_lazy("Giờ kết thúc"))
    proctors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Giám thị"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Người dùng thuộc đơn vị tổ chức kỳ thi."),
    )
    codes = forms.CharField(
        label=gettext_lazy("Thí sinh (mã chấm công)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Mỗi dòng hoặc cách nhau bởi dấu phẩy; người chưa có tên trong kỳ thi được thêm vào."),
    )
    unassigned = forms.BooleanField(label=gettext_lazy("Thêm mọi thí sinh của kỳ thi chưa được xếp ca"), required=False)

    def __init__(self, *args, exam: Exam, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.exam, self.user = exam, user
        self.fields["proctors"].queryset = sittings.proctor_choices(exam)
        self.fields["proctors"].label_from_instance = lambda u: (
            f"{u.employee.full_name} ({u.username})" if hasattr(u, "employee") else u.username
        )

    def clean_codes(self) -> list[int]:
        codes = [c for c in re.split(r"[\s,;]+", self.cleaned_data.get("codes") or "") if c]
        if not codes:
            return []
        found = dict(hr_access.employees_for(self.user).filter(code__in=codes).values_list("code", "pk"))
        missing = [c for c in dict.fromkeys(codes) if c not in found]
        if missing:
            raise ValidationError(
                _("Không tìm thấy cán bộ (hoặc ngoài phạm vi): %(codes)s") % {"codes": ", ".join(missing[:20])}
            )
        return [found[c] for c in dict.fromkeys(codes)]

    def employees(self) -> list[int]:
        ids = list(self.cleaned_data.get("codes") or [])
        if self.cleaned_data.get("unassigned"):
            ids += list(self.exam.attempts.filter(sitting__isnull=True).values_list("employee_id", flat=True))
        return list(dict.fromkeys(ids))
