"""What verify_pdf says about an expired, untrusted, modified or appended-to signature,
a second (agency) signature and a timestamp; what sign_pdf refuses."""

from __future__ import annotations

import datetime as dt
import socket
from io import BytesIO

import pytest

from hr_system import signing
from hr_system.models import SigningCredential
from hr_system.signing import SignerInfo, SigningError, overall_status, sign_pdf, verify_pdf
from tests.pki import P12_PASSPHRASE, LocalTSA
from tests.signing.helpers import blank_pdf

INFO = SignerInfo(name="Nguyễn Văn Ký", position="Chủ tịch", agency="UBND phường Mộc Châu")
BOX = (-1, 330, 60, 530, 130)


@pytest.fixture
def signed(cast, make_credential):
    return sign_pdf(
        blank_pdf(),
        credential=make_credential(cast.commune_a),
        secret=P12_PASSPHRASE,
        info=INFO,
        field_name="signer",
        box=BOX,
    )


def test_expired_certificate_is_refused_before_signing(cast, pki, make_credential):
    credential = make_credential(cast.commune_a, identity=pki.expired_signer)
    with pytest.raises(SigningError) as err:
        sign_pdf(blank_pdf(), credential=credential, secret=P12_PASSPHRASE, info=INFO, field_name="signer")
    assert err.value.code == "expired_certificate"
    assert "hết hạn" in err.value.message


def test_not_yet_valid_certificate_is_refused(cast, pki, make_credential):
    credential = make_credential(cast.commune_a, identity=pki.future_signer)
    with pytest.raises(SigningError) as err:
        sign_pdf(blank_pdf(), credential=credential, secret=P12_PASSPHRASE, info=INFO, field_name="signer")
    assert err.value.code == "not_yet_valid"


def test_expired_token_certificate_is_refused(cast, make_credential, softhsm_token):
    credential = make_credential(cast.commune_a, SigningCredential.Kind.PKCS11, key_label="expired")
    with pytest.raises(SigningError) as err:
        sign_pdf(blank_pdf(), credential=credential, secret=softhsm_token.pin, info=INFO, field_name="signer")
    assert err.value.code == "expired_certificate"


def test_signature_by_an_expired_certificate_is_reported_expired(cast, pki, make_credential, monkeypatch):
    # Sign past our own pre-check, as another tool would.
    monkeypatch.setattr(signing, "_check_validity", lambda info, when: None)
    credential = make_credential(cast.commune_a, identity=pki.expired_signer)
    pdf = sign_pdf(blank_pdf(), credential=credential, secret=P12_PASSPHRASE, info=INFO, field_name="signer")
    checks = verify_pdf(pdf, roots_dir=pki.roots_dir)
    assert [c.status for c in checks] == ["expired"]
    assert overall_status(checks) == "expired"


def test_signer_outside_the_trust_roots_is_untrusted(cast, pki, make_credential):
    credential = make_credential(cast.commune_a, identity=pki.untrusted_signer)
    pdf = sign_pdf(blank_pdf(), credential=credential, secret=P12_PASSPHRASE, info=INFO, field_name="signer")
    checks = verify_pdf(pdf, roots_dir=pki.roots_dir)
    assert [c.status for c in checks] == ["untrusted"]
    assert checks[0].chain == ["Người Ký Lạ", "Untrusted Root CA"]
    assert checks[0].covers_whole_file


def test_empty_trust_roots_make_a_good_signature_untrusted(signed, tmp_path):
    assert [c.status for c in verify_pdf(signed, roots_dir=tmp_path)] == ["untrusted"]


def test_one_byte_changed_inside_the_signed_range_is_not_valid(signed, pki):
    at = signed.index(b"WeasyPrint")
    tampered = signed[:at] + b"X" + signed[at + 1 :]
    assert len(tampered) == len(signed)
    checks = verify_pdf(tampered, roots_dir=pki.roots_dir)
    assert [c.status for c in checks] in (["modified"], ["invalid"])
    assert overall_status(checks) != "valid"


def test_bytes_appended_after_signing_are_modified(signed, pki):
    checks = verify_pdf(signed + b"\n%% appended after signing\n1 0 obj (x) endobj\n", roots_dir=pki.roots_dir)
    assert [c.status for c in checks] == ["modified"]
    assert not checks[0].covers_whole_file


def test_an_incremental_update_changing_the_page_is_modified(signed, pki):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed))
    stroke = writer.add_object(generic.StreamObject(stream_data=b"0 0 m 500 500 l S"))
    writer.add_stream_to_page(0, stroke)
    out = BytesIO()
    writer.write(out)
    checks = verify_pdf(out.getvalue(), roots_dir=pki.roots_dir)
    assert [c.status for c in checks] == ["modified"]


def test_agency_second_signature_keeps_both_valid(cast, pki, make_credential, softhsm_token, signed):
    agency = make_credential(
        cast.commune_a, SigningCredential.Kind.PKCS11, key_label="agency", purpose=SigningCredential.Purpose.AGENCY
    )
    twice = sign_pdf(
        signed,
        credential=agency,
        secret=softhsm_token.pin,
        field_name="agency",
        box=(-1, 290, 60, 360, 130),
        info=SignerInfo(name="", position="", agency="Ủy ban nhân dân phường Mộc Châu"),
    )
    assert twice.startswith(signed)  # incremental: the first signature's bytes are untouched
    checks = verify_pdf(twice, roots_dir=pki.roots_dir)
    assert [(c.field_name, c.status) for c in checks] == [("signer", "valid"), ("agency", "valid")]
    assert checks[1].signer_name == "Ủy ban nhân dân phường Mộc Châu"
    assert [c.covers_whole_file for c in checks] == [False, True]
    assert overall_status(checks) == "valid"


def test_timestamp_from_the_local_tsa_is_reported(cast, pki, make_credential):
    tsa = LocalTSA(pki.tsa)
    with tsa as url:
        pdf = sign_pdf(
            blank_pdf(),
            credential=make_credential(cast.commune_a),
            secret=P12_PASSPHRASE,
            info=INFO,
            field_name="signer",
            tsa_url=url,
        )
    assert tsa.requests >= 1
    checks = verify_pdf(pdf, roots_dir=pki.roots_dir)
    assert [(c.status, c.timestamped) for c in checks] == [("valid", True)]
    assert abs(checks[0].signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_without_a_tsa_the_signature_is_not_timestamped(signed, pki):
    assert [c.timestamped for c in verify_pdf(signed, roots_dir=pki.roots_dir)] == [False]


def test_tsa_from_settings_is_used_when_none_is_given(cast, pki, make_credential, settings):
    with LocalTSA(pki.tsa) as url:
        settings.SIGNING_TSA_URL = url
        pdf = sign_pdf(
            blank_pdf(),
            credential=make_credential(cast.commune_a),
            secret=P12_PASSPHRASE,
            info=INFO,
            field_name="signer",
        )
    assert [c.timestamped for c in verify_pdf(pdf, roots_dir=pki.roots_dir)] == [True]


def test_unreachable_tsa_fails_the_signing(cast, make_credential):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SigningError) as err:
        sign_pdf(
            blank_pdf(),
            credential=make_credential(cast.commune_a),
            secret=P12_PASSPHRASE,
            info=INFO,
            field_name="signer",
            tsa_url=f"http://127.0.0.1:{port}/tsa",
        )
    assert err.value.code == "tsa_failed"


def test_not_a_pdf_is_bad_pdf(pki):
    for data in (b"", b"hello", b"PK\x03\x04 zip", b"%PDF-1.7\n garbage"):
        with pytest.raises(SigningError) as err:
            verify_pdf(data, roots_dir=pki.roots_dir)
        assert err.value.code == "bad_pdf", data


def test_unsigned_pdf_has_no_checks(pki):
    checks = verify_pdf(blank_pdf(), roots_dir=pki.roots_dir)
    assert checks == []
    assert overall_status(checks) == "unsigned"


def test_missing_pkcs12_file_and_inactive_credential_are_no_credential(cast, make_credential):
    credential = make_credential(cast.commune_a)
    credential.pkcs12_path = "/nonexistent/file.p12"
    with pytest.raises(SigningError) as err:
        sign_pdf(blank_pdf(), credential=credential, secret=P12_PASSPHRASE, info=INFO, field_name="signer")
    assert err.value.code == "no_credential"
    inactive = make_credential(cast.commune_a, active=False)
    with pytest.raises(SigningError) as err:
        sign_pdf(blank_pdf(), credential=inactive, secret=P12_PASSPHRASE, info=INFO, field_name="signer")
    assert err.value.code == "no_credential"


def test_unknown_token_is_token_unavailable(cast, make_credential, softhsm_token):
    credential = make_credential(cast.commune_a, SigningCredential.Kind.PKCS11)
    credential.token_label = "NO-SUCH-TOKEN"
    with pytest.raises(SigningError) as err:
        sign_pdf(blank_pdf(), credential=credential, secret=softhsm_token.pin, info=INFO, field_name="signer")
    assert err.value.code == "token_unavailable"


def test_certificate_of_names_the_holder(cast, make_credential, softhsm_token):
    info = signing.certificate_of(make_credential(cast.commune_a, SigningCredential.Kind.PKCS11), softhsm_token.pin)
    assert info.common_name == "Nguyễn Văn Ký"
    assert info.not_after > dt.datetime.now(dt.UTC)


def test_signing_the_same_field_twice_is_refused(cast, make_credential, signed):
    with pytest.raises(SigningError) as err:
        sign_pdf(
            signed,
            credential=make_credential(cast.commune_a),
            secret=P12_PASSPHRASE,
            info=INFO,
            field_name="signer",
        )
    assert err.value.code == "bad_pdf"
    assert "đã có chữ ký" in err.value.message


def test_signing_something_that_is_not_a_pdf_is_bad_pdf(cast, make_credential):
    with pytest.raises(SigningError) as err:
        sign_pdf(
            b"not a pdf", credential=make_credential(cast.commune_a), secret=P12_PASSPHRASE, info=INFO, field_name="s"
        )
    assert err.value.code == "bad_pdf"


def test_a_changed_signature_value_is_invalid(signed, pki):
    # The /Contents hex string is outside the signed byte range: changing the signature
    # value itself keeps the document digest but breaks the signature.
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    end = signed.index(b">", start)
    blob = signed[start:end].rstrip(b"0")
    at = start + len(blob) - 40  # inside the RSA signature value, near the end of the CMS
    flipped = b"0" if signed[at : at + 1] != b"0" else b"1"
    tampered = signed[:at] + flipped + signed[at + 1 :]
    checks = verify_pdf(tampered, roots_dir=pki.roots_dir)
    assert [c.status for c in checks] == ["invalid"]
