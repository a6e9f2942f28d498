"""`make demo`'s signing credential: a DEMO certificate for the demo school head, whose
CA is in the trust roots, that signs a timesheet verify_pdf accepts; the seed prints
paths, never the passphrase."""

from __future__ import annotations

import io

from django.core.management import call_command

from hr_system import signing
from hr_system.models import SigningCredential
from tests.signing.helpers import blank_pdf


def test_demo_seed_makes_a_working_demo_credential_and_prints_no_secret(db, tmp_path):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    args = ["--dir", str(tmp_path / "demo"), "--roots", str(tmp_path / "roots")]
    call_command("seed_demo_signing", *args, stdout=out)
    call_command("seed_demo_signing", *args, stdout=io.StringIO())  # idempotent
    credential = SigningCredential.objects.get()
    assert credential.holder.username == "hieutruong.mocchau"
    assert credential.purpose == SigningCredential.Purpose.PERSONAL
    passphrase = (tmp_path / "demo" / "passphrase-DEMO.txt").read_text().strip()
    assert passphrase and passphrase not in out.getvalue()
    assert (tmp_path / "demo" / "passphrase-DEMO.txt").stat().st_mode & 0o077 == 0

    info = signing.SignerInfo(name="Hiệu trưởng", position="Hiệu trưởng", agency="Trường Tiểu học Mộc Châu")
    signed = signing.sign_pdf(
        blank_pdf(), credential=credential, secret=passphrase, info=info, field_name="Demo", tsa_url=""
    )
    checks = signing.verify_pdf(signed, roots_dir=tmp_path / "roots")
    assert signing.overall_status(checks) == "valid"
    assert "DEMO" in checks[0].signer_name
