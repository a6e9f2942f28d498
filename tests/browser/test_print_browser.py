"""Printing the timesheet, discipline and results pages from the browser (issue 14 item 8):
Chromium's own print to PDF, as an officer's Ctrl+P does. No menu, filters or buttons on
paper, the wide reports on A4 landscape, the table's header row on every page."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from hr_system.models import Employee
from tests.assessments.test_results import world  # noqa: F401  (the fixture)
from tests.attendance.test_reports import clock, march  # noqa: F401  (the fixtures)

SCREEN_ONLY = ["Đăng xuất", "Tổng quan", "Tải PDF", "Tải Excel", "Khóa sổ tháng", "Chấm điểm và xếp hạng"]


def printed(page) -> list:
    return PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True))).pages


def squeeze(text: str) -> str:
    # Chromium's PDF text comes out with spaces around combining Vietnamese letters.
    return re.sub(r"\s+", "", text)


def text_of(pages) -> str:
    return squeeze("".join(p.extract_text() for p in pages))


def assert_paper(pages, heading: str) -> None:
    text = text_of(pages)
    assert squeeze(heading) in text
    for words in SCREEN_ONLY:
        assert squeeze(words) not in text, words
    for p in pages:
        width, height = float(p.mediabox.width), float(p.mediabox.height)
        assert round(width) == 842 and round(height) == 595, (width, height)  # A4 landscape, points


def test_the_timesheet_prints_without_the_screen_and_repeats_its_header(
    transactional_db,
    cast,
    march,  # noqa: F811
    site,
    browser_page,
    web_login,
):
    for i in range(60):  # enough people for a second page
        Employee.objects.create(code=f"9{i:03d}", full_name=f"Cán Bộ Số {i:03d}", unit=cast.office_a)
    page = browser_page
    web_login(page, "hr_a")
    page.goto(f"{site.url}/attendance/timesheet/?unit=P-MC&month=03/2025")
    page.emulate_media(media="print")
    # the 31 days and the totals fit across the page: nothing to scroll to
    assert page.evaluate(
        "(() => { const w = document.querySelector('.sheet-wrap'); return w.scrollWidth <= w.clientWidth; })()"
    )
    pages = printed(page)
    assert_paper(pages, "Bảng chấm công")
    assert len(pages) >= 2
    for p in pages:
        assert "Họvàtên" in squeeze(p.extract_text())
    text = text_of(pages)
    assert "NguyễnVănAn" in text and "CánBộSố059" in text
    # every day's column made it onto the paper, the totals too
    assert "Khônglương" in text and "31" in text


def test_the_discipline_report_prints_on_landscape(transactional_db, cast, march, site, browser_page, web_login):  # noqa: F811
    page = browser_page
    web_login(page, "hr_a")
    page.goto(f"{site.url}/attendance/discipline/?unit=P-MC&start=01/03/2025&end=31/03/2025")
    page.emulate_media(media="print")
    pages = printed(page)
    assert_paper(pages, "Tình hình chấp hành thời giờ làm việc")
    assert "NguyễnVănAn" in text_of(pages)


def test_the_results_print_on_landscape(transactional_db, world, site, browser_page, web_login):  # noqa: F811
    page = browser_page
    web_login(page, "hr_a")
    page.goto(f"{site.url}/assessments/results/{world.exam.pk}/")
    page.click("text=Chấm điểm và xếp hạng")
    page.wait_for_selector("td.result")
    page.emulate_media(media="print")
    pages = printed(page)
    assert_paper(pages, "Kết quả kiểm tra, đánh giá năng lực")
    text = text_of(pages)
    assert "LòThịHương" in text and "Tổngđiểm" in text
