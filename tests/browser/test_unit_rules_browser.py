"""An HR officer sets the commune's attendance go-live date on the unit rules page, in a
browser against gunicorn with DEBUG off, and the timesheet shows the days before it
blank instead of KP; a day still tracked links to the employee's day."""

from __future__ import annotations

import datetime as dt

from attendance.models import TrackingStart
from tests.attendance.conftest import clock, recompute  # noqa: F401  (the fixture)


def test_hr_sets_the_go_live_date_and_the_false_absences_go(
    transactional_db,
    cast,
    clock,  # noqa: F811
    site,
    browser_page,
    watch,
    web_login,
):
    recompute(dt.date(2025, 3, 1), dt.date(2025, 3, 14), "101")
    page = browser_page
    web_login(page, "hr_a")
    page.goto(f"{site.url}/attendance/timesheet/?unit=P-MC&month=2025-03")
    an = page.locator("table.sheet tbody tr", has=page.locator("td.name", has_text="Nguyễn Văn An"))
    assert an.locator("td").all_inner_texts()[3 + 4] == "KP"  # Wed 5 March: no clock yet

    page.locator("header nav").get_by_text("Quy định chấm công").click()
    page.select_option("select[name=unit]", "P-MC")
    page.click("form.filters button")
    page.fill("#tracking-start input[name=date]", "2025-03-10")
    page.fill("#tracking-start input[name=note]", "Lắp máy chấm công")
    page.click("#tracking-start button[type=submit]")
    page.wait_for_selector("text=Đã đặt ngày bắt đầu theo dõi chấm công")
    assert TrackingStart.objects.get(unit=cast.commune_a).date == dt.date(2025, 3, 10)
    assert "10/03/2025" in page.locator("#tracking-start").inner_text()

    page.goto(f"{site.url}/attendance/timesheet/?unit=P-MC&month=2025-03")
    an = page.locator("table.sheet tbody tr", has=page.locator("td.name", has_text="Nguyễn Văn An"))
    cells = an.locator("td").all_inner_texts()
    assert cells[3 + 4] == "" and cells[3 + 9] == "KP"  # 5 March blank, 10 March still absent
    link = an.locator("td a").first.get_attribute("href")
    assert link == "/employees/101/?month=2025-03#ngay-2025-03-10"
    watch.assert_loaded("css/app.css")
