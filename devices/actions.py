"""Writes of the devices app: storing punches exactly once, attaching them to people."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from devices.models import Device, Punch
from devices.records import PunchRow, RawPunch
from hr_system import bulk
from hr_system.models import Employee

COLUMNS = (
    "device_id",
    "device_user_id",
    "local_time",
    "timestamp",
    "status",
    "punch",
    "verify",
    "source",
    "received_at",
    "employee_id",
)


def store_punches(*, device: Device, records: Iterable[RawPunch], source: str) -> tuple[int, int]:
    """Store raw punches given as RawPunch values (ADMS, imports); see store_rows."""
    return store_rows(device=device, rows=[r.row for r in records], source=source)


def store_rows(*, device: Device, rows: Sequence[PunchRow], source: str) -> tuple[int, int]:
    """Store raw punches; return (new, duplicates).

    The unique key (device, device_user_id, local_time) is the guarantee: every row is
    inserted with ON CONFLICT DO NOTHING (SQLite ≥ 3.24 and PostgreSQL), so a punch
    fetched, pushed or imported again is never stored twice, even by a concurrent
    writer. The new count is what the database inserted. Reading the keys already
    stored first (it walks the unique index: device, user, time range) keeps a
    re-download of a full log from sending every row again.

    This is the poller's hot path (a 50-clock round stores 250,000 rows in one process),
    so rows stay plain tuples of text and ints from the device's bytes to the driver:
    model instances for bulk_create cost more than the insert itself (≈40 µs a row).
    """
    if not rows:
        return 0, 0
    by_key: dict[tuple[str, str], PunchRow] = {}
    for row in rows:
        by_key.setdefault((row[0], row[1]), row)
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
    values = [
        (pk, user_id, local, to_db(local), status, punch, verify, source, now, employees.get(user_id))
        for (user_id, local), (_u, _l, status, punch, verify) in by_key.items()
        if (user_id, local) not in existing
    ]
    # Multi-row VALUES on SQLite, COPY on PostgreSQL (hr_system.bulk); the count is
    # what the database inserted, so a concurrent writer's rows are duplicates here.
    new = bulk.write(
        Punch._meta.db_table,
        COLUMNS,
        values,
        conflict=("device_id", "device_user_id", "local_time"),
        lock=_writer(),
    )
    return new, len(rows) - new


_SQLITE_WRITER = threading.Lock()


def _writer():
    """SQLite has a single writer. Threads of one poller queue on a lock here rather
    than in SQLite's busy handler, which sleeps up to 100 ms between retries and made
    a 50-device round mostly waiting. PostgreSQL needs no such lock."""
    return _SQLITE_WRITER if connection.vendor == "sqlite" else contextlib.nullcontext()


def _instant_converter(device: Device):
    """device-local "YYYY-MM-DD HH:MM:SS" → the value the database stores for that instant.

    Zone offsets only change on hour boundaries, so the zone is consulted once per local
    hour and the rest is string work (Django's generic datetime adapter cost ~18 µs a
    row). SQLite stores UTC text: with a whole-hour offset (Asia/Ho_Chi_Minh is +07:00)
    only the "YYYY-MM-DD HH" head changes. PostgreSQL takes the local text with its
    offset ("… +07:00") into timestamptz. An ambiguous hour (a DST fall-back) takes the
    first occurrence, as datetime.replace(tzinfo=…) does.
    """
    tz = device.tz
    sqlite = connection.vendor == "sqlite"
    heads: dict[str, tuple[str, dt.timedelta]] = {}

    def head_of(hour: str) -> tuple[str, dt.timedelta]:
        offset = dt.datetime.fromisoformat(hour + ":00:00").replace(tzinfo=tz).utcoffset()
        if not sqlite:
            minutes = int(offset.total_seconds()) // 60
            sign = "-" if minutes < 0 else "+"
            return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}", offset
        if offset % dt.timedelta(hours=1):
            return "", offset  # a half-hour zone: full arithmetic below
        utc = dt.datetime.fromisoformat(hour + ":00:00") - offset
        return utc.isoformat(" ")[:13], offset

    def convert(local: str) -> str:
        hour = local[:13]
        head = heads.get(hour)
        if head is None:
            head = heads[hour] = head_of(hour)
        text, offset = head
        if not sqlite:
            return local + text
        if text:
            return text + local[13:]
        return (dt.datetime.fromisoformat(local) - offset).isoformat(" ")

    return convert


def attach_orphan_punches() -> int:
    """Give punches whose device user had no employee their employee, once one exists."""
    match = Employee.objects.filter(code=OuterRef("device_user_id")).order_by().values("pk")[:1]
    orphans = Punch.objects.filter(employee__isnull=True, device_user_id__in=Employee.objects.order_by().values("code"))
    return orphans.update(employee=Subquery(match))
