"""`{{ value|vn_number }}` / `{{ value|vn_number:1 }}`: a number for Vietnamese text, with a
decimal comma and no trailing zeros ("0,25", "33,33", "100"). Also a plain function for
messages built in Python (import reasons, pass rules), where `floatformat` is not at hand.
Grouping is left out on purpose: figures here are marks and percentages, not money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def vn_number(value, places: int = 2) -> str:
    """At most `places` decimals (half up), trailing zeros dropped, "," as the decimal
    mark; "" for None or a value that is not a number."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-int(places)), ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return ""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")
