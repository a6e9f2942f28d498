"""[13] figure: exam saves through Caddy and two gunicorn instances, at the load bench's pace.

Not a test: a script that prints figures beside their targets (p95 ≤ 150 ms, no answer
lost). The sitting is bench/exam_load.py's, imported rather than copied: its bank,
exam, candidates with personal API tokens and pre-generated papers (`build`), its
candidate model (`sit`: start within 10 s, think times, changed answers, reloads,
doubled saves, heartbeats, retries like the exam page, finalise) and its database check
(`check_database`: every acknowledged answer stored exactly once). What differs is the
server, which is production's, started from deploy/ by the rehearsal's process code
(deploy/rehearsal_stack.py): Caddy from deploy/Caddyfile (HTTPS with its internal CA,
round robin, no sticky sessions) in front of two gunicorn instances from
deploy/gunicorn.conf.py, DEBUG off, one PostgreSQL database (dropped at the end). Each
candidate's client trusts Caddy's root certificate and speaks HTTPS to it.

It prints p50/p95/max and the count of saves, lost and doubled answers, 5xx, and how
the saves were split between the two instances (their JSON request log lines).

    SECRET_KEY=x .venv/bin/python -m bench.exam_caddy [--candidates 1000] [--think 6 14]
        [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter

from bench import exam_load
from bench.common import ROOT, report, timer

sys.path.insert(0, str(ROOT / "deploy"))
from rehearsal_stack import Stack  # noqa: E402

BASE_PORT = 18400  # within the rehearsal's range (18300-18449), clear of `make rehearsal`'s
TARGET_P95_MS = 150


def saves_per_instance(stack: Stack, exam_id: int) -> dict[str, int]:
    """Saves answered 200 by each instance, from its JSON request log lines."""
    path = f"/api/v1/assessments/exams/{exam_id}/answers"
    counts: Counter = Counter()
    for proc in stack.procs:
        if not proc.name.startswith("web-"):
            continue
        counts[proc.name] = 0
        for raw in proc.out.read_text(errors="replace").splitlines():
            if raw.startswith("{") and '"event":"request"' in raw.replace(" ", ""):
                line = json.loads(raw)
                if line.get("method") == "POST" and line.get("path") == path and line.get("status") == 200:
                    counts[proc.name] += 1
    return dict(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=exam_load.CANDIDATES)
    parser.add_argument("--think", type=float, nargs=2, default=exam_load.THINK, metavar=("MIN", "MAX"))
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="gunicorn sync workers per instance (deploy/env.example: 3 for two on 2 cores)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    stack = Stack(name="bench", base_port=BASE_PORT, web_instances=2, web_workers=args.workers)
    try:
        stack.check_ports()
        stack.create_database()
        collected = stack.manage_in_background("collectstatic", "--noinput")
        stack.manage("migrate", "--noinput")
        stack.setup_django()
        from django.db import connections

        with timer() as t:
            exam_id, tokens = exam_load.build(args.candidates)
        connections.close_all()
        collected()
        print(
            f"set-up: {args.candidates} candidates with tokens, {exam_load.QUESTIONS}-question papers "
            f"in {t['seconds']:.1f} s",
            flush=True,
        )
        stack.start_web()
        stack.start_caddy()
        print(
            f"server: Caddy https://localhost:{stack.ports.https} (tls internal, round robin) → gunicorn ×2 "
            f"({args.workers} sync workers each, deploy/gunicorn.conf.py), PostgreSQL; think time "
            f"{args.think[0]}–{args.think[1]} s (offered ≈ {args.candidates / (sum(args.think) / 2):,.0f} saves/s)",
            flush=True,
        )
        rng = random.Random(args.seed)
        candidates = [
            exam_load.Candidate(code=code, token=token, rng=random.Random(rng.random()))
            for code, token in tokens.items()
        ]
        began = time.monotonic()
        stats = asyncio.run(
            exam_load.simulate(stack.base_url, exam_id, candidates, tuple(args.think), tls=stack.tls_context())
        )
        elapsed = time.monotonic() - began
        bad = stack.stop()
        for proc in bad:
            print(f"=== {proc.name} exit {proc.returncode} ===\n{proc.tail()}")

        saves = stats.latency.get("answers", [])
        p50, p95 = exam_load.percentile(saves, 50), exam_load.percentile(saves, 95)
        print(f"\nsitting: {elapsed:.1f} s, {len(saves):,} saves, {len(saves) / elapsed:,.0f} saves/s on average")
        for name in ("start", "paper", "answers", "heartbeat", "finalize"):
            codes = ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses[name].items()))
            print(f"  {name:<10} {len(stats.latency.get(name, [])):>7,} requests  statuses {codes}")
        if stats.network_errors:
            print("network errors:", dict(stats.network_errors))
        split = saves_per_instance(stack, exam_id)
        print("saves answered per instance (JSON request lines): " + ", ".join(f"{k}: {v:,}" for k, v in split.items()))
        checked = exam_load.check_database(exam_id, candidates)
        server_errors = sum(n for c in stats.statuses.values() for code, n in c.items() if code >= 500)
        connections.close_all()

        print()
        report(
            "exam via Caddy: lost answers (acknowledged, not stored)", checked["lost"], "", "0", checked["lost"] == 0
        )
        report("exam via Caddy: doubled answers", checked["doubled"], "", "0", checked["doubled"] == 0)
        report("exam via Caddy: 5xx responses", server_errors, "", "0", server_errors == 0)
        report(
            "exam via Caddy: both instances served saves",
            min(split.values(), default=0),
            "",
            "> 0 each",
            len(split) == 2 and min(split.values()) > 0,
        )
        ok = p95 <= TARGET_P95_MS and checked["lost"] == 0
        report(
            f"save p95 via Caddy + 2 gunicorn, {len(candidates)} candidates",
            p95,
            "ms",
            f"<= {TARGET_P95_MS} ms",
            p95 <= TARGET_P95_MS,
            f"p50 {p50:.0f} ms, max {max(saves, default=0):.0f} ms, {len(saves):,} saves, lost {checked['lost']}",
        )
        print(f"{'PASS' if ok else 'FAIL'}: exam saves through Caddy + two gunicorn instances")
        return 0 if checked["lost"] == 0 and checked["doubled"] == 0 and server_errors == 0 and not bad else 1
    finally:
        stack.kill_all()
        stack.drop_database()


if __name__ == "__main__":
    sys.exit(main())
