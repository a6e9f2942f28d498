import datetime as dt
import io

from django.core.management import call_command

from devices.models import Device, FingerTemplate
from devices.roster_sync import apply_plan, ascii_name, make_plan
from devices.zk.client import ZKClient
from hr_system.models import AuditLog, Employee


def test_names_fold_to_ascii():
    assert ascii_name("Đặng Thị Hương") == "Dang Thi Huong"
    assert ascii_name("Lò Văn Ươm") == "Lo Van Uom"


def test_roster_push_removes_leavers_and_keeps_unknown_users(cast, emulator, clock):
    Employee.objects.create(
        code="103", full_name="Hà Văn Cũ", unit=cast.office_a, category="civil_servant", leave_date=dt.date(2026, 1, 1)
    )
    emu = emulator()
    emu.add_user(user_id="101", name="Old Name", uid=1)
    emu.add_user(user_id="103", name="Ha Van Cu", uid=2)
    emu.add_user(user_id="9999", name="Ky thuat", uid=3)
    device = clock(emu)
    with ZKClient("127.0.0.1", emu.port) as client:
        plan, users = make_plan(device, client)
    assert plan.add == [("102", "Lo Thi Huong")]
    assert [(code, name) for _uid, code, name in plan.rename] == [("101", "Nguyen Van An")]
    assert [code for _uid, code in plan.remove] == ["103"]
    assert plan.unknown_kept == ["9999"]
    # The dry run (planning) changed nothing on the device.
    assert {u.user_id for u in emu.users()} == {"101", "103", "9999"}
    with ZKClient("127.0.0.1", emu.port) as client:
        plan, users = make_plan(device, client)
        apply_plan(device, client, plan, users)
    assert {u.user_id: u.name for u in emu.users()} == {
        "101": "Nguyen Van An",
        "102": "Lo Thi Huong",
        "9999": "Ky thuat",
    }
    assert AuditLog.objects.filter(action="device.roster_sync").count() == 1


def test_fingerprint_enrolled_once_is_copied_to_other_clocks(cast, emulator, clock, template_store):
    template_store.consent("102")
    enrolment = emulator(serial="ENROL")
    enrolment.add_user(user_id="102", name="Lo Thi Huong", uid=7)
    template = enrolment.add_template("102", fid=3)
    other = emulator(serial="OTHER")
    first, second = clock(enrolment, name="enrol"), clock(other, name="other")
    with ZKClient("127.0.0.1", enrolment.port) as client:
        plan, users = make_plan(first, client)
        apply_plan(first, client, plan, users)
    stored = FingerTemplate.objects.get(device_user_id="102", finger=3)
    assert template_store.clear(stored) == template and stored.source_device == first
    assert template not in bytes(stored.template)  # ciphertext at rest
    out = io.StringIO()
    call_command("sync_roster", "--device", "other", "--dry-run", stdout=out)
    assert "templates to copy 1" in out.getvalue()
    assert other.templates() == {}
    call_command("sync_roster", "--device", "other", stdout=out)
    uid = {u.user_id: u.uid for u in other.users()}["102"]
    assert other.templates()[(uid, 3)] == template
    assert second.name == "other"


def test_roster_sync_through_the_api_plans_then_applies(cast, emulator, clock, login):
    emu = emulator()
    emu.add_user(user_id="101", name="Old Name", uid=1)
    device = clock(emu)
    client = login(cast.hr_a)
    url = f"/api/v1/devices/{device.pk}/roster-sync"
    r = client.post(url)
    assert r.status_code == 200, r.content
    assert r.json()["dry_run"] is True
    assert {u.user_id: u.name for u in emu.users()} == {"101": "Old Name"}
    r = client.post(f"{url}?dry_run=false")
    assert r.status_code == 200 and r.json()["dry_run"] is False
    assert {u.user_id: u.name for u in emu.users()} == {"101": "Nguyen Van An", "102": "Lo Thi Huong"}
    assert login(cast.hr_b).post(url).status_code == 404


def test_roster_sync_through_the_api_reports_an_unreachable_clock(cast, clock, login):
    class Gone:
        port = 9  # discard: nothing answers the ZK protocol there

    device = clock(Gone)
    r = login(cast.hr_a).post(f"/api/v1/devices/{device.pk}/roster-sync")
    assert r.status_code == 502 and r.json()["error"]["code"] == "device_error"
    push = Device.objects.create(name="ADMS", host="", unit=cast.commune_a, transport=Device.Transport.PUSH)
    r = login(cast.hr_a).post(f"/api/v1/devices/{push.pk}/roster-sync")
    assert r.status_code == 422 and "device" in r.json()["error"]["fields"]


def test_roster_sync_leaves_another_units_templates_alone(cast, emulator, clock, template_store):
    """A Đoàn Kết clock holding a finger under Mộc Châu's code 101 must not replace
    employee 101's template (codes are province-wide)."""
    mine = emulator(serial="MINE")
    mine.add_user(user_id="101", name="Nguyen Van An", uid=1)
    real = mine.add_template("101", fid=2, template=b"real-finger-of-an")
    template_store.consent("101", "201")
    theirs = emulator(serial="THEIRS")
    theirs.add_user(user_id="101", name="Someone", uid=1)
    theirs.add_user(user_id="201", name="Cam Van Duc", uid=2)
    theirs.add_template("101", fid=2, template=b"another-persons-finger")
    duc = theirs.add_template("201", fid=4, template=b"duc-finger")
    with ZKClient("127.0.0.1", mine.port) as client:
        make_plan(clock(mine, name="mine"), client)
    doan_ket = clock(theirs, name="theirs", unit=cast.commune_b)

    with ZKClient("127.0.0.1", theirs.port) as client:
        plan, _users = make_plan(doan_ket, client)

    assert plan.templates_in == 1
    assert template_store.clear(FingerTemplate.objects.get(device_user_id="101", finger=2)) == real
    assert template_store.clear(FingerTemplate.objects.get(device_user_id="201", finger=4)) == duc
