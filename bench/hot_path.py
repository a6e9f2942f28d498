"""CPU and queries per request on the sitting-start hot path, in-process.

Not a test: a script that prints figures. It builds bench.exam_sitting's exam and sitting
(60-question papers generated ahead, every candidate checked in) for a few candidates in
the PostgreSQL database `hr_hotpath`, programs the start a moment ago, then runs each
candidate's three requests through django.test.Client with their API token, as the
gunicorn workers would (DEBUG off): POST start, GET paper, POST the first answer. It
prints, per request, the median process CPU time (the worker's share, PostgreSQL's is
not counted) and the number of SQL queries, and the median of the token check alone
(lock check + token look-up) and of the lock check in it.

    SECRET_KEY=x .venv/bin/python -m bench.hot_path [--candidates 200] [--profile start|paper|save]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import statistics
import time
from functools import partial

from bench import exam_load
from bench.common import setup_django

DB_NAME = "hr_hotpath"


def cpu_ms(fn) -> tuple[float, object]:
    began = time.process_time()
    out = fn()
    return (time.process_time() - began) * 1000, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--profile", choices=["start", "paper", "save"], help="print a cProfile of this request")
    parser.add_argument("--sql", action="store_true", help="print the last candidate's SQL, request by request")
    parser.add_argument("--db", default=DB_NAME, help="PostgreSQL database to (re)create and drop")
    args = parser.parse_args()

    os.environ["LOG_LEVEL"] = "ERROR"  # as bench.exam_load's gunicorn runs
    os.environ["DEBUG"] = "0"
    exam_load.recreate_database(args.db)
    setup_django(f"postgres://postgres@127.0.0.1:5432/{args.db}")
    from django.conf import settings
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessments.models import Sitting
    from bench.exam_sitting import build_sitting
    from hr_system import lockout

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    exam_id, sitting_id, tokens = build_sitting(args.candidates)
    started = timezone.now() - dt.timedelta(seconds=5)
    Sitting.objects.filter(pk=sitting_id).update(starts_at=started, ends_at=started + dt.timedelta(hours=2))

    base = f"/api/v1/assessments/exams/{exam_id}"
    client = Client()
    cpu: dict[str, list[float]] = {"start": [], "paper": [], "save": [], "lock check": [], "token check": []}
    queries: dict[str, list[int]] = {"start": [], "paper": [], "save": []}
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    last_sql: dict[str, list[str]] = {}

    def timed(name: str, call):
        profiling = profiler and name == args.profile and cpu[name]  # the first pays imports
        with CaptureQueriesContext(connection) as captured:
            if profiling:
                profiler.enable()
            ms, response = cpu_ms(call)
            if profiling:
                profiler.disable()
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        cpu[name].append(ms)
        queries[name].append(len(captured.captured_queries))
        last_sql[name] = [q["sql"] for q in captured.captured_queries]
        return response.json()

    from hr_system.api_base import TokenAuth

    auth_check = TokenAuth()
    request = RequestFactory().get("/api/v1/")  # a request object to check tokens on
    for token in tokens.values():
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        start = partial(client.post, f"{base}/start", content_type="application/json", **auth)
        body = timed("start", partial(start, {"access_code": exam_load.ACCESS_CODE}))
        session = {**auth, "HTTP_X_EXAM_SESSION": body["session_token"]}
        paper = timed("paper", partial(client.get, f"{base}/paper", **session))
        item = paper["items"][0]
        answer = {"position": item["position"], "selected": [item["options"][0]["id"]], "seq": paper["max_seq"] + 1}
        timed("save", partial(client.post, f"{base}/answers", answer, content_type="application/json", **session))
        for attr in [a for a in vars(request) if a.startswith("axes_")]:
            delattr(request, attr)  # as a new request: axes stamps its time and address once
        ms, locked = cpu_ms(partial(lockout.token_locked, request))
        assert not locked
        cpu["lock check"].append(ms)
        ms, user = cpu_ms(partial(auth_check.authenticate, request, token))
        assert user is not None
        cpu["token check"].append(ms)

    n = len(tokens)
    print(f"hot path: {n} candidates, {exam_load.QUESTIONS}-question papers, in-process, PostgreSQL, DEBUG off")
    for name, values in cpu.items():
        warm = values[1:] or values  # the first pays imports and caches
        q = f"{statistics.median(queries[name]):4.0f} queries" if name in queries else " " * 12
        print(
            f"  {name:<12} CPU median {statistics.median(warm):6.2f} ms  p90 {sorted(warm)[int(len(warm) * 0.9)]:6.2f} ms  {q}"
        )
    total = sum(statistics.median(cpu[k][1:] or cpu[k]) for k in ("start", "paper", "save"))
    print(f"  one candidate's three requests: {total:.1f} ms CPU")
    if args.sql:
        for name, sqls in last_sql.items():
            print(f"-- {name}")
            for sql in sqls:
                print(f"   {sql[:300]}")
    if profiler:
        profiler.dump_stats(f"/tmp/hot_path_{args.profile}.prof")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    connection.close()
    exam_load.drop_database(args.db)


if __name__ == "__main__":
    main()
