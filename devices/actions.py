"""Writes of the devices app: storing punches exactly once, attaching them to the people
of the units a clock serves, approving clocks and queueing their commands."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import threading
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Now
from django.utils import timezone

from devices import commands
from devices.models import Device, DeviceCommand, Punch, PunchChainHead, PunchTally
from devices.records import EARLIEST_TEXT, MAX_USER_ID, PunchRow, RawPunch, latest_local, row_problem
from devices.roster_sync import ascii_name
from hr_system import bulk
from hr_system.models import AuditLog, Employee, OrgUnit

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
CHAIN_COLUMNS = (*COLUMNS, "chain_seq", "chain_link")

# The bench (bench/punch_chain.py) flips this to measure the chain's cost beside the
# same ingest without it; nothing in the product sets it.
_CHAIN = True


class DeviceActionError(ValueError):
    """A device write that cannot be done as asked; the message is for the user, `field`
    names the input at fault."""

    def __init__(self, message: str, field: str = "__all__"):
        super().__init__(message)
        self.field = field


class StoreResult(tuple):
    """What store_rows did: `new, duplicates = store_rows(...)` as before (a 2-tuple),
    plus what it did not store: `rejected` rows with the reason, and `held_back`, new
    rows over `max_new`. (A tuple subclass so that callers unpacking two values, the
    poller among them, keep working.)"""

    def __new__(cls, new: int, duplicates: int, rejected: Sequence[tuple[PunchRow, str]] = (), held_back: int = 0):
        result = super().__new__(cls, (new, duplicates))
        result.rejected = list(rejected)
        result.held_back = held_back
        return result

    @property
    def new(self) -> int:
        return self[0]

    @property
    def duplicates(self) -> int:
        return self[1]


def store_punches(
    *, device: Device, records: Iterable[RawPunch], source: str, max_new: int | None = None
) -> StoreResult:
    """Store raw punches given as RawPunch values (ADMS, imports); see store_rows."""
    return store_rows(device=device, rows=[r.row for r in records], source=source, max_new=max_new)


def store_rows(
    *,
    device: Device,
    rows: Sequence[PunchRow],
    source: str,
    max_new: int | None = None,
    now: dt.datetime | None = None,
) -> StoreResult:
    """Store raw punches; return (new, duplicates) with what was not stored.

    A punch is given its employee only when its code is that of a person the clock
    serves (Device.served_employees): employee codes are province-wide, and a commune's
    clock that sends another commune's code must not write that person's day. Such a
    punch is still stored, once, with no employee, and never reaches a day result.

    Rows no clock could have recorded are rejected, not stored: a time before 2000 or
    more than a day ahead of the server clock, a user id with a NUL or control
    character (PostgreSQL refuses NUL, which would fail the whole batch). `max_new`
    stores at most that many new rows (a pending ADMS clock's allowance); the rest are
    counted as `held_back`.

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
        return StoreResult(0, 0)
    latest_text = latest_local(timezone.localtime(now or timezone.now(), device.tz)).isoformat(" ")
    by_key: dict[tuple[str, str], PunchRow] = {}
    rejected: list[tuple[PunchRow, str]] = []
    for row in rows:
        user_id, local = row[0], row[1]
        # Inline for the hot path; records.row_problem says why when a check fails.
        if len(user_id) <= MAX_USER_ID and user_id.isprintable() and len(local) == 19:
            if EARLIEST_TEXT <= local <= latest_text:
                by_key.setdefault((user_id, local), row)
                continue
        rejected.append((row, row_problem(row, latest_text)))
    if not by_key:
        return StoreResult(0, 0, rejected)
    users = {k[0] for k in by_key}
    times = [k[1] for k in by_key]
    if _CHAIN:
        # The chain's end before the keys are read: the rows are numbered and linked
        # after it outside the lock; if it has moved when the lock is taken, another
        # writer stored punches for this clock meanwhile and both are done again.
        seen = PunchChainHead.objects.filter(device_id=device.pk).first() or PunchChainHead(device_id=device.pk)
    existing = _existing_keys(device, users, times)
    employees = dict(device.served_employees().filter(code__in=users).order_by().values_list("code", "pk"))
    to_db = _instant_converter(device)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    pk = device.pk
    new = held_back = 0
    if not _CHAIN:
        values = [
            (pk, user_id, local, to_db(local), status, punch, verify, source, now, employees.get(user_id))
            for (user_id, local), (_u, _l, status, punch, verify) in by_key.items()
            if (user_id, local) not in existing
        ]
        if max_new is not None and len(values) > max_new:
            held_back = len(values) - max(max_new, 0)
            values = values[: max(max_new, 0)]
        # Multi-row VALUES on SQLite, COPY on PostgreSQL (hr_system.bulk); the count is
        # what the database inserted, so a concurrent writer's rows are duplicates here.
        # The tally (/metrics) grows by that count in the same transaction; SQLite's writer
        # lock covers both, or another thread would meet SQLite's busy handler before commit.
        if values:
            with _writer(), transaction.atomic():
                new = bulk.write(
                    Punch._meta.db_table, COLUMNS, values, conflict=("device_id", "device_user_id", "local_time")
                )
                PunchTally.add(device_id=pk, source=source, count=new)
        return StoreResult(new, len(rows) - len(rejected) - held_back - new, rejected, held_back)

    fresh = [row for key, row in by_key.items() if key not in existing]
    if max_new is not None and len(fresh) > max_new:
        held_back = len(fresh) - max(max_new, 0)
        fresh = fresh[: max(max_new, 0)]
    if fresh:
        chain_rows = functools.partial(_chained, pk=pk, source=source, now=now, to_db=to_db, employees=employees)
        chained = chain_rows(fresh, seq=seen.seq, previous=seen.last_link())
        with _writer(), transaction.atomic():
            # The clock's chain head is locked until commit: rows are numbered after it
            # and every one of them is inserted (keys stored by a writer that went first
            # are dropped here), so the chain has no gap and no fork.
            head = PunchChainHead.locked(pk)
            if (head.seq, head.link) != (seen.seq, seen.link):
                stored = _existing_keys(device, {r[0] for r in fresh}, [r[1] for r in fresh])
                chained = chain_rows(
                    [r for r in fresh if (r[0], r[1]) not in stored], seq=head.seq, previous=head.last_link()
                )
            # Multi-row VALUES on SQLite, COPY on PostgreSQL (hr_system.bulk). The tally
            # (/metrics) grows by the count inserted in the same transaction.
            new = bulk.write(
                Punch._meta.db_table, CHAIN_COLUMNS, chained, conflict=("device_id", "device_user_id", "local_time")
            )
            if new != len(chained):
                # Only a writer bypassing the head lock can get here; a gap in the chain
                # would read as deleted punches, so nothing is stored (the clock sends
                # them again next round).
                raise ChainBroken(f"device {pk}: {len(chained) - new} punches stored outside the chain lock")
            if chained:
                PunchChainHead.objects.filter(pk=pk).update(seq=chained[-1][-2], link=chained[-1][-1])
            PunchTally.add(device_id=pk, source=source, count=new)
    return StoreResult(new, len(rows) - len(rejected) - held_back - new, rejected, held_back)


class ChainBroken(RuntimeError):
    """Punches were stored for a clock without its chain lock (a bug, never user input)."""


def _existing_keys(device: Device, users, times) -> set[tuple[str, str]]:
    """The (user id, local time) keys already stored for these users in this time range
    (the walk of the unique index: device, user, time)."""
    return set(
        Punch.objects.filter(
            device=device, device_user_id__in=users, local_time__gte=min(times), local_time__lte=max(times)
        ).values_list("device_user_id", "local_time")
    )


def _chained(rows, *, pk, source, now, to_db, employees, seq: int, previous: bytes) -> list[tuple]:
    """The rows to insert (CHAIN_COLUMNS) with their place in the clock's chain after
    (seq, previous): link_n = SHA-256(link_{n-1} || canonical bytes).

    records.canonical_bytes is the definition; it is written out here because the call
    and the tuple indexing cost as much as the hash (≈1.2 µs a row instead of 2.5 µs on
    a 100,000-punch download). test_punch_chain checks both give the same links."""
    sha256 = hashlib.sha256
    employee = employees.get
    out = []
    append = out.append
    for user_id, local, status, punch, verify in rows:
        seq += 1
        previous = sha256(
            previous + f"{pk}\x1f{user_id}\x1f{local}\x1f{status}\x1f{punch}\x1f{verify}\x1f{source}".encode()
        ).digest()
        append(
            (
                pk,
                user_id,
                local,
                to_db(local),
                status,
                punch,
                verify,
                source,
                now,
                employee(user_id),
                seq,
                previous.hex(),
            )
        )
    return out


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


def attach_orphan_punches(*, device: Device | None = None) -> int:
    """Give punches without an employee their employee, once a person with that code
    exists in a unit the punch's clock serves (one UPDATE per clock holding such
    punches; all clocks, or one). A code of a unit the clock does not serve stays
    unattached however often this runs. An attached punch counts as received now: for
    attendance it arrives at this moment, and the recompute worker, which reads what
    was received since its last round, brings its (possibly old) day up to date."""
    if device is None:
        orphans = Punch.objects.filter(
            employee__isnull=True, device_user_id__in=Employee.objects.order_by().values("code")
        ).order_by()
        devices = list(
            Device.objects.filter(pk__in=orphans.values("device_id")).select_related("unit", "accepts_subtree")
        )
    else:
        devices = [device]
    attached = 0
    for clock in devices:
        served = clock.served_employees().order_by()
        match = served.filter(code=OuterRef("device_user_id")).values("pk")[:1]
        attached += Punch.objects.filter(
            device=clock, employee__isnull=True, device_user_id__in=served.values("code")
        ).update(employee=Subquery(match), received_at=Now())
    return attached


def approve_device(*, acting_user, device: Device, unit: OrgUnit) -> Device:
    """An administrator trusts a clock that announced itself over ADMS and says which
    unit it serves; the punches it sent meanwhile now count for that unit's people."""
    with transaction.atomic():
        Device.objects.filter(pk=device.pk).update(approved=True, unit=unit)
        device.refresh_from_db()
        attached = attach_orphan_punches(device=device)
        AuditLog.record(user=acting_user, action="device.approve", obj=device, unit=unit.code, attached=attached)
    return device


COMMAND_KINDS = {
    "time_sync": "Đặt giờ máy theo máy chủ",
    "log_upload": "Gửi ngay dữ liệu chấm công mới",
    "log_recheck": "Bắt tay lại và gửi lại dữ liệu từ mốc đã lưu",
    "user_update": "Thêm/cập nhật người dùng trên máy",
    "user_delete": "Xóa người dùng khỏi máy",
    "reboot": "Khởi động lại máy",
}


def queue_command(
    *, acting_user, device: Device, kind: str, employee: Employee | None = None, user_id: str = ""
) -> DeviceCommand:
    """Queue a command for an ADMS clock (handed out on its next getrequest), audited.

    `user_update` writes an employee the clock serves (name folded to ASCII for the
    device's font); `user_delete` removes any user id from the clock (also accounts
    that are nobody's, such as a technician's)."""
    if device.transport != Device.Transport.PUSH:
        raise DeviceActionError("Chỉ máy ADMS (máy tự gửi) nhận lệnh qua hàng đợi.", "device")
    try:
        with transaction.atomic():
            if kind == "time_sync":
                command = commands.queue_time_sync(device)
            elif kind == "log_upload":
                command = commands.queue_log_upload(device)
            elif kind == "log_recheck":
                command = commands.queue_log_upload(device, recheck=True)
            elif kind == "reboot":
                command = commands.queue_reboot(device)
            elif kind == "user_update":
                if employee is None or not device.served_employees().filter(pk=employee.pk).exists():
                    raise DeviceActionError("Cán bộ này không thuộc đơn vị máy chấm công phục vụ.", "user_id")
                command = commands.queue_user_update(device, employee.code, ascii_name(employee.full_name))
            elif kind == "user_delete":
                command = commands.queue_user_delete(device, user_id)
            else:
                raise DeviceActionError(f"Không có lệnh {kind!r}.", "kind")
            AuditLog.record(user=acting_user, action="device.command", obj=device, kind=kind, command_id=command.pk)
    except commands.BadCommand as exc:
        raise DeviceActionError(str(exc), "user_id") from None
    return command
