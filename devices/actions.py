"""Writes of the devices app: storing punches exactly once, attaching them to people."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import threading
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from devices.models import Device, Punch
from devices.records import RawPunch
from hr_system.models import Employee

BATCH = 500  # rows per statement: 5,000 parameters, well under SQLite's 32,766
INSERT_SQL = (
    "INSERT INTO {table} (device_id, device_user_id, local_time, timestamp, status, punch, verify, source, "
    "received_at, employee_id) VALUES {values} ON CONFLICT (device_id, device_user_id, local_time) DO NOTHING"
)
ROW = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"


@functools.cache
def _insert_sql(table: str, rows: int) -> str:
    return INSERT_SQL.format(table=table, values=", ".join([ROW] * rows))


def store_punches(*, device: Device, records: Iterable[RawPunch], source: str) -> tuple[int, int]:
    """Store raw punches; return (new, duplicates).

    The unique key (device, device_user_id, local_time) is the guarantee: every row is
    inserted with ON CONFLICT DO NOTHING (SQLite ≥ 3.24 and PostgreSQL), so a punch
    fetched, pushed or imported again is never stored twice, even by a concurrent
    writer. Reading the existing keys first only makes the counts right; it walks the
    unique index (device, user, time range). Rows go in with executemany: building
    model instances for bulk_create cost more than the insert itself (≈40 µs a row).
    """
    records = list(records)
    if not records:
        return 0, 0
    by_key: dict[tuple[str, str], RawPunch] = {}
    for r in records:
        by_key.setdefault(r.key, r)
    users = {k[0] for k in by_key}
    times = [k[1] for k in by_key]
    existing = set(
        Punch.objects.filter(
            device=device, device_user_id__in=users, local_time__gte=min(times), local_time__lte=max(times)
        ).values_list("device_user_id", "local_time")
    )
    employees = dict(Employee.objects.filter(code__in=users).order_by().values_list("code", "pk"))
    to_db = _instant_converter(device)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    pk = device.pk
    rows = [
        (pk, user_id, local, to_db(r.local_time), r.status, r.punch, r.verify, source, now, employees.get(user_id))
        for (user_id, local), r in by_key.items()
        if (user_id, local) not in existing
    ]
    if rows:
        # Multi-row VALUES: one statement per 500 rows. executemany costs a round trip
        # per row on PostgreSQL and a statement step per row on SQLite.
        table = connection.ops.quote_name(Punch._meta.db_table)
        with _writer(), transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                chunk = rows[start : start + BATCH]
                cursor.execute(_insert_sql(table, len(chunk)), [value for row in chunk for value in row])
    new = len(rows)
    return new, len(records) - new


_SQLITE_WRITER = threading.Lock()


def _writer():
    """SQLite has a single writer. Threads of one poller queue on a lock here rather
    than in SQLite's busy handler, which sleeps up to 100 ms between retries and made
    a 50-device round mostly waiting. PostgreSQL needs no such lock."""
    return _SQLITE_WRITER if connection.vendor == "sqlite" else contextlib.nullcontext()


def _instant_converter(device: Device):
    """naive device-local datetime → the value the database stores for that instant.

    PostgreSQL takes aware datetimes. SQLite stores UTC text; converting through
    Django's generic adapter cost ~18 µs a row, so the zone offset is looked up once
    per local hour (offsets only change on hour boundaries) and applied by subtraction.
    """
    tz = device.tz
    if connection.vendor != "sqlite":
        return lambda local: local.replace(tzinfo=tz)
    offsets: dict[tuple, dt.timedelta] = {}

    def convert(local: dt.datetime) -> str:
        hour = (local.year, local.month, local.day, local.hour)
        offset = offsets.get(hour)
        if offset is None:
            offset = offsets[hour] = local.replace(tzinfo=tz).utcoffset()
        return (local - offset).isoformat(" ")

    return convert


def attach_orphan_punches() -> int:
    """Give punches whose device user had no employee their employee, once one exists."""
    match = Employee.objects.filter(code=OuterRef("device_user_id")).order_by().values("pk")[:1]
    orphans = Punch.objects.filter(employee__isnull=True, device_user_id__in=Employee.objects.order_by().values("code"))
    return orphans.update(employee=Subquery(match))
