"""The import contract around evaluation/: it reads attendance and assessments only
through their report functions, and no app below it imports it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ("hr_system", "devices", "attendance", "assessments", "transfers", "evaluation")


@pytest.fixture
def tree(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def lint(path: Path) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    env = {"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, cwd=path, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    "module, line, contract",
    [
        (
            "evaluation/models.py",
            "from attendance.models import DayResult",
            "evaluation reads attendance and assessments only through their report functions",
        ),
        (
            "evaluation/actions.py",
            "from assessments.scoring import score_attempt",
            "evaluation reads attendance and assessments only through their report functions",
        ),
        ("attendance/reports.py", "import evaluation.models", "attendance depends on hr_system"),
        ("assessments/models.py", "import evaluation.rules", "assessments depends on hr_system only"),
        ("hr_system/models.py", "import evaluation.models", "hr_system imports no app"),
        ("evaluation/rules.py", "import evaluation.models", "pure rule modules import no models"),
        ("evaluation/views.py", "import evaluation.api", "pages and API never import each other"),
    ],
)
def test_the_contract_breaks_on_a_forbidden_import(tree, module, line, contract):
    with open(tree / module, "a", encoding="utf-8") as f:
        f.write(f"\n{line}  # noqa\n")
    broken = lint(tree)
    assert broken.returncode != 0
    assert contract in broken.stdout and "BROKEN" in broken.stdout


def test_reports_are_the_way_in_and_transfers_may_read_evaluation(tree):
    with open(tree / "evaluation/reports.py", "a", encoding="utf-8") as f:
        f.write("\nfrom attendance import reports as attendance_reports  # noqa\n")
        f.write("from assessments import reports as assessments_reports  # noqa\n")
    with open(tree / "transfers/reports.py", "a", encoding="utf-8") as f:
        f.write("\nimport evaluation.reports  # noqa\n")
    clean = lint(tree)
    assert clean.returncode == 0, clean.stdout + clean.stderr
