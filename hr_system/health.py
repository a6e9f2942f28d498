"""`/healthz`: does the database answer, are migrations applied, are the workers alive.

A worker is alive when its `WorkerHeartbeat` row (written after every step, see
`hr_system.workers`) is younger than `HEALTH_HEARTBEAT_MAX_AGE`; a worker that never
wrote a row is not. Which workers are expected is `HEALTH_WORKERS`. The answer names
checks and workers only, nothing a stranger could use.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


@functools.cache
def migrations_on_disk() -> tuple[frozenset[tuple[str, str]], dict[tuple[str, str], tuple]]:
    """Every migration the code has, and what each squashed one replaces. Read once per
    process: the files do not change under a running process (an upgrade restarts it),
    and reading them took most of a /healthz."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.graph.nodes), {key: tuple(m.replaces) for key, m in loader.replacements.items()}


def check_migrations() -> bool:
    """Whether every migration of the code is recorded as applied (one query)."""
    nodes, replaces = migrations_on_disk()
    applied = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    return all(node in applied or (node in replaces and all(r in applied for r in replaces[node])) for node in nodes)


def check_workers() -> dict[str, dict]:
    from hr_system.models import WorkerHeartbeat

    expected = list(settings.HEALTH_WORKERS)
    max_age = settings.HEALTH_HEARTBEAT_MAX_AGE
    now = timezone.now()
    beats = dict(WorkerHeartbeat.objects.filter(name__in=expected).values_list("name", "beat_at"))
    workers = {}
    for name in expected:
        beat_at = beats.get(name)
        age = None if beat_at is None else round(max(0.0, (now - beat_at).total_seconds()), 1)
        workers[name] = {"ok": age is not None and age <= max_age, "age_seconds": age}
    return workers


def health() -> tuple[bool, dict]:
    """(healthy, the JSON body). Later checks are skipped when the database is down."""
    checks: dict = {"database": check_database()}
    if checks["database"]:
        try:
            checks["migrations"] = check_migrations()
            checks["workers"] = check_workers()
        except DatabaseError:
            checks["database"] = False
    if not checks["database"]:
        checks.setdefault("migrations", False)
        checks["workers"] = {name: {"ok": False, "age_seconds": None} for name in settings.HEALTH_WORKERS}
    ok = checks["database"] and checks["migrations"] and all(w["ok"] for w in checks["workers"].values())
    return ok, {"status": "ok" if ok else "fail", "checks": checks}
