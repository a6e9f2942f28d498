"""A small named cast shared by the tests.

Two communes (A: Mộc Châu, B: Đoàn Kết) under one province; an HR officer for each,
a unit head of A's school, a province-wide admin, and an employee with an account.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from hr_system.models import Employee, OrgUnit, Role

# The signing fixtures (test PKI, SoftHSM2 token) are registered once for the whole run:
# SoftHSM2 reads its configuration once per process, so there must be one token, not one
# per test package.
pytest_plugins = ["tests.conftest_pki"]

PASSWORD = "Test-pass-2026!"


class Cast:
    pass


@pytest.fixture
def cast(db):
    User = get_user_model()
    c = Cast()
    c.province = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE, place_name="Sơn La")
    c.commune_a = OrgUnit.add(
        code="P-MC", name="Phường Mộc Châu", kind=OrgUnit.Kind.WARD, parent=c.province, place_name="Mộc Châu"
    )
    c.office_a = OrgUnit.add(
        code="P-MC-UB", name="Ủy ban nhân dân phường Mộc Châu", kind=OrgUnit.Kind.PEOPLES_COMMITTEE, parent=c.commune_a
    )
    c.school_a = OrgUnit.add(
        code="P-MC-TH", name="Trường Tiểu học Mộc Châu", kind=OrgUnit.Kind.PUBLIC_SERVICE_UNIT, parent=c.commune_a
    )
    c.commune_b = OrgUnit.add(
        code="X-DK", name="Xã Đoàn Kết", kind=OrgUnit.Kind.COMMUNE, parent=c.province, place_name="Đoàn Kết"
    )
    c.office_b = OrgUnit.add(
        code="X-DK-UB", name="Ủy ban nhân dân xã Đoàn Kết", kind=OrgUnit.Kind.PEOPLES_COMMITTEE, parent=c.commune_b
    )

    def user(username, kind=None, unit=None, **extra):
        u = User.objects.create_user(username=username, password=PASSWORD, **extra)
        if kind:
            Role.objects.create(user=u, kind=kind, unit=unit)
        return u

    c.hr_a = user("hr_a", Role.Kind.HR_OFFICER, c.commune_a)
    c.hr_b = user("hr_b", Role.Kind.HR_OFFICER, c.commune_b)
    c.head_a = user("head_a", Role.Kind.UNIT_HEAD, c.school_a)
    c.admin = user("root", is_superuser=True, is_staff=True)
    c.staff_user = user("an")

    def employee(code, name, unit, **extra):
        fields = {
            "category": Employee.Category.CIVIL_SERVANT,
            "gender": Employee.Gender.MALE,
            "start_date": dt.date(2015, 1, 1),
        }
        fields.update(extra)
        return Employee.objects.create(code=code, full_name=name, unit=unit, **fields)

    c.emp_a = employee("101", "Nguyễn Văn An", c.office_a, user=c.staff_user)
    c.teacher_a = employee(
        "102", "Lò Thị Hương", c.school_a, category=Employee.Category.PUBLIC_EMPLOYEE, gender=Employee.Gender.FEMALE
    )
    c.emp_b = employee("201", "Cầm Văn Đức", c.office_b)
    return c


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 at production strength costs ~0.3 s per user; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def collected_static(django_test_environment, tmp_path_factory):
    """Tests run with DEBUG off, where `{% static %}` reads the manifest collectstatic writes
    (a template naming a missing file fails, as it would in production). Collected once per
    session into a temporary STATIC_ROOT, hashed but not compressed: compressing Swagger UI
    and Redoc takes ~20 s, and tests/test_serving.py checks compression on our own files."""
    root = tmp_path_factory.mktemp("static")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


# Every log record of a test run, formatted as production formats it (hr_system.logs: JSON,
# request id, secrets masked), goes to var/test-logs/<pid>.jsonl; `make test` then runs
# tests/check_logs.py over the folder, which fails on a password, a token, an answer key, a
# fingerprint template or a citizen-ID number in any line. TEST_LOG_DIR moves the folder.
TEST_LOG_DIR = Path(os.environ.get("TEST_LOG_DIR") or Path(__file__).resolve().parent.parent / "var" / "test-logs")
LOGGED_AT_DEBUG = (
    "hr",
    "hr_system",
    "django.request",
    "devices",
    "attendance",
    "assessments",
    "transfers",
    "axes",
)
EMULATOR = "devices.zk.emulator"


@pytest.fixture(scope="session", autouse=True)
def test_log_file(django_test_environment):
    from hr_system.logs import JsonFormatter, RedactFilter, RequestIdFilter

    TEST_LOG_DIR.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(TEST_LOG_DIR / f"{os.getpid()}.jsonl", mode="w", encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    # The console handler keeps printing what production prints (INFO and up; pytest
    # captures it); the DEBUG records are for the file only.
    consoles = [h for h in root.handlers if type(h) is logging.StreamHandler and h.level == logging.NOTSET]
    levels = {name: logging.getLogger(name).level for name in LOGGED_AT_DEBUG}
    for console in consoles:
        console.setLevel(logging.INFO)
    for name in LOGGED_AT_DEBUG:
        logging.getLogger(name).setLevel(logging.DEBUG)
    # The ZK emulator is the tests' fake clock, not the product: its DEBUG lines are wire
    # dumps (a template pushed to it shows up in hex).
    levels[EMULATOR] = logging.getLogger(EMULATOR).level
    logging.getLogger(EMULATOR).setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield handler.baseFilename
    finally:
        root.removeHandler(handler)
        handler.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        for console in consoles:
            console.setLevel(logging.NOTSET)
