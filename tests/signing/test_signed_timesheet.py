"""The C01-HD timesheet signed by the unit head: only a locked month, stored byte for
byte, handed out again as signed, voided by unlocking the month."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model

from attendance import actions
from hr_system import signed_documents, signing
from hr_system.models import AuditLog, Role, SignedDocument, SigningCredential
from tests.pki import P12_PASSPHRASE

JANUARY = dt.date(2026, 1, 1)
QUERY = "unit=P-MC-TH&month=2026-01"
SIGN_URL = "/attendance/timesheet/sign/"
PDF_URL = f"/attendance/timesheet.pdf?{QUERY}"
SIGNED_URL = f"/attendance/timesheet/signed.pdf?{QUERY}"
API = "/api/v1/attendance"


@pytest.fixture
def store(settings, tmp_path, pki):
    settings.SIGNED_DOCUMENTS_DIR = tmp_path / "signed"
    settings.SIGNING_TRUST_ROOTS_DIR = str(pki.roots_dir)
    settings.SIGNING_TSA_URL = ""
    return settings.SIGNED_DOCUMENTS_DIR


@pytest.fixture
def head_credential(cast, make_credential):
    return make_credential(cast.school_a, holder=cast.head_a, purpose=SigningCredential.Purpose.PERSONAL)


def lock_january(cast):
    actions.lock_month(acting_user=cast.hr_a, unit=cast.school_a, month=JANUARY)


def sign_form(credential, secret=P12_PASSPHRASE):
    return {"unit": "P-MC-TH", "month": "2026-01", "credential": str(credential.pk), "secret": secret}


def stored_files(store) -> list:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


def test_unit_head_signs_locked_month_and_download_gives_the_same_signed_bytes(
    cast, login, store, head_credential, pki
):
    lock_january(cast)
    client = login(cast.head_a)
    response = client.post(SIGN_URL, sign_form(head_credential))
    assert response.status_code == 302
    doc = SignedDocument.objects.get(kind=signed_documents.TIMESHEET)
    assert doc.status == SignedDocument.Status.SIGNED
    assert doc.unit == cast.school_a and doc.signed_by == cast.head_a
    assert (store / doc.sha256[:2] / f"{doc.sha256}.pdf").is_file()

    downloaded = client.get(PDF_URL)
    assert downloaded.status_code == 200 and downloaded["Content-Type"] == "application/pdf"
    body = b"".join(downloaded.streaming_content) if downloaded.streaming else downloaded.content
    assert hashlib.sha256(body).hexdigest() == doc.sha256
    assert client.get(SIGNED_URL).content == body

    checks = signing.verify_pdf(body, roots_dir=pki.roots_dir)
    assert signing.overall_status(checks) == "valid"
    assert [c.signer_name for c in checks] == [pki.signer.common_name]
    # The signature was made in the timesheet's reserved slot (a visible field).
    assert checks[0].field_name == "ChuKyNguoiKy"

    audit = AuditLog.objects.get(action="document.sign")
    assert audit.detail["sha256"] == doc.sha256
    assert P12_PASSPHRASE not in str(audit.detail)


def test_signing_before_the_month_is_locked_is_refused(cast, login, store, head_credential):
    client = login(cast.head_a)
    response = client.post(SIGN_URL, sign_form(head_credential), follow=True)
    assert "chưa khóa sổ" in response.content.decode()
    assert not SignedDocument.objects.exists()
    assert stored_files(store) == []


def test_regenerating_a_signed_month_is_refused(cast, login, store, head_credential):
    lock_january(cast)
    client = login(cast.head_a)
    client.post(SIGN_URL, sign_form(head_credential))
    response = client.get(PDF_URL + "&regenerate=1")
    assert response.status_code == 409
    assert "đã được ký số" in response.content.decode()
    # Signing again is refused too: one signed copy per month.
    again = client.post(SIGN_URL, sign_form(head_credential), follow=True)
    assert "đã được ký số" in again.content.decode()
    assert SignedDocument.objects.count() == 1


def test_unlocking_the_month_voids_the_signature_and_allows_regeneration(cast, login, store, head_credential, pki):
    lock_january(cast)
    client = login(cast.head_a)
    client.post(SIGN_URL, sign_form(head_credential))
    doc = SignedDocument.objects.get()

    actions.unlock_month(acting_user=cast.hr_a, unit=cast.school_a, month=JANUARY, reason="Bổ sung đơn nghỉ")
    doc.refresh_from_db()
    assert doc.status == SignedDocument.Status.VOIDED
    assert doc.voided_by == cast.hr_a and doc.voided_at is not None
    assert "Bổ sung đơn nghỉ" in doc.void_reason
    audit = AuditLog.objects.get(action="document.void")
    assert audit.user == cast.hr_a and audit.object_id == str(doc.pk)

    fresh = client.get(PDF_URL)
    assert fresh.status_code == 200
    assert hashlib.sha256(fresh.content).hexdigest() != doc.sha256
    assert signing.verify_pdf(fresh.content, roots_dir=pki.roots_dir) == []
    assert client.get(SIGNED_URL).status_code == 404
    # Locked again, it can be signed again.
    lock_january(cast)
    client.post(SIGN_URL, sign_form(head_credential))
    assert SignedDocument.objects.in_force().count() == 1


def test_wrong_pin_shows_a_vietnamese_error_and_stores_nothing(cast, login, store, head_credential):
    lock_january(cast)
    client = login(cast.head_a)
    response = client.post(SIGN_URL, sign_form(head_credential, secret="sai-mat-khau-123"), follow=True)
    assert "Mật khẩu của tệp khóa không đúng" in response.content.decode()
    assert not SignedDocument.objects.exists()
    assert stored_files(store) == []
    failed = AuditLog.objects.get(action="document.sign_failed")
    assert failed.detail["code"] == "wrong_pin"
    assert "sai-mat-khau-123" not in str(list(AuditLog.objects.values_list("detail", flat=True)))


def test_a_unit_head_of_another_unit_can_neither_sign_nor_download(
    cast, login, store, head_credential, make_credential
):
    """Wrong unit: commune B's unit head gets 404 for commune A's school."""
    lock_january(cast)
    login(cast.head_a).post(SIGN_URL, sign_form(head_credential))
    assert SignedDocument.objects.count() == 1
    head_b = get_user_model().objects.create_user(username="head_b", password="x")
    Role.objects.create(user=head_b, kind=Role.Kind.UNIT_HEAD, unit=cast.office_b)
    own = make_credential(cast.office_b, holder=head_b, purpose=SigningCredential.Purpose.PERSONAL)
    client = login(head_b)
    assert client.post(SIGN_URL, sign_form(own)).status_code == 404
    assert client.get(SIGNED_URL).status_code == 404
    assert client.get(PDF_URL).status_code == 404
    doc = SignedDocument.objects.get()
    assert client.get(f"/signed-documents/{doc.pk}.pdf").status_code == 404
    listing = client.get("/api/v1/signed-documents")
    assert listing.status_code == 200 and listing.json()["count"] == 0


def test_hr_officer_may_read_but_not_sign_the_timesheet(cast, login, store, make_credential):
    lock_january(cast)
    cred = make_credential(cast.school_a, holder=cast.hr_a, purpose=SigningCredential.Purpose.PERSONAL)
    response = login(cast.hr_a).post(SIGN_URL, sign_form(cred))
    assert response.status_code == 403
    assert not SignedDocument.objects.exists()


def test_unit_head_cannot_sign_with_someone_elses_credential(cast, login, store, make_credential):
    lock_january(cast)
    other_head = get_user_model().objects.create_user(username="head_a2", password="x")
    Role.objects.create(user=other_head, kind=Role.Kind.UNIT_HEAD, unit=cast.school_a)
    theirs = make_credential(cast.school_a, holder=other_head, purpose=SigningCredential.Purpose.PERSONAL)
    agency = make_credential(cast.school_a, purpose=SigningCredential.Purpose.AGENCY, identity=None, key_label="agency")
    client = login(cast.head_a)
    for cred in (theirs, agency):
        response = client.post(SIGN_URL, sign_form(cred), follow=True)
        assert "không phải của bạn" in response.content.decode()
    assert not SignedDocument.objects.exists()
    assert stored_files(store) == []


def test_a_stored_file_altered_on_disk_is_refused_with_a_message(cast, login, store, head_credential):
    lock_january(cast)
    client = login(cast.head_a)
    client.post(SIGN_URL, sign_form(head_credential))
    doc = SignedDocument.objects.get()
    path = store / doc.sha256[:2] / f"{doc.sha256}.pdf"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    for url in (PDF_URL, SIGNED_URL, f"/signed-documents/{doc.pk}.pdf"):
        response = client.get(url)
        assert response.status_code == 409, url
        assert "đã bị thay đổi" in response.content.decode()
    api = client.get(f"{API}/timesheet/signed.pdf?{QUERY}")
    assert api.status_code == 409
    assert api.json()["error"]["code"] == "stored_file_damaged"


def test_api_signs_and_lists_in_scope_without_the_secret(cast, login, store, head_credential, pki):
    lock_january(cast)
    client = login(cast.head_a)
    body = {"credential": head_credential.pk, "secret": P12_PASSPHRASE}
    response = client.post(f"{API}/timesheet/sign?{QUERY}", body, content_type="application/json")
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["kind"] == "timesheet" and out["unit"] == "P-MC-TH" and out["status"] == "signed"
    assert "secret" not in out and P12_PASSPHRASE not in response.content.decode()
    signed = client.get(f"{API}/timesheet/signed.pdf?{QUERY}")
    assert hashlib.sha256(signed.content).hexdigest() == out["sha256"]
    assert signing.overall_status(signing.verify_pdf(signed.content, roots_dir=pki.roots_dir)) == "valid"

    again = client.post(f"{API}/timesheet/sign?{QUERY}", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_signed"

    listed = login(cast.hr_a).get("/api/v1/signed-documents").json()
    assert [d["sha256"] for d in listed["items"]] == [out["sha256"]]
    assert "secret" not in str(listed)
    assert login(cast.hr_b).get("/api/v1/signed-documents").json()["count"] == 0


def test_api_wrong_pin_and_unknown_fields(cast, login, store, head_credential):
    lock_january(cast)
    client = login(cast.head_a)
    wrong = client.post(
        f"{API}/timesheet/sign?{QUERY}",
        {"credential": head_credential.pk, "secret": "nope"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_pin"
    assert "không đúng" in wrong.json()["error"]["message"]
    extra = client.post(
        f"{API}/timesheet/sign?{QUERY}",
        {"credential": head_credential.pk, "secret": "x", "pin_hint": "1"},
        content_type="application/json",
    )
    assert extra.status_code == 422
    unlocked = client.post(
        f"{API}/timesheet/sign?unit=P-MC-TH&month=2026-02",
        {"credential": head_credential.pk, "secret": P12_PASSPHRASE},
        content_type="application/json",
    )
    assert unlocked.status_code == 409 and unlocked.json()["error"]["code"] == "not_locked"
    assert not SignedDocument.objects.exists()


def test_signed_documents_page_lists_in_scope(cast, login, store, head_credential):
    lock_january(cast)
    login(cast.head_a).post(SIGN_URL, sign_form(head_credential))
    doc = SignedDocument.objects.get()
    page = login(cast.hr_a).get("/signed-documents/")
    assert page.status_code == 200 and doc.sha256[:16] in page.content.decode()
    other = login(cast.hr_b).get("/signed-documents/")
    assert other.status_code == 200 and doc.sha256[:16] not in other.content.decode()


def test_timesheet_page_shows_the_sign_form_with_a_password_input(cast, login, store, head_credential):
    lock_january(cast)
    page = login(cast.head_a).get(f"/attendance/timesheet/?{QUERY}").content.decode()
    assert 'name="secret"' in page and 'type="password"' in page
    assert head_credential.label in page


def test_unlocking_a_parent_unit_voids_the_signed_sheets_below_it(cast, login, store, head_credential):
    """A lock on the commune freezes its school: lifting it voids the school's signed sheet."""
    actions.lock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=JANUARY)
    client = login(cast.head_a)
    client.post(SIGN_URL, sign_form(head_credential))
    doc = SignedDocument.objects.get()
    actions.unlock_month(acting_user=cast.hr_a, unit=cast.commune_a, month=JANUARY, reason="Sửa")
    doc.refresh_from_db()
    assert doc.status == SignedDocument.Status.VOIDED


def test_unlocking_another_month_or_unit_leaves_the_signature(cast, login, store, head_credential):
    lock_january(cast)
    login(cast.head_a).post(SIGN_URL, sign_form(head_credential))
    actions.lock_month(acting_user=cast.hr_a, unit=cast.school_a, month=dt.date(2026, 2, 1))
    actions.unlock_month(acting_user=cast.hr_a, unit=cast.school_a, month=dt.date(2026, 2, 1), reason="Sửa")
    actions.lock_month(acting_user=cast.hr_b, unit=cast.commune_b, month=JANUARY)
    actions.unlock_month(acting_user=cast.hr_b, unit=cast.commune_b, month=JANUARY, reason="Sửa")
    assert SignedDocument.objects.get().status == SignedDocument.Status.SIGNED


def test_the_secret_is_write_only_in_the_api_schema(client):
    from hr_system.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert schemas["SignIn"]["properties"]["secret"]["writeOnly"] is True
    assert schemas["SignIn"]["additionalProperties"] is False
    assert "secret" not in schemas["SignedDocumentOut"]["properties"]


def test_hostile_credential_ids_are_refused_cleanly(cast, login, store, head_credential):
    lock_january(cast)
    client = login(cast.head_a)
    for bad in ("99999999999999999999999", "-1", "abc", ""):
        page = client.post(SIGN_URL, {**sign_form(head_credential), "credential": bad}, follow=True)
        assert page.status_code == 200 and "không phải của bạn" in page.content.decode()
    api = client.post(
        f"{API}/timesheet/sign?{QUERY}",
        {"credential": 10**30, "secret": "x"},
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["error"]["code"] == "validation_error"
    assert not SignedDocument.objects.exists()


def test_an_expired_certificate_is_refused_in_vietnamese_and_nothing_is_stored(
    cast, login, store, make_credential, pki
):
    lock_january(cast)
    expired = make_credential(
        cast.school_a, holder=cast.head_a, purpose=SigningCredential.Purpose.PERSONAL, identity=pki.expired_signer
    )
    response = login(cast.head_a).post(SIGN_URL, sign_form(expired), follow=True)
    assert "hết hạn" in response.content.decode()
    assert not SignedDocument.objects.exists()
    assert stored_files(store) == []
    assert AuditLog.objects.get(action="document.sign_failed").detail["code"] == "expired_certificate"
