"""Date and month boxes typed the Vietnamese way: dd/mm/yyyy and mm/yyyy.

A browser's native date picker follows the browser's language, not the page's: an
English-language Chrome shows and expects mm/dd/yyyy, so "03/04/2026" meant April to the
officer and March to the picker. These are plain text boxes with a placeholder, a
numeric keyboard on phones and a pattern the browser checks before sending; the form
(DATE_INPUT_FORMATS in hr_system/formats/vi/formats.py) reads dd/mm/yyyy and still takes
ISO yyyy-mm-dd from scripts and old links. Query parameters (a month, a period) go
through `parse_date` / `parse_month`, which say in Vietnamese what was wrong.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.forms.widgets import DateTimeBaseInput
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DATE_FORMAT = "%d/%m/%Y"
MONTH_FORMAT = "%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
DATETIME_INPUT_FORMATS = [DATETIME_FORMAT, "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
# What the browser checks before sending (the form checks again): dd/mm/yyyy, or ISO.
DATE_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"
MONTH_PATTERN = r"\d{1,2}/\d{4}|\d{4}-\d{2}"
TIME_PATTERN = r"\d{1,2}:\d{2}"
DATETIME_PATTERN = r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?"

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MY = re.compile(r"^(\d{1,2})/(\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_datetime(value: str) -> dt.datetime:
    """dd/mm/yyyy hh:mm or ISO → a naive datetime; ValueError with a Vietnamese message."""
    text = (value or "").strip()
    for fmt in DATETIME_INPUT_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(
        _("Thời điểm không hợp lệ: “%(v)s”. Nhập ngày/tháng/năm giờ:phút, ví dụ 31/12/2026 08:00.") % {"v": text}
    )


def parse_date(value: str) -> dt.date:
    """dd/mm/yyyy (or d/m/yyyy) or ISO yyyy-mm-dd; ValueError with a Vietnamese message."""
    text = (value or "").strip()
    if match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(_("Ngày không hợp lệ: “%(v)s”. Nhập ngày/tháng/năm, ví dụ 31/12/2026.") % {"v": text})
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(_("Ngày không tồn tại: “%(v)s”.") % {"v": text}) from None


def parse_month(value: str) -> dt.date:
    """mm/yyyy (or m/yyyy) or ISO yyyy-mm → the month's first day; ValueError in Vietnamese."""
    text = (value or "").strip()
    if match := _MY.match(text):
        month, year = (int(g) for g in match.groups())
    elif match := _ISO_MONTH.match(text):
        year, month = (int(g) for g in match.groups())
    else:
        year = month = 0
    if not (1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
        raise ValueError(_("Tháng không hợp lệ: “%(v)s”. Nhập tháng/năm, ví dụ 03/2026.") % {"v": text})
    return dt.date(year, month, 1)


class _TextBox(DateTimeBaseInput):
    """A text box for a date, month, time or moment in a fixed Vietnamese format. A value
    that `parse` reads (an ISO date from a query string or an old link) is shown in that
    format; anything unreadable stays as typed, so the user can correct it."""

    input_type = "text"
    text_format = ""
    attrs_for_box: dict = {}

    def __init__(self, attrs: dict | None = None):
        defaults = {"autocomplete": "off", **self.attrs_for_box}
        super().__init__(attrs={**defaults, **(attrs or {})}, format=self.text_format)

    @staticmethod
    def parse(text: str):
        raise ValueError(text)

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = self.parse(value)
            except ValueError:
                return value or None
        return super().format_value(value)


class DateInput(_TextBox, forms.DateInput):
    """dd/mm/yyyy (never the browser's own picker)."""

    text_format = DATE_FORMAT
    attrs_for_box = {
        "placeholder": "dd/mm/yyyy",
        "inputmode": "numeric",
        "pattern": DATE_PATTERN,
        "title": gettext_lazy("Ngày/tháng/năm, ví dụ 31/12/2026"),
        "size": "10",
    }
    parse = staticmethod(parse_date)


class MonthInput(_TextBox, forms.DateInput):
    """mm/yyyy; its value is a date (any day of the month) or text."""

    text_format = MONTH_FORMAT
    attrs_for_box = {
        "placeholder": "mm/yyyy",
        "inputmode": "numeric",
        "pattern": MONTH_PATTERN,
        "title": gettext_lazy("Tháng/năm, ví dụ 03/2026"),
        "size": "7",
    }
    parse = staticmethod(parse_month)


class TimeInput(_TextBox, forms.TimeInput):
    """hh:mm, 24-hour (an English browser's own time box shows 07:30 AM)."""

    text_format = "%H:%M"
    attrs_for_box = {"placeholder": "hh:mm", "inputmode": "numeric", "pattern": TIME_PATTERN, "size": "5"}


class DateTimeInput(_TextBox, forms.DateTimeInput):
    """dd/mm/yyyy hh:mm, 24-hour (never the browser's own picker)."""

    text_format = DATETIME_FORMAT
    attrs_for_box = {
        "placeholder": "dd/mm/yyyy hh:mm",
        "pattern": DATETIME_PATTERN,
        "title": gettext_lazy("Ngày/tháng/năm giờ:phút, ví dụ 31/12/2026 08:00"),
        "size": "16",
    }
    parse = staticmethod(parse_datetime)
