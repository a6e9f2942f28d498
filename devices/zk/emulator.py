"""An emulated ZKTeco time clock that unmodified pyzk 0.9 can talk to (TCP and UDP on one port).

Used by the test suite, the demo (``manage.py zk_emulator``) and for reproducing field problems: slow links
(``bandwidth_kbps``), links cut mid-transfer (``drop_after``), a clock that is years off (``clock_offset``),
corrupt records (``add_corrupt_record``) and real-firmware chunking that pyzk 0.9 cannot read
(``chunking="firmware"``, ref §1.9).

Quick start in a test::

    emulator = ZKEmulator(0)          # port 0: pick a port free for both TCP and UDP
    emulator.generate(users=20, punches=200, seed=1)
    emulator.start()
    conn = ZK("127.0.0.1", port=emulator.port, timeout=5, ommit_ping=True).connect()
    ...
    emulator.stop()

Protocol rules followed (ref §0): one write per reply, header-only replies where pyzk reads 8 bytes, no
reply to a client ACK_OK (2000) but a reply to everything else, counts in CMD_GET_FREE_SIZES consistent with
the datasets, realtime events only between REG_EVENT(1) and REG_EVENT(0), one event per frame and the next
one only after the client's ACK.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import json
import logging
import os
import queue
import random
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from devices.zk import protocol as zp

log = logging.getLogger(__name__)

# Office-hours windows of a Vietnamese public office (morning in, lunch out/in, evening out) used by live
# mode and generate(); the punch state is 0 = check-in, 1 = check-out (adrobinoga "verify state").
OFFICE_WINDOWS: tuple[tuple[clock_time, clock_time, int], ...] = (
    (clock_time(7, 0), clock_time(8, 0), 0),
    (clock_time(11, 15), clock_time(11, 45), 1),
    (clock_time(13, 15), clock_time(13, 45), 0),
    (clock_time(16, 45), clock_time(17, 30), 1),
)
VERIFY_FINGERPRINT = 1  # "status" byte of a 40-byte record: the verify type (ref §1.10)

_SURNAMES = ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Lo", "Cam", "Quang", "Ha")
_MIDDLE = ("Van", "Thi", "Duc", "Minh", "Thanh", "Ngoc", "Huu", "Kim", "Quoc")
_GIVEN = ("An", "Binh", "Cuong", "Dung", "Giang", "Hai", "Hoa", "Hung", "Lan", "Linh", "Mai", "Nam", "Phuong")
_GIVEN += ("Quan", "Son", "Tam", "Thao", "Trang", "Tuan", "Tuyet", "Viet", "Xuan", "Yen")

_RECV_TIMEOUT = 0.25  # seconds; how fast handler threads notice stop()
_EVENT_ACK_TIMEOUT = 5.0
_UDP_IDLE = 600.0  # UDP has no close: forget a peer after this long without a datagram
_MAX_FRAME = 1 << 20


@dataclass
class EmulatedUser:
    """A user on the emulated clock; same field order as ``protocol.UserRecord``."""

    uid: int
    user_id: str
    name: str = ""
    privilege: int = zp.USER_DEFAULT
    password: str = ""
    card: int = 0
    group: str = ""


class Punch(NamedTuple):
    uid: int
    user_id: str
    time_value: int  # encoded device time; may be an impossible date on purpose (add_corrupt_record)
    status: int
    punch: int

    @property
    def local_time(self) -> datetime:
        return zp.decode_time(self.time_value)


class _Dropped(Exception):
    """The emulated link was cut (drop_after reached)."""

    def __init__(self, reset: bool = False) -> None:
        super().__init__()
        self.reset = reset


class _Throttle:
    """Sleep-based pacing of one connection's writes to ``kbps`` kilobits per second."""

    def __init__(self, kbps: float) -> None:
        self.rate = kbps * 1000 / 8  # bytes per second
        # Slices never split a small reply (pyzk needs a whole header per recv) and stay near 50 ms of data.
        self.slice = max(1040, int(self.rate * 0.05))
        self._next_free = time.monotonic()

    def pace(self, nbytes: int) -> None:
        now = time.monotonic()
        if self._next_free > now:
            time.sleep(self._next_free - now)
            now = self._next_free
        self._next_free = max(now, self._next_free) + nbytes / self.rate


class _Session:
    """One client: a TCP connection, or a UDP peer address."""

    def __init__(self, emulator: ZKEmulator, *, sock: socket.socket, addr, udp: bool) -> None:
        self.emulator = emulator
        self.sock = sock
        self.addr = addr
        self.udp = udp
        self.session_id = 0
        self.connected = False
        self.authenticated = False
        self.closed = False
        self.stalled = False  # drop_mode="stall": the link is dead but the socket stays open
        self.write_lock = threading.RLock()
        self.throttle = _Throttle(emulator.bandwidth_kbps) if emulator.bandwidth_kbps else None
        self.bulk_sent = 0
        self.buffer: bytes | None = None  # dataset prepared by 1503, read by 1504
        self.upload: bytearray | None = None  # buffer written by a client with 1500/1501 (save_user_template)
        self.event_flags = 0
        self.events: queue.Queue[bytes] = queue.Queue()
        self.event_acked = threading.Event()
        self.pusher: threading.Thread | None = None
        self.inbox: queue.Queue[bytes] = queue.Queue()  # UDP only
        self.last_seen = time.monotonic()

    # --- writing ---

    def write(self, data: bytes) -> None:
        """One reply = one write (ref §0 rule 2); a throttled TCP link dribbles it out in slices."""
        with self.write_lock:
            if self.udp:
                if self.throttle:
                    self.throttle.pace(len(data))
                self.sock.sendto(data, self.addr)
            elif self.throttle is None:
                self.sock.sendall(data)
            else:
                step = self.throttle.slice
                for start in range(0, len(data), step):
                    piece = data[start : start + step]
                    self.throttle.pace(len(piece))
                    self.sock.sendall(piece)

    def reply(self, code: int, reply_id: int, payload: bytes = b"", session_id: int | None = None) -> None:
        packet = zp.make_packet(code, self.session_id if session_id is None else session_id, reply_id, payload)
        self.write(packet if self.udp else zp.tcp_frame(packet))

    def close(self, reset: bool = False) -> None:
        self.closed = True
        self.event_flags = 0
        if not self.udp:
            if reset:
                # SO_LINGER with a zero timeout turns close() into an RST (a shutdown() first would send a FIN).
                with contextlib.suppress(OSError):
                    self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self.sock.close()


class ZKEmulator:
    """An in-memory ZK clock served on ONE port over TCP and UDP, one session per connection/peer.

    Parameters: ``port`` (0 = any port free for both TCP and UDP; read ``.port`` after ``start()``),
    ``host``, ``comm_key`` (0 = no comm key), ``user_size`` (28|72), ``record_size`` (8|16|40),
    ``chunking`` ("single": each 1504 chunk in one CMD_DATA frame, what pyzk 0.9 reads; "firmware": 1,008-byte
    frames like real devices, which makes pyzk 0.9 time out), ``bandwidth_kbps`` (kilobits/s per connection),
    ``drop_after`` (cut a connection after that many bulk payload bytes) and ``drop_mode`` ("close": FIN,
    "reset": RST, "stall": stop answering but keep the socket open; over UDP always: stop answering),
    ``clock_offset`` (device clock minus host clock, seconds, can be years), ``serial``, ``state_file`` (JSON,
    loaded on creation, saved on changes and at stop), ``tz`` (zone of the device clock, default: the host's
    local time), ``live`` and ``live_speed`` (punches during office hours; the device clock runs
    ``live_speed`` times faster), ``seed`` (live mode's randomness), device identity (``firmware``,
    ``platform``, ``device_name``, ``mac``), capacities, ``event_size`` (12/32/36/52-byte realtime events;
    default 32, or 12 for 28-byte users), ``strict_checksum`` (answer a bad checksum with ACK_ERROR),
    ``punches_after_sizes`` (after each CMD_GET_FREE_SIZES reply, record that many punches: someone punching
    between a client's count and its download, so the dataset holds more records than the count said).

    Attributes a test may change while running: ``drop_after``, ``drop_mode``, ``bandwidth_kbps`` (new
    connections), ``chunking``, ``enabled``, ``punches_after_sizes``. ``stats["max_sessions"]`` is the most
    sessions that were ever connected at once (a poller must never hold two).
    """

    def __init__(
        self,
        port: int = 4370,
        host: str = "127.0.0.1",
        *,
        comm_key: int = 0,
        user_size: int = 72,
        record_size: int = 40,
        chunking: str = "single",
        bandwidth_kbps: float | None = None,
        drop_after: int | None = None,
        drop_mode: str = "close",
        clock_offset: float = 0,
        serial: str = "EMU0000000001",
        state_file: str | os.PathLike | None = None,
        tz: str | None = None,
        live: bool = False,
        live_speed: float = 1.0,
        seed: int = 0,
        firmware: str = "Ver 6.60 Apr 28 2017",
        platform: str = "ZEM560_TFT",
        device_name: str = "K40",
        mac: str = "00:17:61:EE:00:01",
        pin_width: int = 9,
        users_cap: int = 10_000,
        fingers_cap: int = 3_000,
        records_cap: int = 200_000,
        event_size: int | None = None,
        strict_checksum: bool = True,
        punches_after_sizes: int = 0,
    ) -> None:
        if user_size not in zp.USER_SIZES:
            raise ValueError("user_size must be 28 or 72")
        if record_size not in zp.RECORD_SIZES:
            raise ValueError("record_size must be 8, 16 or 40")
        if chunking not in ("single", "firmware"):
            raise ValueError('chunking must be "single" or "firmware"')
        if drop_mode not in ("close", "reset", "stall"):
            raise ValueError('drop_mode must be "close", "reset" or "stall"')
        self.port = port
        self.host = host
        self.comm_key = int(comm_key)
        self.user_size = user_size
        self.record_size = record_size
        self.chunking = chunking
        self.bandwidth_kbps = bandwidth_kbps
        self.drop_after = drop_after
        self.drop_mode = drop_mode
        self.state_file = Path(state_file) if state_file else None
        self.tz = ZoneInfo(tz) if tz else None
        self.live = live
        self.live_speed = live_speed
        self.seed = seed
        self.firmware = firmware
        self.pin_width = pin_width
        self.users_cap = users_cap
        self.fingers_cap = fingers_cap
        self.records_cap = records_cap
        self.event_size = event_size or (32 if user_size == 72 else 12)
        self.strict_checksum = strict_checksum
        self.punches_after_sizes = punches_after_sizes
        self._last_race_punch: datetime | None = None
        self.enabled = True

        # Pyzk's optional probes: "FaceFunOn" and "CompatOldFirmware" are deliberately absent, as on a B&W
        # fingerprint clock, so a client's failure path (pyzk's _clear_error: 2001 then 0xFFFF x3) gets used.
        self.options: dict[str, str] = {
            "~SerialNumber": serial,
            "~Platform": platform,
            "~DeviceName": device_name,
            "MAC": mac,
            "~ZKFPVersion": "10",
            "ZKFaceVersion": "0",
            "~ExtendFmt": "1" if record_size == 40 else "0",
            "~UserExtFmt": "1" if user_size == 72 else "0",
            "IPAddress": host if host not in ("", "0.0.0.0") else "127.0.0.1",
            "NetMask": "255.255.255.0",
            "GATEIPAddress": "0.0.0.0",
            "~OS": "1",
            "~PIN2Width": str(pin_width),
            "WorkCode": "0",
            "~OEMVendor": "ZKTeco Inc.",
            "~ProductTime": "2017-04-28 10:00:00",
        }
        self._written_options: dict[str, str] = {}

        self._lock = threading.RLock()
        self._users: dict[int, EmulatedUser] = {}
        self._uid_by_user_id: dict[str, int] = {}
        self._attendance: list[Punch] = []
        # Attendance records are immutable once written, so their serialized form is kept up to date
        # incrementally; a 1503 read then costs one copy, never a rebuild (100,000 records = 4 MB).
        self._att_records = bytearray()
        self._templates: dict[tuple[int, int], tuple[int, bytes]] = {}
        self._datasets: dict[str, bytes] = {}
        self._dirty = False

        self._clock_speed = live_speed if live else 1.0
        self._set_clock(self._host_now() + timedelta(seconds=clock_offset))

        self._sessions: set[_Session] = set()
        self._udp_sessions: dict[tuple, _Session] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._tcp: socket.socket | None = None
        self._udp: socket.socket | None = None
        self._rng = random.Random()
        self._live_schedules: dict[date, list[tuple[datetime, str, int, int]]] = {}
        self.stats = {
            "connections": 0,
            "commands": 0,
            "checksum_errors": 0,
            "drops": 0,
            "events_sent": 0,
            "max_sessions": 0,
        }

        if self.state_file and self.state_file.exists():
            self.load_state()

    # ------------------------------------------------------------------------------------------------------
    # Lifecycle

    def start(self) -> ZKEmulator:
        """Bind TCP and UDP on the same port and serve in background threads; returns once listening."""
        self._stopping.clear()
        self._tcp, self._udp = self._bind()
        self.port = self._tcp.getsockname()[1]
        self._spawn(self._serve_tcp, "zk-emu-tcp", self._tcp)
        self._spawn(self._serve_udp, "zk-emu-udp", self._udp)
        if self.state_file:
            self._spawn(self._autosave, "zk-emu-save")
        if self.live:
            self._spawn(self._live_loop, "zk-emu-live")
        log.info("ZK emulator listening on %s:%s (tcp+udp)", self.host, self.port)
        return self

    def stop(self) -> None:
        """Stop serving, close every session and save the state file."""
        self._stopping.set()
        for sock in (self._tcp, self._udp):
            if sock is not None:
                # shutdown() wakes a thread blocked in accept()/recvfrom() on Linux; close() alone does not.
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()
        self._tcp = self._udp = None
        if self.state_file:
            self.save_state()

    def __enter__(self) -> ZKEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _bind(self) -> tuple[socket.socket, socket.socket]:
        # The port is only "one port" if UDP can take the number TCP got; retry a few ephemeral picks.
        for _attempt in range(20):
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((self.host, self.port))
                port = tcp.getsockname()[1]
                udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    udp.bind((self.host, port))
                except OSError:
                    udp.close()
                    raise
            except OSError:
                tcp.close()
                if self.port:
                    raise
                continue
            tcp.listen(64)
            tcp.settimeout(_RECV_TIMEOUT)
            udp.settimeout(_RECV_TIMEOUT)
            return tcp, udp
        raise OSError("no port free for both TCP and UDP")

    def _spawn(self, target, name: str, *args) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        if not name.startswith("zk-emu-conn") and not name.startswith("zk-emu-push"):
            self._threads.append(thread)
        return thread

    # ------------------------------------------------------------------------------------------------------
    # Device clock

    def _host_now(self) -> datetime:
        if self.tz is not None:
            return datetime.now(self.tz).replace(tzinfo=None)
        return datetime.now()

    def _set_clock(self, device_now: datetime) -> None:
        self._clock_real = time.time()
        self._clock_device = device_now

    def device_now(self) -> datetime:
        """The emulated clock: naive device-local time (runs ``live_speed`` times faster in live mode)."""
        elapsed = (time.time() - self._clock_real) * self._clock_speed
        return self._clock_device + timedelta(seconds=elapsed)

    def set_device_time(self, when: datetime) -> None:
        with self._lock:
            self._set_clock(when)
            self._dirty = True

    @property
    def clock_offset(self) -> float:
        """Device clock minus host clock, in seconds."""
        return (self.device_now() - self._host_now()).total_seconds()

    # ------------------------------------------------------------------------------------------------------
    # State helpers (tests, demo)

    def add_user(
        self,
        user_id: str,
        name: str = "",
        *,
        uid: int | None = None,
        privilege: int = zp.USER_DEFAULT,
        password: str = "",
        card: int = 0,
        group: str = "",
    ) -> int:
        """Create or update a user; an existing ``user_id`` keeps its uid. Returns the uid."""
        user_id = str(user_id)
        if self.user_size == 28 and not user_id.isdigit():
            raise ValueError("28-byte user records hold numeric user ids only")
        with self._lock:
            if uid is None:
                uid = self._uid_by_user_id.get(user_id) or self._next_uid()
            self._store_user(EmulatedUser(uid, user_id, name, privilege, password, card, group))
            return uid

    def delete_user(self, user_id: str) -> bool:
        with self._lock:
            uid = self._uid_by_user_id.get(str(user_id))
            return uid is not None and self._delete_uid(uid)

    def load_roster(self, roster: Iterable[tuple[str, str]]) -> int:
        """Add or rename users from ``(user_id, name)`` pairs (names should already be ASCII)."""
        count = 0
        with self._lock:
            for user_id, name in roster:
                self.add_user(str(user_id), name)
                count += 1
        return count

    def add_punch(
        self,
        user_id: str,
        local_dt: datetime | None = None,
        status: int = VERIFY_FINGERPRINT,
        punch: int = 0,
        *,
        notify: bool = True,
    ) -> Punch:
        """Record a punch at ``local_dt`` (device-local; default: the device clock now).

        With ``notify`` it is also pushed as a realtime event to sessions that registered EF_ATTLOG.
        """
        when = self._naive(local_dt) if local_dt is not None else self.device_now()
        with self._lock:
            record = self._make_punch(str(user_id), zp.encode_time(when), status, punch)
            self._append_punches([record])
        if notify:
            self._notify(record, when)
        return record

    def add_corrupt_record(self, user_id: str | None = None, year: int | None = None) -> Punch:
        """Append a record dated 30 February (an impossible date; month 13 would just wrap to January).

        pyzk 0.9's get_attendance raises ValueError on it (PR #242); ``parse_attendance`` skips and counts it.
        """
        with self._lock:
            if user_id is None:
                user_id = next(iter(self._uid_by_user_id), "1")
            value = zp.encode_raw_time(year or self.device_now().year, 2, 30, 8, 0, 0)
            record = self._make_punch(str(user_id), value, VERIFY_FINGERPRINT, 0)
            self._append_punches([record])
            return record

    def clear_attendance(self) -> None:
        with self._lock:
            self._attendance.clear()
            self._att_records = bytearray()
            self._changed("attendance")

    def add_template(self, user_id: str, fid: int = 0, template: bytes | None = None, valid: int = 1) -> bytes:
        """Store a fingerprint template (synthetic bytes by default) for an existing user."""
        with self._lock:
            uid = self._uid_by_user_id[str(user_id)]
            if template is None:
                template = synthetic_template(uid, fid)
            self._templates[(uid, fid)] = (valid, bytes(template))
            self._changed("templates")
            return bytes(template)

    def generate(
        self, users: int = 0, punches: int = 0, seed: int = 0, *, until: date | None = None, fingers: int = 0
    ) -> None:
        """Add ``users`` synthetic users and ``punches`` office-hours punches; deterministic for a seed.

        Punches are the most recent ones on working days before ``until`` (default: the device's today),
        ``fingers`` templates per new user. Built in one pass (100,000 punches in well under a second).
        """
        rng = random.Random(seed)
        with self._lock:
            first_uid = self._next_uid()
            for uid in range(first_uid, first_uid + users):
                name = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
                self._store_user(EmulatedUser(uid, str(uid), name))
                for fid in range(fingers):
                    self._templates[(uid, fid)] = (1, synthetic_template(uid, fid))
            self._changed("users", "templates")
            if punches <= 0:
                return
            user_ids = sorted(self._uid_by_user_id, key=lambda u: self._uid_by_user_id[u])
            if not user_ids:
                raise ValueError("generate(punches=...) needs users")
            day = until or self.device_now().date()
            picked: list[list[tuple[datetime, str, int, int]]] = []
            total = 0
            while total < punches:
                day -= timedelta(days=1)
                if day.year < 2000:
                    raise ValueError("too many punches for so few users (would go before year 2000)")
                if day.weekday() >= 5:
                    continue
                batch = office_day_punches(day, user_ids, random.Random(f"{seed}:{day.isoformat()}"))
                picked.append(batch)
                total += len(batch)
            chosen = [entry for batch in reversed(picked) for entry in batch][-punches:]
            self._append_punches(
                [
                    self._make_punch(user_id, zp.encode_time(when), status, state)
                    for when, user_id, state, status in chosen
                ]
            )

    def users(self) -> list[EmulatedUser]:
        with self._lock:
            return [EmulatedUser(**asdict(u)) for u in sorted(self._users.values(), key=lambda u: u.uid)]

    def attendance(self) -> list[Punch]:
        with self._lock:
            return list(self._attendance)

    def templates(self) -> dict[tuple[int, int], bytes]:
        with self._lock:
            return {key: data for key, (_valid, data) in self._templates.items()}

    def wait_for_listener(self, timeout: float = 5.0) -> bool:
        """Wait until some session registered for realtime punches (pyzk's live_capture did REG_EVENT)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if any(s.event_flags & zp.EF_ATTLOG for s in self._sessions):
                    return True
            time.sleep(0.01)
        return False

    @property
    def session_count(self) -> int:
        with self._lock:
            return sum(1 for s in self._sessions if s.connected)

    # --- serialized datasets (what 1503 serves), cached until the data changes ---

    def users_dataset(self) -> bytes:
        with self._lock:
            cached = self._datasets.get("users")
            if cached is None:
                records = b"".join(
                    zp.pack_user(self.user_size, u.uid, u.user_id, u.name, u.privilege, u.password, u.card, u.group)
                    for u in sorted(self._users.values(), key=lambda u: u.uid)
                )
                cached = self._datasets["users"] = zp.dataset(records)
            return cached

    def attendance_dataset(self) -> bytes:
        with self._lock:
            cached = self._datasets.get("attendance")
            if cached is None:
                cached = self._datasets["attendance"] = zp.dataset(bytes(self._att_records))
            return cached

    def templates_dataset(self) -> bytes:
        with self._lock:
            cached = self._datasets.get("templates")
            if cached is None:
                records = b"".join(
                    zp.pack_template(uid, fid, data, valid)
                    for (uid, fid), (valid, data) in sorted(self._templates.items())
                )
                cached = self._datasets["templates"] = zp.dataset(records)
            return cached

    # --- internals of the state ---

    def _naive(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            return when
        return when.astimezone(self.tz).replace(tzinfo=None) if self.tz else when.astimezone().replace(tzinfo=None)

    def _next_uid(self) -> int:
        return max(self._users, default=0) + 1

    def _store_user(self, user: EmulatedUser) -> None:
        old = self._users.get(user.uid)
        if old is not None and self._uid_by_user_id.get(old.user_id) == user.uid:
            del self._uid_by_user_id[old.user_id]
        self._users[user.uid] = user
        self._uid_by_user_id[user.user_id] = user.uid
        self._changed("users")

    def _delete_uid(self, uid: int) -> bool:
        user = self._users.pop(uid, None)
        if user is None:
            return False
        if self._uid_by_user_id.get(user.user_id) == uid:
            del self._uid_by_user_id[user.user_id]
        for key in [k for k in self._templates if k[0] == uid]:
            del self._templates[key]
        self._changed("users", "templates")
        return True

    def _make_punch(self, user_id: str, time_value: int, status: int, punch: int) -> Punch:
        uid = self._uid_by_user_id.get(user_id)
        if uid is None:
            if self.record_size == 8 and not user_id.isdigit():
                raise ValueError(f"unknown user {user_id!r}: 8-byte records only carry a uid")
            uid = int(user_id) if self.record_size == 8 else 0
        if self.record_size == 16 and not user_id.isdigit():
            raise ValueError("16-byte attendance records hold numeric user ids only")
        return Punch(uid, user_id, time_value, status, punch)

    def _append_punches(self, records: list[Punch]) -> None:
        size = self.record_size
        start = len(self._att_records)
        self._att_records.extend(bytes(size * len(records)))
        if size == 8:
            for i, r in enumerate(records):
                zp.ATT_8.pack_into(self._att_records, start + i * size, r.uid, r.status, r.time_value, r.punch)
        else:
            for i, r in enumerate(records):
                self._att_records[start + i * size : start + (i + 1) * size] = zp.pack_attendance(
                    size, r.uid, r.user_id, r.time_value, r.status, r.punch
                )
        self._attendance.extend(records)
        self._changed("attendance")

    def _changed(self, *kinds: str) -> None:
        for kind in kinds:
            self._datasets.pop(kind, None)
        self._dirty = True

    def free_sizes(self) -> bytes:
        with self._lock:
            return zp.pack_free_sizes(
                users=len(self._users),
                fingers=len(self._templates),
                records=len(self._attendance),
                admins=sum(1 for u in self._users.values() if u.privilege == zp.USER_ADMIN),
                passwords=sum(1 for u in self._users.values() if u.password),
                fingers_cap=self.fingers_cap,
                users_cap=self.users_cap,
                records_cap=max(self.records_cap, len(self._attendance)),
            )

    # ------------------------------------------------------------------------------------------------------
    # State file

    def save_state(self) -> None:
        """Write the state file atomically (JSON; template bytes as base64)."""
        if not self.state_file:
            return
        with self._lock:
            state = {
                "format": 1,
                "clock_offset": self.clock_offset,
                "options": dict(self._written_options),
                "users": [asdict(u) for u in sorted(self._users.values(), key=lambda u: u.uid)],
                "attendance": [list(p) for p in self._attendance],
                "templates": [
                    {"uid": uid, "fid": fid, "valid": valid, "template": base64.b64encode(data).decode()}
                    for (uid, fid), (valid, data) in sorted(self._templates.items())
                ],
            }
            self._dirty = False
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.state_file.parent, prefix=self.state_file.name, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(state, fh)
        os.replace(tmp, self.state_file)

    def load_state(self) -> None:
        with open(self.state_file) as fh:
            state = json.load(fh)
        with self._lock:
            self._users.clear()
            self._uid_by_user_id.clear()
            for data in state.get("users", []):
                self._store_user(EmulatedUser(**data))
            self._attendance.clear()
            self._att_records = bytearray()
            self._append_punches([Punch(*row) for row in state.get("attendance", [])])
            self._templates = {
                (t["uid"], t["fid"]): (t["valid"], base64.b64decode(t["template"])) for t in state.get("templates", [])
            }
            self._written_options = dict(state.get("options", {}))
            self.options.update(self._written_options)
            self._set_clock(self._host_now() + timedelta(seconds=state.get("clock_offset", 0)))
            self._changed("users", "attendance", "templates")
            self._dirty = False

    def _autosave(self) -> None:
        # Debounced: live punches can arrive every few milliseconds at high live_speed.
        while not self._stopping.wait(1.0):
            if self._dirty:
                try:
                    self.save_state()
                except OSError:
                    log.exception("could not save emulator state to %s", self.state_file)

    # ------------------------------------------------------------------------------------------------------
    # Network

    def _new_session(self, sock: socket.socket, addr, udp: bool) -> _Session:
        session = _Session(self, sock=sock, addr=addr, udp=udp)
        with self._lock:
            self._sessions.add(session)
            self.stats["connections"] += 1
        return session

    def _forget(self, session: _Session) -> None:
        session.close()
        with self._lock:
            self._sessions.discard(session)
            if session.udp and self._udp_sessions.get(session.addr) is session:
                del self._udp_sessions[session.addr]

    def _serve_tcp(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                conn, addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.settimeout(_RECV_TIMEOUT)
            self._spawn(self._serve_connection, "zk-emu-conn", conn, addr)

    def _recv_exact(self, conn: socket.socket, size: int) -> bytes | None:
        data = bytearray()
        while len(data) < size:
            try:
                chunk = conn.recv(size - len(data))
            except TimeoutError:
                if self._stopping.is_set():
                    return None
                continue
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return bytes(data)

    def _serve_connection(self, conn: socket.socket, addr) -> None:
        session = self._new_session(conn, addr, udp=False)
        try:
            while not session.closed and not self._stopping.is_set():
                top = self._recv_exact(conn, 8)
                if top is None:
                    break  # includes pyzk's connect-and-close probe (ZK_helper.test_tcp)
                try:
                    length = zp.parse_tcp_top(top)
                except ValueError:
                    log.warning("not a ZK frame from %s: %s", addr, top.hex())
                    break
                if not 8 <= length <= _MAX_FRAME:
                    break
                packet = self._recv_exact(conn, length)
                if packet is None:
                    break
                self._handle(session, packet)
        except _Dropped as drop:
            self.stats["drops"] += 1
            session.close(reset=drop.reset)
        except OSError as exc:
            log.debug("connection %s ended: %s", addr, exc)
        finally:
            self._forget(session)

    def _serve_udp(self, udp: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                data, addr = udp.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                break
            if len(data) < 8:
                continue
            command = zp.unpack_header(data).command
            with self._lock:
                session = self._udp_sessions.get(addr)
                if command == zp.CMD_CONNECT:
                    if session is not None:
                        session.closed = True
                    session = self._new_session(udp, addr, udp=True)
                    self._udp_sessions[addr] = session
                    self._spawn(self._serve_udp_session, "zk-emu-conn-udp", session)
            if session is None:
                header = zp.unpack_header(data)
                with contextlib.suppress(OSError):
                    udp.sendto(zp.make_packet(zp.CMD_ACK_ERROR_INIT, 0, header.reply_id), addr)
                continue
            session.last_seen = time.monotonic()
            if command == zp.CMD_ACK_OK:
                # The client's ACK of a realtime event; answered by nothing (ref §0 rule 4).
                session.event_acked.set()
                continue
            session.inbox.put(data)

    def _serve_udp_session(self, session: _Session) -> None:
        # One worker per UDP peer so a throttled or large transfer does not stall other clients.
        try:
            while not session.closed and not self._stopping.is_set():
                try:
                    packet = session.inbox.get(timeout=_RECV_TIMEOUT)
                except queue.Empty:
                    if time.monotonic() - session.last_seen > _UDP_IDLE:
                        break
                    continue
                self._handle(session, packet)
        except _Dropped:
            self.stats["drops"] += 1
        except OSError as exc:
            log.debug("udp peer %s ended: %s", session.addr, exc)
        finally:
            self._forget(session)

    # ------------------------------------------------------------------------------------------------------
    # Commands

    def _handle(self, session: _Session, packet: bytes) -> None:
        header = zp.unpack_header(packet)
        payload = packet[8:]
        command, reply_id = header.command, header.reply_id
        self.stats["commands"] += 1
        if session.stalled:
            return
        log.debug("session %s cmd %s payload %s", session.session_id, command, payload[:32].hex())
        if command == zp.CMD_ACK_OK:
            session.event_acked.set()  # never answered: pyzk would ping-pong forever (ref §0 rule 4)
            return
        if self.strict_checksum and not zp.verify_checksum(packet):
            self.stats["checksum_errors"] += 1
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        if command == zp.CMD_CONNECT:
            self._cmd_connect(session, reply_id)
            return
        if not session.connected:
            session.reply(zp.CMD_ACK_ERROR_INIT, reply_id)
            return
        if command == zp.CMD_AUTH:
            ok = self.comm_key == 0 or payload[:4] == zp.make_commkey(self.comm_key, session.session_id)
            session.authenticated = ok
            session.reply(zp.CMD_ACK_OK if ok else zp.CMD_ACK_UNAUTH, reply_id)
            return
        if command == zp.CMD_EXIT:
            session.reply(zp.CMD_ACK_OK, reply_id)
            session.closed = True
            return
        if not session.authenticated:
            session.reply(zp.CMD_ACK_UNAUTH, reply_id)
            return
        handler = self._HANDLERS.get(command)
        if handler is None:
            # Includes 2001/0xFFFF that pyzk *sends* in _clear_error() and then waits for (ref §0 rule 5).
            session.reply(zp.CMD_ACK_UNKNOWN, reply_id)
            return
        handler(self, session, reply_id, payload)

    def _cmd_connect(self, session: _Session, reply_id: int) -> None:
        with self._lock:
            used = {s.session_id for s in self._sessions if s is not session}
            session_id = self._rng.randrange(1, 0xFFFF)
            while session_id in used:
                session_id = self._rng.randrange(1, 0xFFFF)
        session.session_id = session_id
        session.connected = True
        with self._lock:
            at_once = sum(1 for s in self._sessions if s.connected and not s.closed)
            self.stats["max_sessions"] = max(self.stats["max_sessions"], at_once)
        session.authenticated = self.comm_key == 0
        session.buffer = session.upload = None
        # pyzk takes the session id from this reply whatever its code, then sends AUTH (ref §1.5).
        session.reply(zp.CMD_ACK_OK if session.authenticated else zp.CMD_ACK_UNAUTH, reply_id)

    def _ack(self, session: _Session, reply_id: int, payload: bytes) -> None:
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_version(self, session: _Session, reply_id: int, payload: bytes) -> None:
        session.reply(zp.CMD_ACK_OK, reply_id, self.firmware.encode() + b"\x00")

    def _cmd_options_read(self, session: _Session, reply_id: int, payload: bytes) -> None:
        key = payload.split(b"\x00", 1)[0]
        value = self.options.get(key.decode("ascii", "ignore"))
        if value is None:
            session.reply(zp.CMD_ACK_ERROR, reply_id)  # what real devices answer for an unknown key
        else:
            session.reply(zp.CMD_ACK_OK, reply_id, zp.option_reply(key, value))

    def _cmd_options_write(self, session: _Session, reply_id: int, payload: bytes) -> None:
        text = payload.split(b"\x00", 1)[0].decode("utf-8", "ignore")
        if "=" not in text:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        key, value = text.split("=", 1)
        with self._lock:
            self.options[key] = value
            self._written_options[key] = value
            self._dirty = True
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_pin_width(self, session: _Session, reply_id: int, payload: bytes) -> None:
        # Must be non-zero: pyzk indexes the first byte of data.split(b"\0")[0] (ref §1.7).
        session.reply(zp.CMD_ACK_OK, reply_id, bytes((self.pin_width,)))

    def _cmd_free_sizes(self, session: _Session, reply_id: int, payload: bytes) -> None:
        session.reply(zp.CMD_ACK_OK, reply_id, self.free_sizes())
        for _ in range(self.punches_after_sizes):
            self._race_punch()

    def _race_punch(self) -> None:
        """A punch right after a count was sent; one second after the previous one at least, so every such
        punch is a distinct record (same user, same second would be one punch to a store)."""
        with self._lock:
            when = self.device_now().replace(microsecond=0)
            if self._last_race_punch is not None and when <= self._last_race_punch:
                when = self._last_race_punch + timedelta(seconds=1)
            self._last_race_punch = when
            user_ids = sorted(self._uid_by_user_id, key=lambda u: self._uid_by_user_id[u])
            user_id = user_ids[0] if user_ids else "1"
            self._append_punches([self._make_punch(user_id, zp.encode_time(when), VERIFY_FINGERPRINT, 0)])

    def _cmd_get_time(self, session: _Session, reply_id: int, payload: bytes) -> None:
        try:
            value = zp.encode_time(self.device_now())
        except ValueError:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        session.reply(zp.CMD_ACK_OK, reply_id, struct.pack("<I", value))

    def _cmd_set_time(self, session: _Session, reply_id: int, payload: bytes) -> None:
        try:
            when = zp.decode_time(struct.unpack_from("<I", payload)[0])
        except (ValueError, struct.error):
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        self.set_device_time(when)
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_enable(self, session: _Session, reply_id: int, payload: bytes) -> None:
        self.enabled = True
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_disable(self, session: _Session, reply_id: int, payload: bytes) -> None:
        self.enabled = False
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_set_user(self, session: _Session, reply_id: int, payload: bytes) -> None:
        # pyzk sends 72 bytes over TCP and 28 over UDP unless get_users() saw 72-byte records (ref §1.10).
        try:
            record = zp.unpack_user(bytes(payload))
        except ValueError:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        if self.user_size == 28 and not record.user_id.isdigit():
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        with self._lock:
            self._store_user(EmulatedUser(*record))
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_delete_user(self, session: _Session, reply_id: int, payload: bytes) -> None:
        if len(payload) < 2:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        (uid,) = struct.unpack_from("<H", payload)
        with self._lock:
            self._delete_uid(uid)
        # Deleting a missing user is answered OK: the end state is what the client asked for.
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_clear_attlog(self, session: _Session, reply_id: int, payload: bytes) -> None:
        self.clear_attendance()
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_clear_data(self, session: _Session, reply_id: int, payload: bytes) -> None:
        with self._lock:
            self._users.clear()
            self._uid_by_user_id.clear()
            self._templates.clear()
            self._attendance.clear()
            self._att_records = bytearray()
            self._changed("users", "templates", "attendance")
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_clear_admin(self, session: _Session, reply_id: int, payload: bytes) -> None:
        with self._lock:
            for user in self._users.values():
                user.privilege = zp.USER_DEFAULT
            self._changed("users")
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_restart(self, session: _Session, reply_id: int, payload: bytes) -> None:
        session.reply(zp.CMD_ACK_OK, reply_id)
        session.closed = True

    def _cmd_reg_event(self, session: _Session, reply_id: int, payload: bytes) -> None:
        flags = struct.unpack_from("<I", payload.ljust(4, b"\x00"))[0]
        # Flags change under the write lock, before the reply: on REG_EVENT(0) no event can slip out and be read
        # as the reply; on REG_EVENT(1) a punch made as soon as the client has the reply is already queued,
        # while the pusher still cannot send it before the reply is out.
        with session.write_lock:
            session.event_flags = flags
            session.reply(zp.CMD_ACK_OK, reply_id)
        if not flags:
            return
        if session.pusher is None or not session.pusher.is_alive():
            session.pusher = self._spawn(self._push_events, "zk-emu-push", session)

    def _cmd_read_buffer_prepare(self, session: _Session, reply_id: int, payload: bytes) -> None:
        try:
            _flag, command, fct, _ext = struct.unpack_from("<bhii", payload)
        except struct.error:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        if command == zp.CMD_USERTEMP_RRQ and fct == zp.FCT_USER:
            data = self.users_dataset()
        elif command == zp.CMD_ATTLOG_RRQ:
            data = self.attendance_dataset()
        elif command == zp.CMD_DB_RRQ and fct == zp.FCT_FINGERTMP:
            data = self.templates_dataset()
        else:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        session.buffer = data
        session.reply(zp.CMD_ACK_OK, reply_id, zp.read_buffer_reply_payload(len(data)))

    def _cmd_read_buffer_chunk(self, session: _Session, reply_id: int, payload: bytes) -> None:
        try:
            start, size = struct.unpack_from("<ii", payload)
        except struct.error:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        if session.buffer is None or start < 0 or size <= 0 or start >= len(session.buffer):
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        self._send_bulk(session, reply_id, session.buffer[start : start + size])

    def _cmd_free_data(self, session: _Session, reply_id: int, payload: bytes) -> None:
        session.buffer = None
        session.upload = None
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_prepare_upload(self, session: _Session, reply_id: int, payload: bytes) -> None:
        session.upload = bytearray()
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_upload_data(self, session: _Session, reply_id: int, payload: bytes) -> None:
        if session.upload is None:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        session.upload += payload
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_save_templates(self, session: _Session, reply_id: int, payload: bytes) -> None:
        try:
            users, templates = zp.parse_template_upload(bytes(session.upload or b""))
        except ValueError:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        with self._lock:
            for record in users:
                self._store_user(EmulatedUser(*record))
            for uid, fid, template in templates:
                self._templates[(uid, fid)] = (1, template)
            self._changed("templates")
        session.upload = None
        session.reply(zp.CMD_ACK_OK, reply_id)

    def _cmd_get_user_template(self, session: _Session, reply_id: int, payload: bytes) -> None:
        try:
            uid, fid = struct.unpack_from("<hb", payload)
        except struct.error:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        with self._lock:
            found = self._templates.get((uid, fid))
        if found is None:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        # pyzk drops the last byte of what it receives (a terminator on real devices).
        self._send_bulk(session, reply_id, found[1] + b"\x00")

    def _cmd_delete_template(self, session: _Session, reply_id: int, payload: bytes) -> None:
        try:
            uid, fid = struct.unpack_from("<hb", payload)
        except struct.error:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        self._delete_template(session, reply_id, uid, fid)

    def _cmd_delete_template_by_user_id(self, session: _Session, reply_id: int, payload: bytes) -> None:
        try:
            raw_id, fid = struct.unpack_from("<24sB", payload)
        except struct.error:
            session.reply(zp.CMD_ACK_ERROR, reply_id)
            return
        with self._lock:
            uid = self._uid_by_user_id.get(raw_id.split(b"\x00", 1)[0].decode("utf-8", "ignore"), -1)
        self._delete_template(session, reply_id, uid, fid)

    def _delete_template(self, session: _Session, reply_id: int, uid: int, fid: int) -> None:
        with self._lock:
            found = self._templates.pop((uid, fid), None)
            if found is not None:
                self._changed("templates")
        session.reply(zp.CMD_ACK_OK if found else zp.CMD_ACK_ERROR, reply_id)

    # --- bulk transfers ---

    def _send_bulk(self, session: _Session, reply_id: int, chunk: bytes) -> None:
        """Send one 1504 chunk (or a template) the way the configured transport and chunking dictate."""
        allowed = None
        if self.drop_after is not None:
            allowed = max(self.drop_after - session.bulk_sent, 0)
        if session.udp:
            # pyzk's UDP reads are recv(1032): PREPARE_DATA + <=1024-byte CMD_DATA datagrams + ACK_OK.
            datagrams = zp.udp_chunk_datagrams(chunk, session.session_id, reply_id)
            sent = 0
            for datagram in datagrams:
                body = len(datagram) - 8 if zp.unpack_header(datagram).command == zp.CMD_DATA else 0
                if allowed is not None and sent + body > allowed:
                    session.bulk_sent += sent
                    raise _Dropped()
                session.write(datagram)
                sent += body
            session.bulk_sent += sent
            return
        if self.chunking == "firmware":
            stream = zp.firmware_chunk_stream(chunk, session.session_id, reply_id)
            frame = zp.FIRMWARE_FRAME_SIZE

            def cut(n: int) -> int:
                # Stream offset after n payload bytes: 24-byte PREPARE_DATA, then 16 bytes of top+header a frame.
                full, rest = divmod(n, frame)
                return 24 + full * (16 + frame) + (16 + rest if rest else 0)

        else:
            # ONE CMD_DATA frame per chunk: what pyzk 0.9 reassembles reliably (ref §0 rule 6).
            stream = zp.tcp_frame(zp.make_packet(zp.CMD_DATA, session.session_id, reply_id, chunk))

            def cut(n: int) -> int:
                return 16 + n

        if allowed is not None and len(chunk) > allowed:
            session.write(stream[: cut(allowed)])
            session.bulk_sent += allowed
            if self.drop_mode == "stall":
                self.stats["drops"] += 1
                session.stalled = True
                return
            # Note: on a FIN mid-frame pyzk 0.9 spins forever in __recieve_raw_data (recv() returns b"" and
            # its `while size > 0` loop never ends, no timeout applies); "reset" makes it raise instead.
            raise _Dropped(reset=self.drop_mode == "reset")
        session.write(stream)
        session.bulk_sent += len(chunk)

    # --- realtime events ---

    def _notify(self, record: Punch, when: datetime) -> None:
        with self._lock:
            listeners = [s for s in self._sessions if s.event_flags & zp.EF_ATTLOG and not s.closed]
        if not listeners:
            return
        try:
            payload = zp.pack_realtime_attlog(record.user_id, record.status, record.punch, when, self.event_size)
        except (ValueError, struct.error):
            log.warning("cannot send a %s-byte event for user %r", self.event_size, record.user_id)
            return
        for session in listeners:
            session.events.put(payload)

    def _push_events(self, session: _Session) -> None:
        # One event per frame, and the next only after the client's ACK: pyzk reads one frame per recv and
        # would mis-parse coalesced events (ref §1.12).
        while not session.closed and not self._stopping.is_set():
            try:
                payload = session.events.get(timeout=_RECV_TIMEOUT)
            except queue.Empty:
                continue
            with session.write_lock:
                if not session.event_flags & zp.EF_ATTLOG:
                    continue
                session.event_acked.clear()
                try:
                    # Realtime packets carry the event code in the session field, reply id 0 (ref §1.12).
                    session.reply(zp.CMD_REG_EVENT, 0, payload, session_id=zp.EF_ATTLOG)
                except OSError:
                    return
                self.stats["events_sent"] += 1
            session.event_acked.wait(_EVENT_ACK_TIMEOUT)

    # --- live mode ---

    def _live_loop(self) -> None:
        last = self.device_now()
        while not self._stopping.wait(0.2):
            now = self.device_now()
            self.run_live(last, now)
            last = now

    def run_live(self, start: datetime, end: datetime) -> list[Punch]:
        """Record (and push) the office-hours punches scheduled in ``(start, end]`` of device time."""
        made = []
        day = start.date()
        while day <= end.date():
            schedule = self._live_schedule(day)
            times = [entry[0] for entry in schedule]
            for when, user_id, state, status in schedule[
                bisect.bisect_right(times, start) : bisect.bisect_right(times, end)
            ]:
                with contextlib.suppress(ValueError, KeyError):
                    made.append(self.add_punch(user_id, when, status, state))
            day += timedelta(days=1)
        return made

    def _live_schedule(self, day: date) -> list[tuple[datetime, str, int, int]]:
        with self._lock:
            schedule = self._live_schedules.get(day)
            if schedule is None:
                if len(self._live_schedules) > 7:
                    self._live_schedules.clear()
                user_ids = sorted(self._uid_by_user_id, key=lambda u: self._uid_by_user_id[u])
                rng = random.Random(f"live:{self.seed}:{day.isoformat()}")
                schedule = office_day_punches(day, user_ids, rng) if day.weekday() < 5 else []
                self._live_schedules[day] = schedule
            return schedule

    _HANDLERS = {
        zp.CMD_GET_VERSION: _cmd_version,
        zp.CMD_OPTIONS_RRQ: _cmd_options_read,
        zp.CMD_OPTIONS_WRQ: _cmd_options_write,
        zp.CMD_GET_PINWIDTH: _cmd_pin_width,
        zp.CMD_GET_FREE_SIZES: _cmd_free_sizes,
        zp.CMD_GET_TIME: _cmd_get_time,
        zp.CMD_SET_TIME: _cmd_set_time,
        zp.CMD_ENABLEDEVICE: _cmd_enable,
        zp.CMD_DISABLEDEVICE: _cmd_disable,
        zp.CMD_USER_WRQ: _cmd_set_user,
        zp.CMD_DELETE_USER: _cmd_delete_user,
        zp.CMD_CLEAR_ATTLOG: _cmd_clear_attlog,
        zp.CMD_CLEAR_DATA: _cmd_clear_data,
        zp.CMD_CLEAR_ADMIN: _cmd_clear_admin,
        zp.CMD_RESTART: _cmd_restart,
        zp.CMD_POWEROFF: _cmd_restart,
        zp.CMD_REG_EVENT: _cmd_reg_event,
        zp.CMD_PREPARE_BUFFER: _cmd_read_buffer_prepare,
        zp.CMD_READ_BUFFER: _cmd_read_buffer_chunk,
        zp.CMD_FREE_DATA: _cmd_free_data,
        zp.CMD_PREPARE_DATA: _cmd_prepare_upload,
        zp.CMD_DATA: _cmd_upload_data,
        zp.CMD_SAVE_USERTEMPS: _cmd_save_templates,
        zp.CMD_GET_USERTEMP: _cmd_get_user_template,
        zp.CMD_DELETE_USERTEMP: _cmd_delete_template,
        zp.CMD_DEL_USER_TEMP: _cmd_delete_template_by_user_id,
        # Commands that only change the device's screen/mode: acknowledged, header only (ref §0 rule 3).
        zp.CMD_REFRESHDATA: _ack,
        zp.CMD_REFRESHOPTION: _ack,
        zp.CMD_CANCELCAPTURE: _ack,
        zp.CMD_STARTVERIFY: _ack,
        zp.CMD_TESTVOICE: _ack,
        zp.CMD_UNLOCK: _ack,
        zp.CMD_ENABLE_CLOCK: _ack,
        zp.CMD_CLEAR_LCD: _ack,
        zp.CMD_WRITE_LCD: _ack,
        zp.CMD_CLEAR_OPLOG: _ack,
    }


def synthetic_template(uid: int, fid: int, size: int = 512) -> bytes:
    """Deterministic fake template bytes; never ending in NULs, which pyzk's get_user_template strips."""
    rng = random.Random(uid * 16 + fid)
    body = bytes(rng.randrange(256) for _ in range(size - 1))
    return body + b"\x5a"


def office_day_punches(day: date, user_ids: list[str], rng: random.Random) -> list[tuple[datetime, str, int, int]]:
    """A realistic day of punches ``(time, user_id, punch_state, verify_type)``, sorted by time.

    Each user arrives in the morning window and leaves in the evening one; most also punch out and back in
    around lunch. A few are absent, a few punch twice in a row (the clock records both).
    """
    out: list[tuple[datetime, str, int, int]] = []
    for user_id in user_ids:
        if rng.random() < 0.03:
            continue  # absent
        for index, (begin, end, state) in enumerate(OFFICE_WINDOWS):
            if index in (1, 2) and rng.random() < 0.15:
                continue  # skipped the lunch punches
            start = datetime.combine(day, begin)
            span = (datetime.combine(day, end) - start).total_seconds()
            # Arrivals bunch up near the end of the window, departures near its start.
            mode = 0.7 if state == 0 else 0.3
            when = start + timedelta(seconds=int(rng.triangular(0, span, span * mode)))
            out.append((when, user_id, state, VERIFY_FINGERPRINT))
            if rng.random() < 0.01:
                out.append((when + timedelta(seconds=rng.randint(3, 40)), user_id, state, VERIFY_FINGERPRINT))
    out.sort()
    return out
