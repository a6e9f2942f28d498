"""Form pieces the attendance pages share."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from hr_system import widgets


class CloseForm(forms.Form):
    """An end date for a rule or schedule still in force (closing, not removing it)."""

    valid_to = forms.DateField(label=gettext_lazy("Ngày cuối còn hiệu lực"), widget=widgets.DateInput())
