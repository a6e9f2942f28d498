"""Vietnamese whatever the browser asks for, dates dd/mm/yyyy, decimal comma (issue 14
item 7). An English-language browser sends Accept-Language: en; nothing on the page may
switch to English because of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.template import Context, Template
from django.utils import formats

from attendance import actions
from hr_system import widgets
from hr_system.models import OrgUnit
from tests.attendance.test_api import WED, office  # noqa: F401  (the fixture)

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_an_english_browser_gets_vietnamese_weekdays_and_decimals(cast, office, login):  # noqa: F811
    actions.request_leave(
        acting_user=cast.hr_a,
        employee=cast.emp_a,
        leave_type="P",
        start_date=WED,
        end_date=WED,
        portion="morning",
        reason="Việc riêng",
        approve=True,
    )
    r = login(cast.staff_user).get("/attendance/me/", {"month": "2025-03"}, **ENGLISH)
    html = r.content.decode()
    assert r.status_code == 200
    assert '<html lang="vi">' in html
    assert "Thứ" in html and not re.search(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday)\b", html)
    # half a day of annual leave taken: 0,5 — never 0.5
    assert "đã nghỉ 0,5 ngày" in html and "0.5 ngày" not in html


def test_an_english_browser_gets_vietnamese_form_errors(cast, office, login):  # noqa: F811
    r = login(cast.staff_user).post("/attendance/me/correction/", {"kind": "forgot"}, follow=True, **ENGLISH)
    html = r.content.decode()
    assert "This field is required" not in html and "Enter a valid" not in html
    assert re.search(r'id="\w*date_error"><li>Trường này là bắt buộc\.</li>', html)  # beside the field


def test_the_language_switch_is_gone(client):
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 404


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("31/12/2026", dt.date(2026, 12, 31)), ("1/3/2026", dt.date(2026, 3, 1)), ("2026-03-01", dt.date(2026, 3, 1))],
)
def test_a_date_field_reads_day_month_year_and_iso(typed, expected):
    class F(forms.Form):
        day = forms.DateField()

    form = F({"day": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == expected


def test_a_date_field_never_reads_us_order():
    class F(forms.Form):
        day = forms.DateField(widget=widgets.DateInput())

    form = F({"day": "12/31/2026"})  # what an English picker would send
    assert not form.is_valid() and form.errors["day"] == ["Nhập một ngày hợp lệ."]


def test_the_date_widget_is_a_text_box_showing_day_month_year():
    html = widgets.DateInput().render("start", dt.date(2026, 3, 4))
    assert 'type="text"' in html and 'value="04/03/2026"' in html
    assert 'placeholder="dd/mm/yyyy"' in html and 'inputmode="numeric"' in html and "pattern=" in html
    # an ISO value from an old link is shown the Vietnamese way; garbage stays as typed
    assert 'value="04/03/2026"' in widgets.DateInput().render("start", "2026-03-04")
    assert 'value="31/02/2026"' in widgets.DateInput().render("start", "31/02/2026")
    html = widgets.MonthInput().render("month", "2026-03")
    assert 'type="text"' in html and 'value="03/2026"' in html and 'placeholder="mm/yyyy"' in html


def test_dates_and_numbers_are_formatted_the_vietnamese_way():
    day = dt.date(2026, 3, 4)
    assert formats.date_format(day) == "04/03/2026"
    assert formats.date_format(day, "SHORT_DATE_FORMAT") == "04/03/2026"
    out = Template('{{ d }}|{{ x }}|{{ x|floatformat:2 }}|{{ n|floatformat:"g" }}|{{ pk }}').render(
        Context({"d": day, "x": 3.0, "n": 1234567, "pk": 1234})
    )
    # ids and years in links and inputs are never grouped; grouped figures ask for it
    assert out == "04/03/2026|3,0|3,00|1.234.567|1234"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("03/2026", dt.date(2026, 3, 1)), ("3/2026", dt.date(2026, 3, 1)), ("2026-03", dt.date(2026, 3, 1))],
)
def test_a_month_is_read_as_month_year_or_iso(text, expected):
    assert widgets.parse_month(text) == expected


@pytest.mark.parametrize("text", ["13/2026", "2026-3", "03-2026", "abc", "00/2026"])
def test_a_bad_month_says_so_in_vietnamese(text):
    with pytest.raises(ValueError, match="Tháng không hợp lệ"):
        widgets.parse_month(text)


def test_a_date_that_does_not_exist_is_told_apart_from_a_malformed_one():
    with pytest.raises(ValueError, match="Ngày không tồn tại"):
        widgets.parse_date("31/02/2026")
    with pytest.raises(ValueError, match="Ngày không hợp lệ"):
        widgets.parse_date("2026/02/31")


def test_filter_pages_take_day_month_year_and_show_it(cast, login):
    client = login(cast.hr_a)
    r = client.get("/attendance/timesheet/", {"unit": "P-MC", "month": "03/2025"})
    assert r.status_code == 200 and 'value="03/2025"' in r.content.decode()
    r = client.get("/attendance/discipline/", {"unit": "P-MC", "start": "03/03/2025", "end": "07/03/2025"})
    html = r.content.decode()
    assert r.status_code == 200 and 'value="03/03/2025"' in html and 'value="07/03/2025"' in html
    r = client.get("/attendance/discipline/", {"unit": "P-MC", "start": "31/02/2025", "end": "07/03/2025"})
    assert r.status_code == 400 and "Ngày không tồn tại" in r.content.decode()


def test_no_page_uses_the_browsers_date_picker(cast, office, login):  # noqa: F811
    client = login(cast.hr_a)
    for url in ["/attendance/timesheet/", "/attendance/discipline/", "/attendance/calendar/", "/attendance/schedules/"]:
        html = client.get(url, {"unit": "P-MC"}).content.decode()
        assert not re.search(r'type="(date|month|datetime-local|time)"', html), url
    html = login(cast.staff_user).get("/attendance/me/").content.decode()
    assert not re.search(r'type="(date|month|time)"', html)
    assert 'placeholder="dd/mm/yyyy"' in html and 'placeholder="mm/yyyy"' in html


def test_a_moment_is_typed_day_month_year_and_24_hour_time():
    assert widgets.parse_datetime("04/05/2030 08:00") == dt.datetime(2030, 5, 4, 8, 0)
    assert widgets.parse_datetime("2030-05-04T08:00") == dt.datetime(2030, 5, 4, 8, 0)  # scripts, old forms
    with pytest.raises(ValueError, match="Thời điểm không hợp lệ"):
        widgets.parse_datetime("05/04/2030 8:00 AM")
    html = widgets.DateTimeInput().render("opens_at", dt.datetime(2030, 5, 4, 8, 0))
    assert 'type="text"' in html and 'value="04/05/2030 08:00"' in html and 'placeholder="dd/mm/yyyy hh:mm"' in html


def test_the_exam_form_reads_day_month_year(cast):
    from assessments.forms import ExamForm

    form = ExamForm({"opens_at": "04/05/2030 08:00", "closes_at": "04/05/2030 11:00"}, units=OrgUnit.objects.all())
    form.is_valid()
    assert "opens_at" not in form.errors and "closes_at" not in form.errors
    opens = form.cleaned_data["opens_at"]
    assert opens == dt.datetime(2030, 5, 4, 1, 0, tzinfo=dt.UTC)  # 08:00 in Asia/Ho_Chi_Minh


def test_large_figures_are_grouped_with_dots(cast, login):
    from devices.models import Device

    Device.objects.create(
        name="Cổng chính", host="10.0.0.9", unit=cast.commune_a, record_count=85_000, record_capacity=100_000
    )
    html = login(cast.hr_a).get("/devices/", **ENGLISH).content.decode()
    assert "85.000 / 100.000" in html


def test_the_api_keeps_json_numbers_and_iso_dates(cast, office, login):  # noqa: F811
    from tests.attendance.test_api import file_leave

    client = login(cast.hr_a)
    leave = file_leave(client, "101", WED, portion="morning", approve=True)
    assert leave.status_code == 201 and leave.json()["start_date"] == "2025-03-05", leave.content
    r = client.get("/api/v1/attendance/leave-balance", {"employee": "101", "year": "2025"}, **ENGLISH)
    assert r.json()["used"] == 0.5 and b"0,5" not in r.content


NATIVE_PICKERS = re.compile(r"""type=["']?(date|month|week|time|datetime-local)\b""")


def _project_forms() -> list[type]:
    import importlib
    import pkgutil

    for app in ("hr_system", "devices", "attendance", "assessments", "transfers"):
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if "views" in module.name or "forms" in module.name:
                importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ("hr_system", "devices", "attendance", "assessments", "transfers"):
            found.append(cls)
    return found


def test_no_form_or_template_uses_the_browsers_date_or_time_picker():
    from django.conf import settings

    checked = 0
    for form in _project_forms():
        for name, field in getattr(form, "base_fields", {}).items():
            if isinstance(field, forms.DateField | forms.DateTimeField | forms.TimeField):
                checked += 1
                widget = field.widget
                where = f"{form.__module__}.{form.__name__}.{name}"
                assert widget.input_type == "text" and "type" not in widget.attrs, where
                # shown as typed: dd/mm/yyyy (a plain DateInput takes DATE_INPUT_FORMATS[0])
                assert widget.format in (None, "%d/%m/%Y", "%m/%Y", "%H:%M", "%d/%m/%Y %H:%M"), where
    assert checked >= 8
    for template in (settings.BASE_DIR / "templates").rglob("*.html"):
        assert not NATIVE_PICKERS.search(template.read_text()), template
