"""A demo signing credential, so `make demo` lets one try signed timesheets.

Everything here is a DEMO: a certificate authority made on this machine at seed time
(its certificate goes into the trust roots directory, so `verify_pdf` accepts the demo's
signatures and no other machine does), and a PKCS#12 file for the demo school's head.
The names say "DEMO — không có giá trị pháp lý" so no one mistakes a demo signature for
a real one. The passphrase is random, written to a file only the owner can read; the
seed prints that file's path, never the passphrase.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.contrib.auth import get_user_model

from hr_system.models import Role, SigningCredential

DEMO_MARK = "DEMO — không có giá trị pháp lý"
DEMO_SIGNER = "hieutruong.mocchau"
CREDENTIAL_LABEL = "Chứng thư DEMO của Hiệu trưởng"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_MARK),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(subject, issuer_name, public_key, signing_key, *, ca: bool, days: int) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    return builder.sign(signing_key, hashes.SHA256())


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def seed(directory: Path | None = None, roots_dir: Path | None = None) -> dict:
    """Make (once) the demo CA and the school head's PKCS#12, and register the credential.
    Returns paths only."""
    directory = Path(directory or Path(settings.BASE_DIR) / "var" / "demo-signing")
    roots_dir = Path(roots_dir or settings.SIGNING_TRUST_ROOTS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    roots_dir.mkdir(parents=True, exist_ok=True)
    p12_path = directory / "hieutruong-mocchau-DEMO.p12"
    passphrase_path = directory / "passphrase-DEMO.txt"
    ca_path = roots_dir / "demo-ca-DEMO.pem"
    if not (p12_path.exists() and passphrase_path.exists() and ca_path.exists()):
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # X.509 caps a common name at 64 characters; the organisation says "no legal value".
        ca_name = _name("Tổ chức chứng thực thử nghiệm (DEMO)")
        ca_cert = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True, days=3650)
        user = get_user_model().objects.filter(username=DEMO_SIGNER).first()
        holder_name = (user.get_full_name() if user else "") or "Hiệu trưởng Trường Tiểu học Mộc Châu"
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _certificate(_name(f"{holder_name[:56]} (DEMO)"), ca_name, key.public_key(), ca_key, ca=False, days=730)
        passphrase = secrets.token_urlsafe(12)
        _write_private(
            p12_path,
            pkcs12.serialize_key_and_certificates(
                b"demo", key, cert, [ca_cert], serialization.BestAvailableEncryption(passphrase.encode())
            ),
        )
        _write_private(passphrase_path, (passphrase + "\n").encode())
        ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    user = get_user_model().objects.filter(username=DEMO_SIGNER).first()
    role = Role.objects.filter(user=user, kind=Role.Kind.UNIT_HEAD).select_related("unit").first() if user else None
    unit = role.unit if role else None
    credential = None
    if unit is not None and user is not None:
        credential, _ = SigningCredential.objects.update_or_create(
            unit=unit,
            holder=user,
            label=CREDENTIAL_LABEL,
            defaults={
                "purpose": SigningCredential.Purpose.PERSONAL,
                "kind": SigningCredential.Kind.PKCS12,
                "pkcs12_path": str(p12_path),
                "active": True,
            },
        )
    return {"credential": credential, "pkcs12": p12_path, "passphrase_file": passphrase_path, "ca": ca_path}
