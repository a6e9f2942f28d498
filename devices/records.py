"""Plain values for punches on their way from a device (pull, push or file) to the store."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"

# Bounds of a believable punch time. ZK firmware counts years from 2000 (the pull
# protocol cannot even encode earlier ones), and a punch more than a day ahead of the
# server's clock is a device clock gone wrong (ZKTeco's own server drops those too).
EARLIEST = dt.datetime(2000, 1, 1)
EARLIEST_TEXT = "2000-01-01 00:00:00"
AHEAD = dt.timedelta(days=1)
MAX_USER_ID = 24  # Punch.device_user_id; the user-id field of TFT firmware

# What the punch store takes: (device user id, local time "YYYY-MM-DD HH:MM:SS", status, punch, verify).
# The poller builds these straight from the device's bytes (protocol.parse_attendance(as_text=True));
# (user id, local time) is the punch's identity on its device.
PunchRow = tuple[str, str, int, int, int]


@dataclass(frozen=True, slots=True)
class RawPunch:
    user_id: str
    local_time: dt.datetime  # naive, device-local, as recorded
    status: int = 0
    punch: int = 0
    verify: int = 0

    @property
    def key(self) -> tuple[str, str]:
        # isoformat is several times faster than strftime; devices record whole seconds.
        return (self.user_id, self.local_time.replace(microsecond=0).isoformat(" "))

    @property
    def row(self) -> PunchRow:
        return (
            self.user_id,
            self.local_time.replace(microsecond=0).isoformat(" "),
            self.status,
            self.punch,
            self.verify,
        )


def latest_local(now_local: dt.datetime) -> dt.datetime:
    """The latest believable punch time given the device-zone local time now."""
    return now_local.replace(tzinfo=None, microsecond=0) + AHEAD


def time_problem(local: dt.datetime, latest: dt.datetime | None) -> str:
    """Why a device-local punch time is not believable, or "" when it is."""
    if local < EARLIEST:
        return f"date/time {local:%Y-%m-%d %H:%M:%S} is before 2000"
    if latest is not None and local > latest:
        return f"date/time {local:%Y-%m-%d %H:%M:%S} is more than a day ahead of the server clock"
    return ""


def user_id_problem(user_id: str) -> str:
    """Why a device user id cannot be stored, or "" when it can.

    A NUL is refused by PostgreSQL (the whole batch would fail and the clock would send
    it again forever); other control and invisible characters make a code that reads
    like another one on screen."""
    if len(user_id) > MAX_USER_ID:
        return f"PIN longer than {MAX_USER_ID} characters"
    if not user_id.isprintable():
        bad = next(c for c in user_id if not c.isprintable())
        return f"PIN contains the control or invisible character U+{ord(bad):04X}"
    return ""


def row_problem(row: PunchRow, latest_text: str) -> str:
    """The same checks on a store row (time as fixed-width text, which sorts as time)."""
    why = user_id_problem(row[0])
    if why:
        return why
    local = row[1]
    if len(local) != 19:
        return f"date/time {local!r} is not YYYY-MM-DD HH:MM:SS"
    if local < EARLIEST_TEXT:
        return f"date/time {local} is before 2000"
    if local > latest_text:
        return f"date/time {local} is more than a day ahead of the server clock"
    return ""


# --- the punch chain (hr_system.chain) -------------------------------------------------
# A punch's chain covers what the clock recorded and how it arrived: the clock, the
# user id, the local time, status/punch/verify codes and the source. Not the employee
# (attached later, when a code becomes someone's), not the instant (derived from the
# local time and the clock's zone), not received_at (attach_orphan_punches moves it on
# purpose, so the recompute worker sees an attached punch as new).
SEPARATOR = "\x1f"  # a control character: never in a stored user id (user_id_problem)


def chain_name(device_id: int) -> str:
    """The name a clock's chain starts from (hr_system.chain.genesis("punch", …)).

    The clock's database id, not its serial number: a pull clock's serial is read on
    first contact and may be corrected later, which would rewrite the genesis."""
    return f"device:{device_id}"


def canonical_bytes(device_id: int, user_id: str, local_time: str, status: int, punch: int, verify: int, source: str):
    """The bytes of one punch that its chain link commits to."""
    return f"{device_id}\x1f{user_id}\x1f{local_time}\x1f{status}\x1f{punch}\x1f{verify}\x1f{source}".encode()


def punches_digest(rows) -> str:
    """The digest a timesheet prints: over (seq, canonical bytes) of the punches it was
    made from, given in (device, seq) order. Changing, removing or adding one of those
    punches changes it."""
    h = hashlib.sha256(b"timesheet-punches:")
    for seq, canonical in rows:
        h.update(hashlib.sha256(f"{seq}\x1f".encode() + canonical).digest())
    return h.hexdigest()
