"""Forms of the evaluation pages. They only read and check what was typed; the rules
(points within a criterion's maximum, a regime in force, the quota) are checked by
evaluation.actions, whose Vietnamese messages the pages show."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy

from evaluation.models import DisciplinaryMeasure, Rulebook
from hr_system import widgets


class CommaDecimalField(forms.DecimalField):
    """A number typed the Vietnamese way ("0,5") or with a dot."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)


PERIOD_KINDS = (
    ("month", gettext_lazy("Tháng")),
    ("quarter", gettext_lazy("Quý")),
    ("year", gettext_lazy("Năm")),
)


class OpenForm(forms.Form):
    """Open an evaluation for one person and one period."""

    employee = forms.CharField(label=gettext_lazy("Mã chấm công của cán bộ"), max_length=9)
    period_kind = forms.ChoiceField(label=gettext_lazy("Kỳ đánh giá"), choices=PERIOD_KINDS, initial="quarter")
    period_start = forms.DateField(label=gettext_lazy("Ngày đầu kỳ"), widget=widgets.DateInput())


class ProductTypeForm(forms.Form):
    unit = forms.CharField(label=gettext_lazy("Mã đơn vị"), max_length=32)
    position = forms.CharField(
        label=gettext_lazy("Vị trí việc làm (để trống: mọi vị trí)"), max_length=120, required=False
    )
    name = forms.CharField(label=gettext_lazy("Tên sản phẩm"), max_length=200)
    measure = forms.CharField(label=gettext_lazy("Đơn vị tính"), max_length=60)
    standard_units = CommaDecimalField(
        label=gettext_lazy("Số sản phẩm chuẩn quy đổi"),
        min_value=Decimal("0.01"),
        max_value=Decimal("1000"),
        decimal_places=2,
        initial=Decimal("1"),
    )


class AssignmentForm(forms.Form):
    employee = forms.CharField(label=gettext_lazy("Mã chấm công của cán bộ"), max_length=9)
    product_type = forms.IntegerField(label=gettext_lazy("Sản phẩm"), min_value=1, max_value=2**31 - 1)
    period_kind = forms.ChoiceField(label=gettext_lazy("Kỳ giao việc"), choices=PERIOD_KINDS[:2], initial="quarter")
    period_start = forms.DateField(label=gettext_lazy("Ngày đầu kỳ"), widget=widgets.DateInput())
    quantity = CommaDecimalField(
        label=gettext_lazy("Số lượng giao"), min_value=Decimal("0.01"), max_value=Decimal("100000"), decimal_places=2
    )
    deadline = forms.DateField(label=gettext_lazy("Thời hạn hoàn thành"), widget=widgets.DateInput())
    quality_requirement = forms.CharField(
        label=gettext_lazy("Yêu cầu chất lượng"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ResultForm(forms.Form):
    quantity_done = CommaDecimalField(
        label=gettext_lazy("Số lượng đã hoàn thành"),
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        decimal_places=2,
    )
    rejected_on_quality = forms.IntegerField(
        label=gettext_lazy("Số sản phẩm không đạt chất lượng"), min_value=0, max_value=100000, initial=0
    )
    late = forms.IntegerField(label=gettext_lazy("Số sản phẩm chậm tiến độ"), min_value=0, max_value=100000, initial=0)
    objective_cause = forms.CharField(
        label=gettext_lazy("Nguyên nhân khách quan (nếu có)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DisciplineForm(forms.Form):
    employee = forms.CharField(label=gettext_lazy("Mã chấm công của cán bộ"), max_length=9)
    level = forms.ChoiceField(label=gettext_lazy("Hình thức kỷ luật"), choices=DisciplinaryMeasure.Level.choices)
    decision_number = forms.CharField(label=gettext_lazy("Số quyết định"), max_length=60)
    decided_on = forms.DateField(label=gettext_lazy("Ngày quyết định"), widget=widgets.DateInput())
    effective_from = forms.DateField(label=gettext_lazy("Ngày có hiệu lực"), widget=widgets.DateInput())
    note = forms.CharField(label=gettext_lazy("Ghi chú"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RulebookForm(forms.Form):
    """The unit's quy chế: the criteria points and the deduction rule are typed per field
    by the page (one box per criterion and per rule item) and collected by the view."""

    unit = forms.CharField(label=gettext_lazy("Mã đơn vị"), max_length=32)
    regime = forms.ChoiceField(label=gettext_lazy("Khung đánh giá"))
    effective_from = forms.DateField(label=gettext_lazy("Áp dụng từ ngày"), widget=widgets.DateInput())
    period_kind = forms.ChoiceField(
        label=gettext_lazy("Theo dõi, đánh giá theo"), choices=Rulebook.PeriodKind.choices, initial="quarter"
    )
    competence_exam_id = forms.IntegerField(
        label=gettext_lazy("Kỳ thi gắn với tiêu chí năng lực"), min_value=1, max_value=2**31 - 1, required=False
    )
    task_groups = forms.CharField(
        label=gettext_lazy("Nhóm nhiệm vụ (mỗi dòng: chức danh = tên nhóm)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, regimes=(), exams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regime"].choices = [(r.code, r.label) for r in regimes]
        self.exam_choices = list(exams)

    def clean_task_groups(self) -> dict:
        groups: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data.get("task_groups", "").splitlines(), start=1):
            if not line.strip():
                continue
            title, sep, group = line.partition("=")
            if not sep or not title.strip() or not group.strip():
                raise forms.ValidationError(
                    gettext_lazy("Dòng %(n)s: viết theo mẫu “chức danh = tên nhóm”.") % {"n": number}
                )
            groups[title.strip()] = group.strip()
        return groups

    def clean_competence_exam_id(self):
        exam_id = self.cleaned_data.get("competence_exam_id")
        if exam_id and exam_id not in {pk for pk, _title in self.exam_choices}:
            raise forms.ValidationError(gettext_lazy("Không tìm thấy kỳ thi này trong phạm vi của bạn."))
        return exam_id
