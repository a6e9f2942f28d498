"""Pure codec for the ZKTeco binary protocol as spoken by pyzk 0.9 (port 4370, TCP and UDP).

No Django, no sockets: plain functions over bytes and datetimes, shared by the device emulator
(``devices/zk/emulator.py``) and the product's client adapter (``devices/zk/client.py``).
The layouts follow /work/shared/reference/zk-protocol.md (cited below as "ref §x.y").

Stable public API (the client adapter imports these; keep names and signatures):

* ``CMD_*`` / ``EF_*`` / ``FCT_*`` / ``USER_*`` constants with pyzk 0.9's numeric values.
* ``encode_time(dt) -> int`` and ``decode_time(value) -> datetime`` (naive device-local time, ref §1.11);
  ``decode_time`` raises ``ValueError`` on an impossible date (e.g. 30 February).
* ``parse_attendance(buffer, record_size, users_by_uid=None, *, as_text=False) -> (records, invalid_count)``
  where each record is a plain tuple ``(user_id: str, local_time: datetime, status: int, punch: int, uid: int)``;
  with ``as_text`` the time is the text ``"YYYY-MM-DD HH:MM:SS"`` instead (what the punch store keeps).
* ``parse_users(buffer, record_size) -> list[UserRecord]``; ``parse_templates(dataset)`` ->
  ``[(uid, fid, valid, template)]``; ``fold_to_ascii(text)`` for names written to a clock.

Both parsers accept either the dataset exactly as the device sends it after a 1503 read (a uint32 total
byte count followed by the records, ref §1.9) or only the records; a trailing partial record is ignored.

Everything else (``make_packet``, ``tcp_frame``, ``pack_user``, ``pack_attendance`` ...) builds the bytes
an emulated device puts on the wire.
"""

from __future__ import annotations

import gc
import struct
import sys
import unicodedata
from array import array
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

# --- Commands (pyzk 0.9 zk/const.py values) ---------------------------------------------------------------

CMD_DB_RRQ = 7
CMD_USER_WRQ = 8
CMD_USERTEMP_RRQ = 9
CMD_USERTEMP_WRQ = 10
CMD_OPTIONS_RRQ = 11
CMD_OPTIONS_WRQ = 12
CMD_ATTLOG_RRQ = 13
CMD_CLEAR_DATA = 14
CMD_CLEAR_ATTLOG = 15
CMD_DELETE_USER = 18
CMD_DELETE_USERTEMP = 19
CMD_CLEAR_ADMIN = 20
CMD_UNLOCK = 31
CMD_CLEAR_OPLOG = 33
CMD_OPLOG_RRQ = 34
CMD_GET_FREE_SIZES = 50
CMD_ENABLE_CLOCK = 57
CMD_STARTVERIFY = 60
CMD_STARTENROLL = 61
CMD_CANCELCAPTURE = 62
CMD_STATE_RRQ = 64
CMD_WRITE_LCD = 66
CMD_CLEAR_LCD = 67
CMD_GET_PINWIDTH = 69
CMD_DOORSTATE_RRQ = 75
CMD_GET_USERTEMP = 88  # pyzk 0.9 get_user_template() uses the bare literal 88 ("command secret")
CMD_SAVE_USERTEMPS = 110  # pyzk 0.9 save_user_template() uses the bare literal 110
CMD_DEL_USER_TEMP = 134  # pyzk 0.9 delete_user_template(user_id=...) over TCP (broken on Py3, ref §3)
CMD_GET_TIME = 201
CMD_SET_TIME = 202
CMD_REG_EVENT = 500
CMD_CONNECT = 1000
CMD_EXIT = 1001
CMD_ENABLEDEVICE = 1002
CMD_DISABLEDEVICE = 1003
CMD_RESTART = 1004
CMD_POWEROFF = 1005
CMD_SLEEP = 1006
CMD_RESUME = 1007
CMD_CAPTUREFINGER = 1009
CMD_TEST_TEMP = 1011
CMD_CAPTUREIMAGE = 1012
CMD_REFRESHDATA = 1013
CMD_REFRESHOPTION = 1014
CMD_TESTVOICE = 1017
CMD_GET_VERSION = 1100
CMD_CHANGE_SPEED = 1101
CMD_AUTH = 1102
CMD_PREPARE_DATA = 1500
CMD_DATA = 1501
CMD_FREE_DATA = 1502
# pyzk 0.9 sends these as literals; pyzk master names them _CMD_PREPARE_BUFFER / _CMD_READ_BUFFER (ref §1.9).
CMD_PREPARE_BUFFER = 1503
CMD_READ_BUFFER = 1504

CMD_ACK_OK = 2000
CMD_ACK_ERROR = 2001
CMD_ACK_DATA = 2002
CMD_ACK_RETRY = 2003
CMD_ACK_REPEAT = 2004
CMD_ACK_UNAUTH = 2005
CMD_ACK_UNKNOWN = 0xFFFF
CMD_ACK_ERROR_CMD = 0xFFFD
CMD_ACK_ERROR_INIT = 0xFFFC
CMD_ACK_ERROR_DATA = 0xFFFB

EF_ATTLOG = 1
EF_FINGER = 1 << 1
EF_ENROLLUSER = 1 << 2
EF_ENROLLFINGER = 1 << 3
EF_BUTTON = 1 << 4
EF_UNLOCK = 1 << 5
EF_VERIFY = 1 << 7
EF_FPFTR = 1 << 8
EF_ALARM = 1 << 9

USER_DEFAULT = 0
USER_ENROLLER = 2
USER_MANAGER = 6
USER_ADMIN = 14

FCT_ATTLOG = 1
FCT_FINGERTMP = 2
FCT_OPLOG = 4
FCT_USER = 5
FCT_SMS = 6
FCT_UDATA = 7
FCT_WORKCODE = 8

USHRT_MAX = 65535

TCP_MAGIC = b"\x50\x50\x82\x7d"  # written as bytes: a LE uint16 0x827D would come out as 7D 82 (ref §1.2)
HEADER = struct.Struct("<4H")
TCP_TOP = struct.Struct("<4sI")

USER_SIZES = (28, 72)
RECORD_SIZES = (8, 16, 40)

# Real firmware splits a PREPARE_DATA transfer into CMD_DATA frames of this payload size (ref §1.9 capture).
FIRMWARE_FRAME_SIZE = 1008
# UDP datagrams carry at most this much payload: pyzk reads them with recv(1024 + 8) (ref §1.9).
UDP_FRAME_SIZE = 1024


class Header(NamedTuple):
    command: int
    checksum: int
    session_id: int
    reply_id: int


class UserRecord(NamedTuple):
    uid: int
    user_id: str
    name: str
    privilege: int
    password: str
    card: int
    group: str


# --- Checksum, header, framing ------------------------------------------------------------------------------


def checksum(data: bytes) -> int:
    """Classic ones'-complement checksum of LE 16-bit words (odd byte zero-padded).

    pyzk's own algorithm differs in two quirks that cancel out, so this equals what pyzk computes for the
    bytes actually on the wire and what real devices send (ref §1.4).
    """
    if len(data) % 2:
        data = bytes(data) + b"\x00"
    words = array("H")
    words.frombytes(data)
    if sys.byteorder == "big":
        words.byteswap()
    total = sum(words)
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def make_packet(command: int, session_id: int, reply_id: int, payload: bytes = b"") -> bytes:
    """An 8-byte ZK header with a correct checksum, followed by ``payload`` (no TCP top)."""
    body = HEADER.pack(command, 0, session_id, reply_id) + payload
    return HEADER.pack(command, checksum(body), session_id, reply_id) + payload


def unpack_header(packet: bytes) -> Header:
    return Header(*HEADER.unpack_from(packet, 0))


def verify_checksum(packet: bytes) -> bool:
    """True when the packet's checksum field matches its content."""
    header = unpack_header(packet)
    body = HEADER.pack(header.command, 0, header.session_id, header.reply_id) + packet[8:]
    return checksum(body) == header.checksum


def tcp_frame(packet: bytes) -> bytes:
    """Prefix a ZK packet with the TCP top ``50 50 82 7D`` + uint32 LE length (ref §1.2)."""
    return TCP_TOP.pack(TCP_MAGIC, len(packet)) + packet


def parse_tcp_top(top: bytes) -> int:
    """Length field of an 8-byte TCP top; ``ValueError`` if the magic is wrong."""
    magic, length = TCP_TOP.unpack_from(top, 0)
    if magic != TCP_MAGIC:
        raise ValueError("not a ZK TCP frame")
    return length


def make_commkey(key: int, session_id: int, ticks: int = 50) -> bytes:
    """The 4-byte AUTH payload pyzk derives from the comm key and the session id (commpro.c MakeKey, ref §1.5).

    Bit-reverse the 32-bit key, add the session id, XOR with "ZKSO", swap the two 16-bit halves, then XOR
    with the tick byte, whose value replaces byte 2.
    """
    reversed_key = int(f"{int(key) & 0xFFFFFFFF:032b}"[::-1], 2)
    # pyzk raises struct.error when this overflows 32 bits; the emulator must not crash on such a client.
    scrambled = bytes(
        a ^ b for a, b in zip(struct.pack("<I", (reversed_key + session_id) & 0xFFFFFFFF), b"ZKSO", strict=True)
    )
    swapped = scrambled[2:4] + scrambled[0:2]
    tick = ticks & 0xFF
    return bytes((swapped[0] ^ tick, swapped[1] ^ tick, tick, swapped[3] ^ tick))


def read_buffer_reply_payload(size: int) -> bytes:
    """Payload of the ACK_OK a device sends to 1503: ``00`` + size + size + 4 bytes (ref §1.9 capture).

    pyzk reads the size at offset 1. The capture's last 4 bytes (``cd ef 23 00``) have no known meaning;
    zeros are sent.
    """
    return b"\x00" + struct.pack("<II", size, size) + b"\x00\x00\x00\x00"


def firmware_chunk_stream(chunk: bytes, session_id: int, reply_id: int, frame_size: int = FIRMWARE_FRAME_SIZE) -> bytes:
    """The TCP bytes real firmware sends for one 1504 read (ref §1.9, K20 capture in pyzk's test.py).

    PREPARE_DATA(payload: size, frame size) + CMD_DATA frames of ``frame_size`` bytes whose *session* field
    counts 0, 1, 2... (reply id = the request's) + ACK_OK. Unmodified pyzk 0.9 times out on this when the
    frames arrive back to back: its reassembly does one blocking recv() per frame.
    """
    parts = [tcp_frame(make_packet(CMD_PREPARE_DATA, session_id, reply_id, struct.pack("<II", len(chunk), frame_size)))]
    for index, start in enumerate(range(0, len(chunk), frame_size)):
        parts.append(tcp_frame(make_packet(CMD_DATA, index & 0xFFFF, reply_id, chunk[start : start + frame_size])))
    parts.append(tcp_frame(make_packet(CMD_ACK_OK, session_id, reply_id)))
    return b"".join(parts)


def udp_chunk_datagrams(chunk: bytes, session_id: int, reply_id: int, frame_size: int = UDP_FRAME_SIZE) -> list[bytes]:
    """Datagrams answering one 1504 read over UDP: PREPARE_DATA, CMD_DATA (<= 1024-byte payloads), ACK_OK.

    pyzk's UDP path loops ``recv(1032)`` appending CMD_DATA payloads until ACK_OK (ref §1.9).
    """
    datagrams = [make_packet(CMD_PREPARE_DATA, session_id, reply_id, struct.pack("<II", len(chunk), frame_size))]
    for index, start in enumerate(range(0, len(chunk), frame_size)):
        datagrams.append(make_packet(CMD_DATA, index & 0xFFFF, reply_id, chunk[start : start + frame_size]))
    datagrams.append(make_packet(CMD_ACK_OK, session_id, reply_id))
    return datagrams


# --- Time ----------------------------------------------------------------------------------------------------

_DAY = 86400


def encode_raw_time(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """The device's time arithmetic (31-day months, 372-day years) without validating the date.

    Used to produce deliberately corrupt records, e.g. 30 February. Note that month 13 is *not* corrupt in
    this encoding: it wraps to January of the next year.
    """
    days = (year % 100) * 12 * 31 + (month - 1) * 31 + day - 1
    return days * _DAY + (hour * 60 + minute) * 60 + second


def encode_time(dt: datetime) -> int:
    """Encode a naive device-local datetime as the device's uint32 (ref §1.11); years 2000-2099 only."""
    if not 2000 <= dt.year <= 2099:
        # The format keeps only year % 100; refusing beats silently writing 1926 as 2026.
        raise ValueError(f"year {dt.year} cannot be encoded (2000-2099 only)")
    return encode_raw_time(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)


def _day_start(days: int) -> datetime:
    return datetime(2000 + days // 372, (days // 31) % 12 + 1, days % 31 + 1)


def decode_time(value: int) -> datetime:
    """Decode the device's uint32 time; ``ValueError`` on an impossible date such as 30 February (pyzk PR #242)."""
    days, seconds = divmod(int(value), _DAY)
    hour, rest = divmod(seconds, 3600)
    minute, second = divmod(rest, 60)
    return _day_start(days).replace(hour=hour, minute=minute, second=second)


def encode_timehex(dt: datetime) -> bytes:
    """Six raw bytes ``year-2000, month, day, hour, minute, second`` used by realtime events (ref §1.11)."""
    return bytes((dt.year - 2000, dt.month, dt.day, dt.hour, dt.minute, dt.second))


def decode_timehex(raw: bytes) -> datetime:
    year, month, day, hour, minute, second = raw[:6]
    return datetime(2000 + year, month, day, hour, minute, second)


# --- Records -------------------------------------------------------------------------------------------------

USER_28 = struct.Struct("<HB5s8sIxBhI")
USER_72 = struct.Struct("<HB8s24sIx7sx24s")
ATT_8 = struct.Struct("<HBIB")  # uid, status, time, punch ("HB4sB" in pyzk, time kept as bytes)
ATT_16 = struct.Struct("<IIBB2sI")  # user_id, time, status, punch, reserved, workcode
ATT_40 = struct.Struct("<H24sBIB8s")  # uid, user_id, status(verify type), time, punch(verify state), space
TEMPLATE_HEAD = struct.Struct("<HHbb")  # size (including this 6-byte head), uid, fid, valid
# Trailing bytes of a 40-byte record as a real device sends them (adrobinoga data-record.md, ref §1.10).
ATT_40_SPACE = b"\x00\x00\x00\x00\xff\x00\x00\x00"


def _text(raw: bytes, encoding: str = "utf-8") -> str:
    return raw.split(b"\x00", 1)[0].decode(encoding, errors="ignore")


def _fixed(text: str, size: int, encoding: str = "utf-8") -> bytes:
    """Encode and cut to ``size`` bytes, never leaving half a UTF-8 character at the end."""
    raw = text.encode(encoding, errors="ignore")[:size]
    return raw.decode(encoding, errors="ignore").encode(encoding)


def pack_user(
    record_size: int,
    uid: int,
    user_id: str,
    name: str = "",
    privilege: int = USER_DEFAULT,
    password: str = "",
    card: int = 0,
    group: str = "",
) -> bytes:
    """One user record in the 28-byte (ZK6, numeric user id) or 72-byte (ZK8/TFT) layout (ref §1.10)."""
    if record_size == 28:
        return USER_28.pack(
            uid,
            privilege,
            _fixed(password, 5),
            _fixed(name, 8),
            card,
            int(group) if str(group).isdigit() else 0,
            0,
            int(user_id) if str(user_id).isdigit() else uid,  # 28-byte records only carry numeric ids (#52)
        )
    if record_size == 72:
        return USER_72.pack(
            uid, privilege, _fixed(password, 8), _fixed(name, 24), card, _fixed(group, 7), _fixed(user_id, 24)
        )
    raise ValueError(f"unsupported user record size {record_size}")


def unpack_user(record: bytes) -> UserRecord:
    """Decode one 28- or 72-byte user record (also what pyzk's set_user sends as the USER_WRQ payload)."""
    if len(record) == 28:
        uid, privilege, password, name, card, group, _tz, user_id = USER_28.unpack(record)
        return UserRecord(uid, str(user_id), _text(name).strip(), privilege, _text(password), card, str(group))
    if len(record) == 72:
        uid, privilege, password, name, card, group, user_id = USER_72.unpack(record)
        return UserRecord(
            uid, _text(user_id), _text(name).strip(), privilege, _text(password), card, _text(group).strip()
        )
    raise ValueError(f"unsupported user record size {len(record)}")


def pack_attendance(
    record_size: int, uid: int, user_id: str, time_value: int, status: int = 1, punch: int = 0
) -> bytes:
    """One attendance record; ``time_value`` is already encoded (``encode_time``/``encode_raw_time``).

    In the 8-byte layout only the uid is stored; in the 16-byte layout the user id must be numeric.
    """
    if record_size == 8:
        return ATT_8.pack(uid, status, time_value, punch)
    if record_size == 16:
        return ATT_16.pack(int(user_id) if str(user_id).isdigit() else uid, time_value, status, punch, b"", 0)
    if record_size == 40:
        return ATT_40.pack(uid, _fixed(user_id, 24), status, time_value, punch, ATT_40_SPACE)
    raise ValueError(f"unsupported attendance record size {record_size}")


def pack_template(uid: int, fid: int, template: bytes, valid: int = 1) -> bytes:
    """One get_templates() record: ``HHbb`` head (size includes the head) + template bytes (ref §1.10)."""
    return TEMPLATE_HEAD.pack(len(template) + TEMPLATE_HEAD.size, uid, fid, valid) + template


def dataset(records: bytes) -> bytes:
    """Prefix records with the uint32 total byte count every 1503 dataset starts with (ref §1.9)."""
    return struct.pack("<I", len(records)) + records


def pack_free_sizes(
    *,
    users: int,
    fingers: int,
    records: int,
    oplogs: int = 0,
    admins: int = 0,
    passwords: int = 0,
    fingers_cap: int = 3000,
    users_cap: int = 10000,
    records_cap: int = 100000,
    faces: int = 0,
    faces_cap: int = 0,
) -> bytes:
    """The 92-byte CMD_GET_FREE_SIZES reply (23 int32, ref §1.8); pyzk needs at least 80 bytes."""
    fields = [0] * 23
    fields[4] = users
    fields[6] = fingers
    fields[8] = records
    fields[10] = oplogs
    fields[12] = admins
    fields[13] = passwords
    fields[14] = fingers_cap
    fields[15] = users_cap
    fields[16] = records_cap
    fields[17] = max(fingers_cap - fingers, 0)
    fields[18] = max(users_cap - users, 0)
    fields[19] = max(records_cap - records, 0)
    fields[20] = faces
    fields[22] = faces_cap
    return struct.pack("<23i", *fields)


def option_reply(key: bytes, value: str) -> bytes:
    """OPTIONS_RRQ reply payload: the key echoed, ``=``, the value, NUL (as captured on real devices, ref §1.7)."""
    return key.rstrip(b"\x00") + b"=" + value.encode() + b"\x00"


def pack_realtime_attlog(user_id: str, status: int, punch: int, dt: datetime, size: int = 32) -> bytes:
    """EF_ATTLOG realtime payload in one of the lengths pyzk 0.9's live_capture accepts (12/32/36/52, ref §1.12).

    Any other length makes pyzk 0.9 raise UnboundLocalError (#86).
    """
    timehex = encode_timehex(dt)
    if size == 12:
        return struct.pack("<IBB6s", int(user_id), status, punch, timehex)
    if size in (32, 36, 52):
        return struct.pack("<24sBB6s", _fixed(user_id, 24), status, punch, timehex).ljust(size, b"\x00")
    raise ValueError(f"pyzk 0.9 cannot parse a {size}-byte realtime event")


# --- Parsers -------------------------------------------------------------------------------------------------


def record_size_for(total: int, counts: tuple[int, ...], sizes: tuple[int, ...] = RECORD_SIZES) -> int | None:
    """The record size of a ``total``-byte dataset whose record count was read as ``counts``, or None.

    A dataset carries its byte count but not its record count; that comes from CMD_GET_FREE_SIZES, read
    in a separate command. A punch between the two (or a clear) makes ``total // count`` a size no format
    has (a 40-byte log of 10 records counted as 9 gives 44). So the size is the one format that divides
    ``total`` into a count between the smallest and the largest count read around the download (before and
    after). None when no size or more than one fits: the caller reads again rather than guess.
    """
    if total <= 0 or not counts:
        return None
    low, high = min(counts), max(counts)
    fits = [size for size in sizes if total % size == 0 and low <= total // size <= high]
    return fits[0] if len(fits) == 1 else None


def _records_area(buffer: bytes, record_size: int) -> memoryview:
    """Drop the uint32 total prefix if present and any trailing partial record."""
    view = memoryview(buffer)
    if len(view) % record_size == 4 and len(view) >= 4:
        total = struct.unpack_from("<I", view, 0)[0]
        if total <= len(view) - 4 and total % record_size == 0:
            view = view[4:]
    return view[: len(view) - len(view) % record_size]


class _DayStarts(dict):
    """Day number -> midnight of that day, or None for an impossible date; computed once per distinct day."""

    def __missing__(self, day: int) -> datetime | None:
        try:
            start = _day_start(day)
        except ValueError:
            start = None
        self[day] = start
        return start


class _Offsets(dict):
    """Seconds since midnight -> timedelta, created once per distinct value."""

    def __missing__(self, second: int) -> timedelta:
        offset = self[second] = timedelta(seconds=second)
        return offset


class _DayTexts(dict):
    """Day number -> "YYYY-MM-DD " (or None for an impossible date); the text twin of _DayStarts."""

    def __missing__(self, day: int) -> str | None:
        try:
            text = _day_start(day).strftime("%Y-%m-%d ")
        except ValueError:
            text = None
        self[day] = text
        return text


class _ClockTexts(dict):
    """Seconds since midnight -> "HH:MM:SS"; the text twin of _Offsets."""

    def __missing__(self, second: int) -> str:
        text = self[second] = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        return text


def parse_attendance(
    buffer: bytes, record_size: int, users_by_uid: Mapping[int, str] | None = None, *, as_text: bool = False
) -> tuple[list[tuple[str, datetime | str, int, int, int]], int]:
    """Decode attendance records of 8, 16 or 40 bytes into ``(user_id, local_time, status, punch, uid)``.

    Records whose time is an impossible date are skipped and counted (second return value) instead of raising
    like pyzk 0.9 does (PR #242). ``users_by_uid`` maps device uid -> user id: 8-byte records only carry the
    uid (fallback ``str(uid)``, as pyzk); 16-byte records only carry a numeric user id, reverse-mapped to a uid
    (fallback ``int(user_id)``).

    Speed: one datetime per record is what dominates, so day starts and second offsets are cached, the loops
    make no function calls and the cyclic GC is paused. The result costs 2-4x a bare struct.iter_unpack
    pass: ~150 ms per 100,000 records on the 2-vCPU dev box where iter_unpack alone takes 40-80 ms.

    ``as_text`` gives the local time as ``"YYYY-MM-DD HH:MM:SS"``, joined from a cached day text and a cached
    clock text: the punch store keeps that text, so the poller never builds (and re-formats) a datetime.
    """
    if record_size not in RECORD_SIZES:
        raise ValueError(f"unsupported attendance record size {record_size}")
    # Each record allocates a tracked tuple, so the cyclic GC would run hundreds of times over a large
    # download for nothing (nothing here forms cycles); pausing it saves about a third of the time.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if as_text:
            return _parse_attendance(buffer, record_size, users_by_uid or {}, _DayTexts(), _ClockTexts())
        return _parse_attendance(buffer, record_size, users_by_uid or {}, _DayStarts(), _Offsets())
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse_attendance(
    buffer: bytes, record_size: int, users_by_uid: Mapping[int, str], days: dict, offsets: dict
) -> tuple[list[tuple[str, datetime | str, int, int, int]], int]:
    # ``days[d] + offsets[s]`` is a datetime (midnight + timedelta) or a text (date + clock), by the caches given.
    area = _records_area(buffer, record_size)
    out: list[tuple[str, datetime | str, int, int, int]] = []
    append = out.append
    invalid = 0

    if record_size == 8:
        names = {uid: str(user_id) for uid, user_id in users_by_uid.items()}
        for uid, status, value, punch in ATT_8.iter_unpack(area):
            start = days[value // _DAY]
            if start is None:
                invalid += 1
                continue
            name = names.get(uid)
            if name is None:
                name = names[uid] = str(uid)
            append((name, start + offsets[value % _DAY], status, punch, uid))
    elif record_size == 16:
        uid_by_user_id = {str(user_id): uid for uid, user_id in users_by_uid.items()}
        ids: dict[int, tuple[str, int]] = {}
        for number, value, status, punch, _reserved, _workcode in ATT_16.iter_unpack(area):
            start = days[value // _DAY]
            if start is None:
                invalid += 1
                continue
            known = ids.get(number)
            if known is None:
                known = ids[number] = (str(number), uid_by_user_id.get(str(number), number))
            append((known[0], start + offsets[value % _DAY], status, punch, known[1]))
    else:
        texts: dict[bytes, str] = {}
        for uid, raw_id, status, value, punch, _space in ATT_40.iter_unpack(area):
            start = days[value // _DAY]
            if start is None:
                invalid += 1
                continue
            user_id = texts.get(raw_id)
            if user_id is None:
                user_id = texts[raw_id] = _text(raw_id)
            append((user_id, start + offsets[value % _DAY], status, punch, uid))
    return out, invalid


def parse_users(buffer: bytes, record_size: int) -> list[UserRecord]:
    """Decode 28- or 72-byte user records (with or without the uint32 total prefix)."""
    if record_size not in USER_SIZES:
        raise ValueError(f"unsupported user record size {record_size}")
    area = _records_area(buffer, record_size)
    return [unpack_user(bytes(area[i : i + record_size])) for i in range(0, len(area), record_size)]


def parse_templates(buffer: bytes) -> list[tuple[int, int, int, bytes]]:
    """Decode a get_templates dataset into ``(uid, fid, valid, template)`` tuples."""
    view = memoryview(buffer)
    total = struct.unpack_from("<I", view, 0)[0]
    view = view[4 : 4 + total]
    out = []
    pos = 0
    while pos + TEMPLATE_HEAD.size <= len(view):
        size, uid, fid, valid = TEMPLATE_HEAD.unpack_from(view, pos)
        if size < TEMPLATE_HEAD.size:
            break
        out.append((uid, fid, valid, bytes(view[pos + TEMPLATE_HEAD.size : pos + size])))
        pos += size
    return out


def parse_template_upload(buffer: bytes) -> tuple[list[UserRecord], list[tuple[int, int, bytes]]]:
    """Decode the buffer pyzk 0.9's save_user_template() uploads before command 110 (ref §1.13).

    Layout: ``III`` (users, table, templates byte lengths) + user records of 29/73 bytes (a 0x02 tag + the
    28/72-byte record) + table entries ``<bHbI`` (2, uid, 0x10 + fid, offset into templates) + templates as
    ``H`` size + bytes. Returns the users and ``(uid, fid, template)`` tuples; ``ValueError`` if malformed.
    """
    try:
        users_len, table_len, fingers_len = struct.unpack_from("<III", buffer, 0)
        pos = 12
        users_part = buffer[pos : pos + users_len]
        table = buffer[pos + users_len : pos + users_len + table_len]
        fingers = buffer[pos + users_len + table_len : pos + users_len + table_len + fingers_len]
        if len(users_part) != users_len or len(table) != table_len or len(fingers) != fingers_len:
            raise ValueError("truncated template upload")
        step = 73 if users_len % 73 == 0 else 29
        if users_len % step:
            raise ValueError("bad user block in template upload")
        users = [unpack_user(users_part[i + 1 : i + step]) for i in range(0, users_len, step)]
        templates = []
        for _tag, uid, code, offset in struct.iter_unpack("<bHbI", table):
            (size,) = struct.unpack_from("<H", fingers, offset)
            template = fingers[offset + 2 : offset + 2 + size]
            if len(template) != size:
                raise ValueError("truncated template")
            templates.append((uid, code - 0x10, bytes(template)))
        return users, templates
    except struct.error as exc:
        raise ValueError(f"malformed template upload: {exc}") from exc


def fold_to_ascii(text: str) -> str:
    """Vietnamese (or any Latin) text folded to plain ASCII for a clock's name field.

    Device fonts and pyzk's fixed-width fields handle ASCII only reliably. NFKD splits letters from their
    diacritics; đ/Đ have no decomposition so they are mapped by hand.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
