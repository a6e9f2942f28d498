"""Search without diacritics or case, the way Vietnamese people type, for employees,
units and bank questions: the QuerySet methods, every search box and API parameter
that uses them, scope, and the bulk writes that must fill the folded columns."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from assessments import bank, parsers
from assessments.models import Question, QuestionVersion
from hr_system import actions, demo
from hr_system.models import Employee, OrgUnit
from hr_system.text import fold, name_sort_key
from tests.assessments.test_bank import approve, board, new_question  # noqa: F401 (fixture)
from tests.test_import import csv_bytes

TYPED_FOR_BINH = ["nguyen van binh", "NGUYỄN", "Nguyen  Van", "binh", "nguyen binh", "Nguyễn Văn Bình", "  BÌNH "]
TYPED_FOR_DINH = ["dinh", "đinh", "ĐINH", "Dinh thi", "hoa dinh"]


@pytest.fixture
def people(cast):
    cast.binh = Employee.objects.create(
        code="110", full_name="Nguyễn Văn Bình", unit=cast.office_a, category=Employee.Category.CIVIL_SERVANT
    )
    cast.dinh = Employee.objects.create(
        code="111", full_name="Đinh Thị Hoa", unit=cast.school_a, category=Employee.Category.PUBLIC_EMPLOYEE
    )
    return cast


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


# --- the QuerySet methods ---------------------------------------------------------------


@pytest.mark.parametrize("typed", TYPED_FOR_BINH)
def test_employee_search_finds_binh_however_it_is_typed(people, typed):
    assert "110" in codes(Employee.objects.search(typed))


@pytest.mark.parametrize("typed", TYPED_FOR_DINH)
def test_employee_search_finds_dinh_with_or_without_the_stroke(people, typed):
    assert codes(Employee.objects.search(typed)) == {"111"}


def test_every_typed_word_must_match_and_a_code_prefix_matches_too(people):
    assert codes(Employee.objects.search("nguyen hoa")) == set()
    assert codes(Employee.objects.search("binh van")) == {"110"}
    assert codes(Employee.objects.search("11")) == {"110", "111"}
    assert codes(Employee.objects.search("10")) == {"101", "102"}  # prefix, not anywhere in the code
    assert codes(Employee.objects.search("%")) == set() and codes(Employee.objects.search("_")) == set()


@pytest.mark.parametrize("typed", ["", "   ", None, "\u0301"])
def test_a_query_that_folds_to_nothing_filters_nothing(people, typed):
    assert codes(Employee.objects.search(typed)) == codes(Employee.objects.all())


def test_unit_search_by_folded_name_or_code(people):
    assert codes(OrgUnit.objects.search("doan ket")) == {"X-DK", "X-DK-UB"}
    assert codes(OrgUnit.objects.search("TIEU HOC moc")) == {"P-MC-TH"}
    assert codes(OrgUnit.objects.search("p-mc-ub")) == {"P-MC-UB"}
    assert codes(OrgUnit.objects.search(" ")) == codes(OrgUnit.objects.all())


# --- pages and API, scoped --------------------------------------------------------------


def test_employee_list_page_searches_without_diacritics_within_scope(people, login):
    page = login(people.hr_a).get("/employees/", {"q": "nguyen van binh"})
    assert page.status_code == 200
    assert [e.code for e in page.context["page"]] == ["110"]
    # Wrong unit: commune B's officer finds nobody of commune A, however it is typed.
    other = login(people.hr_b).get("/employees/", {"q": "nguyen"})
    assert other.status_code == 200 and [e.code for e in other.context["page"]] == []
    assert [e.code for e in login(people.hr_b).get("/employees/", {"q": "duc"}).context["page"]] == ["201"]


def test_employee_list_pdf_and_excel_take_the_same_search(people, login):
    client = login(people.hr_a)
    xlsx = client.get("/employees/export.xlsx", {"q": "dinh"})
    assert xlsx.status_code == 200
    names = [row[2] for row in load_workbook(BytesIO(xlsx.content)).active.iter_rows(min_row=2, values_only=True)]
    assert "Đinh Thị Hoa" in names and "Nguyễn Văn Bình" not in names


def test_employee_api_q_searches_without_diacritics_within_scope(people, login):
    client = login(people.hr_a)
    found = client.get("/api/v1/people/employees", {"q": "DINH thi"}).json()
    assert [e["code"] for e in found["items"]] == ["111"]
    everyone = client.get("/api/v1/people/employees", {"q": "  "})
    assert everyone.status_code == 200 and everyone.json()["count"] == 4  # 101, 102, 110, 111
    assert login(people.hr_b).get("/api/v1/people/employees", {"q": "dinh"}).json()["count"] == 0


def test_unit_api_q_searches_without_diacritics_within_scope(people, login):
    found = login(people.hr_a).get("/api/v1/org/units", {"q": "moc chau"}).json()
    assert {u["code"] for u in found["items"]} == {"P-MC", "P-MC-UB", "P-MC-TH"}
    assert login(people.hr_a).get("/api/v1/org/units", {"q": "doan ket"}).json()["count"] == 0  # wrong unit
    assert login(people.admin).get("/api/v1/org/units", {"q": "ĐOÀN KẾT"}).json()["count"] == 2


@pytest.fixture
def bank_board(board):  # noqa: F811 (the fixture imported above)
    """The bank's cast (tests.assessments.test_bank) with two questions of commune A."""
    board.question = new_question(board.board_a, board.it_a, text="Định dạng tệp của bảng tính Excel là gì?")
    new_question(board.board_a, board.it_a, text="Phím tắt sao chép là gì?")
    return board


def test_bank_page_and_api_search_without_diacritics_within_scope(bank_board, login):
    client = login(bank_board.board_a)
    page = client.get("/bank/", {"q": "dinh dang"})
    assert page.status_code == 200 and [q.pk for q in page.context["page"]] == [bank_board.question.pk]
    api = client.get("/api/v1/assessments/bank/questions", {"q": "ĐỊNH DANG excel"}).json()
    assert [q["id"] for q in api["items"]] == [bank_board.question.pk]
    assert client.get("/api/v1/assessments/bank/questions", {"q": " "}).json()["count"] == 2
    other = login(bank_board.board_b)
    assert other.get("/api/v1/assessments/bank/questions", {"q": "dinh dang"}).json()["count"] == 0
    assert list(other.get("/bank/", {"q": "dinh dang"}).context["page"]) == []


def test_question_search_looks_at_the_latest_version_text_folded(bank_board):
    assert list(Question.objects.search("dinh dang bang tinh")) == [bank_board.question]
    assert list(Question.objects.search("ĐỊNH DẠNG")) == [bank_board.question]
    assert list(Question.objects.search("van ban")) == []
    assert Question.objects.search("  ").count() == Question.objects.count() == 2


def test_a_new_version_is_searched_by_its_own_text(bank_board):
    question = bank_board.question
    first = question.versions.get()
    approve(bank_board.board_a, first)  # frozen: an edit makes version 2
    edited = bank.edit_question(
        acting_user=bank_board.board_a,
        question=question,
        text="Phần mở rộng của tệp Word là gì?",
        options=first.options,
        kind=first.kind,
        difficulty=first.difficulty,
        tags=first.tags,
    )
    assert edited.number == 2 and edited.text_folded == "phan mo rong cua tep word la gi?"
    assert list(Question.objects.search("mo rong")) == [question]
    assert list(Question.objects.search("dinh dang")) == []


# --- bulk writes fill the derived columns ------------------------------------------------


def test_an_imported_employee_is_found_folded_and_sorted(cast):
    report = actions.import_employees(
        acting_user=cast.hr_a,
        data=csv_bytes("301,Nguyễn Thị Lan,05/06/1990,Nữ,Công chức,Chuyên viên,P-MC-UB,01/09/2015\n"),
        filename="ds.csv",
    )
    assert report.written
    assert codes(Employee.objects.search("nguyen thi lan")) == {"301"}
    lan = Employee.objects.get(code="301")
    assert (lan.name_folded, lan.sort_key) == ("nguyen thi lan", name_sort_key("Nguyễn Thị Lan"))
    # Given names An, Đức, Hương, Lan: the imported Lan comes last.
    ordered = list(Employee.objects.vn_ordered().values_list("full_name", flat=True))
    assert ordered == sorted(ordered, key=name_sort_key)
    assert ordered.index("Lò Thị Hương") < ordered.index("Nguyễn Thị Lan")


def test_a_reimport_that_renames_keeps_the_derived_columns_in_step(cast):
    line = "301,Nguyễn Thị Lan,05/06/1990,Nữ,Công chức,Chuyên viên,P-MC-UB,01/09/2015\n"
    actions.import_employees(acting_user=None, data=csv_bytes(line), filename="a.csv")
    renamed = line.replace("Nguyễn Thị Lan", "Đặng Thị Xuân")
    actions.import_employees(acting_user=None, data=csv_bytes(renamed), filename="a.csv")
    assert codes(Employee.objects.search("dang thi xuan")) == {"301"}
    assert codes(Employee.objects.search("lan")) == set()
    assert Employee.objects.get(code="301").sort_key == name_sort_key("Đặng Thị Xuân")


def test_imported_bank_items_are_found_folded(bank_board):
    items, errors = parsers.parse_aiken(
        "Cơ quan nào là cơ quan quyền lực nhà nước cao nhất?\nA. Chính phủ\nB. Quốc hội\nANSWER: B\n"
    )
    report = bank.import_items(acting_user=bank_board.board_a, items=items, errors=errors, category=bank_board.it_a)
    assert report.written
    imported = QuestionVersion.objects.get(text=items[0].text)
    assert imported.text_folded == fold(items[0].text) == "co quan nao la co quan quyen luc nha nuoc cao nhat?"
    assert Question.objects.search("quyen luc nha nuoc").count() == 1


def test_demo_employees_carry_their_search_and_sort_columns(db):
    demo.build_employees(demo.build_units())
    stale = [
        e.code
        for e in Employee.objects.only("code", "full_name", "name_folded", "sort_key")
        if (e.name_folded, e.sort_key) != (fold(e.full_name), name_sort_key(e.full_name))
    ]
    assert Employee.objects.exists() and stale == []
    assert not OrgUnit.objects.filter(name_folded="").exists()


def test_any_bulk_create_or_bulk_update_fills_the_derived_columns(cast):
    Employee.objects.bulk_create(
        [Employee(code="401", full_name="Hà Thị Ánh", unit=cast.office_a, category="civil_servant")]
    )
    assert codes(Employee.objects.search("ha thi anh")) == {"401"}
    anh = Employee.objects.get(code="401")
    anh.full_name = "Vì Văn Đông"
    Employee.objects.bulk_update([anh], ["full_name"])
    assert codes(Employee.objects.search("vi van dong")) == {"401"}
    assert Employee.objects.get(code="401").sort_key == name_sort_key("Vì Văn Đông")
    OrgUnit.objects.bulk_create(
        [OrgUnit(code="X-CS", name="Xã Chiềng Sơn", kind=OrgUnit.Kind.COMMUNE, path="/x/", parent=cast.province)]
    )
    assert codes(OrgUnit.objects.search("chieng son")) == {"X-CS"}


def test_org_page_searches_units_without_diacritics_within_scope(people, login):
    page = login(people.admin).get("/org/", {"q": "ĐOAN KET"})
    assert page.status_code == 200 and [u.code for u in page.context["units"]] == ["X-DK", "X-DK-UB"]
    assert 'value="ĐOAN KET"' in page.content.decode()
    assert [u.code for u in login(people.hr_a).get("/org/", {"q": "doan ket"}).context["units"]] == []
    assert len(login(people.hr_a).get("/org/", {"q": " "}).context["units"]) == 3  # commune A's subtree
