"""Security headers: a Content-Security-Policy without inline scripts on every page, and
X-Forwarded-Proto believed only from TRUSTED_PROXIES."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize(
    "path, who",
    [
        ("/login/", None),
        ("/admin/login/", None),
        ("/", "hr_a"),
        ("/employees/", "hr_a"),
        ("/attendance/timesheet/", "hr_a"),
        ("/api/v1/docs", "hr_a"),
        ("/api/v1/people/employees", "hr_a"),
        ("/no-such-page/", None),
    ],
)
def test_every_response_carries_a_policy_without_inline_scripts(cast, login, path, who):
    client = login(getattr(cast, who)) if who else Client()
    r = client.get(path)
    csp = policy(r)
    assert csp.get("script-src") == ["'self'"], r.headers.get("Content-Security-Policy")
    assert csp.get("default-src") == ["'self'"]
    assert csp.get("object-src") == ["'none'"] and csp.get("frame-ancestors") == ["'none'"]
    assert "'unsafe-eval'" not in sum(csp.values(), [])


def test_templates_have_no_inline_script_or_event_handler():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        if template.relative_to(TEMPLATES).parts[0] == "pdf":
            continue  # rendered to PDF by WeasyPrint, never run by a browser
        text = template.read_text()
        if INLINE_HANDLER.search(text) or "javascript:" in text:
            offenders.append(str(template.relative_to(TEMPLATES)))
        for attributes in SCRIPT_TAG.findall(text):
            if "src=" not in attributes:
                offenders.append(f"{template.relative_to(TEMPLATES)}: <script{attributes}>")
    assert offenders == []


def test_the_api_docs_use_our_own_static_files(cast, login):
    page = login(cast.hr_a).get("/api/v1/docs").content.decode()
    assert "cdn." not in page and re.search(r"/static/ninja/swagger-ui-bundle\.[0-9a-f]{12}\.js", page)


def test_confirmations_are_data_attributes(cast):
    exam = (TEMPLATES / "assessments/results/exam.html").read_text()
    assert 'data-confirm="' in exam
    assert (Path(django_settings.BASE_DIR) / "static/js/confirm.js").exists()


# --- X-Forwarded-Proto ---------------------------------------------------------------------


@pytest.fixture
def production_tls(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_PRELOAD = True
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    return settings


def test_a_clients_forwarded_proto_is_not_believed(cast, production_tls):
    client = Client(REMOTE_ADDR="198.51.100.7")
    r = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 301 and r["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in r.headers


def test_the_trusted_proxys_forwarded_proto_is_believed(cast, production_tls):
    client = Client(REMOTE_ADDR="10.0.0.2")
    r = client.get("/login/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert r.status_code == 200
    assert "preload" in r.headers["Strict-Transport-Security"]
    r = client.get("/login/", HTTP_X_FORWARDED_PROTO="http")
    assert r.status_code == 301
