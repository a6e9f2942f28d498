"""A clock writes only its own units' attendance (issue 12, item 2).

Employee codes are province-wide: a Đoàn Kết clock that sends code 101 must not put a
punch into the day of Mộc Châu's employee 101, nor replace that person's fingerprint.
Every path in: imports, the poller, ADMS uploads, attaching orphans, approving a clock.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging

import pytest

from attendance import actions as attendance_actions
from attendance import engine
from attendance.models import DayResult
from devices import actions
from devices.actions import store_punches
from devices.models import Device, FingerTemplate, Punch
from devices.records import RawPunch
from devices.sync import poll_device
from hr_system.models import Employee

MON = dt.date(2026, 3, 2)
UTC = dt.UTC
SESSIONS = [{"start": dt.time(7, 30), "end": dt.time(11, 30)}, {"start": dt.time(13, 30), "end": dt.time(17, 0)}]
FULL_DAY = [(7, 25), (11, 35), (13, 25), (17, 5)]


def day(code: str, times=FULL_DAY, on: dt.date = MON) -> list[RawPunch]:
    return [RawPunch(code, dt.datetime.combine(on, dt.time(*t))) for t in times]


def clock(name: str, unit, **fields) -> Device:
    defaults = {"host": "127.0.0.1", "unit": unit, "synced_through": dt.datetime(2026, 3, 31, tzinfo=UTC)}
    defaults.update(fields)
    return Device.objects.create(name=name, **defaults)


@pytest.fixture
def schedule(cast):
    attendance_actions.create_schedule(
        acting_user=cast.hr_a,
        unit=cast.province,
        name="Giờ hành chính",
        valid_from=dt.date(2026, 1, 1),
        valid_to=None,
        weekdays="01234",
        sessions=SESSIONS,
    )


def status(employee: Employee) -> str:
    engine.recompute(Employee.objects.filter(pk=employee.pk), MON, MON)
    return DayResult.objects.get(employee=employee, date=MON).status


def test_a_clock_of_another_unit_does_not_write_a_persons_day(cast, schedule):
    clock("Máy Mộc Châu", cast.commune_a)  # Mộc Châu's own clock: delivered, but nobody punched on it
    doan_ket = clock("Máy Đoàn Kết", cast.commune_b)

    new, duplicates = store_punches(device=doan_ket, records=day("101") + day("201"), source="import")

    assert (new, duplicates) == (8, 0)
    stray = Punch.objects.filter(device=doan_ket, device_user_id="101")
    assert stray.count() == 4 and not stray.exclude(employee=None).exists()  # stored once, nobody's
    assert Punch.objects.filter(device=doan_ket, device_user_id="201", employee=cast.emp_b).count() == 4
    assert status(cast.emp_a) != "present"
    assert status(cast.emp_b) == "present"
    # The same punches on a clock that serves Mộc Châu do count.
    store_punches(device=Device.objects.get(name="Máy Mộc Châu"), records=day("101"), source="import")
    assert status(cast.emp_a) == "present"


def test_stored_again_a_stray_punch_is_a_duplicate_not_a_second_row(cast):
    doan_ket = clock("Máy Đoàn Kết", cast.commune_b)
    store_punches(device=doan_ket, records=day("101"), source="import")

    again = store_punches(device=doan_ket, records=day("101"), source="import")

    assert again == (0, 4)
    assert Punch.objects.filter(device_user_id="101").count() == 4


def test_extra_units_and_the_any_office_setting_extend_what_a_clock_serves(cast):
    shared = clock("Máy dùng chung", cast.commune_a)
    shared.extra_units.set([cast.office_b])
    roaming = clock("Máy hội trường tỉnh", cast.office_a, accepts_subtree=cast.province)
    narrow = clock("Máy UBND phường", cast.office_a)

    for device in (shared, roaming, narrow):
        store_punches(
            device=device,
            records=day("101", [(7, 20)]) + day("102", [(7, 21)]) + day("201", [(7, 22)]),
            source="import",
        )

    def owners(device):
        return dict(Punch.objects.filter(device=device).values_list("device_user_id", "employee__code"))

    assert owners(shared) == {"101": "101", "102": "102", "201": "201"}  # commune A's subtree + office B
    assert owners(roaming) == {"101": "101", "102": "102", "201": "201"}  # any office of the province
    assert owners(narrow) == {"101": "101", "102": None, "201": None}  # the school is not the office


def test_the_poller_path_attributes_by_unit(cast, emulator):
    emu = emulator()
    emu.add_punch("101", dt.datetime(2026, 11, 2, 7, 0), status=0, punch=0)
    emu.add_punch("201", dt.datetime(2026, 11, 2, 7, 1), status=0, punch=0)
    device = Device.objects.create(name="poll B", host="127.0.0.1", port=emu.port, unit=cast.commune_b)

    run = poll_device(device)

    assert run.ok and run.new == 2, run.error
    assert dict(Punch.objects.values_list("device_user_id", "employee__code")) == {"101": None, "201": "201"}


def test_the_adms_path_attributes_by_unit(cast, client):
    Device.objects.create(name="ADMS B", transport="push", serial_number="DKSN0001", unit=cast.commune_b)
    body = "101\t2026-03-02 07:25:00\t0\t1\t0\n201\t2026-03-02 07:26:00\t0\t1\t0\n"

    response = client.post(
        "/iclock/cdata?SN=DKSN0001&table=ATTLOG&Stamp=2", data=body.encode(), content_type="text/plain"
    )

    assert response.content == b"OK: 2"
    assert dict(Punch.objects.values_list("device_user_id", "employee__code")) == {"101": None, "201": "201"}


def test_orphans_attach_only_to_people_of_the_clocks_units(cast):
    doan_ket = clock("Máy Đoàn Kết", cast.commune_b)
    store_punches(device=doan_ket, records=day("888", [(7, 0)]) + day("889", [(7, 1)]), source="import")
    Employee.objects.create(code="888", full_name="Tòng Văn Tám", unit=cast.office_a, category="civil_servant")
    newcomer = Employee.objects.create(
        code="889", full_name="Lò Văn Chín", unit=cast.office_b, category="civil_servant"
    )

    assert actions.attach_orphan_punches() == 1
    assert actions.attach_orphan_punches() == 0  # the other unit's code stays unattached, round after round
    assert Punch.objects.get(device_user_id="889").employee == newcomer
    assert Punch.objects.get(device_user_id="888").employee is None


def test_approving_a_pending_clock_attaches_only_its_units_people(cast, login):
    pending = Device.objects.create(name="ADMS lạ", transport="push", serial_number="SN9", approved=False)
    store_punches(device=pending, records=day("101", [(7, 0)]) + day("201", [(7, 1)]), source="push")
    assert not Punch.objects.exclude(employee=None).exists()  # a clock with no unit serves nobody

    r = login(cast.admin).post(f"/api/v1/devices/{pending.pk}/approve?unit=X-DK")

    assert r.status_code == 200, r.content
    assert dict(Punch.objects.values_list("device_user_id", "employee__code")) == {"101": None, "201": "201"}


# --------------------------------------------------------------------------- templates


def fp(pin: str, data: bytes, fid: int = 6) -> str:
    return f"FP PIN={pin}\tFID={fid}\tSize={len(data)}\tValid=1\tTMP={base64.b64encode(data).decode()}\n"


def test_a_clock_cannot_replace_the_template_of_another_units_person(cast, client, caplog, template_store):
    template_store.consent("101", "201")
    mine = Device.objects.create(name="ADMS A", transport="push", serial_number="MCSN0001", unit=cast.commune_a)
    Device.objects.create(name="ADMS B", transport="push", serial_number="DKSN0001", unit=cast.commune_b)
    FingerTemplate.keep(device_user_id="101", finger=6, raw=b"an-real", valid=1, source_device=mine)
    intruder = b"someone-elses-finger"

    with caplog.at_level(logging.WARNING, logger="devices.adms"):
        r = client.post(
            "/iclock/cdata?SN=DKSN0001&table=OPERLOG&Stamp=1",
            data=(fp("101", intruder) + fp("201", b"duc-finger") + fp("5555", b"nobody")).encode(),
            content_type="text/plain",
        )

    assert r.status_code == 200 and r.content == b"OK: 3"  # acknowledged: a re-send would change nothing
    kept = FingerTemplate.objects.get(device_user_id="101", finger=6)
    assert (template_store.clear(kept), kept.source_device) == (b"an-real", mine)
    assert set(FingerTemplate.objects.values_list("device_user_id", flat=True)) == {"101", "201"}
    assert "PIN=101 FID=6" in caplog.text and "PIN=5555" in caplog.text
    assert base64.b64encode(intruder).decode() not in caplog.text  # refusals are logged without the template


# --------------------------------------------------------------------------- what HR sees


def test_a_clocks_punch_list_names_only_people_in_the_viewers_scope(cast, login):
    doan_ket = clock("Máy Đoàn Kết", cast.commune_b)
    store_punches(
        device=doan_ket, records=day("101", [(7, 0)]) + day("201", [(7, 1)]) + day("5555", [(7, 2)]), source="import"
    )

    r = login(cast.hr_b).get("/api/v1/devices/punches", {"device": doan_ket.pk})

    assert r.status_code == 200
    rows = {p["device_user_id"]: p for p in r.json()["items"]}
    assert (rows["201"]["employee"], rows["201"]["employee_name"], rows["201"]["match"]) == (
        "201",
        "Cầm Văn Đức",
        "matched",
    )
    assert (rows["101"]["employee"], rows["101"]["employee_name"], rows["101"]["match"]) == (None, None, "other_unit")
    assert rows["101"]["match_label"] == "mã khác đơn vị"
    assert rows["5555"]["match"] == "unmatched"
    assert "Nguyễn Văn An" not in r.content.decode()
    page = login(cast.hr_b).get(f"/devices/{doan_ket.pk}/").content.decode()
    assert "Cầm Văn Đức" in page and "mã khác đơn vị" in page and "Nguyễn Văn An" not in page


def test_a_person_the_clock_serves_but_the_viewer_does_not_see_is_not_named(cast, login):
    shared = clock("Máy dùng chung", cast.commune_a)
    shared.extra_units.set([cast.office_b])  # an administrator's setting: commune B's office punches here too
    store_punches(device=shared, records=day("101", [(7, 0)]) + day("201", [(7, 1)]), source="import")
    assert Punch.objects.get(device_user_id="201").employee == cast.emp_b  # it counts for commune B …

    r = login(cast.hr_a).get("/api/v1/devices/punches", {"device": shared.pk})

    rows = {p["device_user_id"]: p for p in r.json()["items"]}  # … but commune A's officer does not see whom
    assert (rows["201"]["employee"], rows["201"]["match"]) == (None, "other_unit")
    assert rows["101"]["employee_name"] == "Nguyễn Văn An"
    assert "Cầm Văn Đức" not in r.content.decode()
    assert "Cầm Văn Đức" not in login(cast.hr_a).get(f"/devices/{shared.pk}/").content.decode()


def test_an_officer_cannot_make_a_clock_serve_units_outside_their_scope(cast, login):
    client = login(cast.hr_b)
    mine = clock("Máy Đoàn Kết", cast.commune_b)

    for body in ({"accepts_subtree": "SL"}, {"extra_units": ["P-MC"]}, {"extra_units": ["X-DK-UB", "P-MC-UB"]}):
        r = client.patch(f"/api/v1/devices/{mine.pk}", body, content_type="application/json")
        assert r.status_code == 422, (body, r.content)
        assert set(r.json()["error"]["fields"]) <= {"accepts_subtree", "extra_units"}
    created = client.post(
        "/api/v1/devices/",
        {"name": "x", "unit": "X-DK", "host": "10.0.0.9", "accepts_subtree": "P-MC"},
        content_type="application/json",
    )
    assert created.status_code == 422 and "accepts_subtree" in created.json()["error"]["fields"]
    r = client.patch(
        f"/api/v1/devices/{mine.pk}",
        {"extra_units": ["X-DK-UB"], "accepts_subtree": "X-DK"},
        content_type="application/json",
    )
    assert r.status_code == 200 and (r.json()["extra_units"], r.json()["accepts_subtree"]) == (["X-DK-UB"], "X-DK")
    mine.refresh_from_db()
    assert mine.accepts_subtree == cast.commune_b and list(mine.extra_units.all()) == [cast.office_b]
