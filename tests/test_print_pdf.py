"""The timesheet PDF (C01-HD) on paper: a "Cộng" row with the column totals, and the
legend and signatures never alone on the last page (issue 14 item 8)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re

from pypdf import PdfReader

from attendance import reports

TOTALS = {"paid_time": 21.0, "paid_leave": 0.5, "social_insurance": 0.0, "stoppage": 0.0, "unpaid": 1.0}


def _sheet(cast, people: int) -> dict:
    data = reports.timesheet(cast.commune_a, dt.date(2025, 3, 1))
    template = data["rows"][0]
    rows = []
    for i in range(people):
        row = copy.deepcopy(template)
        row.update(full_name=f"Cán Bộ Số {i + 1:03d}", totals=dict(TOTALS))
        rows.append(row)
    return {**data, "rows": rows}


def _pages(cast, people: int) -> list[str]:
    pdf = reports.timesheet_pdf(_sheet(cast, people), cast.commune_a)
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _rows_on(text: str) -> int:
    return len(re.findall(r"Cán Bộ Số \d{3}", text))


def test_the_totals_row_sums_every_column(cast):
    (page,) = _pages(cast, 3)
    line = next(line for line in page.splitlines() if "Cộng" in line)
    # 3 × 21 worked, 3 × 0,5 paid leave, no social insurance days, 3 × 1 unpaid
    assert line.split()[-4:] == ["63", "1,5", "0", "3"]


def test_the_signatures_never_start_a_page_alone(cast):
    # Grow the table one person at a time until it no longer fits one page: at that size
    # the table alone exactly fills the first page, where the signatures used to be left
    # on their own. Then a few sizes more.
    people = 1
    while len(_pages(cast, people)) == 1:
        people += 1
        assert people < 60
    for n in range(people, people + 3):
        pages = _pages(cast, n)
        last = pages[-1]
        assert "Người duyệt" in last and "Ký hiệu chấm công" in last, n
        assert _rows_on(last) >= 1 and "Cộng" in last, n
        assert sum(_rows_on(page) for page in pages) == n  # nobody lost or repeated
