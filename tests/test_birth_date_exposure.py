"""The date of birth and the citizen-ID number reach only those who may see them: the
person, and HR officers whose scope covers the person (issue 16). Unit heads, exam boards
and HR officers of another unit get names and posts, in API lists, exports and details."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from hr_system.models import Role
from tests.transfers.test_transfers import compute, hr, make_round, pool  # noqa: F401 (fixtures)

BORN = dt.date(1988, 7, 9)
CITIZEN_ID = "001088012345"


@pytest.fixture
def teacher(cast):
    t = cast.teacher_a
    t.date_of_birth, t.citizen_id = BORN, CITIZEN_ID
    t.save()
    return t


def _api_row(client, code: str) -> dict:
    rows = client.get("/api/v1/people/employees", {"page_size": 500}).json()["items"]
    return next(r for r in rows if r["code"] == code)


def _xlsx_birth_dates(content: bytes) -> dict[str, str]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if "Ngày sinh" in r)
    code_col, born_col = rows[header].index("Mã chấm công"), rows[header].index("Ngày sinh")
    return {r[code_col]: r[born_col] or "" for r in rows[header + 1 :] if r[code_col]}


def test_the_api_list_shows_birth_dates_to_hr_in_scope_and_the_person_only(teacher, cast, login):
    assert _api_row(login(cast.hr_a), "102")["date_of_birth"] == "1988-07-09"
    assert _api_row(login(cast.head_a), "102")["date_of_birth"] is None
    assert _api_row(login(cast.admin), "102")["date_of_birth"] == "1988-07-09"
    cast.emp_a.date_of_birth = dt.date(1991, 1, 1)
    cast.emp_a.save()
    assert _api_row(login(cast.staff_user), "101")["date_of_birth"] == "1991-01-01"
    for user in (cast.hr_a, cast.head_a, cast.admin):
        rows = login(user).get("/api/v1/people/employees").json()["items"]
        assert all("citizen_id" not in r for r in rows)
        assert CITIZEN_ID not in str(rows)


def test_wrong_unit_an_hr_officer_elsewhere_who_heads_a_unit_here_gets_no_birth_dates(teacher, cast, login):
    Role.objects.create(user=cast.hr_b, kind=Role.Kind.UNIT_HEAD, unit=cast.school_a)
    client = login(cast.hr_b)
    assert _api_row(client, "102")["date_of_birth"] is None
    detail = client.get("/api/v1/people/employees/102").json()
    assert detail["date_of_birth"] is None and detail["citizen_id"] is None
    # In their own commune they are HR: birth dates shown.
    assert _api_row(client, "201")["code"] == "201"


def test_the_detail_shows_the_birth_date_to_hr_in_scope(teacher, cast, login):
    detail = login(cast.hr_a).get("/api/v1/people/employees/102").json()
    assert detail["date_of_birth"] == "1988-07-09" and detail["citizen_id"] == CITIZEN_ID
    head = login(cast.head_a).get("/api/v1/people/employees/102").json()
    assert head["date_of_birth"] is None and head["citizen_id"] is None


def test_the_excel_export_has_birth_dates_for_hr_and_blanks_for_a_unit_head(teacher, cast, login):
    assert _xlsx_birth_dates(login(cast.hr_a).get("/employees/export.xlsx").content)["102"] == "09/07/1988"
    assert _xlsx_birth_dates(login(cast.head_a).get("/employees/export.xlsx").content)["102"] == ""


def test_the_pdf_export_has_no_birth_date_for_a_unit_head(teacher, cast, login):
    from tests.assessments.sitting_records_world import pdf_text

    assert "09/07/1988" in pdf_text(login(cast.hr_a).get("/employees/export.pdf").content)
    assert "09/07/1988" not in pdf_text(login(cast.head_a).get("/employees/export.pdf").content)


def test_transfer_results_carry_no_birth_date_in_the_rows_inputs(hr, pool):  # noqa: F811
    results = compute(hr, make_round(hr, pool)["id"])
    rows = results["ranked"] + results["excluded"]
    assert rows and all("date_of_birth" not in r["inputs"] for r in rows)
    # The rule that needed it still ran: the 1970-born teacher is excluded (retirement).
    assert "306" in [r["employee"] for r in results["excluded"]]
