"""An employee follows "Tải dữ liệu của tôi" from their attendance page and downloads
their own data as PDF and JSON, through gunicorn with DEBUG off (issue 16)."""

import datetime as dt
import json

from hr_system.models import AuditLog


def test_an_employee_downloads_their_own_data(transactional_db, cast, site, browser_page, web_login):
    page = browser_page
    cast.emp_a.date_of_birth = dt.date(1990, 4, 2)
    cast.emp_a.save()
    web_login(page, "an")
    page.goto(f"{site.url}/attendance/me/")
    page.get_by_role("link", name="Tải dữ liệu của tôi").click()
    page.wait_for_url(f"{site.url}/me/data/")
    with page.expect_download() as pdf_download:
        page.click("#my-data-pdf")
    pdf = pdf_download.value
    assert pdf.suggested_filename == "du-lieu-ca-nhan-101.pdf"
    with open(pdf.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    with page.expect_download() as json_download:
        page.click("#my-data-json")
    with open(json_download.value.path(), encoding="utf-8") as f:
        document = json.load(f)
    assert document["employee_code"] == "101"
    profile = next(s for s in document["sections"] if s["key"] == "hr_system.profile")
    assert {"label": "Ngày sinh", "value": "1990-04-02"} in profile["fields"]
    assert AuditLog.objects.filter(action="personal_data.exported", user=cast.staff_user).count() == 2
