"""A commune's HR officer sees and changes only their own commune, through pages and API."""

from hr_system.models import Employee


def test_hr_lists_only_own_commune_via_api(cast, login):
    client = login(cast.hr_a)
    body = client.get("/api/v1/people/employees").json()
    codes = {e["code"] for e in body["items"]}
    assert codes == {"101", "102"}
    assert body["count"] == 2


def test_hr_cannot_read_other_commune_employee_via_api(cast, login):
    client = login(cast.hr_a)
    r = client.get("/api/v1/people/employees/201")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_hr_cannot_filter_into_other_commune(cast, login):
    client = login(cast.hr_a)
    assert client.get("/api/v1/people/employees?unit=X-DK").status_code == 404


def test_hr_cannot_change_other_commune_employee_via_api(cast, login):
    client = login(cast.hr_a)
    r = client.patch("/api/v1/people/employees/201", {"full_name": "Hacked"}, content_type="application/json")
    assert r.status_code == 404
    assert Employee.objects.get(code="201").full_name == "Cầm Văn Đức"


def test_hr_cannot_move_own_employee_into_other_commune(cast, login):
    client = login(cast.hr_a)
    r = client.patch("/api/v1/people/employees/101", {"unit": "X-DK-UB"}, content_type="application/json")
    assert r.status_code == 422
    assert "unit" in r.json()["error"]["fields"]
    assert Employee.objects.get(code="101").unit == cast.office_a


def test_hr_cannot_create_in_other_commune(cast, login):
    client = login(cast.hr_a)
    r = client.post(
        "/api/v1/people/employees",
        {"code": "555", "full_name": "Hà Văn Nam", "category": "civil_servant", "unit": "X-DK-UB"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert not Employee.objects.filter(code="555").exists()


def test_hr_cannot_see_other_commune_pages(cast, login):
    client = login(cast.hr_a)
    assert client.get("/employees/201/").status_code == 404
    page = client.get("/employees/").content.decode()
    assert "Nguyễn Văn An" in page
    assert "Cầm Văn Đức" not in page
    tree = client.get("/org/").content.decode()
    assert "Phường Mộc Châu" in tree and "Xã Đoàn Kết" not in tree


def test_other_commune_pdf_is_refused(cast, login):
    client = login(cast.hr_a)
    assert client.get("/employees/export.pdf?unit=X-DK").status_code == 404


def test_unit_head_reads_subtree_but_cannot_change(cast, login):
    client = login(cast.head_a)
    codes = {e["code"] for e in client.get("/api/v1/people/employees").json()["items"]}
    assert codes == {"102"}
    r = client.patch("/api/v1/people/employees/102", {"full_name": "X"}, content_type="application/json")
    assert r.status_code == 403


def test_employee_sees_only_self(cast, login):
    client = login(cast.staff_user)
    codes = {e["code"] for e in client.get("/api/v1/people/employees").json()["items"]}
    assert codes == {"101"}
    assert client.get("/api/v1/people/employees/102").status_code == 404
    assert client.get("/employees/101/").status_code == 200


def test_admin_sees_everyone(cast, login):
    client = login(cast.admin)
    assert client.get("/api/v1/people/employees").json()["count"] == 3
