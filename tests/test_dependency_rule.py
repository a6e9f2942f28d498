"""Pure rule modules are plain functions over plain values: no ORM, so they are
table-tested in milliseconds. `.importlinter` bans the apps' models (directly and
indirectly); import-linter cannot name a subpackage of an external package, so the
ban on `django.db` is checked here from the source."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_MODULES = [
    "attendance/rules.py",
    "assessments/scoring.py",
    "assessments/parsers.py",
    "transfers/rules.py",
    "devices/zk/protocol.py",
    "devices/records.py",
    "evaluation/rules.py",
]


def imported_modules(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", PURE_MODULES)
def test_pure_module_imports_no_orm(path):
    imports = imported_modules((ROOT / path).read_text(encoding="utf-8"))
    orm = sorted(name for name in imports if name == "django.db" or name.startswith("django.db."))
    assert orm == [], f"{path} imports the ORM: {orm}"


def test_the_check_sees_an_orm_import():
    assert "django.db.models" in imported_modules("from django.db import models\n")
    assert "django.db.models" in imported_modules("import django.db.models\n")
    assert "django.db" not in imported_modules("from django.utils import timezone\n")


def test_the_contract_fails_the_build_when_broken(tmp_path):
    """lint-imports passes on the tree as it is, and fails once one upstream import is
    added (devices reaching into attendance), naming the broken contract."""
    import shutil
    import subprocess
    import sys

    for package in ("hr_system", "devices", "attendance", "assessments", "transfers", "evaluation"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    lint = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    clean = subprocess.run(lint, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    with open(tmp_path / "devices" / "models.py", "a", encoding="utf-8") as f:
        f.write("\nfrom attendance.models import DayResult  # noqa\n")
    broken = subprocess.run(lint, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert broken.returncode != 0
    assert "devices depends on hr_system only" in broken.stdout and "BROKEN" in broken.stdout
