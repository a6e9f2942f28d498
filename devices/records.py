"""Plain values for punches on their way from a device (pull, push or file) to the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"

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
