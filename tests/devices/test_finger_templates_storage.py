"""Fingerprint templates: off by default, encrypted at rest when on, never clear text."""

from __future__ import annotations

import base64
import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from devices import template_crypto
from devices.models import Device, FingerTemplate, TemplateAccess
from devices.roster_sync import apply_plan, make_plan
from devices.template_crypto import TemplateKeyError, check_template_keys
from devices.zk.client import ZKClient
from hr_system.models import AuditLog

pytestmark = pytest.mark.django_db

RAW = b"\x4a\x10raw-minutiae-of-an"


def fp(pin: str, data: bytes, fid: int = 6) -> str:
    return f"FP PIN={pin}\tFID={fid}\tSize={len(data)}\tValid=1\tTMP={base64.b64encode(data).decode()}\n"


def upload(client, body: str, sn: str = "MCSN0001"):
    return client.post(f"/iclock/cdata?SN={sn}&table=OPERLOG&Stamp=1", data=body.encode(), content_type="text/plain")


@pytest.fixture
def adms(cast):
    return Device.objects.create(name="ADMS A", transport="push", serial_number="MCSN0001", unit=cast.commune_a)


def test_with_storage_off_an_adms_upload_is_acknowledged_and_nothing_stored(cast, adms, client, caplog, settings):
    assert settings.STORE_FINGER_TEMPLATES is False  # the default
    with caplog.at_level(logging.INFO, logger="devices.adms"):
        r = upload(client, fp("101", RAW))
    assert r.status_code == 200 and r.content == b"OK: 1"
    assert not FingerTemplate.objects.exists()
    assert "1 template(s) acknowledged and dropped" in caplog.text
    assert base64.b64encode(RAW).decode() not in caplog.text


def test_with_storage_on_the_database_holds_ciphertext_that_reads_back(cast, adms, client, template_store):
    template_store.consent("101")
    assert upload(client, fp("101", RAW)).content == b"OK: 1"
    row = FingerTemplate.objects.get(device_user_id="101", finger=6)
    stored = bytes(row.template)
    assert RAW not in stored and base64.b64encode(RAW) not in stored
    assert row.read_template(purpose=TemplateAccess.Purpose.EXPORT, acting=cast.hr_a) == RAW


def test_set_template_encrypts(template_store):
    row = FingerTemplate(device_user_id="101", finger=1)
    row.set_template(RAW)
    assert RAW not in bytes(row.template) and template_store.clear(row) == RAW


def test_without_consent_a_template_is_not_stored_and_is_counted(cast, adms, client, template_store, caplog):
    template_store.consent("101")
    with caplog.at_level(logging.WARNING, logger="devices.adms"):
        r = upload(client, fp("101", RAW) + fp("102", b"huong-finger-data", fid=2))
    assert r.content == b"OK: 2"
    assert list(FingerTemplate.objects.values_list("device_user_id", flat=True)) == ["101"]
    assert "1 template(s) not stored, no consent" in caplog.text and "PIN=102 FID=2" in caplog.text


def test_a_wrong_key_raises_template_key_error_not_garbage(cast, template_store, settings):
    template_store.consent("101")
    row = FingerTemplate.keep(device_user_id="101", finger=6, raw=RAW, valid=1, source_device=None)
    settings.FINGER_TEMPLATE_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(TemplateKeyError, match="khóa đã cấu hình không khớp"):
        row.read_template(purpose=TemplateAccess.Purpose.EXPORT, acting=cast.hr_a)
    assert not TemplateAccess.objects.exists()  # nothing was read


def test_a_wrong_key_writes_nothing_to_a_clock(cast, emulator, clock, template_store, settings):
    template_store.consent("102")
    FingerTemplate.keep(device_user_id="102", finger=3, raw=RAW, valid=1, source_device=None)
    other = emulator(serial="OTHER")
    device = clock(other, name="other")
    settings.FINGER_TEMPLATE_KEYS = [Fernet.generate_key().decode()]
    with ZKClient("127.0.0.1", other.port) as zk:
        plan, users = make_plan(device, zk)
        assert plan.templates_out == [("102", 3)]
        with pytest.raises(TemplateKeyError):
            apply_plan(device, zk, plan, users)
    assert other.templates() == {} and other.users() == []


def test_storage_on_without_a_key_refuses_to_store(cast, adms, client, settings):
    settings.STORE_FINGER_TEMPLATES, settings.FINGER_TEMPLATE_KEYS = True, []
    from hr_system.models import Consent, Employee

    Consent.objects.create(employee=Employee.objects.get(code="101"), purpose="fingerprint_attendance", evidence="x")
    r = upload(client, fp("101", RAW))
    assert r.status_code == 503  # the clock re-sends once a key is configured
    assert not FingerTemplate.objects.exists()


def test_the_system_check_names_a_missing_or_bad_key(settings, tmp_path, template_key):
    settings.STORE_FINGER_TEMPLATES, settings.FINGER_TEMPLATE_KEYS = True, []
    errors = check_template_keys()
    assert [e.id for e in errors] == ["devices.E001"] and "Chưa cấu hình khóa" in errors[0].msg
    settings.FINGER_TEMPLATE_KEYS = ["not-a-fernet-key"]
    assert "thứ 1 không hợp lệ" in check_template_keys()[0].msg
    assert "not-a-fernet-key" not in check_template_keys()[0].msg  # a key is never quoted
    key_file = tmp_path / "keys"
    key_file.write_text(f"# current first\n{template_key}\n", encoding="utf-8")
    settings.FINGER_TEMPLATE_KEYS, settings.FINGER_TEMPLATE_KEY_FILE = [], str(key_file)
    assert check_template_keys() == []
    settings.STORE_FINGER_TEMPLATES, settings.FINGER_TEMPLATE_KEY_FILE = False, ""
    assert check_template_keys() == []  # off: no key needed


def test_rotation_reencrypts_every_row_then_only_the_new_key_reads_them(cast, template_store, settings, template_key):
    template_store.consent("101", "102")
    for code, finger in (("101", 1), ("101", 2), ("102", 3)):
        FingerTemplate.keep(device_user_id=code, finger=finger, raw=RAW + code.encode(), valid=1, source_device=None)
    new_key = Fernet.generate_key().decode()
    settings.FINGER_TEMPLATE_KEYS = [new_key, template_key]
    out = io.StringIO()
    call_command("rotate_template_keys", "--batch", "2", stdout=out)
    assert "rotated 3, already under the current key 0, unreadable 0" in out.getvalue()
    call_command("rotate_template_keys", stdout=out)  # idempotent
    assert "rotated 0, already under the current key 3" in out.getvalue()
    settings.FINGER_TEMPLATE_KEYS = [new_key]
    assert {
        t.device_user_id + str(t.finger): template_crypto.decrypt(t.template) for t in FingerTemplate.objects.all()
    } == {
        "1011": RAW + b"101",
        "1012": RAW + b"101",
        "1023": RAW + b"102",
    }
    assert AuditLog.objects.filter(action="finger_templates.rotate_keys").count() == 2


def test_rotation_without_the_old_key_reports_unreadable_rows(cast, template_store, settings):
    template_store.consent("101")
    FingerTemplate.keep(device_user_id="101", finger=1, raw=RAW, valid=1, source_device=None)
    settings.FINGER_TEMPLATE_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="1 mẫu vân tay không giải mã được"):
        call_command("rotate_template_keys", stdout=io.StringIO())


def test_every_copy_to_a_clock_is_logged_without_the_template(cast, emulator, clock, template_store):
    template_store.consent("102")
    FingerTemplate.keep(device_user_id="102", finger=3, raw=RAW, valid=1, source_device=None)
    other = emulator(serial="OTHER")
    device = clock(other, name="other")
    with ZKClient("127.0.0.1", other.port) as zk:
        plan, users = make_plan(device, zk)
        apply_plan(device, zk, plan, users, acting_user=cast.hr_a)
    uid = {u.user_id: u.uid for u in other.users()}["102"]
    assert other.templates()[(uid, 3)] == RAW
    access = TemplateAccess.objects.get()
    assert (access.device_user_id, access.finger, access.device, access.purpose, access.user) == (
        "102",
        3,
        device,
        "copy_to_device",
        cast.hr_a,
    )
    assert RAW not in repr(access.__dict__).encode()
    call_command("sync_roster", "--device", "other", stdout=io.StringIO())  # holds it now: no copy, no read
    assert TemplateAccess.objects.count() == 1


def test_a_worker_read_names_the_worker(cast, template_store):
    template_store.consent("101")
    row = FingerTemplate.keep(device_user_id="101", finger=1, raw=RAW, valid=1, source_device=None)
    assert row.read_template(purpose=TemplateAccess.Purpose.COPY_TO_DEVICE, acting="sync_roster") == RAW
    access = TemplateAccess.objects.get()
    assert (access.user, access.worker) == (None, "sync_roster")


def test_with_storage_off_roster_sync_collects_and_copies_nothing(cast, emulator, clock):
    enrolment = emulator(serial="ENROL")
    enrolment.add_user(user_id="102", name="Lo Thi Huong", uid=7)
    enrolment.add_template("102", fid=3)
    clock(enrolment, name="enrol")
    out = io.StringIO()
    call_command("sync_roster", "--device", "enrol", stdout=out)
    assert "Fingerprints not copied: central template storage is off" in out.getvalue()
    assert not FingerTemplate.objects.exists() and not TemplateAccess.objects.exists()


def test_roster_sync_stores_only_consented_templates_and_counts_the_rest(cast, emulator, clock, template_store):
    template_store.consent("101")
    enrolment = emulator(serial="ENROL")
    enrolment.add_user(user_id="101", name="Nguyen Van An", uid=1)
    enrolment.add_user(user_id="102", name="Lo Thi Huong", uid=2)
    enrolment.add_template("101", fid=1)
    enrolment.add_template("102", fid=2)
    device = clock(enrolment, name="enrol")
    with ZKClient("127.0.0.1", enrolment.port) as zk:
        plan, _users = make_plan(device, zk)
    assert (plan.templates_in, plan.templates_without_consent) == (1, 1)
    assert list(FingerTemplate.objects.values_list("device_user_id", flat=True)) == ["101"]


def test_a_template_purged_between_plan_and_apply_is_not_copied(cast, emulator, clock, template_store):
    template_store.consent("102")
    FingerTemplate.keep(device_user_id="102", finger=3, raw=RAW, valid=1, source_device=None)
    other = emulator(serial="OTHER")
    device = clock(other, name="other")
    with ZKClient("127.0.0.1", other.port) as zk:
        plan, users = make_plan(device, zk)
        assert plan.templates_out == [("102", 3)]
        FingerTemplate.objects.all().delete()  # e.g. consent withdrawn meanwhile
        apply_plan(device, zk, plan, users)
    assert other.templates() == {} and not TemplateAccess.objects.exists()
    assert {u.user_id for u in other.users()} == {"101", "102"}  # the roster itself still applied
