"""Shared set-up for benchmark scripts: a throw-away SQLite database, migrated."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database_url: str | None = None) -> None:
    sys.path.insert(0, str(ROOT))
    if database_url is None:
        path = Path(tempfile.mkdtemp(prefix="hr-bench-")) / "bench.sqlite3"
        database_url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hr_system.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@contextmanager
def timer():
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def report(name: str, value: float, unit: str, target: str, ok: bool, extra: str = "") -> None:
    verdict = "OK " if ok else "MISS"
    print(
        f"[{verdict}] {name:<58} {value:10.3f} {unit:<4} (target {target}){'  ' + extra if extra else ''}", flush=True
    )
