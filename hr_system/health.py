"""`/healthz`: does the database answer, are migrations applied, are the workers alive.

A worker is alive when its `WorkerHeartbeat` row (written after every step, see
`hr_system.workers`) is younger than `HEALTH_HEARTBEAT_MAX_AGE`; a worker that never
wrote a row is not. Which workers are expected is `HEALTH_WORKERS`. The answer names
checks and workers only, nothing a stranger could use.
"""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def check_migrations() -> bool:
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return not executor.migration_plan(targets)


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
