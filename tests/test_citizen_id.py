"""The citizen-ID number (căn cước) on Employee: 12 digits, unique, shown to HR in scope
(and the sitting's proctors, tests/assessments/test_sittings_pages.py) only; never in
lists, never in the audit log, and a duplicate never says whose number it is."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from hr_system import roster
from hr_system.models import AuditLog, Employee, Role
from tests.conftest import PASSWORD

API = "/api/v1/people/employees"
NUMBER = "001203004567"
OTHER = "014199000321"


def patch(client, code, body):
    return client.patch(f"{API}/{code}", body, content_type="application/json")


@pytest.fixture
def holder(cast):
    """Commune B's employee holds OTHER (outside commune A's HR scope)."""
    Employee.objects.filter(pk=cast.emp_b.pk).update(citizen_id=OTHER)
    return cast.emp_b


@pytest.mark.parametrize("value", ["00120300456", "0012030045678", "00120300456A", "abcdefghijkl", "0012 0300 456"])
def test_api_refuses_a_bad_number_in_vietnamese(cast, login, value):
    r = patch(login(cast.hr_a), "101", {"citizen_id": value})
    assert r.status_code == 422
    assert r.json()["error"]["fields"]["citizen_id"] == ["Số định danh cá nhân (căn cước) phải gồm đúng 12 chữ số."]
    assert Employee.objects.get(code="101").citizen_id is None


def test_api_writes_the_number_and_shows_it_to_hr_only(cast, login):
    hr = login(cast.hr_a)
    r = patch(hr, "101", {"citizen_id": NUMBER})
    assert r.status_code == 200, r.content
    assert r.json()["citizen_id"] == NUMBER
    assert hr.get(f"{API}/101").json()["citizen_id"] == NUMBER
    assert NUMBER not in hr.get(API).content.decode()  # never in a list
    log = AuditLog.objects.filter(action="employee.update").latest("pk")
    assert log.detail["changes"] == ["citizen_id"] and NUMBER not in str(log.detail)
    r = patch(hr, "101", {"citizen_id": None})
    assert r.status_code == 200 and Employee.objects.get(code="101").citizen_id is None
    # A unit head of the school reads the employee of their subtree, without the number.
    Employee.objects.filter(code="102").update(citizen_id=OTHER)
    teacher = login(cast.head_a).get(f"{API}/102")
    assert teacher.status_code == 200 and teacher.json()["citizen_id"] is None


def test_a_duplicate_number_is_refused_without_naming_the_holder(cast, login, holder):
    r = patch(login(cast.hr_a), "101", {"citizen_id": OTHER})
    assert r.status_code == 422
    message = r.json()["error"]["fields"]["citizen_id"][0]
    assert message == "Số định danh cá nhân này đã được dùng cho cán bộ khác."
    assert "Cầm Văn Đức" not in r.content.decode() and "201" not in message
    created = login(cast.hr_a).post(
        API,
        {"code": "109", "full_name": "Vì Thị Lan", "category": "civil_servant", "unit": "P-MC-UB", "citizen_id": OTHER},
        content_type="application/json",
    )
    assert created.status_code == 422 and "citizen_id" in created.json()["error"]["fields"]
    assert not Employee.objects.filter(code="109").exists()


def test_the_employee_page_form_validates_and_shows_the_number_to_hr(cast, login, holder):
    hr = login(cast.hr_a)
    page = hr.get("/employees/101/")
    assert 'id="citizen-id"' in page.content.decode()
    form = {
        "full_name": "Nguyễn Văn An",
        "category": "civil_servant",
        "gender": "male",
        "unit": cast.office_a.pk,
        "hardship_years": "0",
        "start_date": "01/01/2015",
    }
    for bad, message in (
        ("12345678901", "phải gồm đúng 12 chữ số"),
        ("12345678901x", "phải gồm đúng 12 chữ số"),
        (OTHER, "đã được dùng cho cán bộ khác"),
    ):
        r = hr.post("/employees/101/", {**form, "citizen_id": bad})
        assert r.status_code == 200
        assert message in r.content.decode(), bad
        assert "Cầm Văn Đức" not in r.content.decode()
    r = hr.post("/employees/101/", {**form, "citizen_id": NUMBER})
    assert r.status_code == 302
    assert Employee.objects.get(code="101").citizen_id == NUMBER
    assert NUMBER in hr.get("/employees/101/").content.decode()


def test_the_number_is_not_on_the_persons_own_page_or_a_unit_heads(cast, login):
    Employee.objects.filter(code="102").update(citizen_id=NUMBER)
    from django.contrib.auth import get_user_model

    teacher = get_user_model().objects.create_user(username="huong", password=PASSWORD)
    Employee.objects.filter(code="102").update(user=teacher)
    assert NUMBER not in login(teacher).get("/employees/102/").content.decode()
    assert NUMBER not in login(cast.head_a).get("/employees/102/").content.decode()
    assert NUMBER not in login(cast.hr_a).get("/employees/").content.decode()


def _roster(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã chấm công", "Họ và tên", "Loại", "Mã đơn vị", "Số định danh cá nhân"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(client, data: bytes, **extra):
    upload = SimpleUploadedFile(
        "ds.xlsx", data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return client.post(f"{API}/import", {"file": upload, **extra})


def test_roster_import_reads_and_checks_the_number_per_row(cast, login, holder):
    hr = login(cast.hr_a)
    data = _roster(
        [
            ["101", "Nguyễn Văn An", "Công chức", "P-MC-UB", NUMBER],
            ["103", "Lường Văn Ba", "Công chức", "P-MC-UB", "01234567891"],  # 11 digits
            ["104", "Quàng Thị Tư", "Công chức", "P-MC-UB", "0123456789AB"],
            ["105", "Hà Văn Năm", "Công chức", "P-MC-UB", OTHER],  # commune B's employee's
            ["106", "Sa Văn Sáu", "Công chức", "P-MC-UB", NUMBER],  # the same as row 2
            ["107", "Lò Văn Bảy", "Công chức", "P-MC-UB", 12203004567],  # a number cell lost its zero
        ]
    )
    r = _import(hr, data)
    assert r.status_code == 200, r.content
    rejected = {row["row"]: row["reason"] for row in r.json()["rejected"]}
    assert set(rejected) == {3, 4, 5, 6, 7}
    assert "12 chữ số" in rejected[3] and "12 chữ số" in rejected[4]
    assert rejected[5] == "Số định danh cá nhân này đã được dùng cho cán bộ khác."
    assert rejected[6] == "Trùng số định danh cá nhân với dòng 2"
    assert "Văn bản" in rejected[7]
    assert all(NUMBER not in reason and OTHER not in reason for reason in rejected.values())
    assert r.json()["written"] is False
    r = _import(hr, data, import_valid_rows="true")
    assert r.json()["written"] is True
    assert Employee.objects.get(code="101").citizen_id == NUMBER


def test_roster_import_without_the_number_keeps_it(cast, login):
    Employee.objects.filter(code="101").update(citizen_id=NUMBER)
    data = _roster([["101", "Nguyễn Văn An Mới", "Công chức", "P-MC-UB", ""]])
    r = _import(login(cast.hr_a), data)
    assert r.status_code == 200 and r.json()["written"] is True, r.content
    employee = Employee.objects.get(code="101")
    assert (employee.full_name, employee.citizen_id) == ("Nguyễn Văn An Mới", NUMBER)


@pytest.mark.parametrize(
    "value, expected",
    [(None, None), ("", None), (" 001203004567 ", NUMBER), ("0012 0300 4567", NUMBER), (123456789012, "123456789012")],
)
def test_roster_cell_reading(value, expected):
    assert roster._citizen_id(value) == expected


def test_hr_of_another_commune_cannot_read_or_write_it(cast, login):
    Employee.objects.filter(code="101").update(citizen_id=NUMBER)
    hr_b = login(cast.hr_b)
    assert hr_b.get(f"{API}/101").status_code == 404
    assert patch(hr_b, "101", {"citizen_id": OTHER}).status_code == 404
    assert Employee.objects.get(code="101").citizen_id == NUMBER
    assert Role.objects.filter(user=cast.hr_b).exists()
