"""ADMS is not an open door (issue 12, item 3): unknown serial numbers, pending clocks.

Today 500 unknown serials made 500 pending devices and 500 audit rows in 9.6 s, and a
pending device stored whatever it sent. A clock must be added by serial number first;
auto-registration is a setting, off by default, and bounded when on.
"""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.core.cache import cache

from devices.models import Device, Punch, SyncRun
from hr_system.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # refusals are logged once per serial through the cache
    yield
    cache.clear()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def batch(first_minute: int, n: int, pin: str = "1001") -> bytes:
    return "".join(f"{pin}\t2026-03-02 07:{first_minute + i:02d}:00\t0\t1\t0\n" for i in range(n)).encode()


def visit(client, sn: str, i: int, address: str = "203.0.113.7"):
    """One request of a clock: a handshake, an upload, a heartbeat or a confirmation."""
    meta = {"REMOTE_ADDR": address}
    kind = i % 4
    if kind == 0:
        return client.get(f"/iclock/cdata?SN={sn}&options=all&pushver=2.4.1", **meta)
    if kind == 1:
        return client.post(
            f"/iclock/cdata?SN={sn}&table=ATTLOG&Stamp=9", data=batch(0, 5), content_type="text/plain", **meta
        )
    if kind == 2:
        return client.get(f"/iclock/getrequest?SN={sn}&INFO=Ver 6.60,1,1,1,10.0.0.1", **meta)
    return client.post(f"/iclock/devicecmd?SN={sn}", data=b"ID=1&Return=0&CMD=INFO", content_type="text/plain", **meta)


def test_auto_registration_is_off_by_default(settings):
    assert settings.ADMS_AUTO_REGISTER is False


def test_fifty_requests_from_unknown_serials_write_no_row(client, caplog):
    before = row_counts()

    with caplog.at_level(logging.WARNING, logger="devices.adms"):
        responses = [visit(client, f"STRANGER{i // 2:03d}", i) for i in range(50)]

    assert row_counts() == before
    for i, response in enumerate(responses):
        # ZKTeco's own server's refusal: not "OK", so the clock keeps its data and retries.
        assert response.status_code == 200
        assert response.content.decode() == f"UNKNOWN Device: STRANGER{i // 2:03d}"
    assert caplog.text.count("refused") == 25  # one line per serial, not one per request


def test_a_refused_clock_is_logged_once_not_per_request(client, caplog):
    with caplog.at_level(logging.WARNING, logger="devices.adms"):
        for i in range(10):
            visit(client, "RETRIES01", i)

    assert caplog.text.count("RETRIES01") == 1


def test_a_clock_added_by_serial_number_is_served(cast, client, login):
    r = login(cast.hr_a).post(
        "/api/v1/devices/",
        {"name": "Máy ADMS UBND phường", "unit": "P-MC-UB", "transport": "push", "serial_number": "CDQ9201960001"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content

    hello = client.get("/iclock/cdata?SN=CDQ9201960001&options=all&pushver=2.4.1")
    upload = client.post(
        "/iclock/cdata?SN=CDQ9201960001&table=ATTLOG&Stamp=5",
        data=batch(0, 2, pin="101"),
        content_type="text/plain",
    )

    assert hello.content.decode().startswith("GET OPTION FROM: CDQ9201960001\n")
    assert upload.content == b"OK: 2"
    assert Punch.objects.filter(employee=cast.emp_a).count() == 2


def test_with_auto_registration_new_pending_clocks_are_rate_limited_per_address(client, settings):
    settings.ADMS_AUTO_REGISTER = True
    settings.ADMS_REGISTER_PER_ADDRESS = 3
    settings.ADMS_PENDING_MAX = 1000

    responses = [visit(client, f"FLOOD{i:03d}", 0, address="198.51.100.9") for i in range(50)]

    assert Device.objects.count() == 3
    assert AuditLog.objects.filter(action="device.register").count() == 3
    assert set(Device.objects.values_list("registered_from", flat=True)) == {"198.51.100.9"}
    assert sum(r.content.startswith(b"GET OPTION FROM:") for r in responses) == 3
    assert sum(r.content.startswith(b"UNKNOWN Device:") for r in responses) == 47
    # Another address is not held back by the first one's flood.
    assert visit(client, "HONEST01", 0, address="192.0.2.44").content.startswith(b"GET OPTION FROM: HONEST01")


def test_with_auto_registration_pending_clocks_are_capped_in_number(client, settings):
    settings.ADMS_AUTO_REGISTER = True
    settings.ADMS_REGISTER_PER_ADDRESS = 1000
    settings.ADMS_PENDING_MAX = 5

    for i in range(50):
        visit(client, f"SPREAD{i:03d}", 0, address=f"10.1.{i // 250}.{i % 250 + 1}")

    assert Device.objects.filter(approved=False).count() == 5
    assert AuditLog.objects.count() == 5
    # A clock already known is still served when the cap is reached.
    assert visit(client, "SPREAD000", 0).content.startswith(b"GET OPTION FROM: SPREAD000")


def test_a_pending_clock_stores_a_capped_number_of_punches(client, settings):
    settings.ADMS_AUTO_REGISTER = True
    settings.ADMS_PENDING_MAX_PUNCHES = 4

    def upload(first_minute: int, n: int, stamp: int):
        return client.post(
            f"/iclock/cdata?SN=PENDING01&table=ATTLOG&Stamp={stamp}",
            data=batch(first_minute, n),
            content_type="text/plain",
        )

    assert upload(0, 3, 3).content == b"OK: 3"
    device = Device.objects.get(serial_number="PENDING01")
    assert device.approved is False

    refused = upload(3, 3, 6)  # one fits; the batch is not acknowledged, so the clock keeps it
    assert refused.status_code == 200 and refused.content == b"PENDING Device: PENDING01"
    assert Punch.objects.count() == 4
    device.refresh_from_db()
    assert device.push_stamp == "3"

    rows = row_counts()
    for _ in range(20):  # the clock re-sends every ErrorDelay: nothing more is written
        assert upload(3, 3, 6).content == b"PENDING Device: PENDING01"
    assert Punch.objects.count() == 4
    assert row_counts() == rows

    device.approved = True
    device.save()
    assert upload(3, 3, 6).content == b"OK: 3"  # approved: the held-back batch arrives whole
    assert Punch.objects.count() == 6
    assert SyncRun.objects.filter(device=device, ok=True).count() == 2
