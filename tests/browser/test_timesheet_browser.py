"""An HR officer opens the monthly timesheet (C01-HD) of their commune in a browser,
against gunicorn with DEBUG off, sees the grid the recompute produced and downloads it as
PDF and Excel. The month is tests/attendance/test_reports.py's March 2025, checked by hand
there: Nguyễn Văn An on time Mon 3, late Tue 4, absent Wed 5, half a day's leave Thu 6,
a holiday Fri 7, a make-up Saturday 8."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.attendance.test_reports import clock, march  # noqa: F401  (the fixtures)
from tests.browser.watch import assert_styled

EXPECTED = {"3": "+", "4": "+", "5": "KP", "6": "+/P", "7": "L", "8": "+"}


def download(page, link: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(f"text={link}")
    with open(info.value.path(), "rb") as fh:
        return info.value.suggested_filename, fh.read()


def test_hr_opens_the_month_and_downloads_it(transactional_db, cast, march, site, browser_page, watch, web_login):  # noqa: F811
    page = browser_page
    web_login(page, "hr_a")
    page.locator("header nav").get_by_text("Bảng chấm công").click()
    page.select_option("select[name=unit]", "P-MC")
    page.fill("input[name=month]", "2025-03")
    page.click("form.filters button")
    page.wait_for_selector("table.sheet")
    assert page.url == f"{site.url}/attendance/timesheet/?unit=P-MC&month=2025-03"

    names = page.locator("table.sheet tbody td.name").all_inner_texts()
    assert "Nguyễn Văn An" in names and "Lò Thị Hương" in names
    assert "Cầm Văn Đức" not in names  # commune B's, outside hr_a's scope
    an = page.locator("table.sheet tbody tr", has=page.locator("td.name", has_text="Nguyễn Văn An"))
    cells = an.locator("td").all_inner_texts()
    days = dict(zip([str(d) for d in range(1, 32)], cells[3:34], strict=True))
    assert {d: days[d] for d in EXPECTED} == EXPECTED
    # The page's own styles apply too: an absence is painted red.
    absent = an.locator("td.s-absent").first
    assert absent.inner_text() == "KP"
    assert absent.evaluate("cell => getComputedStyle(cell).backgroundColor") == "rgb(255, 235, 233)"
    assert_styled(page)

    name, pdf = download(page, "Tải PDF")
    assert name == "bang-cham-cong-P-MC-2025-03.pdf" and pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "BẢNG CHẤM CÔNG" in text and "Nguyễn Văn An" in text and "Lò Thị Hương" in text

    name, xlsx = download(page, "Tải Excel")
    assert name == "bang-cham-cong-P-MC-2025-03.xlsx"
    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    header = next(row for row in rows if row and "Họ và tên" in row)
    an_row = next(row for row in rows if row and "Nguyễn Văn An" in row)
    cell = dict(zip([str(v) if v is not None else "" for v in header], an_row, strict=False))
    assert {d: cell[d] for d in EXPECTED} == EXPECTED
    watch.assert_loaded("css/app.css")
