"""[E] figure: the deadline worker closing a whole sitting at once.

1,000 candidates of one exam (PostgreSQL database `hr_examfinal`, 60-question papers)
start together and answer 30 questions each; their deadline passes with nobody
submitting, and one `finalize_due` call closes and scores every attempt. Results
show only after this, so its duration is how long candidates wait for them.

    SECRET_KEY=x .venv/bin/python -m bench.exam_finalize [--candidates 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt

import psycopg

from bench.common import report, setup_django, timer

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DB_NAME = "hr_examfinal"
ANSWERED = 30


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=1000)
    args = parser.parse_args()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    setup_django(f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
    from django.db import connections
    from django.utils import timezone

    from assessments import attempts
    from assessments.models import Attempt, PaperItem, Response
    from bench.exam_load import ACCESS_CODE, build

    exam_id, _tokens = build(args.candidates)
    now = timezone.now()
    for attempt in Attempt.objects.filter(exam_id=exam_id).select_related("exam"):
        attempts.start_attempt(attempt=attempt, ip="127.0.0.1", access_code=ACCESS_CODE, now=now)
    # The answers as the save endpoint leaves them: one row per item, with its seq.
    items = PaperItem.objects.filter(attempt__exam_id=exam_id, position__lte=ANSWERED)
    Response.objects.bulk_create(
        (
            Response(attempt_id=attempt_id, item_id=pk, selected=order[:1], seq=position, saved_at=now)
            for pk, attempt_id, position, order in items.values_list("pk", "attempt_id", "position", "option_order")
        ),
        batch_size=5000,
    )
    after = now + dt.timedelta(hours=2)
    with timer() as t:
        closed = attempts.finalize_due(after)
    scored = Attempt.objects.filter(exam_id=exam_id, status="finalized", score__isnull=False).count()
    assert closed == scored == args.candidates, (closed, scored)
    report(
        f"deadline worker: close and score {args.candidates:,} attempts",
        t["seconds"],
        "s",
        "info",
        True,
        f"{t['seconds'] / args.candidates * 1000:.2f} ms per attempt, {ANSWERED} answers each",
    )
    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
