"""ADMS / PUSH ("iclock") server: ZKTeco clocks behind NAT call us over plain HTTP.

The device is the HTTP client (reference zk-protocol.md §4). It shakes hands on
GET /iclock/cdata, uploads punches and user data on POST /iclock/cdata, polls for
commands on GET /iclock/getrequest and confirms them on POST /iclock/devicecmd.
It identifies itself only by its serial number (SN) and cannot send a CSRF token.

An unknown SN is registered as a pending device (approved=False). Its punches are
stored like any other so that nothing is lost while an administrator decides, but
they are not used until the device is approved: the attendance engine must only read
punches with device__approved=True.

The codecs (parse_attlog, parse_operlog, parse_confirmations) are
plain functions over plain values; the views around them are thin.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from devices.actions import store_punches
from devices.models import Device, DeviceCommand, FingerTemplate, Punch, SyncRun
from devices.records import RawPunch
from devices.zk.protocol import encode_time
from hr_system.models import AuditLog

logger = logging.getLogger(__name__)

# Real serials look like "CDQ9201960001"; the narrow alphabet keeps junk requests from
# registering devices with names nobody can read or type.
SERIAL_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
STAMP_RE = re.compile(r"^[0-9]{1,32}$")
MAX_PIN = 24  # Punch.device_user_id; also the user-id field of TFT firmware (72-byte user record)
MAX_SMALL = 32767  # PositiveSmallIntegerField on every backend
MAX_NAME = 24  # the name field of a ZK user record is 24 bytes
MAX_REJECTS_SHOWN = 100  # rejected lines spelled out in SyncRun.error; the count is always complete

# One getrequest reply carries at most this much. ZKTeco's own server caps a reply at
# about 200 commands / 40 KB; fingerprint commands are ~2 KB each, so bytes bind first.
MAX_COMMANDS = 50
MAX_REPLY_BYTES = 40_000

TIME_SYNC_PREFIX = "SET OPTIONS DateTime="

# Tables the device is asked to upload. Photos and user pictures are left out: we do not
# store them, and they are heavy on the mobile links of mountain communes.
TRANS_FLAG = "TransData AttLog\tOpLog\tEnrollUser\tChgUser\tEnrollFP\tChgFP"

Rejected = tuple[int, str, str]  # (line number, the line, why)


# --------------------------------------------------------------------------- codecs


def _number(text: str, maximum: int = MAX_SMALL) -> int | None:
    """A non-negative ASCII integer no larger than `maximum`, else None."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if value <= maximum else None


def _local_time(text: str) -> tuple[dt.datetime | None, str]:
    """Parse the device's naive "YYYY-MM-DD HH:MM:SS"; on failure say why.

    Hand-parsed rather than strptime: strptime is ~10x slower, which matters at 500
    lines a batch, and it also accepts one-digit fields that no firmware sends.
    """
    if len(text) != 19 or text[4] != "-" or text[7] != "-" or text[10] != " " or text[13] != ":" or text[16] != ":":
        return None, f"date/time {text!r} is not YYYY-MM-DD HH:MM:SS"
    parts = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
    if not all(p.isascii() and p.isdigit() for p in parts):
        return None, f"date/time {text!r} is not YYYY-MM-DD HH:MM:SS"
    try:
        return dt.datetime(*(int(p) for p in parts)), ""
    except ValueError:
        return None, f"no such date/time {text!r}"


def _pin(text: str) -> tuple[str, str]:
    pin = text.strip()
    if not pin:
        return "", "empty PIN"
    if len(pin) > MAX_PIN:
        return "", f"PIN longer than {MAX_PIN} characters"
    return pin, ""


def parse_attlog(text: str) -> tuple[list[RawPunch], list[Rejected]]:
    """Parse an ATTLOG upload: one punch per line, tab-separated and positional.

    `PIN \\t YYYY-MM-DD HH:MM:SS \\t Status \\t Verify [\\t WorkCode \\t Reserved ...]`
    (reference §4.2). Newer firmware appends fields, so anything after Verify is
    ignored. A line that cannot be read whole is rejected with its 1-based line number
    and a reason; the good lines of the batch are still returned. Blank lines are
    neither punches nor errors.

    Status is the punch state (0 in, 1 out, 2 break-out, ...). It goes into both
    `status` and `punch`: `punch` is where pyzk puts the punch state on pulled records,
    so readers of either field see the same meaning whichever way a punch arrived.
    """
    punches: list[RawPunch] = []
    rejected: list[Rejected] = []
    for line_no, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 4:
            rejected.append((line_no, line, f"expected at least 4 tab-separated fields, got {len(fields)}"))
            continue
        pin, why = _pin(fields[0])
        if why:
            rejected.append((line_no, line, why))
            continue
        local, why = _local_time(fields[1].strip())
        if local is None:
            rejected.append((line_no, line, why))
            continue
        status = _number(fields[2])
        if status is None:
            rejected.append((line_no, line, f"status {fields[2]!r} is not a number"))
            continue
        verify = _number(fields[3])
        if verify is None:
            rejected.append((line_no, line, f"verify mode {fields[3]!r} is not a number"))
            continue
        punches.append(RawPunch(user_id=pin, local_time=local, status=status, punch=status, verify=verify))
    return punches, rejected


@dataclass(frozen=True, slots=True)
class FingerRecord:
    user_id: str
    finger: int
    template: bytes
    valid: int


@dataclass
class Operlog:
    """What an OPERLOG upload contained. Everything but the fingers is only counted."""

    users: int = 0
    fingers: list[FingerRecord] = field(default_factory=list)
    oplogs: int = 0
    ignored: int = 0  # FACE, USERPIC, ... lines we do not store
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.users + len(self.fingers) + self.oplogs + self.ignored


def _key_values(text: str) -> dict[str, str]:
    """`PIN=1\\tName=An\\tTMP=ab==` → dict. Split on the first "=": base64 ends in "="."""
    pairs = {}
    for part in text.split("\t"):
        key, sep, value = part.partition("=")
        if sep:
            pairs[key.strip()] = value.strip()
    return pairs


def parse_operlog(text: str) -> Operlog:
    """Parse an OPERLOG upload, a mixed stream told apart by its first word (§4.2).

    `USER PIN=..\\tName=..`, `FP PIN=..\\tFID=..\\tSize=..\\tValid=..\\tTMP=<base64>`,
    `OPLOG <op>\\t...`, and newer kinds (FACE, USERPIC, BIOPHOTO) that are counted and
    ignored so that the device does not re-send them forever.
    """
    result = Operlog()
    for line_no, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.rstrip("\r")
        if not line.strip():
            continue
        kind, _, rest = line.strip().partition(" ")
        if kind == "OPLOG":
            result.oplogs += 1
        elif kind == "USER":
            _, why = _pin(_key_values(rest).get("PIN", ""))
            if why:
                result.rejected.append((line_no, line, why))
            else:
                result.users += 1
        elif kind == "FP":
            record, why = _finger(_key_values(rest))
            if record is None:
                result.rejected.append((line_no, line, why))
            else:
                result.fingers.append(record)
        else:
            result.ignored += 1
    return result


def _finger(values: dict[str, str]) -> tuple[FingerRecord | None, str]:
    pin, why = _pin(values.get("PIN", ""))
    if why:
        return None, why
    finger = _number(values.get("FID", ""), maximum=9)  # ZK fingers are numbered 0-9
    if finger is None:
        return None, f"finger index {values.get('FID', '')!r} is not 0-9"
    valid = _number(values.get("Valid", "1") or "1")
    if valid is None:
        return None, f"Valid {values.get('Valid')!r} is not a number"
    try:
        template = base64.b64decode(values.get("TMP", ""), validate=True)
    except (binascii.Error, ValueError):
        return None, "template is not base64"
    if not template:
        return None, "empty template"
    return FingerRecord(user_id=pin, finger=finger, template=template, valid=valid), ""


@dataclass(frozen=True, slots=True)
class Confirmation:
    command_id: int
    return_code: int
    verb: str
    content: str = ""


def parse_confirmations(text: str) -> list[Confirmation]:
    """Parse a devicecmd body (§4.4).

    Most firmware sends one `ID=<id>&Return=<code>&CMD=<verb>` line per command;
    some send a multi-line record `ID=..\\nReturn=..\\nCMD=..\\n<content lines>`
    (INFO replies). Records without a readable ID and Return are skipped.
    """
    records: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        if line.startswith("ID=") and "&" in line:
            pairs = (part.partition("=") for part in line.split("&"))
            records.append({key: value for key, _, value in pairs})
            current = None
            continue
        key, sep, value = line.partition("=")
        if sep and key == "ID":
            current = {"ID": value}
            records.append(current)
        elif current is not None:
            if sep and key in ("Return", "CMD") and key not in current:
                current[key] = value
            else:
                current["Content"] = (current.get("Content", "") + "\n" + line).lstrip("\n")
    confirmations = []
    for record in records:
        command_id = _number(record.get("ID", ""), maximum=2**63 - 1)
        try:
            code = int(record.get("Return", "").strip())
        except ValueError:
            code = None
        if command_id is None or code is None:
            logger.warning("ADMS: unreadable command confirmation %r", record)
            continue
        confirmations.append(Confirmation(command_id, code, record.get("CMD", ""), record.get("Content", "")))
    return confirmations


def handshake_options(device: Device, *, legacy: bool = False, now: dt.datetime | None = None) -> str:
    """The reply to `GET /iclock/cdata?options=all` (reference §4.1).

    The stamps tell the device where to resume: it uploads every record newer than
    them. We keep the ATTLOG stamp; OPERLOG's is always 0, so after a reboot or CHECK
    the device re-sends users and fingerprints — harmless, they are upserted, and it is
    how a newly approved device's templates arrive.
    """
    now = now or timezone.now()
    offset = timezone.localtime(now, device.tz).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    # Whole hours as hours; a half-hour zone can only be expressed in minutes, which
    # some firmware accepts (reference §4.1: "hours; some send minutes").
    tz_value = minutes // 60 if minutes % 60 == 0 else minutes
    stamp = device.push_stamp or "0"
    lines = [
        f"GET OPTION FROM: {device.serial_number}",
        f"ATTLOGStamp={stamp}",
        "OPERLOGStamp=0",
        "ATTPHOTOStamp=0",
    ]
    if legacy:
        # Firmware older than Push 2.x (no `pushver` in the handshake) reads these names.
        lines += [f"Stamp={stamp}", "OpStamp=0", "PhotoStamp=0"]
    lines += [
        "ErrorDelay=30",
        "Delay=10",
        "TransTimes=00:00;14:05",
        "TransInterval=1",
        f"TransFlag={TRANS_FLAG}",
        f"TimeZone={tz_value}",
        "Realtime=1",
        "Encrypt=0",
    ]
    return "\n".join(lines) + "\n"


def describe_rejects(rejected: list[Rejected]) -> str:
    """Rejected lines as text for SyncRun.error, one per line, capped."""
    shown = [f"line {n}: {why}: {line[:120]!r}" for n, line, why in rejected[:MAX_REJECTS_SHOWN]]
    if len(rejected) > MAX_REJECTS_SHOWN:
        shown.append(f"... and {len(rejected) - MAX_REJECTS_SHOWN} more")
    return "\n".join(shown)


# --------------------------------------------------------------------------- commands


def _clean_pin(employee_code: str) -> str:
    pin = employee_code.strip()
    # A tab, newline or "=" inside a value would change the command's meaning.
    if not pin or len(pin) > MAX_PIN or not pin.isascii() or any(c in pin for c in "\t\r\n= "):
        raise ValueError(f"not a device user id: {employee_code!r}")
    return pin


def _queue(device: Device, command: str) -> DeviceCommand:
    return DeviceCommand.objects.create(device=device, command=command)


def queue_user_update(device: Device, employee_code: str, ascii_name: str) -> DeviceCommand:
    """Queue the creation/update of a user on the device.

    The name must already be ASCII (many ZK screens cannot show Vietnamese
    diacritics); it is cut to the device's 24-byte name field. Password and card are
    sent empty: enrolment happens on the device, the server only manages people.
    """
    pin = _clean_pin(employee_code)
    if not ascii_name.isascii():
        raise ValueError(f"name must be ASCII: {ascii_name!r}")
    name = " ".join(ascii_name.split())[:MAX_NAME]  # also removes tabs and newlines
    return _queue(device, f"DATA UPDATE USERINFO PIN={pin}\tName={name}\tPri=0\tPasswd=\tCard=\tGrp=1")


def queue_user_delete(device: Device, employee_code: str) -> DeviceCommand:
    # `DATA DEL USERINFO` and `USER DEL` are rejected by real devices (§4.3).
    return _queue(device, f"DATA DELETE USERINFO PIN={_clean_pin(employee_code)}")


def _time_sync_command(device: Device, now: dt.datetime) -> str:
    return f"{TIME_SYNC_PREFIX}{encode_time(timezone.localtime(now, device.tz).replace(tzinfo=None))}"


def queue_time_sync(device: Device, *, now: dt.datetime | None = None) -> DeviceCommand:
    """Queue setting the device clock to our time, in the device's zone.

    The value is computed again when the command is handed out (see getrequest):
    a device that was offline for hours would otherwise be set hours back.
    """
    return _queue(device, _time_sync_command(device, now or timezone.now()))


def queue_reboot(device: Device) -> DeviceCommand:
    return _queue(device, "REBOOT")


def queue_log_upload(device: Device, *, recheck: bool = False) -> DeviceCommand:
    """Ask for the logs now: `LOG` uploads new records; `CHECK` re-does the handshake,
    after which the device re-sends everything newer than our stored stamp (the way
    to recover uploads dropped while a device was disabled)."""
    return _queue(device, "CHECK" if recheck else "LOG")


# --------------------------------------------------------------------------- views


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain", status=status)


def _decode(body: bytes) -> str:
    # UTF-8 first; Chinese-market firmware sends names in GB18030; latin-1 never fails.
    for encoding in ("utf-8", "gb18030"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1")


def _serial(request: HttpRequest) -> tuple[str, HttpResponse | None]:
    sn = request.GET.get("SN", "").strip()
    if not sn:
        return "", _text("missing SN", status=400)
    if not SERIAL_RE.match(sn):
        return "", _text("invalid SN", status=400)
    return sn, None


def _register(sn: str) -> Device:
    """Record a device we have never seen as pending; an administrator approves it."""
    try:
        with transaction.atomic():
            device = Device.objects.create(
                name=f"ADMS {sn}",
                transport=Device.Transport.PUSH,
                serial_number=sn,
                approved=False,
                enabled=True,
                host="",
            )
            AuditLog.record(user=None, action="device.register", obj=device, serial_number=sn)
    except IntegrityError:
        # Two first requests of the same device raced; the other one created it.
        return Device.objects.get(serial_number=sn)
    logger.warning("ADMS: unknown device %s registered, waiting for approval", sn)
    return device


def _device_for(sn: str, now: dt.datetime) -> Device:
    device = Device.objects.filter(serial_number=sn).first() or _register(sn)
    Device.objects.filter(pk=device.pk).update(last_contact_at=now)
    device.last_contact_at = now
    return device


@csrf_exempt
def cdata(request: HttpRequest) -> HttpResponse:
    """Handshake (GET) and uploads (POST) of ATTLOG / OPERLOG."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    sn, error = _serial(request)
    if error:
        return error
    now = timezone.now()
    device = _device_for(sn, now)
    if request.method == "GET":
        return _text(handshake_options(device, legacy="pushver" not in request.GET, now=now))
    if not device.enabled:
        # An administrator switched this device off: store nothing. An error status would
        # make it re-send the batch every ErrorDelay seconds forever, so say "OK: 0".
        # Nothing is lost for good: push_stamp does not move, so once re-enabled a CHECK
        # (queue_log_upload(recheck=True)) or a reboot makes it re-send from that stamp.
        logger.info("ADMS %s: upload from disabled device dropped", sn)
        return _text("OK: 0")
    table = request.GET.get("table", "").upper()
    text = _decode(request.body)  # read once; a 500-line batch is ~25 KB
    if table == "ATTLOG":
        return _receive_attlog(device, text, request.GET.get("Stamp", ""), started=now)
    if table == "OPERLOG":
        return _receive_operlog(device, text)
    # ATTPHOTO, options, BIODATA, ...: acknowledged so the device moves on, not stored.
    logger.info("ADMS %s: table %r acknowledged and ignored (%d bytes)", sn, table, len(request.body))
    return _text("OK")


def _receive_attlog(device: Device, text: str, stamp: str, *, started: dt.datetime) -> HttpResponse:
    punches, rejected = parse_attlog(text)
    received = len(punches) + len(rejected)
    error = describe_rejects(rejected)
    if rejected:
        logger.warning(
            "ADMS %s: %d malformed ATTLOG line(s) rejected, %d kept; first: line %d: %s",
            device.serial_number,
            len(rejected),
            len(punches),
            rejected[0][0],
            rejected[0][2],
        )
    changes: dict = {"last_error": error[:1000]}
    if STAMP_RE.match(stamp):
        changes["push_stamp"] = stamp
    # synced_through promises "every punch before this instant has been received".
    # The request time would break that promise: after an outage the device drains its
    # backlog oldest-first in chunks of a few hundred lines, and after the first chunk
    # the rest is still on the device. The newest punch of an accepted batch keeps it,
    # since uploads go in stamp (= time) order. Clamped to now against a fast device
    # clock, and never moved back. The price: it stands still while nobody punches
    # (overnight); last_contact_at tells whether the device is alive meanwhile.
    # Rejected lines do not hold it back: they are recorded on the SyncRun and a resend
    # would not make them readable.
    if punches:
        newest = min(device.aware(max(p.local_time for p in punches)), started)
        if device.synced_through is None or newest > device.synced_through:
            changes["synced_through"] = newest
    try:
        # One transaction: the stamp only moves if the punches are in, and on SQLite one
        # commit per batch instead of three is a measurable share of the ingest time.
        with transaction.atomic():
            new, duplicates = store_punches(device=device, records=punches, source=Punch.Source.PUSH)
            finished = timezone.now()
            SyncRun.objects.create(
                device=device,
                kind="push",
                started_at=started,
                finished_at=finished,
                ok=True,
                fetched=received,
                new=new,
                duplicates=duplicates,
                invalid=len(rejected),
                error=error,
            )
            Device.objects.filter(pk=device.pk).update(last_success_at=finished, **changes)
    except DatabaseError as exc:
        logger.exception("ADMS %s: storing %d punches failed", device.serial_number, len(punches))
        SyncRun.objects.create(
            device=device,
            kind="push",
            started_at=started,
            finished_at=timezone.now(),
            ok=False,
            fetched=received,
            invalid=len(rejected),
            error=f"store failed: {exc}",
        )
        # Not "OK": the device keeps the batch and re-sends it after ErrorDelay.
        return _text("ERROR", status=503)
    # The protocol's count is of lines taken care of: new and already stored alike.
    return _text(f"OK: {new + duplicates}")


def _receive_operlog(device: Device, text: str) -> HttpResponse:
    upload = parse_operlog(text)
    if upload.rejected:
        logger.warning(
            "ADMS %s: %d malformed OPERLOG line(s) rejected: %s",
            device.serial_number,
            len(upload.rejected),
            describe_rejects(upload.rejected[:5]),
        )
    if device.approved:
        with transaction.atomic():
            for record in upload.fingers:
                FingerTemplate.objects.update_or_create(
                    device_user_id=record.user_id,
                    finger=record.finger,
                    defaults={"template": record.template, "valid": record.valid, "source_device": device},
                )
    elif upload.fingers:
        # Templates are copied to every other clock, so a device nobody approved must not
        # be able to plant one (it could enrol its owner's finger under someone's PIN).
        # Once approved, its next handshake (OPERLOGStamp=0) brings them again.
        logger.warning(
            "ADMS %s: %d template(s) from unapproved device not stored", device.serial_number, len(upload.fingers)
        )
    return _text(f"OK: {upload.accepted}")


def _note_info(device: Device, info: str) -> None:
    """`INFO=<firmware>,<users>,<fingers>,<records>,<ip>,...` sent with heartbeats."""
    parts = info.split(",")
    if len(parts) < 4:
        return
    changes = {}
    firmware = parts[0].strip()[:100]
    if firmware and firmware != device.firmware:
        changes["firmware"] = firmware
    for name, text in (("user_count", parts[1]), ("record_count", parts[3])):
        value = _number(text, maximum=2**31 - 1)
        if value is not None and value != getattr(device, name):
            changes[name] = value
    if changes:
        Device.objects.filter(pk=device.pk).update(**changes)


def _claim_commands(device: Device, now: dt.datetime) -> list[DeviceCommand]:
    """Take the oldest pending commands and mark them sent, in one transaction.

    SKIP LOCKED keeps two overlapping polls from handing out a command twice on
    PostgreSQL; SQLite ignores it and serialises the transactions instead.
    """
    with transaction.atomic():
        pending = (
            DeviceCommand.objects.select_for_update(skip_locked=True)
            .filter(device=device, status=DeviceCommand.Status.PENDING)
            .order_by("pk")[:MAX_COMMANDS]
        )
        batch: list[DeviceCommand] = []
        size = 0
        for command in pending:
            if command.command.startswith(TIME_SYNC_PREFIX):
                command.command = _time_sync_command(device, now)
                command.save(update_fields=["command"])
            size += len(command.command) + 16
            if batch and size > MAX_REPLY_BYTES:
                break
            batch.append(command)
            if command.command == "REBOOT":
                break  # anything after it would be lost while the device restarts
        DeviceCommand.objects.filter(pk__in=[c.pk for c in batch]).update(status=DeviceCommand.Status.SENT, sent_at=now)
    return batch


@csrf_exempt
def getrequest(request: HttpRequest) -> HttpResponse:
    """The heartbeat: hand out queued commands as `C:<id>:<command>` lines, else `OK`."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    sn, error = _serial(request)
    if error:
        return error
    now = timezone.now()
    device = _device_for(sn, now)
    _note_info(device, request.GET.get("INFO", ""))
    if not device.enabled:
        return _text("OK")  # commands wait until the device is enabled again
    commands = _claim_commands(device, now)
    if not commands:
        return _text("OK")
    return _text("".join(f"C:{c.pk}:{c.command}\n" for c in commands))


@csrf_exempt
def devicecmd(request: HttpRequest) -> HttpResponse:
    """Confirmations of executed commands: Return >= 0 is done, negative is failed."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    sn, error = _serial(request)
    if error:
        return error
    now = timezone.now()
    device = _device_for(sn, now)
    for confirmation in parse_confirmations(_decode(request.body)):
        result = confirmation.verb + ("\n" + confirmation.content if confirmation.content else "")
        # Scoped to this device: a clock can only confirm what it was sent.
        updated = (
            DeviceCommand.objects.filter(pk=confirmation.command_id, device=device)
            .exclude(status=DeviceCommand.Status.PENDING)
            .update(
                status=DeviceCommand.Status.DONE if confirmation.return_code >= 0 else DeviceCommand.Status.FAILED,
                done_at=now,
                return_code=confirmation.return_code,
                result=result,
            )
        )
        if not updated:
            logger.warning("ADMS %s: confirmation for command %d it was not sent", sn, confirmation.command_id)
    return _text("OK")
