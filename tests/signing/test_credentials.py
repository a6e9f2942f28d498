"""Credential configuration: scoped to the officer's subtree, audited, never a secret."""

from __future__ import annotations

from hr_system import access
from hr_system.models import AuditLog, SigningCredential
from tests.pki import P12_PASSPHRASE


def test_credentials_for_is_the_officers_subtree(cast, make_credential):
    mine = make_credential(cast.office_a)
    theirs = make_credential(cast.office_b)
    assert list(access.credentials_for(cast.hr_a)) == [mine]
    assert set(access.credentials_for(cast.admin)) == {mine, theirs}
    assert list(access.credentials_for(cast.head_a)) == []  # a unit head configures nothing


def test_another_units_credential_is_not_found(cast, login, make_credential):
    theirs = make_credential(cast.office_b)
    client = login(cast.hr_a)
    for url in (
        f"/signatures/credentials/{theirs.pk}/",
        f"/signatures/credentials/{theirs.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/signatures/credentials/{theirs.pk}/try/", {"secret": P12_PASSPHRASE}).status_code == 404
    assert not AuditLog.objects.filter(action__startswith="signing_credential").exists()


def test_list_shows_only_the_subtree(cast, login, make_credential):
    make_credential(cast.office_a, label="Khóa Mộc Châu")
    make_credential(cast.office_b, label="Khóa Đoàn Kết")
    body = login(cast.hr_a).get("/signatures/credentials/").content.decode()
    assert "Khóa Mộc Châu" in body
    assert "Khóa Đoàn Kết" not in body


def test_employee_without_role_may_not_configure(cast, login):
    assert login(cast.staff_user).get("/signatures/credentials/").status_code == 403


def test_create_agency_token_credential_is_audited(cast, login):
    response = login(cast.hr_a).post(
        "/signatures/credentials/new/",
        {
            "unit": cast.office_a.pk,
            "purpose": "agency",
            "kind": "pkcs11",
            "label": "Token UBND",
            "pkcs11_module": "/usr/lib/softhsm/libsofthsm2.so",
            "token_label": "UBND-TOKEN",
            "key_label": "agency",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    credential = SigningCredential.objects.get()
    assert (credential.unit, credential.created_by, credential.kind) == (cast.office_a, cast.hr_a, "pkcs11")
    entry = AuditLog.objects.get(action="signing_credential.create")
    assert entry.detail["unit"] == cast.office_a.code
    assert entry.detail["changes"]["token_label"] == "UBND-TOKEN"


def test_create_for_another_unit_is_refused(cast, login):
    response = login(cast.hr_a).post(
        "/signatures/credentials/new/",
        {"unit": cast.office_b.pk, "purpose": "agency", "kind": "pkcs12", "label": "x", "pkcs12_path": "/srv/k.p12"},
    )
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert not SigningCredential.objects.exists()


def test_module_outside_the_allow_list_is_refused(cast, login):
    response = login(cast.hr_a).post(
        "/signatures/credentials/new/",
        {
            "unit": cast.office_a.pk,
            "purpose": "agency",
            "kind": "pkcs11",
            "label": "x",
            "pkcs11_module": "/tmp/evil.so",
            "token_label": "T",
        },
    )
    assert response.status_code == 400
    assert "pkcs11_module" in response.context["form"].errors
    assert not SigningCredential.objects.exists()


def test_pkcs12_path_must_be_an_absolute_p12_file(cast, login):
    response = login(cast.hr_a).post(
        "/signatures/credentials/new/",
        {"unit": cast.office_a.pk, "purpose": "agency", "kind": "pkcs12", "label": "x", "pkcs12_path": "/etc/shadow"},
    )
    assert response.status_code == 400
    assert "tệp .p12" in response.content.decode()


def test_personal_credential_needs_a_holder_in_scope(cast, login):
    form = {"unit": cast.office_a.pk, "purpose": "personal", "kind": "pkcs12", "label": "x", "pkcs12_path": "/k.p12"}
    response = login(cast.hr_a).post("/signatures/credentials/new/", form)
    assert response.status_code == 400
    assert "holder" in response.context["form"].errors
    response = login(cast.hr_a).post("/signatures/credentials/new/", {**form, "holder": cast.staff_user.pk})
    assert response.status_code == 302
    assert SigningCredential.objects.get().holder == cast.staff_user


def test_try_sign_shows_the_certificate(cast, login, make_credential):
    credential = make_credential(cast.office_a)
    response = login(cast.hr_a).post(f"/signatures/credentials/{credential.pk}/try/", {"secret": P12_PASSPHRASE})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ký thử thành công" in body
    assert "Nguyễn Văn Ký" in body
    assert P12_PASSPHRASE not in body
    assert "no-store" in response["Cache-Control"]
    assert AuditLog.objects.get(action="signing_credential.test").detail == {"outcome": "ok"}


def test_try_sign_with_wrong_pin_on_the_token_says_so(cast, login, make_credential, softhsm_token):
    credential = make_credential(cast.office_a, SigningCredential.Kind.PKCS11)
    response = login(cast.hr_a).post(f"/signatures/credentials/{credential.pk}/try/", {"secret": "999999"})
    assert response.status_code == 400
    assert "Mã PIN của thiết bị ký số không đúng" in response.content.decode()
    assert "999999" not in response.content.decode()
    assert AuditLog.objects.get(action="signing_credential.test").detail == {"outcome": "wrong_pin"}


def test_credential_never_stores_a_secret():
    names = {f.name for f in SigningCredential._meta.get_fields()}
    assert not {n for n in names if any(w in n for w in ("pin", "pass", "secret", "key_data"))}


def test_describe_names_the_place_not_a_secret(cast, make_credential, softhsm_token):
    token = make_credential(cast.office_a, SigningCredential.Kind.PKCS11, key_label="agency", label="UBND")
    assert token.describe() == "UBND — Chữ ký của người ký — Thiết bị ký số (USB token, PKCS#11) (TEST-TOKEN/agency)"
