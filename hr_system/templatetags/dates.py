"""`{% date_input "start" value label %}`, `{% month_input "month" value label %}` and
`{% datetime_input "opens_at" value label required %}`: the dd/mm/yyyy, mm/yyyy and
dd/mm/yyyy hh:mm boxes of hr_system/widgets.py in hand-written GET forms (filters),
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


@register.simple_tag
def datetime_input(name: str, value=None, label: str = "", required: bool = False):
    attrs = _attrs(label)
    if required:
        attrs["required"] = True
    return widgets.DateTimeInput().render(name, value, attrs=attrs)
