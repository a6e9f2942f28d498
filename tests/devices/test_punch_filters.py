"""Punches by work days, employee and clock, on the page and in the API; devices by
serial number; device pages in Vietnamese, in local time, without the file-import
source counted as a clock (issue 14, items 5, 6 and 7)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from devices.models import Device, Punch

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def punch_on(device: Device, employee, local: str, code: str | None = None) -> Punch:
    when = dt.datetime.fromisoformat(local).replace(tzinfo=HCM)
    return Punch.objects.create(
        device=device,
        device_user_id=code or employee.code,
        local_time=local,
        timestamp=when,
        source="pull",
        employee=employee,
    )


@pytest.fixture
def clocks(cast):
    gate = Device.objects.create(name="Máy cổng UBND", host="10.0.0.5", unit=cast.commune_a, serial_number="CDQ001")
    school = Device.objects.create(name="Máy trường", host="10.0.0.6", unit=cast.school_a, serial_number="CDQ002")
    other = Device.objects.create(name="Máy Đoàn Kết", host="10.0.1.5", unit=cast.commune_b, serial_number="CDQ003")
    punch_on(gate, cast.emp_a, "2026-03-02 07:40:00")
    punch_on(gate, cast.emp_a, "2026-03-03 00:10:00")  # just after midnight: 3 March
    punch_on(gate, cast.emp_a, "2026-03-04 17:00:00")
    punch_on(school, cast.teacher_a, "2026-03-03 07:55:00")
    punch_on(other, cast.emp_b, "2026-03-03 07:30:00")
    return gate, school, other


def local_times(response) -> list[str]:
    return [p["local_time"] for p in response.json()["items"]]


def test_api_filters_by_date_range_in_local_days(cast, login, clocks):
    client = login(cast.hr_a)
    r = client.get("/api/v1/devices/punches", {"date_from": "2026-03-03", "date_to": "2026-03-03"})
    assert r.status_code == 200
    # Newest first; Đoàn Kết's clock is not in view.
    assert local_times(r) == ["2026-03-03 07:55:00", "2026-03-03 00:10:00"]


def test_api_filters_by_employee_and_clock_together(cast, login, clocks):
    gate, school, _other = clocks
    client = login(cast.hr_a)
    r = client.get("/api/v1/devices/punches", {"employee": "101", "device": gate.pk, "date_from": "2026-03-03"})
    assert local_times(r) == ["2026-03-04 17:00:00", "2026-03-03 00:10:00"]
    r = client.get("/api/v1/devices/punches", {"employee": "101", "device": school.pk})
    assert r.json()["count"] == 0


def test_api_filters_out_of_scope_are_404_in_the_envelope(cast, login, clocks):
    _gate, _school, other = clocks
    client = login(cast.hr_a)
    r = client.get("/api/v1/devices/punches", {"employee": "201"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.get("/api/v1/devices/punches", {"device": other.pk})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "03/03/2026"}, "date_from"),
        ({"date_to": "2026-02-31"}, "date_to"),
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "date_to"),
        ({"device": "abc"}, "device"),
    ],
)
def test_api_bad_filters_are_a_422_envelope_in_vietnamese(cast, login, clocks, params, field):
    r = login(cast.hr_a).get("/api/v1/devices/punches", params)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error" and error["message"] == "Dữ liệu không hợp lệ."
    assert field in error["fields"]
    if field.startswith("date"):
        assert any("ngày" in m.lower() for m in error["fields"][field])


def test_api_punches_are_paginated_with_a_fixed_order(cast, login, clocks):
    r = login(cast.admin).get("/api/v1/devices/punches", {"page_size": 2, "page": 2})
    body = r.json()
    assert body["count"] == 5 and body["page"] == 2
    assert local_times(r) == ["2026-03-03 07:30:00", "2026-03-03 00:10:00"]


def test_devices_api_filters_by_serial_number(cast, login, clocks):
    client = login(cast.hr_a)
    r = client.get("/api/v1/devices/", {"serial": "CDQ002"})
    assert [d["name"] for d in r.json()["items"]] == ["Máy trường"]
    assert [d["name"] for d in client.get("/api/v1/devices/", {"serial": " cdq002"}).json()["items"]] == ["Máy trường"]
    # Another commune's clock is not found by its serial either.
    assert client.get("/api/v1/devices/", {"serial": "CDQ003"}).json()["count"] == 0
    assert client.get("/api/v1/devices/").json()["count"] == 2


# --- the page ----------------------------------------------------------------------------


def test_punch_page_filters_and_names_only_people_in_view(cast, login, clocks):
    gate, _school, _other = clocks
    client = login(cast.hr_a)
    r = client.get("/devices/punches/", {"date_from": "2026-03-03", "date_to": "2026-03-04", "device": gate.pk})
    assert r.status_code == 200
    html = r.content.decode()
    assert [p.local_time for p in r.context["page"].object_list] == ["2026-03-04 17:00:00", "2026-03-03 00:10:00"]
    assert "04/03/2026 17:00" in html and "03/03/2026 00:10" in html
    assert "/employees/101/?month=2026-03#ngay-2026-03-03" in html


def test_punch_page_bad_input_is_said_in_vietnamese_beside_the_field(cast, login, clocks):
    _gate, _school, other = clocks
    client = login(cast.hr_a)
    r = client.get("/devices/punches/", {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert r.status_code == 200 and r.context["page"] is None
    assert "Đến ngày phải sau hoặc bằng từ ngày." in r.content.decode()
    r = client.get("/devices/punches/", {"employee": "201"})
    assert r.status_code == 200
    assert "Không tìm thấy cán bộ có mã này trong phạm vi của bạn." in r.content.decode()
    r = client.get("/devices/punches/", {"device": other.pk})
    assert "Không có máy chấm công này trong phạm vi của bạn." in r.content.decode()


def test_punch_page_is_for_hr_and_heads_only(cast, login):
    assert login(cast.staff_user).get("/devices/punches/").status_code == 403
    assert login(cast.head_a).get("/devices/punches/").status_code == 200


# --- device pages -----------------------------------------------------------------------


def test_file_import_source_is_no_offline_clock(cast, login, clocks):
    Device.objects.create(
        name="Dữ liệu chấm công nhập từ tệp",
        transport=Device.Transport.PUSH,
        unit=cast.commune_a,
        enabled=False,
        file_source=True,
    )
    client = login(cast.hr_a)
    r = client.get("/devices/")
    assert [d.name for d, _h in r.context["rows"]] == ["Máy cổng UBND", "Máy trường"]
    assert r.context["counts"] == {"total": 2, "online": 0, "offline": 2}
    assert "Dữ liệu chấm công nhập từ tệp" in r.content.decode()
    health = client.get("/api/v1/devices/health").json()
    assert "Dữ liệu chấm công nhập từ tệp" not in [d["name"] for d in health]
    listed = {d["name"]: d for d in client.get("/api/v1/devices/").json()["items"]}
    assert listed["Dữ liệu chấm công nhập từ tệp"]["file_source"] is True
    assert listed["Dữ liệu chấm công nhập từ tệp"]["health"]["alerts"] == []


def test_device_page_says_dong_bo_and_shows_local_times(cast, login, clocks):
    gate, _school, _other = clocks
    gate.sync_runs.create(kind="pull", ok=True, fetched=3, new=3)
    Device.objects.filter(pk=gate.pk).update(synced_through=dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC))
    html = login(cast.hr_a).get(f"/devices/{gate.pk}/").content.decode()
    assert "Máy chủ đồng bộ từ máy" in html and "Đồng bộ từ máy" in html
    assert ">pull<" not in html and "poller" not in html
    assert "04/03/2026 17:00" in html  # 10:00 UTC is 17:00 in Việt Nam


def test_punch_page_errors_are_tied_to_their_fields(cast, login, clocks):
    html = login(cast.hr_a).get("/devices/punches/", {"date_from": "hôm qua"}).content.decode()
    assert 'aria-describedby="id_date_from-loi"' in html and 'id="id_date_from-loi"' in html


def test_punch_page_says_when_nothing_matches(cast, login, clocks):
    html = login(cast.hr_a).get("/devices/punches/", {"date_from": "2030-01-01"}).content.decode()
    assert "Không có lượt chấm công nào." in html and "0 lượt chấm công." in html
