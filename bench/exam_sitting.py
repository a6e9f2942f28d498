"""[15] figures: the programmed start of one sitting (ca thi) of 3,000 candidates.

Not a test: a script that prints figures beside their targets. It
- drops and creates the PostgreSQL database `hr_sittingload` and builds bench.exam_load's
  bank, exam and candidates (personal API tokens, 60-question papers generated ahead, as
  in production), all on ONE sitting whose list requires check-in (done at the door
  before the start, so every candidate is checked in);
- starts gunicorn (sync workers) against that database, then programs the sitting's
  start a few seconds ahead: the start is a state change, no work is done at it;
- simulates the candidates with asyncio: each arrives at a random moment within the
  first 60 s after the programmed start, logged in by its personal API token (as in
  bench.exam_load), starts, loads the paper, reads for a few seconds and saves a first
  answer;
- prints p50/p95/p99 of start + paper and of the first save against their targets
  (p95 ≤ 1 s and ≤ 150 ms), the 5xx count, and the answers lost (every acknowledged save
  compared with the database); checks that each deadline is the programmed start + the
  time limit and that nobody got more than the time left;
- ends the sitting, seals it and verifies the seal, printing the seal time, the archive
  size and the verify time.

    SECRET_KEY=x .venv/bin/python -m bench.exam_sitting [--candidates 3000] [--workers 4]
        [--window 60] [--think 2 10] [--keep-db]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import ssl
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import exam_load
from bench.common import report, setup_django, timer

DB_NAME = "hr_sittingload"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
CANDIDATES = 3000
WINDOW = 60.0  # every candidate arrives within this many seconds after the programmed start
THINK = (2.0, 10.0)  # reading the first question before the first save
LEAD = 5.0  # the programmed start, this many seconds after the server answers
TARGET_START_PAPER_MS = 1000
TARGET_SAVE_MS = 150
BUSY_LOAD = 2.0  # 1-minute load average above which the figures are flagged (our own set-up adds ~1)


@dataclass
class Timings:
    start_paper: list[float] = field(default_factory=list)  # start sent → paper received, retries included
    first_save: list[float] = field(default_factory=list)  # retries included
    refused: dict[str, int] = field(default_factory=dict)  # "endpoint: code" → count
    too_much_time: int = 0  # the paper promised more than the time left since the programmed start
    done: int = 0


def build_sitting(candidates: int) -> tuple[int, int, dict[str, str]]:
    """bench.exam_load's exam and candidates, all on one sitting; (exam, sitting, tokens)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from assessments.models import Attempt, Exam, Sitting

    exam_id, tokens = exam_load.build(candidates)
    exam = Exam.objects.get(pk=exam_id)
    exam.require_checkin = True
    exam.save(update_fields=["require_checkin"])
    board = get_user_model().objects.create_superuser("hoidongthi", password=None)
    provisional = timezone.now() + dt.timedelta(hours=1)  # programmed for real once the server is up
    sitting = Sitting.objects.create(
        exam=exam,
        name="Ca 1",
        venue="Hội trường A, Trung tâm Hội nghị tỉnh",
        starts_at=provisional,
        ends_at=provisional + dt.timedelta(minutes=exam.time_limit + 15),
        created_by=board,
    )
    sitting.proctors.add(board)
    # The door: every candidate's identity checked before the start (the proctor page's
    # work is not what is measured here).
    Attempt.objects.filter(exam=exam).update(sitting=sitting, checked_in_at=timezone.now(), checked_in_by=board)
    return exam_id, sitting.pk, tokens


def program_start(sitting_id: int, lead: float) -> dt.datetime:
    from django.utils import timezone

    from assessments.models import Sitting

    sitting = Sitting.objects.select_related("exam").get(pk=sitting_id)
    starts_at = (timezone.now() + dt.timedelta(seconds=lead)).replace(microsecond=0) + dt.timedelta(seconds=1)
    Sitting.objects.filter(pk=sitting_id).update(
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=sitting.exam.time_limit + 15)
    )
    return starts_at


# --- the candidates ---------------------------------------------------------------------


async def arrive(
    stats: exam_load.Stats,
    t: Timings,
    c: exam_load.Candidate,
    base: str,
    tls: ssl.SSLContext,
    start_wall: float,
    window: float,
    think: tuple[float, float],
    time_limit_seconds: int,
) -> None:
    rng = c.rng
    offset = rng.uniform(0, window)
    await asyncio.sleep(max(0.0, start_wall + offset - time.time()))
    auth = {"Authorization": f"Bearer {c.token}"}  # logged in: a personal token, as in exam_load
    # Each candidate has its own small client, as each has their own browser (see
    # exam_load.simulate), opened when they arrive: 3,000 idle clients cost nothing.
    async with httpx.AsyncClient(
        timeout=exam_load.REQUEST_TIMEOUT, limits=httpx.Limits(max_connections=2), verify=tls
    ) as client:

        def refused(name: str, status, body) -> None:
            code = body.get("code", "") if isinstance(body, dict) else ""
            key = f"{name}: {status} {code}".strip()
            t.refused[key] = t.refused.get(key, 0) + 1

        began = time.perf_counter()
        status, body = await exam_load.call(
            client,
            stats,
            "start",
            "POST",
            f"{base}/start",
            json={"access_code": exam_load.ACCESS_CODE},
            headers=auth,
        )
        if status != 200:
            refused("start", status, body)
            return
        headers = {**auth, "X-Exam-Session": body["session_token"]}
        status, paper = await exam_load.call(client, stats, "paper", "GET", f"{base}/paper", headers=headers)
        if status != 200:
            refused("paper", status, paper)
            return
        t.start_paper.append((time.perf_counter() - began) * 1000)
        # The clock started at the programmed start: at most the limit less the time since.
        if paper["remaining_seconds"] > time_limit_seconds - (time.time() - start_wall) + 2:
            t.too_much_time += 1
        await asyncio.sleep(rng.uniform(*think))
        item = paper["items"][0]
        selected = [rng.choice(item["options"])["id"]]
        seq = paper["max_seq"] + 1
        c.sent[item["position"]] = selected
        began = time.perf_counter()
        status, out = await exam_load.call(
            client,
            stats,
            "answers",
            "POST",
            f"{base}/answers",
            json={"position": item["position"], "selected": selected, "seq": seq},
            headers=headers,
        )
        t.first_save.append((time.perf_counter() - began) * 1000)
        if status == 200 and out["seq"] == seq:
            c.acked[item["position"]] = selected
            t.done += 1
        elif status != 200:
            refused("answers", status, out)


async def simulate(
    base: str, candidates, start_wall, window, think, time_limit_seconds
) -> tuple[exam_load.Stats, Timings]:
    stats, t = exam_load.Stats(), Timings()
    tls = ssl.create_default_context()  # one for all: the server is plain HTTP anyway
    await asyncio.gather(
        *(arrive(stats, t, c, base, tls, start_wall, window, think, time_limit_seconds) for c in candidates)
    )
    return stats, t


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of the live processes of one process group: gunicorn's."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- after the sitting ------------------------------------------------------------------


def check_deadlines(sitting_id: int) -> tuple[int, int, float]:
    """(attempts started, deadlines not equal to programmed start + limit + extra, spread of deadlines in s)."""
    from assessments.models import Attempt, Sitting

    sitting = Sitting.objects.select_related("exam").get(pk=sitting_id)
    limit = dt.timedelta(minutes=sitting.exam.time_limit)
    rows = list(
        Attempt.objects.filter(sitting=sitting, deadline__isnull=False).values_list("deadline", "extra_seconds")
    )
    wrong = sum(1 for deadline, extra in rows if deadline != sitting.starts_at + limit + dt.timedelta(seconds=extra))
    deadlines = [d for d, _ in rows]
    spread = (max(deadlines) - min(deadlines)).total_seconds() if deadlines else 0.0
    return len(rows), wrong, spread


def archive_file(sitting) -> Path | None:
    """The seal's archive file (assessments.sealing.archive_path), if it is there."""
    from assessments import sealing

    path = sealing.archive_path(sitting) if sitting.archive_name else None
    return path if path is not None and path.is_file() else None


def end_seal_verify(sitting_id: int, problems_out: list) -> None:
    """End, seal and verify the sitting with the records helpers' functions (if merged)."""
    from django.contrib.auth import get_user_model

    from assessments.models import Attempt, Sitting

    board = get_user_model().objects.get(username="hoidongthi")
    sitting = Sitting.objects.select_related("exam").get(pk=sitting_id)
    try:
        from assessments.sittings import end_sitting, mark_absent_due
    except ImportError as exc:
        print(f"end of the sitting: not available yet (assessments.sittings: {exc})")
    else:
        absent = mark_absent_due(now=sitting.entry_closes_at + dt.timedelta(seconds=1))
        report("sitting: candidates marked absent (all entered)", absent, "", "0", absent == 0)
        with timer() as t:
            end_sitting(acting_user=board, sitting=sitting, now=sitting.ends_at)
        still_open = Attempt.objects.filter(
            sitting=sitting, status__in=["not_started", "in_progress", "paused"]
        ).count()
        report(
            f"sitting: end (finalise and score {Attempt.objects.filter(sitting=sitting).count():,} attempts)",
            t["seconds"],
            "s",
            "info",
            still_open == 0,
            f"{still_open} attempts still open after it",
        )
    try:
        from assessments.sealing import seal_sitting, verify_sitting
    except ImportError as exc:
        print(f"seal and verify: not available yet (assessments.sealing: {exc})")
        return
    sitting.refresh_from_db()
    with timer() as t:
        sitting = seal_sitting(acting_user=board, sitting=sitting, now=sitting.ends_at + dt.timedelta(minutes=5))
    found = archive_file(sitting)
    size = f"{found.stat().st_size / 1e6:.2f} MB at {found}" if found else f"archive {sitting.archive_name!r} not found"
    report("sitting: seal (archive + SHA-256 manifest)", t["seconds"], "s", "info", sitting.is_sealed, size)
    with timer() as t:
        problems = verify_sitting(sitting)
    problems_out.extend(problems)
    report(
        "sitting: verify the seal (recompute the digests)",
        t["seconds"],
        "s",
        "info",
        not problems,
        f"{len(problems)} problems" + (f", first: {problems[0]}" if problems else ""),
    )


# --- main -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=CANDIDATES)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--window", type=float, default=WINDOW, help="seconds after the start within which all arrive")
    parser.add_argument("--think", type=float, nargs=2, default=THINK, metavar=("MIN", "MAX"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-db", action="store_true", help=f"leave the {DB_NAME} database for inspection")
    args = parser.parse_args()

    # The seal's archive goes to a scratch MEDIA_ROOT, not the checkout's var/.
    media = tempfile.mkdtemp(prefix="hr-sitting-media-")
    os.environ["MEDIA_ROOT"] = media
    exam_load.recreate_database(DB_NAME)
    setup_django(DB_URL)
    from django.db import connections

    from assessments.models import Exam

    with timer() as t:
        exam_id, sitting_id, tokens = build_sitting(args.candidates)
    time_limit_seconds = Exam.objects.get(pk=exam_id).time_limit * 60
    print(
        f"set-up: {args.candidates:,} candidates of one sitting with tokens, checked in, "
        f"{exam_load.QUESTIONS}-question papers generated ahead, in {t['seconds']:.1f} s",
        flush=True,
    )

    rng = random.Random(args.seed)
    candidates = [
        exam_load.Candidate(code=code, token=token, rng=random.Random(rng.random())) for code, token in tokens.items()
    ]
    port = exam_load.free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"exam_sitting_gunicorn_{port}.log"
    server = exam_load.start_server(port, args.workers, log, database_url=DB_URL)
    try:
        starts_at = program_start(sitting_id, LEAD)
        connections.close_all()
        print(
            f"server: gunicorn -w {args.workers} (sync) on 127.0.0.1:{port}, PostgreSQL, {os.cpu_count()} CPUs shared "
            f"with the client; programmed start {starts_at:%H:%M:%S} UTC, arrivals over {args.window:.0f} s "
            f"(≈ {args.candidates / args.window:,.0f} candidates/s), first answer after {args.think[0]}–{args.think[1]} s",
            flush=True,
        )
        load_before = os.getloadavg()[0]
        client_cpu, server_cpu = time.process_time(), group_cpu_seconds(server.pid)
        with timer() as t:
            stats, timings = asyncio.run(
                simulate(
                    f"http://127.0.0.1:{port}/api/v1/assessments/exams/{exam_id}",
                    candidates,
                    starts_at.timestamp(),
                    args.window,
                    tuple(args.think),
                    time_limit_seconds,
                )
            )
        elapsed = t["seconds"]
        client_cpu, server_cpu = time.process_time() - client_cpu, group_cpu_seconds(server.pid) - server_cpu
    finally:
        exam_load.stop_server(server)

    pct = exam_load.percentile
    total = sum(len(v) for v in stats.latency.values())
    print(
        f"\nsitting start: {elapsed:.1f} s from launch, {total:,} requests; CPU: gunicorn {server_cpu:.1f} s "
        f"({server_cpu / max(1, total) * 1000:.1f} ms a request), client {client_cpu:.1f} s; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other work on the machine counts)"
    )
    if load_before >= BUSY_LOAD:
        print(
            f"WARNING: load average {load_before:.1f} before the start on {os.cpu_count()} CPUs: other work was "
            "running, so the latencies below measure the machine's contention as much as the server"
        )
    print(f"{'request':<12} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses")
    for name, values in (
        ("start", stats.latency.get("start", [])),
        ("paper", stats.latency.get("paper", [])),
        ("answers", stats.latency.get("answers", [])),
    ):
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses[name].items()))
        print(
            f"{name:<12} {len(values):>7,} {pct(values, 50):>8.1f} {pct(values, 95):>8.1f} "
            f"{pct(values, 99):>8.1f} {max(values, default=0):>8.1f}  {codes}"
        )
    if stats.network_errors:
        print("network errors:", dict(stats.network_errors))
    if timings.refused:
        print("refused:", timings.refused)
    server_errors = sum(n for counter in stats.statuses.values() for code, n in counter.items() if code >= 500)
    other = sum(timings.refused.values()) + sum(stats.network_errors.values()) + stats.gave_up

    checked = exam_load.check_database(exam_id, candidates)
    started, wrong_deadline, spread = check_deadlines(sitting_id)
    print()
    sp, fs = timings.start_paper, timings.first_save
    report(
        f"sitting start: start + paper p95, {args.candidates:,} candidates",
        pct(sp, 95),
        "ms",
        f"<= {TARGET_START_PAPER_MS} ms",
        pct(sp, 95) <= TARGET_START_PAPER_MS,
        f"p50 {pct(sp, 50):.0f} ms, p99 {pct(sp, 99):.0f} ms, {len(sp):,} papers loaded",
    )
    report(
        f"sitting start: first save p95, {args.candidates:,} candidates",
        pct(fs, 95),
        "ms",
        f"<= {TARGET_SAVE_MS} ms",
        pct(fs, 95) <= TARGET_SAVE_MS,
        f"p50 {pct(fs, 50):.0f} ms, p99 {pct(fs, 99):.0f} ms, {timings.done:,} acknowledged",
    )
    report("sitting start: 5xx responses", server_errors, "", "0", server_errors == 0)
    report("sitting start: refusals, network errors, given up", other, "", "0", other == 0)
    report("sitting start: lost answers (acknowledged, not stored)", checked["lost"], "", "0", checked["lost"] == 0)
    report(
        "sitting start: candidates who did not save a first answer",
        args.candidates - timings.done,
        "",
        "0",
        timings.done == args.candidates,
    )
    # The programmed start's semantics (assessments.sittings): every clock started at
    # starts_at, so every deadline is starts_at + limit (+ extra time), whenever they came.
    report(
        "sitting start: deadlines != programmed start + limit",
        wrong_deadline,
        "",
        "0",
        wrong_deadline == 0,
        f"{started:,} started; deadlines spread over {spread:.1f} s"
        + ("" if wrong_deadline == 0 else " (each clock started at its own start: sittings change not merged?)"),
    )
    report(
        "sitting start: papers showing more than the time left",
        timings.too_much_time,
        "",
        "0",
        timings.too_much_time == 0,
    )
    print()
    problems: list[str] = []
    end_seal_verify(sitting_id, problems)
    connections.close_all()
    if args.keep_db:
        print(f"kept database {DB_NAME} and the archive under {media}; gunicorn log: {log}")
    else:
        exam_load.drop_database(DB_NAME)
        shutil.rmtree(media, ignore_errors=True)
    ok = checked["lost"] == 0 and server_errors == 0 and not problems
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
