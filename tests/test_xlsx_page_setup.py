"""Every .xlsx export prints as HR needs it (issue 14 item 8): A4 landscape, one page wide,
the header row repeated on each page. Read back from the downloaded files."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.assessments.test_results import world  # noqa: F401  (the fixture)


def sheets(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets


def assert_printable(content: bytes, header: str) -> None:
    """Each sheet with rows: A4 landscape fitted to the width; the first sheet's title row
    is the one holding `header`."""
    for i, ws in enumerate(sheets(content)):
        if ws.max_row < 2:
            continue
        setup = ws.page_setup
        assert (setup.paperSize, setup.orientation) == (9, "landscape"), ws.title  # 9 = A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, ws.title
        assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), ws.title
        assert ws.print_title_rows, ws.title
        if i == 0:
            row = int(ws.print_title_rows.split(":")[0].strip("$"))
            assert header in [c.value for c in ws[row]], (ws.title, row)


@pytest.mark.parametrize(
    ("url", "query", "header"),
    [
        ("/employees/export.xlsx", {}, "Họ và tên"),
        ("/employees/import/template.xlsx", {}, "Họ và tên"),
        ("/attendance/timesheet.xlsx", {"unit": "P-MC", "month": "2025-03"}, "Họ và tên"),
        ("/attendance/discipline.xlsx", {"unit": "P-MC", "start": "2025-03-03", "end": "2025-03-07"}, "Họ và tên"),
        ("/bank/import/template.xlsx", {}, None),
    ],
)
def test_exports_are_set_up_for_a4_landscape_with_their_header_on_every_page(cast, login, url, query, header):
    r = login(cast.hr_a).get(url, query)
    assert r.status_code == 200, r.content[:300]
    if header is None:  # the bank template: its first row is the column names
        header = sheets(r.content)[0]["A1"].value
    assert_printable(r.content, header)


def test_the_results_export_is_set_up_for_printing(world, login):  # noqa: F811
    client = login(world.cast.hr_a)
    client.post(f"/assessments/results/{world.exam.pk}/score/")
    r = client.get(f"/assessments/results/{world.exam.pk}/results.xlsx")
    assert r.status_code == 200
    assert_printable(r.content, "Họ và tên")
    assert [ws.title for ws in sheets(r.content)] == ["Kết quả", "Ghi chú"]
