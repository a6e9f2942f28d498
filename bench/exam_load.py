"""[E] figures: one exam sitting of 1,000 candidates against a real server.

Not a test: a script that prints figures beside their targets. It
- drops and creates the PostgreSQL database `hr_examload`, migrates it, and builds a
  60-question bank, an exam with a 60-question paper, and 1,000 candidates who each
  have a login account and a personal API token (token auth: no CSRF, no sessions);
- generates the papers ahead of the start, as in production;
- starts gunicorn (sync workers) on a free port against that database;
- simulates the candidates with one asyncio HTTP client: all start within 10 s, each
  answers its 60 questions at compressed think times (default 6-14 s a question, so
  the 60-minute test is sat in about 10 minutes: six times the real pace, ~100 saves/s
  from 1,000 people; a real sitting of 60 questions in 60 minutes is ~17 saves/s), 20 % change some answers, 5 %
  reload (re-fetch the paper and check what it restores), 2 % of saves are sent twice
  (a retry after a lost response), a heartbeat after 20 s without a save (as the exam
  page does), and all finalise;
- prints p50/p95/p99 per endpoint, error and 5xx counts, and checks in the database that
  every candidate's last answer per question is stored exactly once.

    SECRET_KEY=x .venv/bin/python -m bench.exam_load [--candidates 1000] [--workers 4]
        [--think 6 14] [--keep-db]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from bench.common import ROOT, report, setup_django, timer

ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DB_NAME = "hr_examload"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
QUESTIONS = 60
# The sitting's defaults: 1,000 candidates answering a question every 6-14 s, six times
# the real pace (~100 saves/s); bench.exam_caddy runs the same sitting.
CANDIDATES = 1000
THINK = (6.0, 14.0)
ACCESS_CODE = "MC-2026"
START_WINDOW = 10.0
HEARTBEAT_EVERY = 20.0
CHANGERS, RELOADERS, DOUBLED_SAVES = 0.20, 0.05, 0.02
REQUEST_TIMEOUT = 60.0
RETRIES = 6  # like the exam page's queue: retry network errors and 5xx with backoff


# --- set-up ---------------------------------------------------------------------------


def recreate_database(name: str = DB_NAME) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop_database(name: str = DB_NAME) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def build(candidates: int) -> tuple[int, dict[str, str]]:
    """The bank, the exam, the candidates and their papers; (exam id, {code: token})."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from assessments import attempts
    from assessments.models import Category, Question, QuestionVersion
    from assessments.papers import generate_papers
    from hr_system.models import ApiToken, Employee, OrgUnit

    province = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE)
    communes = [
        OrgUnit.add(code=f"X{i:02d}", name=f"Xã vùng cao số {i}", kind=OrgUnit.Kind.COMMUNE, parent=province)
        for i in range(20)
    ]
    category = Category.objects.create(code="QLNN", name="Kiến thức quản lý nhà nước", unit=province)
    for i in range(QUESTIONS):
        question = Question.objects.create(category=category)
        version = QuestionVersion.objects.create(
            question=question,
            text=f"Câu hỏi {i + 1}: theo quy định hiện hành, cơ quan nào có thẩm quyền quyết định nội dung này?",
            options=[
                {"id": oid, "text": f"Phương án {oid.upper()} của câu {i + 1}", "correct": oid == "a"} for oid in "abcd"
            ],
            status=QuestionVersion.Status.APPROVED,
            difficulty=1 + i % 3,
        )
        question.current = version
        question.save(update_fields=["current"])

    User = get_user_model()
    unusable = make_password(None)
    users = User.objects.bulk_create(User(username=f"ts{i:05d}", password=unusable) for i in range(candidates))
    employees = Employee.objects.bulk_create(
        Employee(
            code=str(500000 + i),
            full_name=f"Thí sinh số {i}",
            unit=communes[i % len(communes)],
            category=Employee.Category.CIVIL_SERVANT,
            user=user,
        )
        for i, user in enumerate(users)
    )
    tokens = {e.code: ApiToken.issue(e.user, "exam load")[1] for e in employees}

    now = timezone.now()
    exam = attempts.create_exam(
        acting_user=None,
        unit=province,
        title="Kiểm tra năng lực công chức (tải thử)",
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=3),
        time_limit=60,
        access_code=ACCESS_CODE,
        results_policy="immediate",
        parts=[{"title": "Kiến thức chung", "rules": [{"category": category, "difficulty": None, "count": QUESTIONS}]}],
    )
    attempts.add_candidates(acting_user=None, exam=exam, employees=employees)
    generate_papers(acting_user=None, exam=exam)
    return exam.pk, tokens


# --- the server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, log: Path, database_url: str = DB_URL) -> subprocess.Popen:
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    command = str(gunicorn) if gunicorn.exists() else shutil.which("gunicorn")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        # Persistent connections, as in production; without them each request pays
        # a PostgreSQL connection set-up.
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        "LOG_LEVEL": "ERROR",
    }
    # A deployment step: with DEBUG off, pages need collectstatic's manifest (WhiteNoise).
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    process = subprocess.Popen(
        [command, "hr_system.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--backlog", "2048"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as one below
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"gunicorn did not answer within 30 s; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- the candidates ---------------------------------------------------------------------


@dataclass
class Stats:
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    network_errors: Counter = field(default_factory=Counter)
    started_at: list[float] = field(default_factory=list)  # monotonic time each start was acknowledged
    doubled_not_refused: int = 0
    reload_mismatches: int = 0
    gave_up: int = 0


@dataclass
class Candidate:
    code: str
    token: str
    rng: random.Random
    sent: dict[int, list[str]] = field(default_factory=dict)  # the last answer sent per position
    acked: dict[int, list[str]] = field(default_factory=dict)  # ... and acknowledged by the server
    finalized: bool = False


async def call(client: httpx.AsyncClient, stats: Stats, name: str, method: str, url: str, **kwargs):
    """One request with the exam page's retry policy; (status, json) or (None, None)."""
    for attempt in range(RETRIES):
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            stats.latency[name].append((time.perf_counter() - started) * 1000)
            stats.network_errors[f"{name}: {type(exc).__name__}"] += 1
        else:
            stats.latency[name].append((time.perf_counter() - started) * 1000)
            stats.statuses[name][response.status_code] += 1
            if response.status_code < 500:
                return response.status_code, response.json()
        await asyncio.sleep(min(8.0, 0.5 * 2**attempt))
    stats.gave_up += 1
    return None, None


async def sit(client: httpx.AsyncClient, stats: Stats, c: Candidate, base: str, think: tuple[float, float]) -> None:
    rng = c.rng
    auth = {"Authorization": f"Bearer {c.token}"}
    await asyncio.sleep(rng.uniform(0, START_WINDOW))
    status, body = await call(
        client, stats, "start", "POST", f"{base}/start", json={"access_code": ACCESS_CODE}, headers=auth
    )
    if status != 200:
        return
    stats.started_at.append(time.monotonic())
    headers = {**auth, "X-Exam-Session": body["session_token"]}
    status, paper = await call(client, stats, "paper", "GET", f"{base}/paper", headers=headers)
    if status != 200:
        return
    items = paper["items"]
    seq = paper["max_seq"]
    next_beat = time.monotonic() + HEARTBEAT_EVERY
    reload_after = rng.randrange(10, len(items)) if rng.random() < RELOADERS else None

    async def save(item: dict, selected: list[str]) -> None:
        nonlocal seq, next_beat
        seq += 1
        body = {"position": item["position"], "selected": selected, "seq": seq}
        c.sent[item["position"]] = selected
        status, out = await call(client, stats, "answers", "POST", f"{base}/answers", json=body, headers=headers)
        if status == 200 and out["seq"] == seq:
            c.acked[item["position"]] = selected
        if status == 200:  # like the exam page: a save is a heartbeat too
            next_beat = time.monotonic() + HEARTBEAT_EVERY
        if rng.random() < DOUBLED_SAVES:  # the same save again, as after a lost response
            status, out = await call(client, stats, "answers", "POST", f"{base}/answers", json=body, headers=headers)
            if status == 200 and out["saved"]:
                stats.doubled_not_refused += 1

    async def beat_if_due() -> None:
        nonlocal next_beat
        if time.monotonic() >= next_beat:
            next_beat = time.monotonic() + HEARTBEAT_EVERY
            await call(client, stats, "heartbeat", "POST", f"{base}/heartbeat", headers=headers)

    for k, item in enumerate(items):
        await asyncio.sleep(rng.uniform(*think))
        await save(item, [rng.choice(item["options"])["id"]])
        await beat_if_due()
        if k == reload_after:
            status, again = await call(client, stats, "paper", "GET", f"{base}/paper", headers=headers)
            if status == 200:
                restored = {i["position"]: i["selected"] for i in again["items"] if i["selected"]}
                if restored != c.acked:
                    stats.reload_mismatches += 1
                seq = max(seq, again["max_seq"])
    if rng.random() < CHANGERS:
        for item in rng.sample(items, 10):
            await asyncio.sleep(rng.uniform(*think))
            await save(item, [rng.choice(item["options"])["id"]])
            await beat_if_due()
    status, _ = await call(client, stats, "finalize", "POST", f"{base}/finalize", headers=headers)
    c.finalized = status == 200


async def simulate(
    base_url: str,
    exam_id: int,
    candidates: list[Candidate],
    think: tuple[float, float],
    tls: ssl.SSLContext | None = None,
) -> Stats:
    """Each candidate has its own small client, as each has their own browser: one
    shared pool of 1,000 connections costs the client more CPU than the server uses
    (httpcore scans its pool on every request), which would be measured as latency.
    `tls`: the context trusting an HTTPS server's CA (bench.exam_caddy); one shared by
    every client, to skip 1,000 CA loads."""
    stats = Stats()
    base = f"{base_url}/api/v1/assessments/exams/{exam_id}"
    tls = tls or ssl.create_default_context()
    clients = [
        httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=httpx.Limits(max_connections=2), verify=tls)
        for _ in candidates
    ]
    try:
        await asyncio.gather(
            *(sit(client, stats, c, base, think) for client, c in zip(clients, candidates, strict=True))
        )
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    return stats


# --- figures ----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def check_database(exam_id: int, candidates: list[Candidate]) -> dict[str, int]:
    from django.db.models import Count

    from assessments.models import Attempt, Response

    stored: dict[str, dict[int, list[str]]] = defaultdict(dict)
    rows = Response.objects.filter(attempt__exam_id=exam_id).values_list(
        "attempt__employee__code", "item__position", "selected"
    )
    for code, position, selected in rows:
        stored[code][position] = selected
    doubled = (
        Response.objects.filter(attempt__exam_id=exam_id)
        .values("attempt_id", "item__position")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    lost = unacked = extra = 0
    for c in candidates:
        mine = stored.get(c.code, {})
        for position, selected in c.acked.items():
            if c.sent.get(position) == selected and mine.get(position) != selected:
                lost += 1
        unacked += sum(1 for p, s in c.sent.items() if c.acked.get(p) != s)
        extra += sum(1 for p in mine if p not in c.sent)
    statuses = Counter(Attempt.objects.filter(exam_id=exam_id).values_list("status", flat=True))
    answered_wrong = sum(
        1
        for a in Attempt.objects.filter(exam_id=exam_id).select_related("employee")
        if a.answered != len(stored.get(a.employee.code, {}))
    )
    return {
        "rows": len(rows),
        "lost": lost,
        "doubled": doubled,
        "unacknowledged": unacked,
        "unexpected": extra,
        "finalized": statuses.get("finalized", 0),
        "answered_wrong": answered_wrong,
        "scored": Attempt.objects.filter(exam_id=exam_id, score__isnull=False).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=CANDIDATES)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=THINK,
        metavar=("MIN", "MAX"),
        help="seconds between two answers of one candidate (default: 6x the real pace)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-db", action="store_true", help=f"leave the {DB_NAME} database for inspection")
    args = parser.parse_args()

    recreate_database()
    setup_django(DB_URL)
    from django.db import connections

    with timer() as t:
        exam_id, tokens = build(args.candidates)
    print(
        f"set-up: {args.candidates} candidates with tokens, {QUESTIONS}-question papers generated in {t['seconds']:.1f} s",
        flush=True,
    )
    connections.close_all()

    rng = random.Random(args.seed)
    candidates = [Candidate(code=code, token=token, rng=random.Random(rng.random())) for code, token in tokens.items()]
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"exam_load_gunicorn_{port}.log"
    server = start_server(port, args.workers, log)
    try:
        print(
            f"server: gunicorn -w {args.workers} (sync) on 127.0.0.1:{port}, PostgreSQL, "
            f"{os.cpu_count()} CPUs shared with the client; think time {args.think[0]}–{args.think[1]} s "
            f"(offered ≈ {len(candidates) / (sum(args.think) / 2):,.0f} saves/s)",
            flush=True,
        )
        sitting_began = time.monotonic()
        with timer() as t:
            stats = asyncio.run(simulate(f"http://127.0.0.1:{port}", exam_id, candidates, tuple(args.think)))
        elapsed = t["seconds"]
    finally:
        stop_server(server)

    total = sum(len(v) for v in stats.latency.values())
    print(f"\nsitting: {elapsed:.1f} s, {total:,} requests, {total / elapsed:,.0f} req/s on average")
    print(f"{'endpoint':<10} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses")
    for name in ("start", "paper", "answers", "heartbeat", "finalize"):
        values = stats.latency.get(name, [])
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses[name].items()))
        print(
            f"{name:<10} {len(values):>9,} {percentile(values, 50):>8.1f} {percentile(values, 95):>8.1f} "
            f"{percentile(values, 99):>8.1f} {max(values, default=0):>8.1f}  {codes}"
        )
    if stats.network_errors:
        print("network errors:", dict(stats.network_errors))
    if stats.started_at:
        print(
            f"starts: {len(stats.started_at)} of {len(candidates)} sittings started (requests spread over "
            f"{START_WINDOW:.0f} s); the last acknowledged {max(stats.started_at) - sitting_began:.1f} s after the first request"
        )
    server_errors = sum(n for counter in stats.statuses.values() for code, n in counter.items() if code >= 500)
    client_errors = sum(n for counter in stats.statuses.values() for code, n in counter.items() if 400 <= code < 500)

    checked = check_database(exam_id, candidates)
    print(
        f"database: {checked['rows']:,} answer rows; {checked['finalized']} of {len(candidates)} attempts finalised, "
        f"{checked['scored']} scored; {checked['unacknowledged']} answers never acknowledged by the server"
    )
    saves = stats.latency.get("answers", [])
    save_p95 = percentile(saves, 95)
    print()
    report("exam sitting: lost answers (acknowledged, not stored)", checked["lost"], "", "0", checked["lost"] == 0)
    report("exam sitting: doubled answers (rows per item > 1)", checked["doubled"], "", "0", checked["doubled"] == 0)
    report(
        "exam sitting: repeated save applied twice",
        stats.doubled_not_refused,
        "",
        "0",
        stats.doubled_not_refused == 0,
    )
    report(
        "exam sitting: answers stored that were never sent",
        checked["unexpected"],
        "",
        "0",
        checked["unexpected"] == 0,
    )
    report(
        "exam sitting: reload restored a different state",
        stats.reload_mismatches,
        "",
        "0",
        stats.reload_mismatches == 0,
    )
    report(
        "exam sitting: Attempt.answered out of step", checked["answered_wrong"], "", "0", checked["answered_wrong"] == 0
    )
    report("exam sitting: 5xx responses", server_errors, "", "0", server_errors == 0)
    report(
        "exam sitting: 4xx responses, network errors, given up",
        client_errors + sum(stats.network_errors.values()) + stats.gave_up,
        "",
        "0",
        client_errors + sum(stats.network_errors.values()) + stats.gave_up == 0,
    )
    report(
        f"save p95, {len(candidates)} candidates",
        save_p95,
        "ms",
        "<= 150 ms",
        save_p95 <= 150,
        f"p50 {percentile(saves, 50):.0f} ms, p99 {percentile(saves, 99):.0f} ms, "
        f"{len(saves) / elapsed:,.0f} saves/s on average",
    )
    connections.close_all()
    if args.keep_db:
        print(f"kept database {DB_NAME}; gunicorn log: {log}")
    else:
        drop_database()
    sys.exit(0 if checked["lost"] == 0 and checked["doubled"] == 0 and server_errors == 0 else 1)


if __name__ == "__main__":
    main()
