"""[D] figures: ADMS/PUSH ingestion through /iclock/cdata, 100 batches of 500 punches (SQLite)."""

from __future__ import annotations

import datetime as dt
import time

from bench.common import report, setup_django, timer

BATCHES = 100
LINES = 500
ROSTER = 300
SN = "BENCH0000001"


def batch_body(index: int, codes: list[str]) -> bytes:
    """Batch `index` of a clock's day: consecutive seconds, the roster in turn."""
    start = dt.datetime(2026, 3, 2, 6, 0, 0)
    rows = []
    for k in range(index * LINES, (index + 1) * LINES):
        local = start + dt.timedelta(seconds=k)
        rows.append(f"{codes[k % len(codes)]}\t{local:%Y-%m-%d %H:%M:%S}\t{k % 2}\t1\t0\t0\t0\n")
    return "".join(rows).encode()


def main() -> None:
    setup_django()
    from django.test import Client

    from devices.models import Device, Punch, SyncRun
    from hr_system.models import Employee, OrgUnit

    unit = OrgUnit.add(code="X-CS", name="Xã Chiềng Sơn", kind=OrgUnit.Kind.COMMUNE)
    Employee.objects.bulk_create(
        Employee(code=str(100000 + i), full_name=f"Lò Văn Thành {i}", unit=unit, category="civil_servant")
        for i in range(ROSTER)
    )
    codes = [str(100000 + i) for i in range(ROSTER)]
    Device.objects.create(name="Máy UBND xã Chiềng Sơn", transport="push", serial_number=SN, unit=unit)
    bodies = [batch_body(i, codes) for i in range(BATCHES)]

    # HTTPS and a configured host, as behind the production proxy; SECURE_SSL_REDIRECT
    # stays whatever the environment says.
    client = Client(HTTP_HOST="localhost")

    def post(i: int, body: bytes):
        return client.post(
            f"/iclock/cdata?SN={SN}&table=ATTLOG&Stamp={(i + 1) * LINES}",
            data=body,
            content_type="text/plain",
            secure=True,
        )

    # A device shakes hands before it uploads; this also keeps Django's first-request
    # start-up (URL resolver, imports) out of the figure.
    assert client.get(f"/iclock/cdata?SN={SN}&options=all&pushver=2.4.1", secure=True).status_code == 200

    per_batch = []
    with timer() as t:
        for i, body in enumerate(bodies):
            started = time.perf_counter()
            response = post(i, body)
            per_batch.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.content == f"OK: {LINES}".encode(), response.content
    total = BATCHES * LINES
    assert Punch.objects.count() == total
    assert Punch.objects.filter(employee__isnull=True).count() == 0
    rate = total / t["seconds"]
    first = 10 * LINES / sum(per_batch[:10])
    last = 10 * LINES / sum(per_batch[-10:])
    report(
        f"ADMS ATTLOG ingest, {BATCHES} x {LINES} lines",
        rate,
        "p/s",
        ">= 5,000 punches/s",
        rate >= 5000,
        f"first 10 batches {first:,.0f} p/s, last 10 {last:,.0f} p/s",
    )

    with timer() as t:
        response = post(0, bodies[0])
    run = SyncRun.objects.order_by("-pk").first()
    assert response.content == f"OK: {LINES}".encode()
    ok = run.new == 0 and run.duplicates == LINES and Punch.objects.count() == total
    report(
        f"ADMS re-post of one {LINES}-line batch: new punches",
        run.new,
        "new",
        "0 new",
        ok,
        f"{run.duplicates} duplicates, {t['seconds'] * 1000:.0f} ms",
    )


if __name__ == "__main__":
    main()
