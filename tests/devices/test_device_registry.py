import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from devices.actions import store_punches
from devices.health import evaluate
from devices.models import Device
from devices.records import RawPunch


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
    assert [(p["device"], p["employee"]) for p in listed] == [("A", "101")]
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
