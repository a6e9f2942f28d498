"""Fixtures for signed-PDF tests: a test PKI, PKCS#12 files and a SoftHSM2 token.

Registered for the whole run by `pytest_plugins` in tests/conftest.py, so every package
shares one PKI and one token.
"""

from __future__ import annotations

import pytest

from hr_system.models import SigningCredential
from tests.pki import P12_PASSPHRASE, SoftHsmToken, TestPKI

__all__ = ["pki", "softhsm_token", "make_credential", "P12_PASSPHRASE"]

TOKEN_LABEL = "TEST-TOKEN"


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> TestPKI:
    return TestPKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def softhsm_token(pki, tmp_path_factory) -> SoftHsmToken:
    """One token for the whole session (SoftHSM2 reads its configuration once per
    process): keys "signer", "agency" and "expired" with their certificates."""
    return SoftHsmToken.create(
        tmp_path_factory.mktemp("softhsm"),
        TOKEN_LABEL,
        {"signer": pki.signer, "agency": pki.agency, "expired": pki.expired_signer},
        ca_certs=[pki.issuing_ca.cert],
    )


@pytest.fixture
def make_credential(db, pki, request):
    """make_credential(unit, kind="pkcs12"|"pkcs11", identity=pki.signer, key_label="signer", **fields).

    A PKCS#12 credential gets a file protected by P12_PASSPHRASE; a PKCS#11 one points
    at the session's SoftHSM token (PIN: `softhsm_token.pin`).
    """

    def _make(unit, kind="pkcs12", *, identity=None, key_label="signer", **fields):
        fields.setdefault("label", f"{kind} {key_label}")
        if kind == SigningCredential.Kind.PKCS12:
            fields["pkcs12_path"] = str(pki.pkcs12(identity or pki.signer))
        else:
            token = request.getfixturevalue("softhsm_token")
            fields.update(pkcs11_module=token.module, token_label=token.label, key_label=key_label)
        return SigningCredential.objects.create(unit=unit, kind=kind, **fields)

    return _make
