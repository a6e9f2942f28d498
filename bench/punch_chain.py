"""[R] figures: the punch chain's cost on ingest, and verify_punches over 2 million punches.

`python -m bench.punch_chain [sqlite|postgres]`. Ingest stores 100,000 punches of one
clock in one store_rows call (a full download), with the chain and without it
(devices.actions._CHAIN, a switch only this bench turns off), alternating, best of 3
each. Then 2,000,000 chained punches over 20 clocks are stored through the same path
and `verify_punches --punches` recomputes every chain.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import time

from bench.common import report, setup_django, timer

INGEST = 100_000
VERIFY = int(os.environ.get("BENCH_CHAIN_PUNCHES", 2_000_000))
CLOCKS = 20
REPEAT = 7


def make_rows(n: int, *, seed: int = 0) -> list[tuple]:
    """n distinct punches: 1,000 people, two a day, from 2024 on (as a clock sends them)."""
    start = dt.datetime(2024, 1, 1, 7, 0)
    out = []
    for i in range(n):
        person, k = i % 1000, i // 1000
        moment = start + dt.timedelta(days=k // 2, hours=9 * (k % 2), seconds=person + seed)
        out.append((str(10_000 + person), moment.isoformat(" "), 0, 0, 1))
    return out


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    if which == "postgres":
        url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/hr_bench_chain")
        import psycopg

        admin, name = url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL not reachable ({type(exc).__name__}); no PostgreSQL figures", flush=True)
            return
        setup_django(url)
        label = "PostgreSQL"
    else:
        setup_django()
        label = "SQLite"

    from django.core.management import call_command

    from devices import actions
    from devices.models import Device, Punch
    from hr_system.models import OrgUnit

    unit = OrgUnit.add(code="SL", name="Tỉnh Sơn La", kind=OrgUnit.Kind.PROVINCE)
    rows = make_rows(INGEST)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    # Each run stores into a table of the same size (the previous run's rows are
    # deleted) and the order alternates, so neither variant meets a bigger index.
    # Best of REPEAT each, wall and CPU time (CPU includes SQLite's own work, in process).
    wall = {True: [], False: []}
    cpu = {True: [], False: []}
    for attempt in range(REPEAT):
        for chained in (False, True) if attempt % 2 == 0 else (True, False):
            device = Device.objects.create(name=f"ingest-{attempt}-{chained}", host="127.0.0.1", unit=unit)
            actions._CHAIN = chained
            try:
                started, started_cpu = time.perf_counter(), time.process_time()
                result = actions.store_rows(device=device, rows=rows, source="pull", now=now)
                wall[chained].append(time.perf_counter() - started)
                cpu[chained].append(time.process_time() - started_cpu)
            finally:
                actions._CHAIN = True
            assert result.new == INGEST, result
            Punch.objects.filter(device=device).delete()
            device.delete()
    best = {k: min(v) for k, v in wall.items()}
    best_cpu = {k: min(v) for k, v in cpu.items()}
    cost = (best[True] / best[False] - 1) * 100
    cost_cpu = (best_cpu[True] / best_cpu[False] - 1) * 100
    print(
        f"       {label}: without chain {best[False]:.3f} s (CPU {best_cpu[False]:.3f} s), "
        f"with chain {best[True]:.3f} s (CPU {best_cpu[True]:.3f} s); CPU cost {cost_cpu:.1f} %",
        flush=True,
    )
    report(f"{label}: chain cost on ingest of 100,000 punches (wall)", cost, "%", "<= 20 %", cost <= 20)

    devices = [Device.objects.create(name=f"verify-{i}", host="127.0.0.1", unit=unit) for i in range(CLOCKS)]
    per_clock = VERIFY // CLOCKS
    with timer() as t:
        for i, device in enumerate(devices):
            clock_rows = make_rows(per_clock, seed=i)
            for start in range(0, per_clock, INGEST):
                actions.store_rows(device=device, rows=clock_rows[start : start + INGEST], source="pull", now=now)
    print(f"       {label}: stored {VERIFY:,} chained punches in {t['seconds']:.1f} s", flush=True)
    out = io.StringIO()
    with timer() as t:
        try:
            call_command("verify_punches", "--punches", stdout=out)
        except SystemExit:
            print(out.getvalue()[-3000:], flush=True)
            raise
    text = out.getvalue()
    checked = int(text.split("đã kiểm tra ")[1].split()[0])
    assert checked == VERIFY, text
    report(
        f"{label}: verify_punches over {checked:,} punches",
        t["seconds"],
        "s",
        "<= 30 s",
        t["seconds"] <= 30,
        f"({checked / t['seconds']:,.0f} punches/s)",
    )

    audit_lock(label)


def audit_lock(label: str) -> None:
    """AuditLog.record under the chain head lock: records a second from one thread and
    from 4 threads at once (each its own connection), each record in its own
    transaction as the actions write them."""
    import threading

    from django.db import connection

    from hr_system.models import AuditLog

    per_thread = 250

    def write(n: int) -> None:
        try:
            for i in range(n):
                AuditLog.record(user=None, action="bench.audit", object_type="bench", object_id=str(i), i=i)
        finally:
            connection.close()

    with timer() as one:
        write(per_thread * 4)
    threads = [threading.Thread(target=write, args=(per_thread,)) for _ in range(4)]
    with timer() as four:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    single, parallel = per_thread * 4 / one["seconds"], per_thread * 4 / four["seconds"]
    print(
        f"       {label}: AuditLog.record {single:,.0f}/s from one thread, {parallel:,.0f}/s from 4 threads", flush=True
    )


if __name__ == "__main__":
    main()
