"""ADMS / PUSH ("iclock") server: ZKTeco clocks behind NAT call us over plain HTTP.

The device is the HTTP client (reference zk-protocol.md §4). It shakes hands on
GET /iclock/cdata, uploads punches and user data on POST /iclock/cdata, polls for
commands on GET /iclock/getrequest and confirms them on POST /iclock/devicecmd.
It identifies itself only by its serial number (SN) and cannot send a CSRF token.

A clock is known by its serial number: an administrator (or the unit's HR officer)
adds it before it connects. An unknown SN is refused with the answer ZKTeco's own
server gives ("UNKNOWN Device: <SN>", not "OK", so the clock keeps its data and tries
again later), and nothing is written for it. Only with settings.ADMS_AUTO_REGISTER on
is an unknown SN registered as a pending device (approved=False): at most
ADMS_REGISTER_PER_ADDRESS new ones per source address an hour and ADMS_PENDING_MAX in
all, each storing at most ADMS_PENDING_MAX_PUNCHES punches (the rest stay on the clock)
so that nothing is lost while an administrator decides; the attendance engine reads
only punches with device__approved=True.

A punch belongs to an employee only if the clock serves that employee's unit
(Device.served_employees); fingerprint templates follow the same rule.

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

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from devices import commands, template_crypto
from devices.actions import store_punches
from devices.models import SERIAL_RE, Device, DeviceCommand, FingerTemplate, Punch, SyncRun
from devices.records import RawPunch, latest_local, time_problem, user_id_problem
from hr_system.models import AuditLog
from hr_system.net import client_ip

logger = logging.getLogger(__name__)

STAMP_RE = re.compile(r"^[0-9]{1,32}$")
MAX_SMALL = 32767  # PositiveSmallIntegerField on every backend
MAX_REJECTS_SHOWN = 100  # rejected lines spelled out in SyncRun.error; the count is always complete
# C0 and C1 control characters other than the tab that separates fields. No firmware
# sends them; a NUL would make PostgreSQL refuse the whole batch.
CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
REGISTER_WINDOW = dt.timedelta(hours=1)  # ADMS_REGISTER_PER_ADDRESS counts within this
REFUSAL_LOG_SECONDS = 600  # a refused clock is logged once per this, not per request

# One getrequest reply carries at most this much. ZKTeco's own server caps a reply at
# about 200 commands / 40 KB; fingerprint commands are ~2 KB each, so bytes bind first.
MAX_COMMANDS = 50
MAX_REPLY_BYTES = 40_000

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
    why = user_id_problem(pin)
    return ("", why) if why else (pin, "")


def _control(line: str) -> str:
    """Why a line with a control character is refused, or ""."""
    found = CONTROL_RE.search(line)
    return f"control character U+{ord(found.group()):04X} in the line" if found else ""


def parse_attlog(text: str, *, latest: dt.datetime | None = None) -> tuple[list[RawPunch], list[Rejected]]:
    """Parse an ATTLOG upload: one punch per line, tab-separated and positional.

    `PIN \\t YYYY-MM-DD HH:MM:SS \\t Status \\t Verify [\\t WorkCode \\t Reserved ...]`
    (reference §4.2). Newer firmware appends fields, so anything after Verify is
    ignored. A line that cannot be read whole is rejected with its 1-based line number
    and a reason; the good lines of the batch are still returned. Blank lines are
    neither punches nor errors. A control character anywhere in a line (a NUL…), a time
    before 2000 or after `latest` (device-local; records.latest_local) rejects that
    line only.

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
        why = _control(line)
        if why:
            rejected.append((line_no, line, why))
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
        why = time_problem(local, latest)
        if why:
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


def _redacted(kind: str, values: dict[str, str]) -> str:
    """An OPERLOG line as it may be shown in SyncRun.error and the log: the kind, PIN
    and finger, never the template, password or card."""
    shown = "\t".join(f"{key}={values[key]}" for key in ("PIN", "FID") if key in values)
    return f"{kind} {shown}".strip()


def parse_operlog(text: str) -> Operlog:
    """Parse an OPERLOG upload, a mixed stream told apart by its first word (§4.2).

    `USER PIN=..\\tName=..`, `FP PIN=..\\tFID=..\\tSize=..\\tValid=..\\tTMP=<base64>`,
    `OPLOG <op>\\t...`, and newer kinds (FACE, USERPIC, BIOPHOTO) that are counted and
    ignored so that the device does not re-send them forever. Rejected lines are kept
    redacted (_redacted): a fingerprint template is personal data and never logged.
    """
    result = Operlog()
    for line_no, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.rstrip("\r")
        if not line.strip():
            continue
        kind, _, rest = line.strip().partition(" ")
        values = _key_values(rest) if kind in ("USER", "FP") else {}
        why = _control(line)
        if why:
            result.rejected.append((line_no, _redacted(kind[:16], values), why))
        elif kind == "OPLOG":
            result.oplogs += 1
        elif kind == "USER":
            _, why = _pin(values.get("PIN", ""))
            if why:
                result.rejected.append((line_no, _redacted(kind, values), why))
            else:
                result.users += 1
        elif kind == "FP":
            record, why = _finger(values)
            if record is None:
                result.rejected.append((line_no, _redacted(kind, values), why))
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


def _log_once(key: str, message: str, *args) -> None:
    """Log a refusal at most once per REFUSAL_LOG_SECONDS per key: a refused clock
    retries every ErrorDelay seconds, and a flood of strangers must not flood the log."""
    if cache.add(f"adms-log:{key}", True, REFUSAL_LOG_SECONDS):
        logger.warning(message, *args)


def _refuse_unknown(sn: str) -> HttpResponse:
    """The answer to a clock we do not know: ZKTeco's own server's words for it
    (reference §4.6, iclock devview.checkDevice). It is not "OK", so the clock keeps
    whatever it wanted to upload and tries again after its error delay; once an
    administrator adds its serial number, its next request is served. No row is written."""
    return _text(f"UNKNOWN Device: {sn}")


def _register(sn: str, address: str | None, now: dt.datetime) -> Device | None:
    """Record a clock we have never seen as pending, if settings allow; else None.

    Off unless ADMS_AUTO_REGISTER: in production an administrator adds a clock by its
    serial number before it connects. When on, a flood of made-up serials is held to
    ADMS_REGISTER_PER_ADDRESS new pending clocks per source address an hour and
    ADMS_PENDING_MAX pending clocks in all (checked with two counts before the insert:
    concurrent first requests may pass it together, which bounds the overshoot by the
    number of server workers).
    """
    if not settings.ADMS_AUTO_REGISTER:
        _log_once(
            f"unknown:{sn}",
            "ADMS: unknown device %s (from %s) refused: add it by its serial number (ADMS_AUTO_REGISTER is off)",
            sn,
            address or "?",
        )
        return None
    pending = Device.objects.filter(approved=False)
    if pending.count() >= settings.ADMS_PENDING_MAX:
        _log_once(
            "pending-cap",
            "ADMS: unknown device %s refused: %d devices already await approval",
            sn,
            settings.ADMS_PENDING_MAX,
        )
        return None
    recent = pending.filter(registered_from=address, created_at__gte=now - REGISTER_WINDOW).count()
    if recent >= settings.ADMS_REGISTER_PER_ADDRESS:
        _log_once(
            f"rate:{address}",
            "ADMS: unknown device %s refused: %s registered %d devices within the hour",
            sn,
            address or "?",
            recent,
        )
        return None
    try:
        with transaction.atomic():
            device = Device.objects.create(
                name=f"ADMS {sn}",
                transport=Device.Transport.PUSH,
                serial_number=sn,
                approved=False,
                enabled=True,
                host="",
                registered_from=address,
            )
            AuditLog.record(user=None, action="device.register", obj=device, serial_number=sn, address=address)
    except IntegrityError:
        # Two first requests of the same device raced and the other one created it, or
        # the name "ADMS <sn>" is taken by a clock registered by hand.
        return Device.objects.filter(serial_number=sn).first()
    logger.warning("ADMS: unknown device %s registered from %s, waiting for approval", sn, address or "?")
    return device


def _device_for(request: HttpRequest, sn: str, now: dt.datetime) -> Device | None:
    """The clock with this serial number (registering it if settings allow), its
    contact time noted; None when it is refused."""
    device = Device.objects.filter(serial_number=sn).select_related("unit", "accepts_subtree").first()
    if device is None:
        device = _register(sn, client_ip(request) or None, now)
        if device is None:
            return None
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
    device = _device_for(request, sn, now)
    if device is None:
        return _refuse_unknown(sn)
    if request.method == "GET":
        return _text(handshake_options(device, legacy="pushver" not in request.GET, now=now))
    if not device.enabled:
        # An administrator switched this device off: store nothing. An error status would
        # make it re-send the batch every ErrorDelay seconds forever, so say "OK: 0".
        # Nothing is lost for good: push_stamp does not move, so once re-enabled a CHECK
        # (commands.queue_log_upload(recheck=True)) or a reboot makes it re-send from that stamp.
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
    punches, rejected = parse_attlog(text, latest=latest_local(timezone.localtime(started, device.tz)))
    received = len(punches) + len(rejected)
    if rejected:
        logger.warning(
            "ADMS %s: %d ATTLOG line(s) rejected, %d kept; first: line %d: %s",
            device.serial_number,
            len(rejected),
            len(punches),
            rejected[0][0],
            rejected[0][2],
        )
    max_new = None
    if not device.approved:
        # A clock nobody approved yet keeps a bounded number of punches here; the rest
        # stay on the clock (the refusal below is not "OK") until it is approved.
        max_new = settings.ADMS_PENDING_MAX_PUNCHES - Punch.objects.filter(device=device).count()
        if max_new <= 0:
            _log_once(
                f"pending-full:{device.pk}",
                "ADMS %s: pending device holds its %d punches allowed; uploads refused until it is approved",
                device.serial_number,
                settings.ADMS_PENDING_MAX_PUNCHES,
            )
            return _text(f"PENDING Device: {device.serial_number}")
    try:
        # One transaction: the stamp only moves if the punches are in, and on SQLite one
        # commit per batch instead of three is a measurable share of the ingest time.
        with transaction.atomic():
            stored = store_punches(device=device, records=punches, source=Punch.Source.PUSH, max_new=max_new)
            # store_rows checks the same bounds again; what it refuses counts as rejected.
            rejected += [(0, f"{row[0]}\t{row[1]}", why) for row, why in stored.rejected]
            error = describe_rejects(rejected)
            changes: dict = {"last_error": error[:1000]}
            if not stored.held_back:
                if STAMP_RE.match(stamp):
                    changes["push_stamp"] = stamp
                _advance_synced_through(device, punches, started, changes)
            finished = timezone.now()
            # A pending clock's batches that stored nothing leave no row (bounded rows).
            if device.approved or stored.new:
                SyncRun.objects.create(
                    device=device,
                    kind="push",
                    started_at=started,
                    finished_at=finished,
                    ok=not stored.held_back,
                    fetched=received,
                    new=stored.new,
                    duplicates=stored.duplicates,
                    invalid=len(rejected),
                    error=error if not stored.held_back else f"{stored.held_back} held back (pending)\n{error}",
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
    if stored.held_back:
        # Not "OK": the clock keeps the batch and re-sends it; what is stored now is a
        # duplicate then, and the rest arrives once the clock is approved.
        return _text(f"PENDING Device: {device.serial_number}")
    # The protocol's count is of lines taken care of: new and already stored alike.
    return _text(f"OK: {stored.new + stored.duplicates}")


def _advance_synced_through(device: Device, punches: list[RawPunch], started: dt.datetime, changes: dict) -> None:
    """synced_through promises "every punch before this instant has been received".

    The request time would break that promise: after an outage the device drains its
    backlog oldest-first in chunks of a few hundred lines, and after the first chunk
    the rest is still on the device. The newest punch of an accepted batch keeps it,
    since uploads go in stamp (= time) order. Clamped to now against a fast device
    clock, and never moved back. The price: it stands still while nobody punches
    (overnight); last_contact_at tells whether the device is alive meanwhile.
    Rejected lines do not hold it back: they are recorded on the SyncRun and a resend
    would not make them readable.
    """
    if punches:
        newest = min(device.aware(max(p.local_time for p in punches)), started)
        if device.synced_through is None or newest > device.synced_through:
            changes["synced_through"] = newest


def _receive_operlog(device: Device, text: str) -> HttpResponse:
    upload = parse_operlog(text)
    if upload.rejected:
        logger.warning(
            "ADMS %s: %d malformed OPERLOG line(s) rejected: %s",
            device.serial_number,
            len(upload.rejected),
            describe_rejects(upload.rejected[:5]),
        )
    if not upload.fingers:
        return _text(f"OK: {upload.accepted}")
    if not device.approved:
        # Templates are copied to every other clock, so a device nobody approved must not
        # be able to plant one (it could enrol its owner's finger under someone's PIN).
        # Once approved, its next handshake (OPERLOGStamp=0) brings them again.
        logger.warning(
            "ADMS %s: %d template(s) from unapproved device not stored", device.serial_number, len(upload.fingers)
        )
        return _text(f"OK: {upload.accepted}")
    # Only for people this clock serves: a commune's clock that enrols code 1001 must
    # not replace the template of another commune's employee 1001 (nor plant one under
    # a code nobody has yet). Refusals are acknowledged (re-sending cannot change them)
    # and logged by PIN and finger only, never the template.
    served = set(
        device.served_employees().filter(code__in={f.user_id for f in upload.fingers}).values_list("code", flat=True)
    )
    refused = [f for f in upload.fingers if f.user_id not in served]
    if refused:
        logger.warning(
            "ADMS %s: %d template(s) refused, not of a person this clock serves: %s",
            device.serial_number,
            len(refused),
            ", ".join(f"PIN={f.user_id} FID={f.finger}" for f in refused[:20]),
        )
    kept = [f for f in upload.fingers if f.user_id in served]
    if not template_crypto.storing_enabled():
        # Central storage is off (the default): the clock keeps its templates; the upload
        # is acknowledged, or the clock would send it again forever, and dropped.
        if kept:
            logger.info(
                "ADMS %s: %d template(s) acknowledged and dropped: central template storage is off",
                device.serial_number,
                len(kept),
            )
        return _text(f"OK: {upload.accepted}")
    consenting = FingerTemplate.consenting({f.user_id for f in kept})
    unconsented = [f for f in kept if f.user_id not in consenting]
    if unconsented:
        logger.warning(
            "ADMS %s: %d template(s) not stored, no consent to fingerprint attendance recorded: %s",
            device.serial_number,
            len(unconsented),
            ", ".join(f"PIN={f.user_id} FID={f.finger}" for f in unconsented[:20]),
        )
    try:
        with transaction.atomic():
            for record in kept:
                if record.user_id in consenting:
                    FingerTemplate.keep(
                        device_user_id=record.user_id,
                        finger=record.finger,
                        raw=record.template,
                        valid=record.valid,
                        source_device=device,
                    )
    except template_crypto.TemplateKeyError as exc:
        # Never stored in clear. Not "OK": the clock re-sends once a key is configured.
        logger.error("ADMS %s: templates not stored: %s", device.serial_number, exc)
        return _text("ERROR", status=503)
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
            if command.command.startswith(commands.TIME_SYNC_PREFIX):
                command.command = commands.time_sync_command(device, now)
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
    device = _device_for(request, sn, now)
    if device is None:
        return _refuse_unknown(sn)
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
    device = _device_for(request, sn, now)
    if device is None:
        return _refuse_unknown(sn)
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
