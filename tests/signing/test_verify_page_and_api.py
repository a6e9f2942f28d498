"""The "Kiểm tra chữ ký" page and POST /api/v1/signatures/verify."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hr_system.models import ApiToken

URL = "/signatures/verify/"
API = "/api/v1/signatures/verify"


def upload(data: bytes, name: str = "van-ban.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_page_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_any_signed_in_user_sees_a_valid_signature(cast, login, signed_pdf, trust_test_roots):
    client = login(cast.staff_user)  # an employee, no officer role
    page = client.get(URL)
    assert page.status_code == 200
    assert "Kiểm tra chữ ký" in page.content.decode()
    response = client.post(URL, {"pdf": upload(signed_pdf)})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="verify-overall" data-status="valid"' in body
    assert "Nguyễn Văn Ký" in body
    assert "Test Root CA" in body
    assert "+07:00" in body


def test_tampered_file_is_shown_modified(cast, login, signed_pdf, trust_test_roots):
    response = login(cast.hr_a).post(URL, {"pdf": upload(signed_pdf + b"\n% after\n")})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="modified"' in body
    assert "Đã bị sửa sau khi ký" in body
    assert 'data-status="valid"' not in body


def test_not_a_pdf_gives_a_vietnamese_error_not_a_5xx(cast, login, trust_test_roots):
    response = login(cast.hr_a).post(URL, {"pdf": upload(b"GIF89a not a pdf", "anh.pdf")})
    assert response.status_code == 400
    assert "Tệp không phải là PDF" in response.content.decode()


def test_missing_file_is_a_form_error(cast, login):
    response = login(cast.hr_a).post(URL, {})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_oversized_upload_is_refused_with_the_limit(cast, login, settings, signed_pdf):
    settings.UPLOAD_MAX_MB = 0
    response = login(cast.hr_a).post(URL, {"pdf": upload(signed_pdf)})
    assert response.status_code == 400
    assert "MB" in response.content.decode()


def test_nav_links_the_page_for_everyone(cast, login):
    assert f'href="{URL}"' in login(cast.staff_user).get("/").content.decode()


def test_api_verifies_with_a_token(cast, client, signed_pdf, trust_test_roots):
    _, raw = ApiToken.issue(cast.staff_user, "script")
    response = client.post(API, {"file": upload(signed_pdf)}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["overall"] == "valid"
    [sig] = data["signatures"]
    assert sig["signer_name"] == "Nguyễn Văn Ký"
    assert sig["status"] == "valid"
    assert sig["chain"] == ["Nguyễn Văn Ký", "Test Issuing CA", "Test Root CA"]
    assert sig["covers_whole_file"] is True


def test_api_reports_modified(cast, login, signed_pdf, trust_test_roots):
    response = login(cast.hr_a).post(API, {"file": upload(signed_pdf + b"junk")})
    assert response.status_code == 200
    assert response.json()["overall"] == "modified"


def test_api_not_a_pdf_is_422_in_the_envelope(cast, login):
    response = login(cast.hr_a).post(API, {"file": upload(b"hello")})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_pdf"
    assert "PDF" in response.json()["error"]["message"]


def test_api_needs_authentication(client, signed_pdf):
    response = client.post(API, {"file": upload(signed_pdf)})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
