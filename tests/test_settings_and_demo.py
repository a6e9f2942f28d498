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


def _print_setting(env: dict, expression: str) -> subprocess.CompletedProcess:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    env = {**env, "DJANGO_SETTINGS_MODULE": "hr_system.settings"}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_secrets_are_read_from_files(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("key-from-a-file-" + "k" * 40 + "\n")
    db_file = tmp_path / "database_url"
    db_file.write_text(f"sqlite:///{tmp_path / 'from-file.sqlite3'}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(DEBUG="0", SECRET_KEY_FILE=str(key_file), DATABASE_URL_FILE=str(db_file))
    proc = _print_setting(env, "settings.SECRET_KEY, settings.DATABASES['default']['NAME']")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"key-from-a-file-{'k' * 40} {tmp_path / 'from-file.sqlite3'}"


def test_unreadable_or_doubled_secret_stops_start_up_with_its_name(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(DEBUG="0", SECRET_KEY_FILE=str(tmp_path / "missing"))
    proc = _print_setting(env, "settings.SECRET_KEY")
    assert proc.returncode != 0
    assert "SECRET_KEY_FILE: cannot read" in proc.stderr and str(tmp_path / "missing") in proc.stderr

    (tmp_path / "key").write_text("k" * 50)
    env.update(SECRET_KEY_FILE=str(tmp_path / "key"), SECRET_KEY="another-" + "k" * 50)
    proc = _print_setting(env, "settings.SECRET_KEY")
    assert proc.returncode != 0 and "Set SECRET_KEY or SECRET_KEY_FILE, not both" in proc.stderr
    # The value itself never reaches the message.
    assert "k" * 50 not in proc.stderr


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
