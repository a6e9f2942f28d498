import os
import subprocess
import sys

from django.core.management import call_command

from hr_system.models import Employee, OrgUnit, Role


def test_check_deploy_is_clean_with_production_values():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 30 + "-Prod-Secret-Value-1234567890abcdef",
        "ALLOWED_HOSTS": "hr.sonla.gov.vn",
    }
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_missing_secret_key_fails_loudly_without_debug():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DEBUG"] = "0"
    proc = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True)
    assert proc.returncode != 0 and "SECRET_KEY" in proc.stderr


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    counts = (OrgUnit.objects.count(), Employee.objects.count(), Role.objects.count())
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert counts == (OrgUnit.objects.count(), Employee.objects.count(), Role.objects.count())
    assert 280 <= counts[1] <= 360
    assert set(Employee.objects.values_list("category", flat=True).distinct()) == set(Employee.Category.values)
    mocchau = OrgUnit.objects.get(code="P-MOCCHAU")
    assert OrgUnit.objects.get(code="XC-CHIENGCHUNG").pk in set(
        OrgUnit.objects.get(code="X-DOANKET").rollup_units().values_list("pk", flat=True)
    )
    assert mocchau.subtree().filter(kind=OrgUnit.Kind.PUBLIC_SERVICE_UNIT).exists()
