"""Lists of people in the order of official Vietnamese lists (given name, then family
and middle names; the tone breaks ties), the same on every page, PDF, Excel sheet and
API list, on SQLite and PostgreSQL whatever the database's collation."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.functions import Collate
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from assessments import results
from assessments.models import Attempt, Exam
from attendance import reports as attendance_reports
from hr_system.models import Employee, Role
from hr_system.text import name_sort_key
from tests.transfers.test_transfers import API as TRANSFERS_API
from tests.transfers.test_transfers import hr, make_round, pool  # noqa: F401 (fixtures)

# The office of commune A with the cast's Nguyễn Văn An (101) and four more, in the
# order an official list gives them: À before Á before An; the two An by family name
# (Nguyễn before Trần); Bình last although Nguyễn Thị comes before Trần Văn.
OFFICIAL = ["Lò Văn À", "Lò Văn Á", "Nguyễn Văn An", "Trần Văn An", "Nguyễn Thị Bình"]
MARCH = {"unit": "P-MC-UB", "month": "2025-03"}
WEEK = {"unit": "P-MC-UB", "start": "2025-03-03", "end": "2025-03-07"}


@pytest.fixture
def office(cast):
    for code, name in [("120", "Trần Văn An"), ("121", "Nguyễn Thị Bình"), ("122", "Lò Văn Á"), ("123", "Lò Văn À")]:
        Employee.objects.create(
            code=code,
            full_name=name,
            unit=cast.office_a,
            category=Employee.Category.CIVIL_SERVANT,
            start_date=dt.date(2015, 1, 1),
        )
    return cast


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def order_in_text(text: str, names=OFFICIAL) -> list[str]:
    """The names as they appear in `text` (page HTML or PDF text), first to last."""
    text = " ".join(nfc(text).split())
    found = {name: text.find(name) for name in names}
    assert all(at >= 0 for at in found.values()), found
    return sorted(names, key=found.get)


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def xlsx_names(content: bytes, sheet: str | None = None) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    rows = (book[sheet] if sheet else book.active).iter_rows(values_only=True)
    return [nfc(cell) for row in rows for cell in row if isinstance(cell, str) and nfc(cell) in OFFICIAL]


def test_the_examples_of_the_issue():
    assert sorted(["Nguyễn Thị Bình", "Trần Văn An"], key=name_sort_key) == ["Trần Văn An", "Nguyễn Thị Bình"]
    assert sorted(["Lò Văn Á", "Lò Văn À"], key=name_sort_key) == ["Lò Văn À", "Lò Văn Á"]
    assert sorted(reversed(OFFICIAL), key=name_sort_key) == OFFICIAL


# --- the database order -----------------------------------------------------------------


def test_vn_ordered_is_the_python_order_of_the_key(office):
    names = list(Employee.objects.filter(unit=office.office_a).vn_ordered().values_list("full_name", flat=True))
    assert names == OFFICIAL


def test_vn_ordered_by_unit_keeps_the_tree_order_first(office):
    rows = list(Employee.objects.vn_ordered(by_unit=True).values_list("unit__code", "full_name"))
    assert [name for unit, name in rows if unit == "P-MC-UB"] == OFFICIAL
    units = [unit for unit, _name in rows]
    assert units == sorted(units, key=lambda code: ["P-MC-UB", "P-MC-TH", "X-DK-UB"].index(code))


NOT_C_ORDERED = ["Lò Văn An", "Lò Văn Anh", "Lò Văn Ân", "Lò Văn Za", "Bế Văn Zô", "Lò Văn Ứng", "Lò Văn A1"]


def test_the_order_does_not_depend_on_the_database_collation(cast):
    """Plain code-point or linguistic order of the names themselves puts "Ân" after
    "Za" or between "An" and "Anh", and "Ứng" after "Za"; the key is a string of digits
    that the database sorts as Python does, under its own collation or any other."""
    for i, name in enumerate(NOT_C_ORDERED):
        Employee.objects.create(code=str(500 + i), full_name=name, unit=cast.office_b, category="civil_servant")
    people = Employee.objects.filter(unit=cast.office_b, code__gte="500")
    names = list(people.vn_ordered().values_list("full_name", flat=True))
    assert names == sorted(NOT_C_ORDERED, key=name_sort_key)
    assert names.index("Lò Văn Ân") < names.index("Lò Văn Ứng") < names.index("Lò Văn Za")
    if connection.vendor != "postgresql":
        return
    # Under linguistic collations the names themselves sort differently, the keys do not.
    with connection.cursor() as cursor:
        cursor.execute("SELECT collname FROM pg_collation WHERE collname IN ('und-x-icu', 'en_US.utf8', 'en_US')")
        linguistic = [row[0] for row in cursor.fetchall()]
    if not linguistic:
        pytest.skip("no linguistic collation on this PostgreSQL server to compare with")
    for collation in linguistic:
        by_name = list(people.order_by(Collate("full_name", collation), "code").values_list("full_name", flat=True))
        assert by_name != names, collation
        by_key = list(people.order_by(Collate("sort_key", collation), "code").values_list("full_name", flat=True))
        assert by_key == names, collation


# --- employee list: page, PDF, Excel, API ----------------------------------------------------


def test_employee_list_page_pdf_excel_and_api_share_the_official_order(office, login):
    client = login(office.hr_a)
    page = client.get("/employees/", {"unit": "P-MC-UB"})
    assert [e.full_name for e in page.context["page"]] == OFFICIAL
    assert order_in_text(page.content.decode()) == OFFICIAL
    assert order_in_text(pdf_text(client.get("/employees/export.pdf", {"unit": "P-MC-UB"}).content)) == OFFICIAL
    assert xlsx_names(client.get("/employees/export.xlsx", {"unit": "P-MC-UB"}).content) == OFFICIAL
    api = client.get("/api/v1/people/employees", {"unit": "P-MC-UB"}).json()
    assert [e["full_name"] for e in api["items"]] == OFFICIAL


def test_a_search_keeps_the_official_order(office, login):
    page = login(office.hr_a).get("/employees/", {"q": "van"})
    assert [e.full_name for e in page.context["page"]] == ["Lò Văn À", "Lò Văn Á", "Nguyễn Văn An", "Trần Văn An"]


# --- attendance: timesheet, discipline report, today's board ------------------------------


@pytest.mark.parametrize(("report", "query"), [("timesheet", MARCH), ("discipline", WEEK)])
def test_timesheet_and_discipline_report_share_the_official_order_in_every_format(office, login, report, query):
    client = login(office.hr_a)
    page = client.get(f"/attendance/{report}/", query)
    assert page.status_code == 200
    assert order_in_text(page.content.decode()) == OFFICIAL
    assert order_in_text(pdf_text(client.get(f"/attendance/{report}.pdf", query).content)) == OFFICIAL
    assert xlsx_names(client.get(f"/attendance/{report}.xlsx", query).content) == OFFICIAL


def test_todays_board_lists_people_in_the_official_order(office):
    board = attendance_reports.day_board(office.office_a)
    assert [nfc(row["full_name"]) for row in board["rows"]] == OFFICIAL


# --- exams: candidates, monitor, results ------------------------------------------------


@pytest.fixture
def exam(office):
    board = get_user_model().objects.create_user("board_a", password="x")
    Role.objects.create(user=board, kind=Role.Kind.EXAM_BOARD, unit=office.commune_a)
    office.board_a = board
    now = timezone.now()
    exam = Exam.objects.create(
        title="Kiểm tra năng lực 2026",
        unit=office.commune_a,
        opens_at=now - dt.timedelta(hours=3),
        closes_at=now - dt.timedelta(hours=1),
    )
    for employee in Employee.objects.filter(unit=office.office_a).order_by("-code"):
        Attempt.objects.create(exam=exam, employee=employee)
    return exam


def test_exam_candidates_and_monitor_are_in_the_official_order(office, exam, login):
    client = login(office.board_a)
    detail = client.get(f"/assessments/exams/{exam.pk}/")
    assert detail.status_code == 200
    assert [a.employee.full_name for a in detail.context["candidates"]] == OFFICIAL
    monitor = client.get(f"/api/v1/assessments/exams/{exam.pk}/monitor").json()
    assert [nfc(row["full_name"]) for row in monitor["attempts"]] == OFFICIAL


def test_unranked_results_follow_the_official_order_in_every_format(office, exam, login):
    assert [row["full_name"] for row in results.result_rows(exam)["rows"]] == OFFICIAL
    client = login(office.board_a)
    assert order_in_text(client.get(f"/assessments/results/{exam.pk}/").content.decode()) == OFFICIAL
    assert xlsx_names(client.get(f"/assessments/results/{exam.pk}/results.xlsx").content) == OFFICIAL
    assert order_in_text(pdf_text(client.get(f"/assessments/results/{exam.pk}/results.pdf").content)) == OFFICIAL


def test_ranked_results_keep_rank_order_and_tie_by_name(office, exam):
    ranks = {"Nguyễn Thị Bình": 1, "Trần Văn An": 2, "Lò Văn Á": 2, "Lò Văn À": 4}  # Nguyễn Văn An unranked
    for attempt in exam.attempts.select_related("employee"):
        attempt.rank = ranks.get(attempt.employee.full_name)
        attempt.save(update_fields=["rank"])
    names = [row["full_name"] for row in results.result_rows(exam)["rows"]]
    assert names == ["Nguyễn Thị Bình", "Lò Văn Á", "Trần Văn An", "Lò Văn À", "Nguyễn Văn An"]


# --- transfers: the candidate list of a round ---------------------------------------------


def test_transfer_round_candidates_are_listed_in_the_official_order(hr, pool):  # noqa: F811
    rid = make_round(hr, pool)["id"]
    listed = hr.get(f"{TRANSFERS_API}/rounds/{rid}/candidates").json()["items"]
    # Bình, Hoa, Lan, Mai, Nam, Sơn (codes 301 … 306 were given in another order).
    assert [row["employee"] for row in listed] == ["301", "302", "304", "306", "303", "305"]
