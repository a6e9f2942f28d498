"""[E] figures: sealing one sitting and verifying its archive (issue 15).

N candidates of one sitting (PostgreSQL database `hr_sittingseal`, 60-question papers,
30 answers each) sit and are closed by the deadline worker; the sitting ends, then
`seal_sitting` writes its archive (one canonical JSON per attempt and per question
version, a SHA-256 MANIFEST) and `verify_sitting` rebuilds every file from the
database and checks every digest.

    SECRET_KEY=x .venv/bin/python -m bench.sitting_seal [--candidates 3000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile

import psycopg

from bench.common import report, setup_django, timer

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DB_NAME = "hr_sittingseal"
ANSWERED = 30


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=3000)
    args = parser.parse_args()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    setup_django(f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
    from django.conf import settings
    from django.db import connections
    from django.utils import timezone

    from assessments import attempts, sealing
    from assessments.models import Attempt, PaperItem, Response, Sitting
    from bench.exam_load import ACCESS_CODE, build

    settings.SEALED_SITTINGS_DIR = tempfile.mkdtemp(prefix="hr-sealed-")
    exam_id, _tokens = build(args.candidates)
    now = timezone.now()
    for attempt in Attempt.objects.filter(exam_id=exam_id).select_related("exam"):
        attempts.start_attempt(attempt=attempt, ip="127.0.0.1", access_code=ACCESS_CODE, now=now)
    items = PaperItem.objects.filter(attempt__exam_id=exam_id, position__lte=ANSWERED)
    Response.objects.bulk_create(
        (
            Response(attempt_id=attempt_id, item_id=pk, selected=order[:1], seq=position, saved_at=now)
            for pk, attempt_id, position, order in items.values_list("pk", "attempt_id", "position", "option_order")
        ),
        batch_size=5000,
    )
    attempts.finalize_due(now + dt.timedelta(hours=2))
    sitting = Sitting.objects.create(
        exam_id=exam_id,
        name="Ca 1",
        venue="Hội trường A",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=2),
        ended_at=now + dt.timedelta(hours=2),
    )
    Attempt.objects.filter(exam_id=exam_id).update(sitting=sitting)
    with timer() as t:
        sitting = sealing.seal_sitting(acting_user=None, sitting=sitting)
    size = sealing.archive_path(sitting).stat().st_size
    report(
        f"seal a sitting of {args.candidates:,} candidates",
        t["seconds"],
        "s",
        "info",
        True,
        f"archive {size / 1e6:.1f} MB, 60 items and {ANSWERED} answers per candidate",
    )
    with timer() as v:
        problems = sealing.verify_sitting(sitting)
    report(f"verify the sealed sitting ({args.candidates:,} attempts)", v["seconds"], "s", "info", not problems)
    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
