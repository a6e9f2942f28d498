"""An HR officer opens the dashboard, follows a pending leave to the approvals, opens an
employee's page on a given day, steps to the previous month, and corrects the record
(an error first, shown beside its field), through gunicorn with DEBUG off; the page
also reads at 390 px."""

import datetime as dt

from django.utils import timezone

from attendance.models import DayResult, LeaveRequest


def test_hr_works_from_dashboard_and_employee_page(transactional_db, cast, site, browser_page, web_login):
    page = browser_page
    day = timezone.localdate() + dt.timedelta(days=3)
    LeaveRequest.objects.create(
        employee=cast.teacher_a, leave_type="P", start_date=day, end_date=day, reason="Việc gia đình"
    )
    LeaveRequest.objects.create(employee=cast.emp_b, leave_type="P", start_date=day, end_date=day, reason="Khác xã")
    DayResult.objects.create(employee=cast.teacher_a, date=dt.date(2026, 3, 4), status="absent", symbol="KP")
    web_login(page, "hr_a")
    pending = page.locator("#don-cho-duyet")
    assert "Đơn xin nghỉ chờ duyệt 1" in " ".join(pending.inner_text().split())
    pending.get_by_role("link", name="Đơn xin nghỉ chờ duyệt").click()
    page.wait_for_url(f"{site.url}/attendance/approvals/")

    page.goto(f"{site.url}/employees/102/?month=2026-04#ngay-2026-04-01")
    assert page.locator("#ngay-2026-04-30").count() == 1
    page.get_by_role("link", name="Tháng trước").click()
    page.wait_for_url("**/employees/102/?month=2026-03#cham-cong")
    assert "KP" in page.locator("#ngay-2026-03-04").inner_text()

    page.click("text=Sửa hồ sơ")
    page.fill("#id_full_name", "")
    page.click("text=Lưu thay đổi")
    error = page.locator("#id_full_name-loi")
    error.wait_for(state="visible")  # the form posts and the page comes back with it
    assert error.inner_text().strip()
    assert page.get_attribute("#id_full_name", "aria-describedby") == "id_full_name-loi"
    page.fill("#id_full_name", "Lò Thị Hương")
    page.fill("#id_job_title", "Giáo viên hạng II")
    page.click("text=Lưu thay đổi")
    page.wait_for_selector("text=Đã lưu thay đổi hồ sơ")
    cast.teacher_a.refresh_from_db()
    assert cast.teacher_a.job_title == "Giáo viên hạng II"

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site.url}/employees/102/?month=2026-03")
    width = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
    assert width <= 390
