"""Hostile input gets a 4xx, never a 5xx: control characters anywhere in a request, a
page number whose offset overflows bigint, null for a field that cannot be empty."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from devices.models import Device
from hr_system.models import AuditLog, Employee, OrgUnit


@pytest.fixture
def anonymous():
    # Server errors as responses, as a production server gives them.
    return Client(raise_request_exception=False)


def assert_envelope(r, status=400):
    assert r.status_code == status, r.content[:300]
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return body["error"]


# --- control characters ----------------------------------------------------------------


def test_nul_in_the_anonymous_login_form_is_a_400_page(cast, anonymous):
    r = anonymous.post("/login/", "username=ad%00min&password=x", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400
    page = r.content.decode()
    assert "Yêu cầu không hợp lệ" in page and "ký tự điều khiển" in page
    assert "_auth_user_id" not in anonymous.session


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f"])
def test_control_characters_in_a_query_are_refused_in_the_envelope(cast, login, char):
    client = login(cast.hr_a)
    client.raise_request_exception = False
    error = assert_envelope(client.get("/api/v1/people/employees", {"q": f"An{char}"}))
    assert error["code"] == "bad_request" and "q" in error["fields"]


def test_nul_in_a_path_parameter_is_refused(cast, login):
    client = login(cast.hr_a)
    client.raise_request_exception = False
    assert_envelope(client.get("/api/v1/people/employees/1%0001"))
    assert client.get("/employees/1%0001/").status_code == 400


def test_a_line_break_in_a_path_is_refused_in_the_envelope(cast, login):
    """Found by make fuzz: a path segment with %0A escaped every API route, the API's own
    catch-all included, and got the HTML 404 page."""
    client = login(cast.hr_a)
    client.raise_request_exception = False
    for path in ("/api/v1/assessments/exams/1%0AN/result", "/api/v1/people/employees/%0D", "/api/v1/x%09y"):
        error = assert_envelope(client.get(path))
        assert error["code"] == "bad_request" and "path" in error["fields"], path
    assert client.get("/employees/1%0A/").status_code == 400


def test_nul_in_a_json_body_is_refused(cast, login):
    client = login(cast.admin)
    client.raise_request_exception = False
    body = {"code": "P-X", "name": "Phường\u0000X", "kind": "ward", "parent": "SL"}
    r = client.post("/api/v1/org/units", json.dumps(body), content_type="application/json")
    error = assert_envelope(r)
    assert error["fields"] == {"body": ["Có ký tự điều khiển không được phép."]}
    assert not OrgUnit.objects.filter(code="P-X").exists()
    # A nested key is found too, and so is a raw control byte.
    r = client.post("/api/v1/org/units", '{"code": "P-X", "n\\u0001ame": "x"}', content_type="application/json")
    assert_envelope(r)


def test_tab_and_newlines_are_ordinary_text(cast, login):
    client = login(cast.admin)
    body = {"code": "P-X", "name": "Phường\tX\r\nmới", "kind": "ward", "parent": "SL"}
    r = client.post("/api/v1/org/units", json.dumps(body), content_type="application/json")
    assert r.status_code == 201
    assert client.get("/api/v1/people/employees", {"q": "a\tb"}).status_code == 200


def test_nul_in_a_page_form_and_in_a_multipart_form_is_refused(cast, login):
    client = login(cast.hr_a)
    client.raise_request_exception = False
    r = client.post("/account/tokens/", {"name": "script\x00"})
    assert r.status_code == 400 and "ký tự điều khiển" in r.content.decode()
    upload = SimpleUploadedFile("ds.csv", b"x", content_type="text/csv")
    r = client.post("/employees/import/", {"file": upload, "dry_run": "1\x00"})
    assert r.status_code == 400


def test_nul_in_a_cookie_or_header_is_refused(cast, anonymous):
    # A quoted cookie value may carry an octal escape, which Django decodes to NUL.
    assert anonymous.get("/login/", HTTP_COOKIE='sessionid="abc\\000defghijklmnop"').status_code == 400
    assert Client().get("/login/", HTTP_USER_AGENT="x\x00y").status_code == 400


def test_clock_uploads_judge_their_own_lines(cast, settings):
    # ADMS (/iclock/) rejects a bad ATTLOG line and keeps the others; the check leaves it be.
    settings.CONTROL_CHARACTERS_EXEMPT_PATHS = ["/iclock/"]
    r = Client(raise_request_exception=False).get("/iclock/cdata", {"SN": "X\x00"})
    assert "ký tự điều khiển" not in r.content.decode()


# --- pagination ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"page": "999999999999999999"},
        {"page": "99999999999999999999999999"},
        {"page": "18446744073709551616", "page_size": "500"},
        {"page": "0"},
        {"page_size": "0"},
        {"page_size": "100000"},
    ],
)
def test_page_numbers_out_of_range_are_422(cast, login, query):
    client = login(cast.hr_a)
    client.raise_request_exception = False
    error = assert_envelope(client.get("/api/v1/people/employees", query), status=422)
    assert set(error["fields"]) <= {"page", "page_size"}


def test_the_last_allowed_page_is_just_empty(cast, login):
    r = login(cast.hr_a).get("/api/v1/people/employees", {"page": 1_000_000, "page_size": 500})
    assert r.status_code == 200 and r.json()["items"] == [] and r.json()["count"] == 2


# --- PATCH with null ---------------------------------------------------------------------


@pytest.fixture
def device(cast):
    return Device.objects.create(name="Máy cổng", unit=cast.commune_a, host="10.0.0.1")


@pytest.mark.parametrize(
    "field", ["host", "name", "port", "transport", "comm_key", "timezone", "enabled", "poll_interval", "log_policy"]
)
def test_device_patch_refuses_null_for_a_required_field(cast, login, device, field):
    client = login(cast.admin)
    client.raise_request_exception = False
    r = client.patch(f"/api/v1/devices/{device.pk}", {field: None}, content_type="application/json")
    error = assert_envelope(r, status=422)
    assert field in error["fields"]
    device.refresh_from_db()
    assert device.host == "10.0.0.1" and device.name == "Máy cổng"


@pytest.mark.parametrize("field", ["name", "admin_code"])
def test_unit_patch_refuses_null_for_a_required_field(cast, login, field):
    client = login(cast.hr_a)
    client.raise_request_exception = False
    r = client.patch("/api/v1/org/units/P-MC", {field: None}, content_type="application/json")
    assert field in assert_envelope(r, status=422)["fields"]
    assert OrgUnit.objects.get(code="P-MC").name == "Phường Mộc Châu"


@pytest.mark.parametrize("field", ["full_name", "category", "unit", "job_title", "hardship_years", "home_commune"])
def test_employee_patch_refuses_null_for_a_required_field(cast, login, field):
    client = login(cast.hr_a)
    client.raise_request_exception = False
    r = client.patch("/api/v1/people/employees/101", {field: None}, content_type="application/json")
    assert field in assert_envelope(r, status=422)["fields"]
    assert not AuditLog.objects.filter(action="employee.update").exists()


def test_null_still_clears_a_field_that_may_be_empty(cast, login):
    client = login(cast.hr_a)
    r = client.patch("/api/v1/people/employees/101", {"start_date": None}, content_type="application/json")
    assert r.status_code == 200 and Employee.objects.get(code="101").start_date is None
    r = client.patch("/api/v1/org/units/P-MC", {"valid_to": None}, content_type="application/json")
    assert r.status_code == 200


def test_the_document_offers_null_only_where_it_is_accepted():
    from hr_system.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]

    def nullable(name, field):
        return "null" in json.dumps(schemas[name]["properties"][field])

    assert not nullable("DevicePatch", "host") and not nullable("EmployeePatch", "full_name")
    assert nullable("EmployeePatch", "leave_date") and nullable("OrgUnitPatch", "valid_to")
