"""`{% cite "decree.discipline.short" as decree %}`: the text of a regulation in force
today (or on a given date), from hr_system.citations, for notes on pages."""

from __future__ import annotations

import datetime as dt

from django import template

from hr_system import citations

register = template.Library()


@register.simple_tag
def cite(key: str, on: dt.date | None = None) -> str:
    return citations.cite(key, on, default="")
