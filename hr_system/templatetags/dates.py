"""`{% date_input "start" value label %}` and `{% month_input "month" value label %}`: the
dd/mm/yyyy and mm/yyyy boxes of hr_system/widgets.py in hand-written GET forms (filters),
where there is no Django form to render them."""

from __future__ import annotations

from django import template

from hr_system import widgets

register = template.Library()


def _attrs(label) -> dict:
    return {"aria-label": label} if label else {}


@register.simple_tag
def date_input(name: str, value=None, label: str = ""):
    return widgets.DateInput().render(name, value, attrs=_attrs(label))


@register.simple_tag
def month_input(name: str, value=None, label: str = ""):
    return widgets.MonthInput().render(name, value, attrs=_attrs(label))
