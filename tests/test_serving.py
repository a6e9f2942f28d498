"""Production serving (issue #13, item 1): static files from the app itself through
WhiteNoise with DEBUG off, the Vietnamese error pages, and the API docs from local assets
for signed-in users only."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from hr_system.urls import handler500 as product_handler500
from hr_system.urls import urlpatterns as product_urlpatterns


def _boom(request):
    raise RuntimeError("boom")


def _denied(request):
    raise PermissionDenied("Chỉ Phòng Nội vụ được xem mục này.")


def _bare_denied(request):
    raise PermissionDenied


def _ok(request):
    return HttpResponse("ok")


handler500 = product_handler500

urlpatterns = [
    path("test-boom/", _boom),
    path("test-denied/", _denied),
    path("test-bare-denied/", _bare_denied),
    path("test-ok/", _ok),
    *product_urlpatterns,
]

COMPRESSED = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["css/app.css", "js/exam.js"])
def test_static_files_served_compressed_and_hashed_with_debug_off(tmp_path, name):
    # The production storage, but only our own files: compressing Swagger UI takes ~20 s.
    finders = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    with override_settings(DEBUG=False, STATIC_ROOT=tmp_path, STORAGES=COMPRESSED, STATICFILES_FINDERS=finders):
        call_command("collectstatic", interactive=False, verbosity=0)
        hashed = re.sub(r"\.(css|js)$", r"\.[0-9a-f]{12}\.\1$", name)
        names = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")}
        hashed_name = next(n for n in names if re.fullmatch(hashed, n))
        assert hashed_name + ".gz" in names
        # WhiteNoise reads STATIC_ROOT when its middleware is built: a fresh client.
        client = Client()

        plain = client.get(f"/static/{name}")
        assert plain.status_code == 200
        assert b"".join(plain.streaming_content)

        versioned = client.get(f"/static/{hashed_name}", HTTP_ACCEPT_ENCODING="gzip")
        assert versioned.status_code == 200
        assert versioned.headers["Content-Encoding"] == "gzip"
        assert "immutable" in versioned.headers["Cache-Control"]

        assert client.get("/static/css/missing.css").status_code == 404


@pytest.mark.django_db
def test_pages_link_the_hashed_stylesheet_and_it_is_served(client):
    page = client.get("/login/")
    assert page.status_code == 200
    href = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page.content).group(1).decode()
    assert client.get(href).status_code == 200


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_400_page_is_vietnamese():
    response = Client().get("/test-ok/", HTTP_HOST="bad host name")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_404_page_is_vietnamese_in_the_product_layout():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy trang" in body
    assert 'class="top"' in body and "/static/css/app." in body
    assert "Not Found" not in body


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_403_page_keeps_the_product_reason(cast, login):
    client = login(cast.hr_a)
    response = client.get("/test-denied/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Không có quyền truy cập" in body
    assert "Chỉ Phòng Nội vụ được xem mục này." in body
    assert "hr_a" in body  # the product's header, with the signed-in user

    bare = client.get("/test-bare-denied/")
    assert bare.status_code == 403
    assert "không có quyền xem hoặc thực hiện thao tác này" in bare.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_403_from_a_product_view_shows_its_reason(cast, login):
    # An employee without a role opening the attendance board: the product's own reason.
    response = login(cast.staff_user).get("/attendance/timesheet/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Không có quyền truy cập" in body
    reason = re.search(r'role="alert">([^<]+)</p>', body).group(1)
    assert "không có quyền xem hoặc thực hiện thao tác này" not in reason  # not the generic text


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_500_page_is_vietnamese_and_standalone():
    response = Client(raise_request_exception=False).get("/test-boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Lỗi máy chủ" in body
    assert 'href="/static/css/app.css"' in body
    assert "Server Error" not in body
    # The id the person can quote is the one on the response and in the request's log line.
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert f"<code>{request_id}</code>" in body


def test_500_template_needs_no_context():
    from django.template import Context
    from django.template.loader import get_template

    html = get_template("500.html").template.render(Context())
    assert "Lỗi máy chủ" in html


@pytest.mark.django_db
def test_api_docs_require_login(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/")


@pytest.mark.django_db
def test_api_docs_render_from_local_assets_for_signed_in_users(cast, login):
    client = login(cast.hr_a)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', body)
    styles = re.findall(r'<link[^>]*\shref="([^"]+)"', body)
    assert any("swagger-ui-bundle" in s for s in scripts)
    for url in scripts + styles:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    assert "cdn." not in body and 'src="https://' not in body and 'src="//' not in body


@pytest.mark.django_db
def test_openapi_document_stays_readable_without_a_session(client):
    # Token clients and `make fuzz` read it without signing in.
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["version"] == "1"


@pytest.mark.django_db
def test_pages_link_the_favicon_and_favicon_ico_is_served_without_a_404(client):
    page = client.get("/login/").content
    href = re.search(rb'<link rel="icon" href="(/static/favicon\.[0-9a-f]{12}\.svg)"', page).group(1).decode()
    assert client.get(href).status_code == 200
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 302
    assert re.fullmatch(r"/static/favicon\.[0-9a-f]{12}\.ico", redirect["Location"])
    icon = client.get(redirect["Location"])
    assert icon.status_code == 200 and b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"
