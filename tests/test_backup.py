"""`manage.py backup` / `restore` on SQLite and PostgreSQL, each in its own processes.

The source and target databases are made here (not the suite's test database), so the
commands run exactly as an operator runs them: `DATABASE_URL` names the database.
PostgreSQL is the suite's server when the suite runs on it, else `TEST_POSTGRES_URL`,
else postgres@127.0.0.1:5432; only an unreachable server skips those cases, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest

from hr_system import backups

ROOT = Path(__file__).resolve().parent.parent

POPULATE = """
import datetime as dt
from hr_system.models import OrgUnit
from devices.models import Device, Punch
unit = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE, place_name="Sơn La")
t = dt.datetime(2026, 1, 5, 0, 30, tzinfo=dt.timezone.utc)
for n in (1, 2):
    d = Device.objects.create(name=f"Máy {n}", unit=unit, host=f"10.0.0.{n}")
    Punch.objects.bulk_create(
        Punch(device=d, device_user_id=str(i % 7 * 13), local_time=f"2026-01-05 07:{i // 60:02d}:{i % 60:02d}",
              timestamp=t, source="pull")
        for i in range(150)
    )
"""

STATE = """
import json
from django.db import connection
from hr_system import backups
with connection.cursor() as c:
    tables = connection.introspection.table_names(c)
with connection.chunked_cursor() as c:
    print(json.dumps(backups.database_state(c, tables, connection.vendor)))
"""


def manage(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    env.setdefault("SECRET_KEY", "test-only-secret-key-for-backup-tests-0123456789")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def state(url: str) -> dict:
    return json.loads(ok(manage(url, "shell", "-c", STATE)).strip().splitlines()[-1])


class Rig:
    """A populated source database, one backup of it, and a way to get empty targets."""

    def __init__(self, vendor, source, new_target, tables_in, workdir):
        self.vendor, self.source, self.new_target, self.tables_in = vendor, source, new_target, tables_in
        ok(manage(source, "migrate", "-v0"))
        ok(manage(source, "shell", "-c", POPULATE))
        self.dest = workdir / "backups"
        ok(manage(source, "backup", "--dest", str(self.dest)))
        (self.manifest,) = self.dest.glob("hr-*.json")
        self.dump = self.dest / json.loads(self.manifest.read_text())["dump"]

    def copy(self, where: Path) -> Path:
        where.mkdir()
        shutil.copy(self.manifest, where)
        shutil.copy(self.dump, where)
        return where / self.dump.name


def postgres_base() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = os.environ.get("TEST_POSTGRES_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def rig(request, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"backup-{request.param}")
    if request.param == "sqlite":
        counter = iter(range(100))

        def new_target():
            return f"sqlite:///{work / f'target-{next(counter)}.sqlite3'}"

        def tables_in(url):
            path = Path(url.removeprefix("sqlite:///"))
            if not path.exists():
                return []
            import sqlite3

            with sqlite3.connect(path) as c:
                return [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]

        yield Rig("sqlite", f"sqlite:///{work / 'source.sqlite3'}", new_target, tables_in, work)
        return

    import psycopg

    base = postgres_base()
    cfg = dj_database_url.parse(base)
    server = {
        "host": cfg["HOST"] or None,
        "port": cfg["PORT"] or None,
        "user": cfg["USER"] or None,
        "password": cfg["PASSWORD"] or None,
    }
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **server)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable at {cfg['HOST']}:{cfg['PORT']} ({exc}); set TEST_POSTGRES_URL")
    prefix = cfg["NAME"] if cfg["NAME"] not in ("", "postgres") else "hr_backup_test"
    made: list[str] = []

    def create(suffix):
        name = f"{prefix}_{suffix}_{os.getpid()}"
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return base.rsplit("/", 1)[0] + "/" + name

    counter = iter(range(100))

    def tables_in(url):
        with psycopg.connect(dbname=url.rsplit("/", 1)[1], **server) as c:
            rows = c.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        return [r[0] for r in rows]

    try:
        yield Rig("postgresql", create("src"), lambda: create(f"dst{next(counter)}"), tables_in, work)
    finally:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_round_trip_restores_every_row_and_the_same_punches(rig):
    target = rig.new_target()
    out = ok(manage(target, "restore", str(rig.dump)))
    assert "restored and verified" in out
    restored, original = state(target), state(rig.source)
    assert restored == original
    assert restored["row_counts"]["devices_punch"] == 300
    manifest = json.loads(rig.manifest.read_text())
    assert manifest["punch_digest"] == restored["punch_digest"]
    assert manifest["vendor"] == rig.vendor and manifest["schema"]["devices"]


def test_truncated_dump_is_refused_and_nothing_is_written(rig, tmp_path):
    dump = rig.copy(tmp_path / "cut")
    with open(dump, "r+b") as f:
        f.truncate(dump.stat().st_size // 2)
    target = rig.new_target()
    proc = manage(target, "restore", str(dump))
    assert proc.returncode != 0
    assert "cắt cụt" in proc.stderr and "truncated" in proc.stderr
    assert rig.tables_in(target) == []


def test_tampered_dump_is_refused_and_nothing_is_written(rig, tmp_path):
    dump = rig.copy(tmp_path / "changed")
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0x01
    dump.write_bytes(bytes(data))
    target = rig.new_target()
    proc = manage(target, "restore", str(dump.with_suffix(".json")))
    assert proc.returncode != 0
    assert "SHA-256" in proc.stderr and "tampered" in proc.stderr
    assert rig.tables_in(target) == []


def test_missing_manifest_is_refused(rig, tmp_path):
    dump = rig.copy(tmp_path / "alone")
    dump.with_suffix(".json").unlink()
    proc = manage(rig.new_target(), "restore", str(dump))
    assert proc.returncode != 0 and "manifest not found" in proc.stderr


def test_non_empty_database_is_refused_without_force(rig):
    before = state(rig.source)
    proc = manage(rig.source, "restore", str(rig.dump))
    assert proc.returncode != 0
    assert "--force" in proc.stderr and "devices_punch" in proc.stderr
    assert state(rig.source) == before
    assert "restored and verified" in ok(manage(rig.source, "restore", "--force", str(rig.dump)))
    assert state(rig.source) == before


@pytest.mark.parametrize("rig", ["sqlite"], indirect=True)  # the same code for both vendors
def test_backup_keeps_the_newest_n(rig, tmp_path):
    dest = tmp_path / "kept"
    dest.mkdir()
    for i in range(4):
        for ext in ("json", "sqlite3"):
            (dest / f"hr-20250101-00000{i}-000000.{ext}").write_text("old")
    (dest / "notes.txt").write_text("not a backup")
    out = ok(manage(rig.source, "backup", "--dest", str(dest), "--keep", "2"))
    assert out.count("removed") == 3
    left = sorted(p.name for p in dest.iterdir())
    assert left[:2] == ["hr-20250101-000003-000000.json", "hr-20250101-000003-000000.sqlite3"]
    assert len(left) == 5 and left[-1] == "notes.txt"
    assert left[2].endswith(".json") and left[3].endswith(".sqlite3") and left[2][:-5] == left[3][:-8]


def test_retention_selection():
    names = [f"hr-2026010{d}-120000-000000.json" for d in (3, 1, 2)] + ["other.json", "hr-x.json"]
    assert backups.expired(names, 1) == ["hr-20260101-120000-000000.json", "hr-20260102-120000-000000.json"]
    assert backups.expired(names, 5) == []


def test_compare_names_every_difference():
    manifest = {"schema": {"a": ["0001"]}, "row_counts": {"t": 2, "u": 1}, "punch_digest": "x"}
    assert backups.compare(manifest, {**manifest}) == []
    found = backups.compare(manifest, {"schema": {}, "row_counts": {"t": 2, "u": 0}, "punch_digest": "y"})
    assert [m.what for m in found] == ["schema", "rows u", "punch digest"]
