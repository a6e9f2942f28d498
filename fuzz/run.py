"""`make fuzz`: schemathesis against the OpenAPI document of a live, production-like server.

What runs, in order:
1. a fresh database: PostgreSQL (production's database) when a server answers at
   FUZZ_PG_URL, DATABASE_URL's server or 127.0.0.1:5432, else a SQLite file (said so);
2. the demo's data, loaded as `make demo` does (no clock emulators), and a personal API
   token for the commune HR officer `noivu.mocchau`: every request is made as that
   officer (`Authorization: Bearer hrt_…`, so no CSRF);
3. gunicorn with DEBUG off and production settings; plain http on loopback is the only
   relaxation (no SSL redirect, no secure-only cookies);
4. the officer's own question bank, exams, transfer round, leader selection, leave and
   corrections, made through the API (fuzz/fixture.py; each answer checked against the
   document), so that most operations reach more than their 404;
5. `st run`, fixed seed: the coverage phase (each operation's boundary values), the
   fuzzing phase (at most --examples cases per operation, valid and invalid), the
   stateful phase (chains of calls along the document's inferred links). It fails on any
   5xx, any status, content type or body outside the document (4xx: the error envelope).

It prints the counts (operations, cases, failures), each failing operation and, for each
500, the exception the server logged. Exit status non-zero on any failure. Reports are
in var/fuzz/ (events.ndjson, server.log, the generated schemathesis.toml).

    python fuzz/run.py                                   # what `make fuzz` runs
    python fuzz/run.py --examples 5 -- --include-path-regex '^/api/v1/devices'
    python fuzz/run.py --thorough --examples 100 --seed 1   # a deeper run, by hand
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

import fixture

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _pg_admin_url() -> str:
    """The maintenance database of the PostgreSQL server to use: FUZZ_PG_URL, else the
    server of a PostgreSQL DATABASE_URL (as `.ci/run` exports), else the local one."""
    if os.environ.get("FUZZ_PG_URL"):
        return os.environ["FUZZ_PG_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.rsplit("/", 1)[0] + "/postgres"
    return "postgres://postgres@127.0.0.1:5432/postgres"


PG_ADMIN_URL = _pg_admin_url()
OFFICER = "noivu.mocchau"  # the demo's HR officer of Phường Mộc Châu (hr_system/demo.py)
SEED_COMMANDS = ["seed_demo", "seed_demo_devices", "seed_demo_attendance", "seed_demo_transfers"]
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]

# Operations left out, each with the reason; everything else in the document is fuzzed.
EXCLUDED = {
    "devices_api_roster_sync": (
        "opens a TCP connection to the clock's host (a real ZKTeco clock; none runs here, "
        "and a fuzzed host would point it anywhere); an unreachable clock answers 502 by design"
    ),
}


def production_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY="fuzz-run-only-secret-key-not-for-production-9f3c1a7e5b2d4c6a8e0f",
        ALLOWED_HOSTS="127.0.0.1",
        # Plain http on loopback: the only relaxation of production settings.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        LOG_LEVEL="WARNING",
    )
    return env


class Database:
    """A throw-away database: PostgreSQL when reachable, else SQLite."""

    def __init__(self, force_sqlite: bool) -> None:
        self.pg_name = None
        self.tmpdir = None
        if not force_sqlite and self._pg_reachable():
            import psycopg

            self.pg_name = f"hr_fuzz_{os.getpid()}"
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}"')
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.pg_name
            self.label = f"PostgreSQL ({self.pg_name})"
        else:
            self.tmpdir = tempfile.mkdtemp(prefix="hr-fuzz-")
            self.url = f"sqlite:///{self.tmpdir}/fuzz.sqlite3"
            self.label = "SQLite"
            print(
                (
                    "Note: --sqlite given"
                    if force_sqlite
                    else f"Note: no PostgreSQL at {PG_ADMIN_URL.rsplit('@', 1)[-1]}"
                )
                + "; fuzzing on SQLite instead of production's database.",
                flush=True,
            )

    @staticmethod
    def _pg_reachable() -> bool:
        try:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
                return True
        except Exception:
            return False

    def drop(self) -> None:
        if self.pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return done.stdout


# Run in one `manage.py shell` (one start-up instead of six): migrate, load the demo as
# `make demo` does, then print the officer's token and the ids and codes that exist, so
# that parameters mostly name real objects (the officer's, and other units' that must
# answer 404) instead of ids that never exist.
SNAPSHOT = f"""
import io, json, time
from django.core.management import call_command
for command in ["migrate", *{SEED_COMMANDS!r}]:
    started = time.monotonic()
    call_command(command, verbosity=0, stdout=io.StringIO())
    print(f"  {{command}}: {{time.monotonic() - started:.1f}} s", flush=True)
from django.contrib.auth import get_user_model
from hr_system.models import ApiToken, Employee, OrgUnit
from devices.models import Device
from attendance.models import CalendarDay, Correction, DisciplineRule, LeaveRequest, Schedule, SinglePunchRule
from assessments.models import Attempt, Exam, Question
from transfers.models import CriteriaSet, LeaderSelection, Objection, TransferRound

def ids(model):
    return list(model.objects.order_by("pk").values_list("pk", flat=True)[:40])

user = get_user_model().objects.get(username={OFFICER!r})
scope = OrgUnit.objects.subtree_of(*(role.unit for role in user.roles.exclude(unit=None)))
units = list(scope.order_by("path").values_list("code", flat=True)[:30])
units += list(OrgUnit.objects.exclude(pk__in=scope).order_by("path").values_list("code", flat=True)[:5])
employees = list(Employee.objects.filter(unit__in=scope).order_by("code").values_list("code", flat=True)[:30])
employees += list(Employee.objects.exclude(code__in=employees).order_by("code").values_list("code", flat=True)[:10])
print(json.dumps({{
    "token": ApiToken.issue(user, "fuzz run")[1],
    "units": units,
    "employees": employees,
    "device_id": ids(Device),
    "leave_id": ids(LeaveRequest),
    "correction_id": ids(Correction),
    "schedule_id": ids(Schedule),
    "day_id": ids(CalendarDay),
    "rule_id": ids(DisciplineRule) + ids(SinglePunchRule),
    "question_id": ids(Question),
    "exam_id": ids(Exam),
    "attempt_id": ids(Attempt),
    "set_id": ids(CriteriaSet),
    "round_id": ids(TransferRound),
    "objection_id": ids(Objection),
    "selection_id": ids(LeaderSelection),
}}))
"""
# How often a bound parameter takes a known value; otherwise schemathesis makes one up.
KNOWN_VALUE_PROBABILITY = 0.8


def snapshot(env: dict) -> dict:
    *timings, last = manage(env, "shell", "-c", SNAPSHOT).strip().splitlines()
    print("\n".join(line for line in timings if line.startswith("  ")), flush=True)
    return json.loads(last)


def write_config(path: Path, known: dict, *, thorough: bool = False) -> None:
    """schemathesis.toml binding parameters to dictionaries of the ids and codes that exist."""
    dictionaries = {name: values for name, values in known.items() if name != "token" and values}
    codes = known["units"] + known["employees"]
    if codes:
        dictionaries["codes"] = codes
    bindings = {f"path.{name}": name for name in dictionaries if name.endswith("_id")}
    bindings.update({"path.code": "codes", "query.device": "device_id"})
    for where in ("query.unit", "query.under", "path.unit", "body.unit", "body.parent", "body.source_units[*]"):
        bindings[where] = "units"
    for where in ("query.employee", "body.employee", "body.employees[*]"):
        bindings[where] = "employees"
    bindings.update({"body.exam": "exam_id", "body.criteria_set": "set_id"})
    lines = []
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values, ensure_ascii=False)}", ""]
    # The coverage phase sends each operation its boundary values. Its negative half (a
    # wrong type for every field in turn: thousands of cases that pydantic refuses the
    # same way) and requests with methods an operation does not have (405 from Django
    # Ninja before any of our code runs) took two thirds of the time budget; negative
    # inputs come from the fuzzing phase instead, which mixes both kinds (--thorough keeps
    # them, for a run outside CI).
    lines += ["[phases.coverage]", "unexpected-methods = []", ""]
    if not thorough:
        lines += ["[phases.coverage.generation]", 'mode = "positive"', ""]
    lines.append("[parameters]")
    for where, name in bindings.items():
        if name in dictionaries:
            lines.append(f'"{where}" = {{ dictionary = "{name}", probability = {KNOWN_VALUE_PROBABILITY} }}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 — kept open for the server's lifetime
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "hr_system.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=3",
            "--timeout=60",
            "--graceful-timeout=5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api/v1/openapi.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within 30 s; see {log_path}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def server_exceptions(log_path: Path) -> Counter:
    """The exception behind each 500 the server logged ("Internal Server Error: <path>",
    then the traceback, chained ones included), with the innermost frame of our code."""
    found: Counter = Counter()
    lines = log_path.read_text(errors="replace").splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("Internal Server Error: "):
            i += 1
            continue
        path, frame, last = lines[i].removeprefix("Internal Server Error: "), "", ""
        i += 1
        while i < len(lines):
            line = lines[i]
            i += 1
            if line.startswith('  File "'):
                if "/.venv/" not in line and "/lib/python" not in line:
                    frame = line.strip()
            elif line and not line[0].isspace() and not line.startswith(("Traceback", "The above", "During")):
                last = line  # an exception line: the last one unless another is chained to it
                j = i
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j >= len(lines) or not lines[j].startswith(("The above", "During")):
                    break
        found[f"{last[:200]}\n         {path}" + (f"\n         {frame}" if frame else "")] += 1
    return found


def summarise(report_path: Path) -> tuple[int, int, Counter, dict]:
    """(operations, cases, failures by check, failing operations) from the NDJSON events.

    A failure is one (operation, check, failure code), as schemathesis deduplicates them."""
    operations: set[str] = set()
    cases: set[str] = set()
    failures: set[tuple[str, str, str]] = set()
    for raw in report_path.read_text().splitlines():
        event = json.loads(raw)
        (kind, body), *_ = event.items()
        if kind != "ScenarioFinished":
            continue
        recorder = body.get("recorder", {})
        label = recorder.get("label", "")
        operations.add(label)
        cases.update(recorder.get("cases", {}))
        for case_checks in recorder.get("checks", {}).values():
            for check in case_checks:
                if check.get("status", "").lower() == "failure":
                    code = check.get("failure_info", {}).get("failure", {}).get("code", "")
                    failures.add((label, check.get("name", ""), code))
    by_check = Counter(name for _, name, _ in failures)
    failing: dict[str, list[str]] = {}
    for label, name, code in sorted(failures):
        failing.setdefault(label, []).append(f"{name} ({code})")
    return len(operations), len(cases), by_check, failing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", 20)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 20260112)))
    parser.add_argument("--workers", type=int, default=4, help="concurrent schemathesis clients")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even when PostgreSQL is reachable")
    parser.add_argument(
        "--thorough", action="store_true", help="also the coverage phase's invalid inputs (slower; not for CI)"
    )
    parser.add_argument("--fixture-only", action="store_true", help="stop after making the officer's objects")
    parser.add_argument("st_args", nargs="*", help="extra `st run` arguments (after --)")
    args = parser.parse_args()

    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the server, drop the database
    out_dir = ROOT / "var" / "fuzz"
    out_dir.mkdir(parents=True, exist_ok=True)
    db = Database(force_sqlite=args.sqlite)
    server = None
    try:
        env = production_env(db.url)
        print(f"Database: {db.label}. Migrating and loading the demo data…", flush=True)
        known = snapshot(env)
        token = known["token"]
        # Deployment collects static files before gunicorn starts; the pages (and the
        # error pages the API's neighbours render) need the hashed manifest.
        env["STATIC_ROOT"] = str(out_dir / "static")
        collected = time.monotonic()
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        print(f"  collectstatic: {time.monotonic() - collected:.1f} s", flush=True)
        port = free_port()
        log_path = out_dir / "server.log"
        server = start_server(env, port, log_path)
        print(f"Server: gunicorn on 127.0.0.1:{port}, DEBUG off; acting as {OFFICER} (API token).", flush=True)
        own = fixture.build(f"http://127.0.0.1:{port}", token)
        print(
            f"The officer's own objects ({own.requests} requests, each checked against the document): "
            + ", ".join(f"{k} {v}" for k, v in own.made.items()),
            flush=True,
        )
        for refusal in own.refused:
            print(f"  refused: {refusal}", flush=True)
        for failure in own.server_errors + own.violations:
            print(f"  FAILED: {failure}", flush=True)
        for kind, ids in own.made.items():
            if kind in known:  # their own objects first; the demo's (mostly out of scope) after
                known[kind] = ids + [i for i in known[kind] if i not in ids]
        if args.fixture_only:
            return 1 if own.refused or own.violations or own.server_errors else 0
        config = out_dir / "schemathesis.toml"
        write_config(config, known, thorough=args.thorough)
        for operation_id, reason in EXCLUDED.items():
            print(f"Excluded: {operation_id} — {reason}", flush=True)

        events = out_dir / "events.ndjson"
        command = [
            str(BIN / "st"),
            f"--config-file={config}",
            "run",
            f"http://127.0.0.1:{port}/api/v1/openapi.json",
            f"--header=Authorization: Bearer {token}",
            *(f"--header={name}: {value}" for name, value in own.headers.items() if value),
            f"--checks={','.join(CHECKS)}",
            f"--max-examples={args.examples}",
            f"--seed={args.seed}",
            f"--workers={args.workers}",
            "--generation-database=none",
            "--no-shrink",  # shrinking a failure costs an unbounded number of requests
            "--generation-with-security-parameters=false",
            "--no-color",
            "--output-truncate=true",
            "--request-timeout=60",
            "--report=ndjson",
            f"--report-ndjson-path={events}",
            *(f"--exclude-operation-id={op}" for op in EXCLUDED),
            *args.st_args,
        ]
        print(f"Fuzzing: seed {args.seed}, at most {args.examples} random cases per operation.", flush=True)
        status = subprocess.call(command, cwd=out_dir, env={**os.environ, "NO_COLOR": "1"})
        stop_server(server)
        server = None

        operations, cases, by_check, failing = summarise(events) if events.exists() else (0, 0, Counter(), {})
        print()
        for label, checks in failing.items():
            print(f"FAILED {label}: {', '.join(checks)}")
        server_errors = by_check["not_a_server_error"] + len(own.server_errors)
        violations = sum(by_check.values()) - by_check["not_a_server_error"] + len(own.violations)
        print(
            f"== fuzz: {operations} operations, {cases + own.requests} cases, {server_errors + violations} failures"
            f" ({server_errors} server errors, {violations} schema violations) on {db.label} =="
        )
        crashes = server_exceptions(log_path)
        if crashes:
            print("Exceptions behind the 500s (server log):")
            for text, count in crashes.most_common():
                print(f"  {count:4d} × {text}")
        print(
            f"Took {time.monotonic() - started:.0f} s; events in {events.relative_to(ROOT)}, server log in {log_path.relative_to(ROOT)}."
        )
        return status or int(bool(own.server_errors or own.violations))
    finally:
        if server is not None:
            stop_server(server)
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
