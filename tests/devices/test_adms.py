"""ADMS / PUSH: what a ZKTeco clock behind NAT sees, driven through the HTTP client."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from devices import adms, commands
from devices.actions import store_rows
from devices.models import Device, DeviceCommand, FingerTemplate, Punch, SyncRun
from devices.zk.protocol import encode_time
from hr_system.models import AuditLog, Employee, OrgUnit

pytestmark = pytest.mark.django_db

SN = "CDQ9201960001"
UTC = dt.UTC


@pytest.fixture
def unit():
    return OrgUnit.add(code="X-CS", name="Xã Chiềng Sơn", kind=OrgUnit.Kind.COMMUNE)


@pytest.fixture
def device(unit):
    return Device.objects.create(name="Máy UBND xã Chiềng Sơn", transport="push", serial_number=SN, unit=unit)


@pytest.fixture
def employee(unit):
    return Employee.objects.create(code="1001", full_name="Nguyễn Văn An", unit=unit, category="civil_servant")


@pytest.fixture
def auto_register(settings):
    """Auto-registration of unknown serials is off by default; these tests turn it on."""
    settings.ADMS_AUTO_REGISTER = True


def push(client, body: str, *, sn: str = SN, table: str = "ATTLOG", stamp: str = "100", path: str = "/iclock/cdata"):
    return client.post(f"{path}?SN={sn}&table={table}&Stamp={stamp}", data=body.encode(), content_type="text/plain")


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


GOOD = lines(
    "1001\t2026-03-02 07:58:00\t0\t1\t0\t0\t0",
    "1002\t2026-03-02 08:01:13\t0\t15\t0\t0\t0",
    "1001\t2026-03-02 17:02:40\t1\t1\t0\t0\t0",
)


# --------------------------------------------------------------------------- handshake


def test_handshake_registers_an_unknown_serial_as_pending(client, auto_register):
    response = client.get("/iclock/cdata?SN=NEWSN42&options=all&pushver=2.4.1&language=69")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert body.startswith("GET OPTION FROM: NEWSN42\n")
    for option in ("ATTLOGStamp=0", "OPERLOGStamp=0", "ATTPHOTOStamp=0", "TimeZone=7", "Realtime=1", "Encrypt=0"):
        assert option in body.splitlines()
    device = Device.objects.get(serial_number="NEWSN42")
    assert (device.name, device.transport, device.approved, device.enabled) == ("ADMS NEWSN42", "push", False, True)
    assert device.last_contact_at is not None and device.registered_from == "127.0.0.1"
    assert AuditLog.objects.filter(action="device.register", object_id=str(device.pk)).count() == 1


def test_handshake_returns_the_stored_stamp_and_legacy_names_for_old_firmware(client, device):
    device.push_stamp = "7345"
    device.save()

    new = client.get(f"/iclock/cdata?SN={SN}&options=all&pushver=2.4.1").content.decode().splitlines()
    old = client.get(f"/iclock/cdata.aspx?SN={SN}&options=all").content.decode().splitlines()

    assert "ATTLOGStamp=7345" in new and "Stamp=7345" not in new
    assert "ATTLOGStamp=7345" in old and "Stamp=7345" in old
    assert Device.objects.count() == 1


@pytest.mark.parametrize("path", ["/iclock/cdata", "/iclock/getrequest", "/iclock/devicecmd"])
def test_a_request_without_serial_number_is_refused(client, path):
    response = client.post(path, data=b"", content_type="text/plain") if "devicecmd" in path else client.get(path)

    assert response.status_code == 400
    assert b"SN" in response.content
    assert not Device.objects.exists()


def test_a_malformed_serial_number_registers_nothing(client):
    response = client.get("/iclock/cdata?SN=../../etc&options=all")

    assert response.status_code == 400
    assert not Device.objects.exists()


# --------------------------------------------------------------------------- ATTLOG


def test_attlog_batch_is_stored_and_counted(client, device):
    response = push(client, GOOD, stamp="9001")

    assert response.status_code == 200
    assert response.content == b"OK: 3"
    assert Punch.objects.filter(device=device, source="push").count() == 3
    run = SyncRun.objects.get(device=device)
    assert (run.kind, run.ok, run.fetched, run.new, run.duplicates, run.invalid) == ("push", True, 3, 3, 0, 0)
    assert run.finished_at is not None
    device.refresh_from_db()
    assert device.push_stamp == "9001"
    assert device.last_success_at is not None


def test_the_same_batch_pushed_twice_stores_nothing_new(client, device):
    push(client, GOOD)
    response = push(client, GOOD)

    assert response.content == b"OK: 3"  # duplicates are accepted lines too
    assert Punch.objects.count() == 3
    again = SyncRun.objects.filter(device=device).order_by("-pk").first()
    assert (again.new, again.duplicates) == (0, 3)


def test_malformed_lines_are_rejected_while_good_lines_are_stored(client, device):
    body = lines(
        "1001\t2026-03-02 07:58:00\t0\t1\t0",
        "1002\t2026-03-02 7:5:0\t0\t1\t0",  # not the fixed format
        "1003\t2026-02-30 08:00:00\t0\t1\t0",  # no such day
        "1004\t2026-03-02 08:00:00",  # fields missing
        "1005\t2026-03-02 08:00:00\tin\t1\t0",  # status not a number
        "\t2026-03-02 08:00:00\t0\t1\t0",  # empty PIN
        "1" * 25 + "\t2026-03-02 08:00:00\t0\t1\t0",  # PIN over 24 characters
        "1006\t2026-03-02 08:03:00\t0\t1\t0",
    )

    response = push(client, body)

    assert response.content == b"OK: 2"
    assert sorted(Punch.objects.values_list("device_user_id", flat=True)) == ["1001", "1006"]
    run = SyncRun.objects.get(device=device)
    assert (run.fetched, run.new, run.invalid) == (8, 2, 6)
    for number in (2, 3, 4, 5, 6, 7):
        assert f"line {number}:" in run.error
    assert "no such date/time '2026-02-30 08:00:00'" in run.error
    assert "empty PIN" in run.error
    assert "line 1:" not in run.error and "line 8:" not in run.error


def test_device_local_time_is_converted_with_the_device_time_zone(client, device):
    push(client, lines("1001\t2026-03-02 07:58:00\t0\t1\t0"))

    punch = Punch.objects.get()
    assert punch.local_time == "2026-03-02 07:58:00"
    assert punch.timestamp == dt.datetime(2026, 3, 2, 0, 58, 0, tzinfo=UTC)


def test_status_and_verify_columns_are_kept(client, device):
    push(client, lines("1001\t2026-03-02 17:02:40\t1\t15\t0\t0\t0\t255\t36.5"))  # extra fields tolerated

    punch = Punch.objects.get()
    assert (punch.status, punch.punch, punch.verify) == (1, 1, 15)


def test_punches_attach_to_the_employee_whose_code_is_the_pin(client, device, employee):
    push(client, lines("1001\t2026-03-02 07:58:00\t0\t1\t0", "4242\t2026-03-02 07:59:00\t0\t1\t0"))

    assert Punch.objects.get(device_user_id="1001").employee == employee
    assert Punch.objects.get(device_user_id="4242").employee is None


def test_an_unknown_device_uploads_are_kept_but_the_device_stays_pending(client, auto_register):
    response = push(client, GOOD, sn="STRANGER1")

    assert response.content == b"OK: 3"
    device = Device.objects.get(serial_number="STRANGER1")
    assert device.approved is False
    assert Punch.objects.filter(device=device).count() == 3
    assert Punch.objects.filter(device__approved=True).count() == 0


def test_a_disabled_device_stores_nothing_and_keeps_its_stamp(client, device):
    device.enabled = False
    device.push_stamp = "50"
    device.save()

    response = push(client, GOOD, stamp="60")

    assert response.content == b"OK: 0"
    assert not Punch.objects.exists()
    assert not SyncRun.objects.exists()
    device.refresh_from_db()
    assert device.push_stamp == "50"


def test_synced_through_follows_the_newest_punch_and_never_goes_back(client, device):
    push(client, GOOD)
    device.refresh_from_db()
    assert device.synced_through == dt.datetime(2026, 3, 2, 10, 2, 40, tzinfo=UTC)  # 17:02:40 +07:00

    push(client, lines("1009\t2026-03-01 07:00:00\t0\t1\t0"))  # an older backlog line
    device.refresh_from_db()
    assert device.synced_through == dt.datetime(2026, 3, 2, 10, 2, 40, tzinfo=UTC)


def test_synced_through_is_never_in_the_future(client, device):
    tomorrow = (dt.datetime.now(UTC) + dt.timedelta(hours=20)).astimezone(device.tz)  # fast clock, within a day
    push(client, lines(f"1001\t{tomorrow:%Y-%m-%d %H:%M:%S}\t0\t1\t0"))

    device.refresh_from_db()
    run = SyncRun.objects.get()
    assert device.synced_through <= run.finished_at
    assert Punch.objects.count() == 1  # the raw record is still kept as reported


@pytest.mark.parametrize(
    "when",
    ["0001-01-01 00:00:00", "1999-12-31 23:59:59", "9999-12-31 23:59:59", "2099-01-01 08:00:00"],
)
def test_impossible_dates_are_rejected_line_by_line(client, device, when):
    body = lines("1001\t2026-03-02 07:58:00\t0\t1\t0", f"1002\t{when}\t0\t1\t0", "1003\t2026-03-02 08:00:00\t0\t1\t0")

    response = push(client, body, stamp="77")

    assert response.status_code == 200 and response.content == b"OK: 2"
    assert sorted(Punch.objects.values_list("device_user_id", flat=True)) == ["1001", "1003"]
    run = SyncRun.objects.get()
    assert (run.fetched, run.new, run.invalid) == (3, 2, 1)
    assert "line 2:" in run.error and ("before 2000" in run.error or "ahead of the server clock" in run.error)
    device.refresh_from_db()
    assert device.push_stamp == "77"  # the batch is done: the clock moves on
    assert device.synced_through == dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_a_punch_more_than_a_day_ahead_is_rejected_but_one_within_a_day_is_kept(client, device):
    now = dt.datetime.now(UTC).astimezone(device.tz)
    soon, late = now + dt.timedelta(hours=23), now + dt.timedelta(hours=25)
    body = lines(f"1001\t{soon:%Y-%m-%d %H:%M:%S}\t0\t1\t0", f"1001\t{late:%Y-%m-%d %H:%M:%S}\t0\t1\t0")

    assert push(client, body).content == b"OK: 1"
    assert list(Punch.objects.values_list("local_time", flat=True)) == [f"{soon:%Y-%m-%d %H:%M:%S}"]


@pytest.mark.parametrize("bad", ["10\x0001", "\x001001", "1001\x07", "10\x1b[2J01", "1001\u202e"])
def test_a_control_character_rejects_its_line_and_the_batch_is_stored(client, device, bad):
    """A NUL made PostgreSQL refuse the whole batch (503), and the clock re-sent it forever."""
    body = lines(
        "1001\t2026-03-02 07:58:00\t0\t1\t0",
        f"{bad}\t2026-03-02 08:00:00\t0\t1\t0",
        "1003\t2026-03-02 08:01:00\t0\t1\t0",
    )

    response = push(client, body, stamp="501")

    assert response.status_code == 200 and response.content == b"OK: 2"
    assert sorted(Punch.objects.values_list("device_user_id", flat=True)) == ["1001", "1003"]
    run = SyncRun.objects.get()
    assert (run.ok, run.new, run.invalid) == (True, 2, 1)
    assert "line 2:" in run.error and ("control character" in run.error or "control or invisible" in run.error)
    device.refresh_from_db()
    assert device.push_stamp == "501"
    # The clock's next batch is taken as usual: it is not stuck on the bad line.
    assert push(client, lines("1004\t2026-03-02 08:02:00\t0\t1\t0"), stamp="502").content == b"OK: 1"


def test_a_nul_in_an_operlog_line_rejects_that_line_only(client, device, employee, template_store):
    template_store.consent("1001")
    tmp = base64.b64encode(b"finger").decode()
    body = lines(
        "USER PIN=10\x0001\tName=X", f"FP PIN=1001\tFID=1\tValid=1\tTMP={tmp}", "OPLOG 4\t0\t2026-03-02 07:50:00\t0"
    )

    response = push(client, body, table="OPERLOG")

    assert response.status_code == 200 and response.content == b"OK: 2"
    assert list(FingerTemplate.objects.values_list("device_user_id", flat=True)) == ["1001"]


# --------------------------------------------------------------------------- OPERLOG


def test_operlog_fingerprint_template_is_stored_and_replaced(client, device, employee, template_store):
    template_store.consent("1001")
    first, second = b"\x01\x02template-one", b"\x03\x04template-two"
    body = lines(
        "USER PIN=1001\tName=Nguyen Van An\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000000000000",
        f"FP PIN=1001\tFID=6\tSize={len(first)}\tValid=1\tTMP={base64.b64encode(first).decode()}",
        "OPLOG 4\t0\t2026-03-02 07:50:00\t0\t0\t0\t0",
    )

    response = push(client, body, table="OPERLOG")

    assert response.content == b"OK: 3"
    template = FingerTemplate.objects.get(device_user_id="1001", finger=6)
    assert (template_store.clear(template), template.valid, template.source_device) == (first, 1, device)

    push(client, f"FP PIN=1001\tFID=6\tSize=14\tValid=1\tTMP={base64.b64encode(second).decode()}\n", table="OPERLOG")
    assert FingerTemplate.objects.count() == 1
    assert template_store.clear(FingerTemplate.objects.get()) == second


def test_operlog_bad_template_is_rejected_without_losing_the_rest(client, device, unit, caplog, template_store):
    Employee.objects.create(code="1002", full_name="Lò Thị Bình", unit=unit, category="civil_servant")
    template_store.consent("1002")
    good = base64.b64encode(b"finger").decode()
    body = lines("FP PIN=1001\tFID=1\tValid=1\tTMP=not*base64", f"FP PIN=1002\tFID=2\tValid=1\tTMP={good}")

    response = push(client, body, table="OPERLOG")

    assert response.content == b"OK: 1"
    assert list(FingerTemplate.objects.values_list("device_user_id", flat=True)) == ["1002"]
    assert "template is not base64" in caplog.text and "not*base64" not in caplog.text  # never a template in a log


def test_an_unapproved_device_cannot_plant_fingerprint_templates(client, auto_register, template_store):
    tmp = base64.b64encode(b"intruder").decode()

    response = push(client, f"FP PIN=1001\tFID=0\tValid=1\tTMP={tmp}\n", sn="STRANGER2", table="OPERLOG")

    assert response.status_code == 200
    assert not FingerTemplate.objects.exists()


# --------------------------------------------------------------------------- commands


def test_command_queue_round_trip(client, device):
    update = commands.queue_user_update(device, "1001", "Nguyen Van An")
    delete = commands.queue_user_delete(device, "1002")

    reply = client.get(f"/iclock/getrequest?SN={SN}&INFO=Ver 6.60,12,30,4567,192.168.1.201")

    assert reply.status_code == 200
    assert reply.content.decode() == (
        f"C:{update.pk}:DATA UPDATE USERINFO PIN=1001\tName=Nguyen Van An\tPri=0\tPasswd=\tCard=\tGrp=1\n"
        f"C:{delete.pk}:DATA DELETE USERINFO PIN=1002\n"
    )
    update.refresh_from_db()
    assert update.status == "sent" and update.sent_at is not None
    assert client.get(f"/iclock/getrequest?SN={SN}").content == b"OK"  # nothing handed out twice
    device.refresh_from_db()
    assert (device.firmware, device.user_count, device.record_count) == ("Ver 6.60", 12, 4567)

    confirm = client.post(
        f"/iclock/devicecmd?SN={SN}",
        data=f"ID={update.pk}&Return=0&CMD=DATA\nID={delete.pk}&Return=-1002&CMD=DATA\n".encode(),
        content_type="text/plain",
    )

    assert confirm.content == b"OK"
    update.refresh_from_db()
    delete.refresh_from_db()
    assert (update.status, update.return_code, update.done_at is not None) == ("done", 0, True)
    assert (delete.status, delete.return_code) == ("failed", -1002)


def test_nothing_is_sent_after_a_reboot_in_the_same_reply(client, device):
    reboot = commands.queue_reboot(device)
    upload = commands.queue_log_upload(device)

    first = client.get(f"/iclock/getrequest?SN={SN}").content.decode()
    second = client.get(f"/iclock/getrequest?SN={SN}").content.decode()

    assert first == f"C:{reboot.pk}:REBOOT\n"
    assert second == f"C:{upload.pk}:LOG\n"


def test_time_sync_is_computed_when_handed_out(client, device):
    stale = commands.queue_time_sync(device, now=dt.datetime(2026, 1, 1, 0, 0, tzinfo=UTC))

    reply = client.get(f"/iclock/getrequest?SN={SN}").content.decode()

    sent = int(reply.strip().rsplit("=", 1)[1])
    queued = int(stale.command.rsplit("=", 1)[1])
    assert reply.startswith(f"C:{stale.pk}:SET OPTIONS DateTime=")
    assert sent > queued
    assert encode_time(dt.datetime(2018, 2, 22, 14, 54, 54)) == 583080894  # Push SDK's worked example


def test_a_device_cannot_confirm_another_devices_command(client, device):
    other = Device.objects.create(name="Máy khác", transport="push", serial_number="OTHER01")
    theirs = commands.queue_reboot(other)
    client.get("/iclock/getrequest?SN=OTHER01")

    client.post(
        f"/iclock/devicecmd?SN={SN}", data=f"ID={theirs.pk}&Return=0&CMD=REBOOT".encode(), content_type="text/plain"
    )

    theirs.refresh_from_db()
    assert (theirs.status, theirs.return_code) == ("sent", None)


def test_an_unknown_device_polling_gets_ok_and_is_registered(client, device, auto_register):
    commands.queue_reboot(device)  # someone else's command must not leak

    reply = client.get("/iclock/getrequest?SN=STRANGER3")

    assert reply.content == b"OK"
    assert Device.objects.get(serial_number="STRANGER3").approved is False


def test_a_disabled_device_is_not_handed_commands(client, device):
    device.enabled = False
    device.save()
    command = commands.queue_reboot(device)

    assert client.get(f"/iclock/getrequest?SN={SN}").content == b"OK"
    command.refresh_from_db()
    assert command.status == "pending"


def test_user_commands_refuse_values_that_would_break_the_line(device):
    with pytest.raises(ValueError):
        commands.queue_user_update(device, "10\t01", "An")
    with pytest.raises(ValueError):
        commands.queue_user_update(device, "1001", "Nguyễn Văn An")
    assert not DeviceCommand.objects.exists()


# --------------------------------------------------------------------------- codec


@pytest.mark.parametrize(
    ("text", "users", "rejected"),
    [
        ("1001\t2026-03-02 07:58:00\t0\t1\t0\r\n", ["1001"], []),  # CRLF
        ("\n\n1001\t2026-03-02 07:58:00\t0\t1\n\n", ["1001"], []),  # blank lines, no workcode
        ("1001\t2026-03-02 07:58:00\t0\t-1\t0", [], [1]),  # negative verify
        ("1001\t2026-13-02 07:58:00\t0\t1\t0\n1002\t2026-03-02 24:00:00\t0\t1\t0", [], [1, 2]),
    ],
)
def test_parse_attlog(text, users, rejected):
    punches, bad = adms.parse_attlog(text)

    assert [p.user_id for p in punches] == users
    assert [n for n, _, _ in bad] == rejected


def test_the_shared_store_rejects_impossible_rows_for_every_path(device):
    """The poller's rows (and imports) go through actions.store_rows: the same bounds."""
    rows = [
        ("1001", "2026-03-02 07:58:00", 0, 0, 0),
        ("1001", "1999-12-31 23:59:59", 0, 0, 0),
        ("1001", "2098-01-01 00:00:00", 0, 0, 0),
        ("10\x0001", "2026-03-02 08:00:00", 0, 0, 0),
        ("1002", "2026-03-02 08:01:00", 0, 0, 0),
    ]

    result = store_rows(device=device, rows=rows, source="pull")

    assert (result.new, result.duplicates, len(result.rejected)) == (2, 0, 3)
    new, duplicates = result  # callers that unpack two values keep working
    assert (new, duplicates) == (2, 0)
    assert [why.split(" ")[0] for _row, why in result.rejected] == ["date/time", "date/time", "PIN"]
    assert sorted(Punch.objects.values_list("device_user_id", flat=True)) == ["1001", "1002"]


def test_parse_attlog_bounds():
    latest = dt.datetime(2026, 3, 3, 8, 0, 0)
    text = lines(
        "1\t2026-03-03 08:00:00\t0\t1",
        "2\t2026-03-03 08:00:01\t0\t1",
        "3\t2000-01-01 00:00:00\t0\t1",
        "4\t1999-12-31 23:59:59\t0\t1",
        "5\x00\t2026-03-02 08:00:00\t0\t1",
        "6\t2026-03-02 08:00:00\t0\t1\t\x7f",
    )

    punches, bad = adms.parse_attlog(text, latest=latest)

    assert [p.user_id for p in punches] == ["1", "3"]
    assert [n for n, _, _ in bad] == [2, 4, 5, 6]
