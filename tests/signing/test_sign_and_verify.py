"""sign_pdf + verify_pdf with a PKCS#12 file and with a PKCS#11 (SoftHSM2) token."""

from __future__ import annotations

import pytest

from hr_system.models import SigningCredential
from hr_system.signing import SignerInfo, SigningError, overall_status, sign_pdf, verify_pdf
from tests.signing.helpers import blank_pdf

INFO = SignerInfo(name="Nguyễn Văn Ký", position="Chủ tịch", agency="UBND phường Mộc Châu")


def test_pkcs12_signature_verifies_valid_with_the_signer_name(cast, pki, make_credential):
    credential = make_credential(cast.commune_a)
    signed = sign_pdf(
        blank_pdf(), credential=credential, secret=P12(), info=INFO, field_name="signer", box=(-1, 300, 60, 540, 140)
    )
    checks = verify_pdf(signed, roots_dir=pki.roots_dir)
    assert [c.status for c in checks] == ["valid"], checks
    assert checks[0].signer_name == "Nguyễn Văn Ký"
    assert checks[0].chain == ["Nguyễn Văn Ký", "Test Issuing CA", "Test Root CA"]
    assert checks[0].covers_whole_file
    assert overall_status(checks) == "valid"


def test_pkcs11_token_signature_verifies_valid(cast, pki, make_credential, softhsm_token):
    credential = make_credential(cast.commune_a, SigningCredential.Kind.PKCS11, key_label="signer")
    signed = sign_pdf(blank_pdf(), credential=credential, secret=softhsm_token.pin, info=INFO, field_name="signer")
    checks = verify_pdf(signed, roots_dir=pki.roots_dir)
    assert [(c.status, c.signer_name) for c in checks] == [("valid", "Nguyễn Văn Ký")], checks


def test_wrong_pin_on_the_token_is_refused(cast, make_credential, softhsm_token):
    credential = make_credential(cast.commune_a, SigningCredential.Kind.PKCS11)
    with pytest.raises(SigningError) as err:
        sign_pdf(blank_pdf(), credential=credential, secret="000000", info=INFO, field_name="signer")
    assert err.value.code == "wrong_pin"


def test_wrong_pkcs12_passphrase_is_refused(cast, make_credential):
    credential = make_credential(cast.commune_a)
    with pytest.raises(SigningError) as err:
        sign_pdf(blank_pdf(), credential=credential, secret="not-the-passphrase", info=INFO, field_name="signer")
    assert err.value.code == "wrong_pin"


def P12():  # noqa: N802
    from tests.pki import P12_PASSPHRASE

    return P12_PASSPHRASE


def test_signing_time_is_shown_in_vietnam_time():
    import datetime as dt

    from hr_system.signing import format_local_time

    assert format_local_time(dt.datetime(2026, 1, 31, 17, 0, 5, tzinfo=dt.UTC)) == "01/02/2026 00:00:05 +07:00"


def test_the_given_signing_time_is_the_signatures(cast, pki, make_credential):
    import datetime as dt

    when = dt.datetime(2026, 11, 30, 2, 15, 0, tzinfo=dt.UTC)
    signed = sign_pdf(
        blank_pdf(), credential=make_credential(cast.commune_a), secret=P12(), info=INFO, field_name="s", when=when
    )
    [check] = verify_pdf(signed, roots_dir=pki.roots_dir)
    assert check.signed_at == when
    assert check.signed_at_local == "30/11/2026 09:15:00 +07:00"
