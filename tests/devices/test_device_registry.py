import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from devices.actions import store_punches
from devices.health import evaluate
from devices.models import Device, DeviceCommand
from devices.records import RawPunch
from hr_system.models import AuditLog


def test_comm_key_is_write_only_in_the_api(cast, login):
    client = login(cast.hr_a)
    r = client.post(
        "/api/v1/devices/",
        {"name": "UBND Mộc Châu", "unit": "P-MC-UB", "host": "10.0.0.5", "comm_key": 4321},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert "comm_key" not in body and body["has_comm_key"] is True
    assert Device.objects.get(name="UBND Mộc Châu").comm_key == 4321
    listed = client.get("/api/v1/devices/").content.decode()
    assert "4321" not in listed


@pytest.mark.parametrize("host", ["bad host", "10.0.0.1; rm -rf /", "$(reboot)", "-oProxyCommand=x", "a" * 300])
def test_hosts_are_validated(cast, login, host):
    client = login(cast.hr_a)
    r = client.post("/api/v1/devices/", {"name": "x", "unit": "P-MC-UB", "host": host}, content_type="application/json")
    assert r.status_code == 422
    assert "host" in r.json()["error"]["fields"]
    assert not Device.objects.exists()


def test_devices_are_scoped_to_the_unit(cast, login):
    mine = Device.objects.create(name="A", host="10.0.0.1", unit=cast.office_a)
    theirs = Device.objects.create(name="B", host="10.0.0.2", unit=cast.office_b)
    client = login(cast.hr_a)
    names = {d["name"] for d in client.get("/api/v1/devices/").json()["items"]}
    assert names == {"A"}
    assert client.get(f"/api/v1/devices/{theirs.pk}").status_code == 404
    assert client.patch(f"/api/v1/devices/{theirs.pk}", {"port": 1}, content_type="application/json").status_code == 404
    assert client.get(f"/api/v1/devices/{mine.pk}").status_code == 200
    assert client.get(f"/devices/{theirs.pk}/").status_code == 404
    page = client.get("/devices/").content.decode()
    assert ">A<" in page and ">B<" not in page


def test_punches_are_scoped_to_the_unit(cast, login):
    mine = Device.objects.create(name="A", host="10.0.0.1", unit=cast.office_a)
    theirs = Device.objects.create(name="B", host="10.0.0.2", unit=cast.office_b)
    at = dt.datetime(2025, 3, 3, 7, 25)
    store_punches(device=mine, records=[RawPunch(user_id="101", local_time=at)], source="import")
    store_punches(device=theirs, records=[RawPunch(user_id="201", local_time=at)], source="import")
    client = login(cast.hr_a)
    listed = client.get("/api/v1/devices/punches").json()["items"]
    assert [(p["device"], p["employee"], p["employee_name"]) for p in listed] == [("A", "101", "Nguyễn Văn An")]
    assert [p["employee"] for p in client.get("/api/v1/devices/punches", {"device": mine.pk}).json()["items"]] == [
        "101"
    ]
    assert client.get("/api/v1/devices/punches", {"device": theirs.pk}).status_code == 404
    assert client.get("/api/v1/devices/punches", {"employee": "201"}).status_code == 404
    everyone = login(cast.admin).get("/api/v1/devices/punches").json()
    assert everyone["count"] == 2


def test_registering_needs_hr_and_approving_needs_an_administrator(cast, login):
    body = {"name": "x", "unit": "P-MC-UB", "host": "10.0.0.9"}
    head = login(cast.head_a)
    assert head.post("/api/v1/devices/", body, content_type="application/json").status_code == 403
    assert "Thêm máy" not in head.get("/devices/").content.decode()
    r = login(cast.hr_a).post("/api/v1/devices/", {**body, "unit": "X-DK-UB"}, content_type="application/json")
    assert r.status_code == 422 and "unit" in r.json()["error"]["fields"]
    pending = Device.objects.create(name="ADMS", host="", transport=Device.Transport.PUSH, approved=False)
    url = f"/api/v1/devices/{pending.pk}/approve?unit=P-MC-UB"
    r = login(cast.hr_a).post(url)
    assert r.status_code == 403 and r.json()["error"]["message"] == "Chỉ quản trị hệ thống được duyệt máy mới."
    r = login(cast.admin).post(url)
    assert r.status_code == 200 and r.json()["unit"] == "P-MC-UB"
    assert Device.objects.get(pk=pending.pk).approved


def test_add_device_command(cast):
    out = io.StringIO()
    call_command(
        "add_device",
        "--name",
        "Xa Doan Ket",
        "--host",
        "192.168.1.20",
        "--port",
        "4370",
        "--comm-key",
        "7",
        "--unit",
        "X-DK",
        "--udp",
        stdout=out,
    )
    device = Device.objects.get(name="Xa Doan Ket")
    assert (device.transport, device.comm_key, device.unit) == ("udp", 7, cast.commune_b)
    with pytest.raises(CommandError, match="host"):
        call_command("add_device", "--name", "evil", "--host", "1.2.3.4 && reboot", stdout=out)
    with pytest.raises(CommandError):
        call_command("add_device", "--name", "tz", "--host", "clock.local", "--timezone", "Mars/Base", stdout=out)
    with pytest.raises(CommandError, match="NOPE"):
        call_command("add_device", "--name", "u", "--host", "clock.local", "--unit", "NOPE", stdout=out)


def test_health_alerts():
    monday_9 = dt.datetime(2026, 11, 23, 9, 0)
    h = evaluate(
        now_local=monday_9,
        last_contact_local=monday_9 - dt.timedelta(hours=2),
        poll_interval=300,
        record_count=85_000,
        record_capacity=100_000,
        drift_seconds=-200,
    )
    assert not h.online
    assert len(h.alerts) == 3
    quiet = evaluate(
        now_local=monday_9,
        last_contact_local=monday_9 - dt.timedelta(minutes=3),
        poll_interval=300,
        record_count=10,
        record_capacity=100_000,
        drift_seconds=5,
    )
    assert quiet.online and quiet.alerts == []
    sunday = evaluate(
        now_local=dt.datetime(2026, 11, 22, 9, 0),
        last_contact_local=None,
        poll_interval=300,
        record_count=None,
        record_capacity=None,
        drift_seconds=None,
    )
    assert not sunday.online and sunday.alerts == []  # offline outside working hours is no alarm


def test_health_api_lists_alerting_devices_first(cast, login):
    Device.objects.create(name="quiet", host="10.0.0.1", unit=cast.office_a, last_contact_at=timezone.now())
    Device.objects.create(
        name="full",
        host="10.0.0.2",
        unit=cast.office_a,
        last_contact_at=timezone.now(),
        record_count=95,
        record_capacity=100,
    )
    rows = login(cast.hr_a).get("/api/v1/devices/health").json()
    assert rows[0]["name"] == "full" and rows[0]["health"]["capacity_percent"] == 95.0


# --------------------------------------------------------------------------- device management (issue 12, item 10)


def test_a_push_clock_is_pre_registered_by_serial_number_through_the_api(cast, login):
    client = login(cast.hr_a)
    body = {"name": "ADMS UBND", "unit": "P-MC-UB", "transport": "push"}
    r = client.post("/api/v1/devices/", body, content_type="application/json")
    assert r.status_code == 422 and "serial_number" in r.json()["error"]["fields"]
    r = client.post("/api/v1/devices/", {**body, "serial_number": "../etc"}, content_type="application/json")
    assert r.status_code == 422 and "serial_number" in r.json()["error"]["fields"]

    r = client.post("/api/v1/devices/", {**body, "serial_number": "CDQ9201960001"}, content_type="application/json")

    assert r.status_code == 201, r.content
    assert (r.json()["serial_number"], r.json()["approved"]) == ("CDQ9201960001", True)
    again = client.post(
        "/api/v1/devices/", {**body, "name": "other", "serial_number": "CDQ9201960001"}, content_type="application/json"
    )
    assert again.status_code == 422 and "serial_number" in again.json()["error"]["fields"]


def test_add_device_pre_registers_a_push_clock(cast):
    out = io.StringIO()
    with pytest.raises(CommandError, match="serial"):
        call_command("add_device", "--name", "ADMS DK", "--push", "--unit", "X-DK", stdout=out)

    call_command(
        "add_device", "--name", "ADMS DK", "--push", "--serial", "DKSN0042", "--unit", "X-DK",
        "--extra-unit", "P-MC-UB", "--any-office-of", "SL", stdout=out,
    )  # fmt: skip

    device = Device.objects.get(name="ADMS DK")
    assert (device.transport, device.serial_number, device.host, device.approved) == ("push", "DKSN0042", "", True)
    assert (list(device.extra_units.all()), device.accepts_subtree) == ([cast.office_a], cast.province)
    assert "serial DKSN0042" in out.getvalue()


def backed_off(device: Device) -> Device:
    Device.objects.filter(pk=device.pk).update(
        failures=6, next_poll_at=timezone.now() + dt.timedelta(hours=1), last_error="DeviceAuthError: Unauthenticated"
    )
    device.refresh_from_db()
    return device


def test_rerunning_add_device_with_a_corrected_key_clears_the_backoff(cast):
    args = ["add_device", "--name", "UBND DK", "--host", "192.168.1.20", "--unit", "X-DK"]
    call_command(*args, "--comm-key", "1", stdout=io.StringIO())
    device = backed_off(Device.objects.get(name="UBND DK"))

    call_command(*args, "--comm-key", "7", stdout=io.StringIO())

    device.refresh_from_db()
    assert (device.comm_key, device.failures) == (7, 0)
    assert device.next_poll_at <= timezone.now()


def test_a_patch_of_connection_settings_clears_the_backoff(cast, login):
    device = backed_off(Device.objects.create(name="A", host="10.0.0.1", unit=cast.office_a))
    client = login(cast.hr_a)

    r = client.patch(f"/api/v1/devices/{device.pk}", {"name": "A2"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["failures"] == 6  # a new name is not a new attempt

    r = client.patch(f"/api/v1/devices/{device.pk}", {"comm_key": 4321}, content_type="application/json")

    assert r.status_code == 200, r.content
    device.refresh_from_db()
    assert (device.comm_key, device.failures, device.name) == (4321, 0, "A2")
    assert device.next_poll_at <= timezone.now()


def test_adms_commands_are_queued_through_the_api(cast, login, client):
    clock = Device.objects.create(name="ADMS A", transport="push", serial_number="MCSN0001", unit=cast.office_a)
    hr = login(cast.hr_a)
    url = f"/api/v1/devices/{clock.pk}/commands"

    for body in (
        {"kind": "time_sync"},
        {"kind": "log_upload"},
        {"kind": "user_update", "user_id": "101"},
        {"kind": "user_delete", "user_id": "9999"},
    ):
        r = hr.post(url, body, content_type="application/json")
        assert r.status_code == 201, (body, r.content)

    listed = hr.get(url).json()
    assert listed["count"] == 4
    assert [c["status"] for c in listed["items"]] == ["pending"] * 4
    reply = client.get("/iclock/getrequest?SN=MCSN0001").content.decode()
    assert "SET OPTIONS DateTime=" in reply and "\nC:" in reply and ":LOG\n" in reply
    assert "DATA UPDATE USERINFO PIN=101\tName=Nguyen Van An\t" in reply
    assert "DATA DELETE USERINFO PIN=9999\n" in reply
    assert AuditLog.objects.filter(action="device.command").count() == 4


def test_adms_commands_are_scoped(cast, login):
    clock = Device.objects.create(name="ADMS A", transport="push", serial_number="MCSN0001", unit=cast.office_a)
    pulled = Device.objects.create(name="TCP A", host="10.0.0.1", unit=cast.office_a)
    url = f"/api/v1/devices/{clock.pk}/commands"
    hr_b = login(cast.hr_b)
    assert hr_b.post(url, {"kind": "log_upload"}, content_type="application/json").status_code == 404
    assert hr_b.get(url).status_code == 404
    assert login(cast.head_a).post(url, {"kind": "log_upload"}, content_type="application/json").status_code == 404

    hr_a = login(cast.hr_a)
    # Another unit's person: not found for this officer (no oracle of their code).
    assert hr_a.post(url, {"kind": "user_update", "user_id": "201"}, content_type="application/json").status_code == 404
    # A person in scope whom this clock does not serve (the school's teacher on the office's clock).
    r = hr_a.post(url, {"kind": "user_update", "user_id": "102"}, content_type="application/json")
    assert r.status_code == 422 and "user_id" in r.json()["error"]["fields"]
    r = hr_a.post(url, {"kind": "user_delete", "user_id": "10\t01"}, content_type="application/json")
    assert r.status_code == 422 and "user_id" in r.json()["error"]["fields"]
    r = hr_a.post(url, {"kind": "shell", "user_id": "1"}, content_type="application/json")
    assert r.status_code == 422
    r = hr_a.post(f"/api/v1/devices/{pulled.pk}/commands", {"kind": "log_upload"}, content_type="application/json")
    assert r.status_code == 422 and "device" in r.json()["error"]["fields"]
    assert not DeviceCommand.objects.exists()


def test_adms_command_management_command(cast):
    Device.objects.create(name="ADMS A", transport="push", serial_number="MCSN0001", unit=cast.office_a)
    out = io.StringIO()

    call_command("adms_command", "--serial", "MCSN0001", "user_update", "--user-id", "101", stdout=out)
    call_command("adms_command", "--device", "ADMS A", "time_sync", stdout=out)

    assert [c.command.split("\t")[0] for c in DeviceCommand.objects.order_by("pk")][0] == "DATA UPDATE USERINFO PIN=101"
    assert DeviceCommand.objects.count() == 2
    with pytest.raises(CommandError, match="không thuộc"):
        call_command("adms_command", "--serial", "MCSN0001", "user_update", "--user-id", "201", stdout=out)
    with pytest.raises(CommandError, match="Không có máy"):
        call_command("adms_command", "--serial", "NOPE", "log_upload", stdout=out)


def test_the_device_page_registers_a_push_clock_by_serial_within_the_officers_units(cast, login):
    client = login(cast.hr_a)
    form = {"name": "ADMS phường", "unit": cast.office_a.pk, "transport": "push", "port": 4370}
    form |= {"timezone": "Asia/Ho_Chi_Minh", "poll_interval": 300, "clock_policy": "measure", "log_policy": "keep"}

    page = client.post("/devices/", form).content.decode()
    assert "Máy ADMS cần số serial" in page and not Device.objects.exists()
    client.post("/devices/", {**form, "serial_number": "MC01", "accepts_subtree": cast.commune_b.pk})
    assert not Device.objects.exists()  # commune B is not this officer's to give a clock

    r = client.post("/devices/", {**form, "serial_number": "MC01", "extra_units": [cast.school_a.pk]})

    assert r.status_code == 302
    device = Device.objects.get()
    assert (device.serial_number, list(device.extra_units.all())) == ("MC01", [cast.school_a])
