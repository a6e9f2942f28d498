"""The ADMS command queue: what a push clock is told on its next getrequest (reference §4.3).

Commands are text lines in the firmware's vocabulary, stored in DeviceCommand and handed
out by devices.adms.getrequest. Values are checked here, where the line is built: a tab,
newline or "=" inside a value would change the command's meaning.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from devices.models import Device, DeviceCommand
from devices.zk.protocol import encode_time

MAX_PIN = 24  # Punch.device_user_id; also the user-id field of TFT firmware (72-byte user record)
MAX_NAME = 24  # the name field of a ZK user record is 24 bytes
TIME_SYNC_PREFIX = "SET OPTIONS DateTime="


class BadCommand(ValueError):
    """A value that cannot be put in a command line; the message is for the user."""


def clean_pin(employee_code: str) -> str:
    pin = (employee_code or "").strip()
    if not pin or len(pin) > MAX_PIN or not pin.isascii() or not pin.isprintable() or any(c in pin for c in "\t=& "):
        raise BadCommand(f"Mã người dùng trên máy không hợp lệ: {employee_code!r}")
    return pin


def _queue(device: Device, command: str) -> DeviceCommand:
    return DeviceCommand.objects.create(device=device, command=command)


def queue_user_update(device: Device, employee_code: str, ascii_name: str) -> DeviceCommand:
    """Queue the creation/update of a user on the device.

    The name must already be ASCII (many ZK screens cannot show Vietnamese
    diacritics); it is cut to the device's 24-byte name field. Password and card are
    sent empty: enrolment happens on the device, the server only manages people.
    """
    pin = clean_pin(employee_code)
    if not ascii_name.isascii():
        raise BadCommand(f"Tên gửi xuống máy phải không dấu: {ascii_name!r}")
    name = " ".join(ascii_name.split())[:MAX_NAME]  # also removes tabs and newlines
    return _queue(device, f"DATA UPDATE USERINFO PIN={pin}\tName={name}\tPri=0\tPasswd=\tCard=\tGrp=1")


def queue_user_delete(device: Device, employee_code: str) -> DeviceCommand:
    # `DATA DEL USERINFO` and `USER DEL` are rejected by real devices (§4.3).
    return _queue(device, f"DATA DELETE USERINFO PIN={clean_pin(employee_code)}")


def time_sync_command(device: Device, now: dt.datetime) -> str:
    return f"{TIME_SYNC_PREFIX}{encode_time(timezone.localtime(now, device.tz).replace(tzinfo=None))}"


def queue_time_sync(device: Device, *, now: dt.datetime | None = None) -> DeviceCommand:
    """Queue setting the device clock to our time, in the device's zone.

    The value is computed again when the command is handed out (see getrequest):
    a device that was offline for hours would otherwise be set hours back.
    """
    return _queue(device, time_sync_command(device, now or timezone.now()))


def queue_reboot(device: Device) -> DeviceCommand:
    return _queue(device, "REBOOT")


def queue_log_upload(device: Device, *, recheck: bool = False) -> DeviceCommand:
    """Ask for the logs now: `LOG` uploads new records; `CHECK` re-does the handshake,
    after which the device re-sends everything newer than our stored stamp (the way
    to recover uploads dropped while a device was disabled or refused)."""
    return _queue(device, "CHECK" if recheck else "LOG")


def queue_template_delete(device: Device, employee_code: str) -> DeviceCommand | None:
    """Queue deleting every finger of one user on an ADMS clock, unless already queued.

    `DATA DELETE FINGERTMP PIN=<pin>` (no FID: all fingers) follows the vocabulary of
    `DATA DELETE USERINFO` and `DATA UPDATE FINGERTMP` (reference §4.3); it is not in the
    list confirmed on real hardware there. A clock that refuses it answers Return=-1002
    and the command is marked failed, visible on the device page.
    """
    command = f"DATA DELETE FINGERTMP PIN={clean_pin(employee_code)}"
    if DeviceCommand.objects.filter(device=device, command=command, status=DeviceCommand.Status.PENDING).exists():
        return None
    return _queue(device, command)
