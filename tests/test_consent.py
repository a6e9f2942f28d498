"""Enrolment consent: HR records and withdraws it, in scope; withdrawing deletes templates."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from devices.models import Device, DeviceCommand, FingerTemplate
from hr_system.models import AuditLog, Consent

pytestmark = pytest.mark.django_db

FINGER = "fingerprint_attendance"


@pytest.fixture
def storage_on(settings):
    settings.STORE_FINGER_TEMPLATES = True
    settings.FINGER_TEMPLATE_KEYS = [Fernet.generate_key().decode()]
    settings.FINGER_TEMPLATE_KEY_FILE = ""


def api_record(client, code="101", **body):
    return client.post(
        f"/api/v1/people/employees/{code}/consents",
        {"purpose": FINGER, "evidence": "Phiếu đồng ý số 7/2026", **body},
        content_type="application/json",
    )


def test_hr_records_and_lists_a_consent_through_the_api(cast, login):
    client = login(cast.hr_a)
    r = api_record(client)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["employee"], body["purpose"], body["active"], body["recorded_by"]) == ("101", FINGER, True, "hr_a")
    listed = client.get("/api/v1/people/employees/101/consents").json()
    assert [c["id"] for c in listed] == [body["id"]]
    audit = AuditLog.objects.get(action="consent.record")
    assert audit.detail == {"employee": "101", "purpose": FINGER}  # not the evidence text
    # The person sees their own.
    assert login(cast.staff_user).get("/api/v1/people/employees/101/consents").status_code == 200


def test_a_second_standing_consent_and_bad_input_get_clear_errors(cast, login):
    client = login(cast.hr_a)
    assert api_record(client).status_code == 201
    r = api_record(client)
    assert r.status_code == 422 and "còn hiệu lực" in r.json()["error"]["fields"]["purpose"][0]
    r = api_record(client, evidence="   ")
    assert r.status_code == 422 and "căn cứ" in r.json()["error"]["fields"]["evidence"][0]
    r = api_record(client, purpose="marketing")
    assert r.status_code == 422
    r = api_record(client, extra="x")
    assert r.status_code == 422


def test_wrong_unit_hr_cannot_see_record_or_withdraw(cast, login):
    consent = Consent.objects.create(employee=cast.emp_a, purpose=FINGER, evidence="Phiếu 1")
    other = login(cast.hr_b)
    assert api_record(other).status_code == 404
    assert other.get("/api/v1/people/employees/101/consents").status_code == 404
    assert other.post(f"/api/v1/people/employees/101/consents/{consent.pk}/withdraw").status_code == 404
    assert other.post(f"/employees/101/consents/{consent.pk}/withdraw/").status_code == 404
    assert other.post("/employees/101/consents/", {"purpose": FINGER, "evidence": "x"}).status_code == 404
    # A unit head reads the school's people but not their consents, and changes none.
    head = login(cast.head_a)
    Consent.objects.create(employee=cast.teacher_a, purpose=FINGER, evidence="Phiếu 2")
    assert head.get("/api/v1/people/employees/102/consents").status_code == 403
    assert head.post("/employees/102/consents/", {"purpose": FINGER, "evidence": "x"}).status_code == 403
    # HR of the right commune, but the consent id of a person in another unit.
    duc = Consent.objects.create(employee=cast.emp_b, purpose=FINGER, evidence="Phiếu 3")
    assert login(cast.hr_a).post(f"/employees/101/consents/{duc.pk}/withdraw/").status_code == 404
    assert login(cast.hr_a).post(f"/employees/201/consents/{duc.pk}/withdraw/").status_code == 404
    consent.refresh_from_db()
    duc.refresh_from_db()
    assert consent.withdrawn_at is None and duc.withdrawn_at is None and Consent.objects.count() == 3


def test_withdrawing_deletes_the_stored_templates_and_queues_clock_deletion(cast, login, storage_on):
    adms = Device.objects.create(name="ADMS A", transport="push", serial_number="MCSN0001", unit=cast.commune_a)
    client = login(cast.hr_a)
    consent_id = api_record(client).json()["id"]
    FingerTemplate.keep(device_user_id="101", finger=1, raw=b"finger-one", valid=1, source_device=adms)
    FingerTemplate.keep(device_user_id="101", finger=2, raw=b"finger-two", valid=1, source_device=adms)

    r = client.post(f"/api/v1/people/employees/101/consents/{consent_id}/withdraw")

    assert r.status_code == 200 and r.json()["active"] is False and r.json()["withdrawn_by"] == "hr_a"
    assert not FingerTemplate.objects.filter(device_user_id="101").exists()
    assert list(DeviceCommand.objects.values_list("command", flat=True)) == ["DATA DELETE FINGERTMP PIN=101"]
    audit = AuditLog.objects.get(action="consent.withdraw")
    assert (audit.detail["templates_deleted"], audit.detail["clock_deletions_queued"]) == (2, 1)
    again = client.post(f"/api/v1/people/employees/101/consents/{consent_id}/withdraw")
    assert again.status_code == 422 and "đã được rút lại" in again.json()["error"]["message"] + str(
        again.json()["error"]["fields"]
    )


def test_hr_records_and_withdraws_from_the_employee_page(cast, login, storage_on):
    client = login(cast.hr_a)
    page = client.get("/employees/101/")
    assert "Đồng ý xử lý dữ liệu cá nhân" in page.content.decode() and "Ghi sự đồng ý" in page.content.decode()
    r = client.post("/employees/101/consents/", {"purpose": FINGER, "evidence": "Phiếu đồng ý số 9/2026"}, follow=True)
    assert "Đã ghi sự đồng ý" in r.content.decode() and "Phiếu đồng ý số 9/2026" in r.content.decode()
    consent = Consent.objects.get(employee=cast.emp_a)
    FingerTemplate.keep(device_user_id="101", finger=1, raw=b"finger-one", valid=1, source_device=None)
    r = client.post(f"/employees/101/consents/{consent.pk}/withdraw/", follow=True)
    assert "Đã xóa 1 mẫu vân tay" in r.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == cast.hr_a
    assert not FingerTemplate.objects.exists()
    bad = client.post("/employees/101/consents/", {"purpose": FINGER, "evidence": ""}, follow=True)
    assert bad.status_code == 200 and "Chưa ghi sự đồng ý" in bad.content.decode()
    future = client.post(
        "/employees/101/consents/", {"purpose": FINGER, "evidence": "Phiếu 10", "given_on": "31/12/2099"}, follow=True
    )
    assert "không được ở tương lai" in future.content.decode()
    r = client.post("/employees/101/consents/", {"purpose": FINGER, "evidence": "Phiếu 11", "given_on": "02/03/2026"})
    assert r.status_code == 302
    signed = Consent.objects.get(employee=cast.emp_a, withdrawn_at__isnull=True)
    assert timezone.localtime(signed.given_at).date() == dt.date(2026, 3, 2)


def test_the_person_sees_their_consents_but_a_colleague_does_not(cast, login):
    Consent.objects.create(employee=cast.emp_a, purpose=FINGER, evidence="Phiếu đồng ý số 3/2026")
    own = login(cast.staff_user).get("/employees/101/").content.decode()
    assert "Phiếu đồng ý số 3/2026" in own and "Ghi việc rút lại" not in own
    head = login(cast.head_a).get("/employees/102/").content.decode()
    assert "Đồng ý xử lý dữ liệu cá nhân" not in head
