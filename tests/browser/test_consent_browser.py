"""HR records an employee's consent to fingerprint attendance on the employee page and
records its withdrawal, through gunicorn with DEBUG off."""

from hr_system.models import Consent


def test_hr_records_and_withdraws_a_consent_on_the_employee_page(transactional_db, cast, site, browser_page, web_login):
    page = browser_page
    web_login(page, "hr_a")
    page.goto(f"{site.url}/employees/101/#dong-y")
    section = page.locator("#dong-y")
    assert "Chưa ghi sự đồng ý nào" in section.inner_text()
    section.get_by_label("Mục đích").select_option("fingerprint_attendance")
    section.get_by_label("Căn cứ").fill("Phiếu đồng ý số 5/2026")
    section.get_by_role("button", name="Ghi sự đồng ý").click()
    page.wait_for_url("**/employees/101/#dong-y")
    assert "Đã ghi sự đồng ý" in page.locator("body").inner_text()
    assert "Phiếu đồng ý số 5/2026" in section.inner_text() and "Còn hiệu lực" in section.inner_text()

    section.get_by_role("button", name="Ghi việc rút lại").click()
    page.wait_for_url("**/employees/101/#dong-y")
    assert "Đã rút lại lúc" in page.locator("#dong-y").inner_text()
    consent = Consent.objects.get(employee=cast.emp_a)
    assert consent.withdrawn_at is not None and consent.withdrawn_by == cast.hr_a
