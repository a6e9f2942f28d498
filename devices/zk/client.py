"""The one adapter between the product and a ZKTeco clock, over pyzk 0.9.

pyzk does the session work (connect, comm-key auth, simple commands). Where pyzk 0.9
alone fails on real devices, this module does the work itself, each place commented
with the defect it avoids (reference zk-protocol.md §1.9 and §3):

* bulk reads on TCP are reassembled here from length-prefixed frames, because pyzk
  0.9 blocks on an unconditional recv() when firmware sends its 1,008-byte CMD_DATA
  frames back to back and raises a raw TimeoutError (pyzk #7, #93);
* records are parsed with struct.iter_unpack over the raw buffer instead of pyzk's
  get_attendance(), which slices the buffer once per record (quadratic: 50,000 records
  took 5.7 s) and crashes on one impossible date (pyzk PR #242, #56, #92);
* every connection uses ommit_ping=True: otherwise pyzk shells out to `ping`, which
  fails on hosts without the binary (pyzk #122) — and a host must never reach a shell;
* socket timeouts and resets, which pyzk lets escape raw from chunk reads, become
  DeviceNetworkError so the poller can back off and retry;
* the record size of a download comes from the dataset's byte count, not from
  `total // records` with a count read in an earlier command: a punch in between made
  that 42-46 and the parser raise (issue #12; pyzk 0.9 falls back to 40 bytes there);
* pyzk ignores connect_ex()'s result, so a closed port surfaced as "[Errno 32] Broken
  pipe" at the first send: the socket is made and connected here and a refusal says so;
* every wait on the socket is cut into short slices, so a poll asked to stop (SIGTERM)
  ends within a fraction of a second instead of at the next read timeout, and a caller
  hears of every byte that arrives (the poller renews its lease on it);
* a session whose link failed is closed without the polite CMD_EXIT, which on a
  stalled link cost a second read timeout.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from zk import ZK, const
from zk.base import Finger, User
from zk.exception import ZKErrorConnection, ZKErrorResponse, ZKNetworkError

from devices.records import PunchRow
from devices.zk import protocol

TCP_MAX_CHUNK = 0xFFC0  # the chunk size pyzk and ZK firmware use on TCP
FCT_USER = 5
FCT_FINGERTMP = 2
WAIT_SLICE = 0.2  # seconds: how often a blocked socket wait looks at the stop request
CLOSE_TIMEOUT = 2.0  # the polite CMD_EXIT on a healthy link; never a full read timeout
SIZE_ATTEMPTS = 3  # downloads of a log whose record size stays ambiguous before giving up


class DeviceError(Exception):
    """Anything that went wrong talking to a clock."""


class DeviceNetworkError(DeviceError):
    """Unreachable, timed out or cut mid-transfer: worth retrying later."""


class DeviceAuthError(DeviceError):
    """The device refused the comm key."""


class DeviceProtocolError(DeviceError):
    """The device answered something we cannot use."""


class DeviceInterrupted(DeviceError):
    """The caller asked the session to stop (the poller is shutting down)."""


_CONNECT_REASONS = {
    errno.ECONNREFUSED: "cổng đóng hoặc máy từ chối kết nối",
    errno.ETIMEDOUT: "không phản hồi",
    errno.EHOSTUNREACH: "không tới được máy",
    errno.ENETUNREACH: "không tới được mạng của máy",
}


class _WatchedSocket:
    """pyzk's socket, with every wait cut into WAIT_SLICE slices.

    Between slices it raises DeviceInterrupted once ``stop`` is set; after each read that
    brings bytes it calls ``on_progress`` (which may raise to end the session). The
    timeout pyzk sets still bounds each wait as a whole. Everything else is the socket's.
    """

    def __init__(self, sock: socket.socket, timeout: float | None, stop, on_progress) -> None:
        self._sock = sock
        self._timeout = timeout
        self._stop = stop
        self._on_progress = on_progress

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def settimeout(self, value: float | None) -> None:
        self._timeout = value

    def gettimeout(self) -> float | None:
        return self._timeout

    def check(self) -> None:
        if self._stop is not None and self._stop.is_set():
            raise DeviceInterrupted("Dừng theo yêu cầu (bộ lấy dữ liệu đang tắt)")

    def _waits(self):
        """Slices of at most WAIT_SLICE until the timeout; TimeoutError when it is spent."""
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        while True:
            self.check()
            left = WAIT_SLICE if deadline is None else deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out")
            yield min(WAIT_SLICE, left)

    def recv(self, size: int, *flags) -> bytes:
        for wait in self._waits():  # ends by returning, or raising TimeoutError / DeviceInterrupted
            self._sock.settimeout(wait)
            try:
                data = self._sock.recv(size, *flags)
            except TimeoutError:
                continue
            if data and self._on_progress is not None:
                self._on_progress()
            return data
        raise TimeoutError("timed out")

    # Writes are small commands; they get the whole timeout, not what a read's slice left.
    def send(self, data: bytes, *flags) -> int:
        self.check()
        self._sock.settimeout(self._timeout)
        return self._sock.send(data, *flags)

    def sendall(self, data: bytes, *flags) -> None:
        self.check()
        self._sock.settimeout(self._timeout)
        self._sock.sendall(data, *flags)

    def sendto(self, data: bytes, *args) -> int:
        self.check()
        self._sock.settimeout(self._timeout)
        return self._sock.sendto(data, *args)

    def connect_ex(self, address) -> int:
        """connect() that honours the stop request; the errno, as socket.connect_ex."""
        self._sock.setblocking(False)
        code = self._sock.connect_ex(address)
        if code in (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY):
            with selectors.DefaultSelector() as selector:
                selector.register(self._sock, selectors.EVENT_WRITE)
                try:
                    for wait in self._waits():
                        if selector.select(wait):
                            code = self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                            break
                except TimeoutError:
                    code = errno.ETIMEDOUT
        self._sock.settimeout(self._timeout)
        return code


@dataclass
class DeviceInfo:
    serial_number: str
    firmware: str
    platform: str
    users: int
    records: int
    fingers: int
    users_capacity: int
    records_capacity: int


@dataclass
class DeviceUser:
    uid: int
    user_id: str
    name: str
    privilege: int


class ZKClient:
    """A connected session with one clock. Use as a context manager."""

    def __init__(
        self,
        host: str,
        port: int = 4370,
        *,
        comm_key: int = 0,
        udp: bool = False,
        timeout: float = 10,
        stop: threading.Event | None = None,
        on_progress: Callable[[], None] | None = None,
    ):
        """``stop``: once set, any wait on the device ends with DeviceInterrupted within WAIT_SLICE.
        ``on_progress``: called whenever bytes arrive (rate-limit in the callee); may raise."""
        self.udp = udp
        self.address = f"{host}:{port}"
        self._params = {"host": host, "port": port, "comm_key": comm_key, "udp": udp}
        self.timeout = timeout
        self._stop = stop
        self._on_progress = on_progress
        self._broken = False  # the link failed: close without CMD_EXIT
        self._zk = ZK(host, port=port, timeout=timeout, password=comm_key, force_udp=udp, ommit_ping=True)
        # pyzk's connect() probes TCP with a throw-away connection (fixed 10 s timeout)
        # and then ignores connect_ex() on the real one; the socket is made here instead,
        # and a refusal is reported where it happens.
        self._zk.helper.test_tcp = lambda: 0
        self._zk._ZK__create_socket = self._create_socket
        self._sizes_read = False

    # --- session -------------------------------------------------------------------

    def __enter__(self) -> ZKClient:
        self.connect()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not issubclass(exc_type, (DeviceAuthError, DeviceProtocolError)):
            self._broken = True  # a network failure, an interruption or a crash: the stream is unusable
        self.close()

    def _create_socket(self) -> None:
        """Stands in for pyzk's ZK.__create_socket (same job: a socket in zk.__sock, connected on TCP)."""
        zk = self._zk
        raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if self.udp else socket.SOCK_STREAM)
        sock = _WatchedSocket(raw, self.timeout, self._stop, self._on_progress)
        zk._ZK__sock = sock
        if self.udp:
            return
        address = zk._ZK__address
        try:
            code = sock.connect_ex(address)
        except socket.gaierror as exc:
            raw.close()
            raise ZKNetworkError(f"không tìm thấy tên máy ({exc.strerror})") from exc
        if code:
            raw.close()
            reason = _CONNECT_REASONS.get(code) or os.strerror(code)
            raise ZKNetworkError(reason)

    def connect(self) -> None:
        try:
            self._zk.connect()
        except DeviceError:  # asked to stop while connecting
            self._hard_close()
            raise
        except ZKErrorResponse as exc:
            self._hard_close()
            if "Unauthenticated" in str(exc):
                raise DeviceAuthError("Sai mật khẩu kết nối (comm key)") from exc
            raise DeviceProtocolError(str(exc)) from exc
        except (ZKNetworkError, ZKErrorConnection, OSError) as exc:
            self._hard_close()
            self._interrupted(exc)
            raise DeviceNetworkError(f"Không kết nối được máy chấm công {self.address}: {exc}") from exc

    def close(self) -> None:
        zk = self._zk
        stopping = self._stop is not None and self._stop.is_set()
        if zk.is_connect and not self._broken and not stopping:
            sock = zk._ZK__sock
            sock.settimeout(min(self.timeout, CLOSE_TIMEOUT))
            try:
                zk.disconnect()
                return
            except Exception:
                pass  # the link went away at the last moment; closed below
        self._hard_close()

    def _hard_close(self) -> None:
        sock = getattr(self._zk, "_ZK__sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
        self._zk.is_connect = False

    def _interrupted(self, exc: BaseException) -> None:
        """A stop request surfaces from inside pyzk as its own ZKNetworkError: say what it was."""
        if self._stop is not None and self._stop.is_set():
            raise DeviceInterrupted("Dừng theo yêu cầu (bộ lấy dữ liệu đang tắt)") from exc

    def _call(self, fn, *args, **kwargs):
        """Run a pyzk call, turning its (and the socket's) failures into DeviceErrors."""
        try:
            return fn(*args, **kwargs)
        except DeviceError:
            self._broken = True
            raise
        except (ZKNetworkError, ZKErrorConnection, OSError) as exc:
            self._broken = True
            self._interrupted(exc)
            raise DeviceNetworkError(str(exc) or exc.__class__.__name__) from exc
        except ZKErrorResponse as exc:
            raise DeviceProtocolError(str(exc)) from exc
        except struct.error as exc:
            raise DeviceProtocolError(f"Bad reply: {exc}") from exc

    # --- simple reads and writes ------------------------------------------------------

    def info(self) -> DeviceInfo:
        zk = self._zk
        self._call(zk.read_sizes)
        self._sizes_read = True
        return DeviceInfo(
            serial_number=(self._call(zk.get_serialnumber) or "").strip(),
            firmware=(self._call(zk.get_firmware_version) or "").strip(),
            platform=(self._call(zk.get_platform) or "").strip(),
            users=zk.users,
            records=zk.records,
            fingers=zk.fingers,
            users_capacity=zk.users_cap,
            records_capacity=zk.rec_cap,
        )

    def sizes(self) -> tuple[int, int]:
        """(users, records) now on the device."""
        self._call(self._zk.read_sizes)
        self._sizes_read = True
        return self._zk.users, self._zk.records

    def get_time(self) -> dt.datetime:
        return self._call(self._zk.get_time)

    def set_time(self, local: dt.datetime) -> None:
        self._call(self._zk.set_time, local)

    def disable(self) -> None:
        self._call(self._zk.disable_device)

    def enable(self) -> None:
        """Enable the clock again after disable(): until then it takes no punches. Done even
        when the session was asked to stop, and on a fresh connection when this one broke
        (a transfer cut or stopped mid-frame leaves the stream unusable)."""
        sock = self._zk._ZK__sock
        if not self._broken and isinstance(sock, _WatchedSocket):
            saved, sock._stop = sock._stop, None
            try:
                self._call(self._zk.enable_device)
                return
            except DeviceNetworkError:
                pass
            finally:
                sock._stop = saved
        self._hard_close()
        with ZKClient(**self._params, timeout=min(self.timeout, CLOSE_TIMEOUT * 2)) as fresh:
            fresh._call(fresh._zk.enable_device)

    def clear_attendance(self) -> None:
        self._call(self._zk.clear_attendance)

    def set_user(self, *, uid: int, user_id: str, name: str, privilege: int = 0) -> None:
        # pyzk 0.9 needs str password/group_id (ints raise AttributeError, reference §3).
        self._call(
            self._zk.set_user, uid=uid, name=name, privilege=privilege, password="", group_id="", user_id=user_id
        )

    def delete_user(self, *, uid: int) -> None:
        self._call(self._zk.delete_user, uid=uid)

    def save_templates(self, user: DeviceUser, templates: list[tuple[int, int, bytes]]) -> None:
        """Write (finger, valid, template bytes) for one user."""
        pyzk_user = User(user.uid, user.name, user.privilege, "", "", user.user_id, 0)
        fingers = [Finger(user.uid, fid, valid, data) for fid, valid, data in templates]
        self._call(self._zk.save_user_template, pyzk_user, fingers)

    # --- bulk reads -------------------------------------------------------------------

    def read_users(self) -> list[DeviceUser]:
        if not self._sizes_read:
            self.sizes()
        if self._zk.users == 0:
            return []
        data = self._read_buffer(const.CMD_USERTEMP_RRQ, FCT_USER)
        if len(data) < 4:
            return []
        total = struct.unpack("<I", data[:4])[0]
        size = protocol.record_size_for(total, (self._zk.users,), protocol.USER_SIZES)
        if size is None:  # a user added or removed meanwhile: pyzk 0.9's own rule
            size = 28 if total // self._zk.users == 28 else 72
        records = protocol.parse_users(data, size)
        return [DeviceUser(r.uid, r.user_id, r.name, r.privilege) for r in records]

    def read_attendance(self) -> tuple[list[PunchRow], int]:
        """All attendance records on the device as store rows ``(user_id, "YYYY-MM-DD HH:MM:SS", status,
        punch, verify)``, and the count of impossible ones skipped."""
        for _attempt in range(SIZE_ATTEMPTS):
            users_count, before = self.sizes()
            if before == 0:
                return [], 0
            data = self._read_buffer(const.CMD_ATTLOG_RRQ)
            total = struct.unpack("<I", data[:4])[0] if len(data) >= 4 else 0
            if total == 0:
                return [], 0  # cleared in between
            # The count is read again after the download: the log that was sent held a
            # number of records between the two (people punch while it downloads).
            users_count, after = self.sizes()
            record_size = protocol.record_size_for(total, (before, after))
            if record_size is not None:
                break
        else:
            raise DeviceProtocolError(
                f"Không xác định được kích thước bản ghi chấm công: {total} byte cho {before}–{after} bản ghi"
            )
        by_uid = None
        if record_size == 8:
            # 8-byte records carry only the internal uid; map it through the user table.
            by_uid = {u.uid: u.user_id for u in self.read_users()} if users_count else {}
        rows, invalid = protocol.parse_attendance(data, record_size, by_uid, as_text=True)
        return [(user_id, when, status, punch, 0) for user_id, when, status, punch, _uid in rows], invalid

    def read_templates(self) -> list[tuple[int, int, int, bytes]]:
        """(uid, finger, valid, template) for every enrolled fingerprint."""
        if not self._sizes_read:
            self.sizes()
        if self._zk.fingers == 0:
            return []
        data = self._read_buffer(const.CMD_DB_RRQ, FCT_FINGERTMP)
        return protocol.parse_templates(data) if len(data) >= 4 else []

    def _read_buffer(self, command: int, fct: int = 0, ext: int = 0) -> bytes:
        if self.udp:
            # pyzk's UDP reassembly loops recv() until ACK_OK and copes with firmware
            # datagrams; only its socket timeouts escape raw, which _call maps.
            data, _size = self._call(self._zk.read_with_buffer, command, fct, ext)
            return data
        try:
            return self._read_buffer_tcp(command, fct, ext)
        except DeviceInterrupted:
            self._broken = True
            raise
        except OSError as exc:  # TimeoutError and ConnectionError are OSErrors
            # A raw TimeoutError from a chunk read is a network failure, not a crash (pyzk #7, #93).
            self._broken = True
            raise DeviceNetworkError(f"Mất kết nối khi đang tải dữ liệu: {exc or exc.__class__.__name__}") from exc

    # TCP bulk read, frame by frame -----------------------------------------------------

    def _read_buffer_tcp(self, command: int, fct: int, ext: int) -> bytes:
        zk = self._zk
        reply = self._call(zk._ZK__send_command, 1503, struct.pack("<bhii", 1, command, fct, ext), 1024)
        if not reply.get("status"):
            raise DeviceProtocolError("Thiết bị không hỗ trợ đọc theo bộ đệm (1503)")
        if reply["code"] == const.CMD_DATA:
            # Small datasets come inline; the rest of the frame may still be in flight.
            data = zk._ZK__data
            missing = zk._ZK__tcp_length - 8 - len(data)
            return data + (self._recv_exact(missing) if missing > 0 else b"")
        size = struct.unpack("<I", zk._ZK__data[1:5])[0]
        parts = []
        for start in range(0, size, TCP_MAX_CHUNK):
            parts.append(self._read_chunk_tcp(start, min(TCP_MAX_CHUNK, size - start)))
        self._call(zk.free_data)
        data = b"".join(parts)
        if len(data) != size:
            raise DeviceNetworkError(f"Thiếu dữ liệu: nhận {len(data)}/{size} byte")
        return data

    def _read_chunk_tcp(self, start: int, size: int) -> bytes:
        zk = self._zk
        packet = zk._ZK__create_header(1504, struct.pack("<ii", start, size), zk._ZK__session_id, zk._ZK__reply_id)
        zk._ZK__sock.sendall(zk._ZK__create_tcp_top(packet))
        code, reply_id, payload = self._read_frame()
        zk._ZK__reply_id = reply_id
        if code == const.CMD_DATA:
            return payload
        if code != const.CMD_PREPARE_DATA:
            raise DeviceProtocolError(f"Phản hồi không mong đợi khi đọc dữ liệu: {code}")
        expected = struct.unpack("<I", payload[:4])[0]
        # Real firmware splits the chunk into 1,008-byte CMD_DATA frames sent back to
        # back, then ACK_OK. Reading whole frames by their length prefix never blocks on
        # bytes that already arrived (pyzk 0.9's reassembly does, reference §1.9).
        pieces, got = [], 0
        while got < expected:
            code, _reply, payload = self._read_frame()
            if code != const.CMD_DATA:
                raise DeviceProtocolError(f"Khung dữ liệu không hợp lệ: {code}")
            pieces.append(payload)
            got += len(payload)
        code, _reply, _payload = self._read_frame()
        if code != const.CMD_ACK_OK:
            raise DeviceProtocolError(f"Thiếu xác nhận cuối khối dữ liệu: {code}")
        return b"".join(pieces)

    def _read_frame(self) -> tuple[int, int, bytes]:
        top = self._recv_exact(8)
        magic1, magic2, length = struct.unpack("<HHI", top)
        if (magic1, magic2) != (const.MACHINE_PREPARE_DATA_1, const.MACHINE_PREPARE_DATA_2) or length < 8:
            raise DeviceProtocolError("Gói TCP không hợp lệ")
        body = self._recv_exact(length)
        code, _checksum, _session, reply_id = struct.unpack_from("<4H", body)
        return code, reply_id, body[8:]

    def _recv_exact(self, n: int) -> bytes:
        sock = self._zk._ZK__sock
        buf = bytearray()
        while len(buf) < n:
            piece = sock.recv(min(n - len(buf), 1 << 20))
            if not piece:
                raise ConnectionError("connection closed by the device")
            buf += piece
        return bytes(buf)
