from hr_system.models import ApiToken, AuditLog, Employee


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "/api/v1/people/employees" in paths and "/api/v1/org/units" in paths
    assert client.get("/api/v1/docs").status_code == 302  # docs to signed-in users only


def test_anonymous_gets_401_envelope(db, client):
    r = client.get("/api/v1/people/employees")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"


def test_bad_input_gets_422_with_field_errors(cast, login):
    client = login(cast.hr_a)
    r = client.post(
        "/api/v1/people/employees",
        {"code": "12ab", "full_name": "", "category": "nope", "unit": "P-MC-UB", "extra": 1},
        content_type="application/json",
    )
    assert r.status_code == 422
    fields = r.json()["error"]["fields"]
    assert {"code", "full_name", "category", "extra"} <= set(fields)


def test_duplicate_code_is_a_field_error(cast, login):
    client = login(cast.hr_a)
    r = client.post(
        "/api/v1/people/employees",
        {"code": "201", "full_name": "Hà Văn Nam", "category": "civil_servant", "unit": "P-MC-UB"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "code" in r.json()["error"]["fields"]


def test_create_update_and_audit(cast, login):
    client = login(cast.hr_a)
    r = client.post(
        "/api/v1/people/employees",
        {
            "code": "103",
            "full_name": "Quàng Thị Mai",
            "category": "public_employee",
            "unit": "P-MC-TH",
            "gender": "female",
            "date_of_birth": "1990-02-03",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["unit"] == "P-MC-TH"
    r = client.patch("/api/v1/people/employees/103", {"job_title": "Giáo viên"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["job_title"] == "Giáo viên"
    assert AuditLog.objects.filter(
        action="employee.update", object_id=str(Employee.objects.get(code="103").pk)
    ).exists()


def test_pagination_has_fixed_order_and_bounds(cast, login):
    client = login(cast.admin)
    r = client.get("/api/v1/people/employees?page=1&page_size=2").json()
    assert r["count"] == 3 and len(r["items"]) == 2 and r["page"] == 1
    r2 = client.get("/api/v1/people/employees?page=2&page_size=2").json()
    assert len(r2["items"]) == 1
    assert {e["code"] for e in r["items"] + r2["items"]} == {"101", "102", "201"}
    assert client.get("/api/v1/people/employees?page_size=100000").status_code == 422


def test_units_listing_and_detail(cast, login):
    client = login(cast.hr_a)
    units = client.get("/api/v1/org/units").json()["items"]
    assert [u["code"] for u in units] == ["P-MC", "P-MC-UB", "P-MC-TH"]
    detail = client.get("/api/v1/org/units/P-MC").json()
    assert detail["employee_count"] == 2 and set(detail["children"]) == {"P-MC-UB", "P-MC-TH"}
    assert client.get("/api/v1/org/units/X-DK").status_code == 404


def test_hr_creates_a_unit_only_inside_scope(cast, login):
    client = login(cast.hr_a)
    ok = client.post(
        "/api/v1/org/units",
        {"code": "P-MC-TYT", "name": "Trạm Y tế", "kind": "public_service_unit", "parent": "P-MC"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    bad = client.post(
        "/api/v1/org/units",
        {"code": "X-DK-TYT", "name": "Trạm Y tế", "kind": "public_service_unit", "parent": "X-DK"},
        content_type="application/json",
    )
    assert bad.status_code == 404


def test_token_auth_hashed_shown_once_and_revocable(cast, client):
    token, raw = ApiToken.issue(cast.hr_a, "script")
    assert raw not in token.digest and len(token.digest) == 64
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/people/employees", **headers).status_code == 200
    # Token requests need no CSRF token even for writes.
    r = client.patch(
        "/api/v1/people/employees/101", {"rank": "Chuyên viên"}, content_type="application/json", **headers
    )
    assert r.status_code == 200
    token.revoke()
    assert client.get("/api/v1/people/employees", **headers).status_code == 401


def test_token_last_used_is_refreshed_at_most_once_a_minute(cast):
    import datetime as dt

    from django.utils import timezone

    token, raw = ApiToken.issue(cast.hr_a, "script")
    assert ApiToken.authenticate(raw) == cast.hr_a
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=5)
    ApiToken.authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == first  # no write for every request
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    ApiToken.authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=1)
    assert ApiToken.authenticate("hrt_not-a-token") is None


def test_session_writes_require_csrf(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.hr_a)
    r = client.patch("/api/v1/people/employees/101", {"rank": "x"}, content_type="application/json")
    assert r.status_code in (401, 403)
    assert Employee.objects.get(code="101").rank == ""


def test_token_page_shows_token_once(cast, login):
    client = login(cast.hr_a)
    page = client.post("/account/tokens/", {"name": "máy tính"}).content.decode()
    token = ApiToken.objects.get(user=cast.hr_a)
    assert token.hint in page
    assert "hrt_" in page
    again = client.get("/account/tokens/").content.decode()
    assert 'id="new-token"' not in again
