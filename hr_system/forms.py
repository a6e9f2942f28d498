"""Forms of the organisation and people pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hr_system import access, widgets
from hr_system.actions import CITIZEN_ID_TAKEN, EDITABLE_FIELDS
from hr_system.models import Consent, Employee


class ErrorsBesideFields:
    """Form mixin: a field in error says so to screen readers and points at its message,
    which the template shows beside the field with the id "<input id>-loi"."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}-loi"}
                )


class EmployeeForm(ErrorsBesideFields, forms.ModelForm):
    """HR's edit of one person. Dates are plain DateFields: the locale layer reads and
    shows them as dd/mm/yyyy. The unit may only become one the officer manages."""

    class Meta:
        model = Employee
        fields = list(EDITABLE_FIELDS)
        # A number held by someone else: said without naming them (actions.CITIZEN_ID_TAKEN).
        error_messages = {"citizen_id": {"unique": CITIZEN_ID_TAKEN}}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = access.units_for(user, write=True).order_by("path")
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = widgets.DateInput()
        self.fields["unit"].error_messages["invalid_choice"] = _("Không có đơn vị này trong phạm vi bạn quản lý.")
        self.fields["citizen_id"].widget.attrs.update(inputmode="numeric", autocomplete="off", maxlength="12")

    def clean_citizen_id(self):
        # Not recorded is NULL, never "": NULLs do not collide in the unique column.
        return self.cleaned_data.get("citizen_id") or None

    def clean(self):
        data = super().clean()
        start, leave = data.get("start_date"), data.get("leave_date")
        if start and leave and leave < start:
            self.add_error("leave_date", _("Ngày nghỉ việc phải sau ngày bắt đầu làm việc."))
        sector, unit_start = data.get("sector_start"), data.get("unit_start")
        if sector and unit_start and unit_start < sector:
            self.add_error("unit_start", _("Ngày về đơn vị không thể trước ngày vào ngành."))
        return data


class ConsentForm(ErrorsBesideFields, forms.Form):
    purpose = forms.ChoiceField(label=_("Mục đích"), choices=Consent.Purpose.choices)
    evidence = forms.CharField(
        label=_("Căn cứ"),
        max_length=200,
        help_text=_("Ví dụ: phiếu đồng ý số 12/2026, lưu tại hồ sơ cán bộ."),
    )
    given_on = forms.DateField(
        label=_("Ngày ký phiếu"), required=False, help_text=_("Để trống nếu ký hôm nay."), widget=widgets.DateInput()
    )
