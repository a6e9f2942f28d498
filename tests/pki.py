"""A throw-away PKI for the signing tests, made with `cryptography`.

A root CA and an issuing CA; signer certificates (a valid one, an expired one, one not
yet valid, one from a CA outside the trust roots); a time-stamping authority's
certificate; PKCS#12 files; and a SoftHSM2 token holding keys and certificates under
labels, the way a Government Cipher Committee USB token holds them.

SoftHSM2 reads SOFTHSM2_CONF once, when the PKCS#11 library is first loaded in a process:
`SoftHsmToken.create` sets it in os.environ, so create the token (the `softhsm_token`
fixture, session-scoped) before anything opens the library.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import core as asn1_core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SOFTHSM_UTIL = "/usr/bin/softhsm2-util"
P12_PASSPHRASE = "p12-test-passphrase"
TOKEN_PIN = "246810"
TOKEN_SO_PIN = "13579111"


@dataclass
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    issuer: Identity | None = None

    @property
    def common_name(self) -> str:
        return self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """Unencrypted PKCS#8, what `softhsm2-util --import` reads."""
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def chain(self) -> list[x509.Certificate]:
        """The issuing certificates above this one, nearest first."""
        out, cur = [], self.issuer
        while cur is not None:
            out.append(cur.cert)
            cur = cur.issuer
        return out


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kiểm thử chữ ký số"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_identity(
    common_name: str,
    *,
    issuer: Identity | None = None,
    ca: bool = False,
    tsa: bool = False,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Identity:
    """A certificate issued by `issuer` (self-signed when None)."""
    now = dt.datetime.now(dt.UTC)
    key = _key()
    not_before = not_before or now - dt.timedelta(days=30)
    not_after = not_after or now + dt.timedelta(days=365 * (10 if ca else 2))
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer.cert.subject if issuer else _name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False)
    )
    if ca:
        usage = {"key_cert_sign": True, "crl_sign": True}
    else:
        # pyHanko's validator wants non-repudiation (content_commitment) on a PDF signer.
        usage = {"digital_signature": True, "content_commitment": not tsa}
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    flags.update(usage)
    builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    if tsa:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    cert = builder.sign(signing_key, hashes.SHA256())
    return Identity(key=key, cert=cert, issuer=issuer)


class TestPKI:
    """Everything a signing test needs, written under `directory`.

    `roots_dir` holds only the trusted root; `untrusted_signer` chains to a CA that is
    not in it.
    """

    __test__ = False  # not a test class, despite the name

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        self.root = make_identity("Test Root CA", ca=True)
        self.issuing_ca = make_identity("Test Issuing CA", issuer=self.root, ca=True)
        self.signer = make_identity("Nguyễn Văn Ký", issuer=self.issuing_ca)
        self.agency = make_identity("Ủy ban nhân dân phường Mộc Châu", issuer=self.issuing_ca)
        self.expired_signer = make_identity(
            "Người Ký Hết Hạn",
            issuer=self.issuing_ca,
            not_before=now - dt.timedelta(days=400),
            not_after=now - dt.timedelta(days=2),
        )
        self.future_signer = make_identity(
            "Người Ký Chưa Hiệu Lực",
            issuer=self.issuing_ca,
            not_before=now + dt.timedelta(days=10),
            not_after=now + dt.timedelta(days=400),
        )
        self.other_root = make_identity("Untrusted Root CA", ca=True)
        self.untrusted_signer = make_identity("Người Ký Lạ", issuer=self.other_root)
        self.tsa = make_identity("Test Time Stamping Authority", issuer=self.issuing_ca, tsa=True)
        self.roots_dir = self.directory / "trust-roots"
        self.roots_dir.mkdir(exist_ok=True)
        (self.roots_dir / "test-root.pem").write_bytes(self.root.cert_pem)

    def pkcs12(self, identity: Identity, passphrase: str = P12_PASSPHRASE, name: str | None = None) -> Path:
        """A PKCS#12 file with the key, the certificate and its issuing chain."""
        path = self.directory / f"{name or identity.cert.serial_number}.p12"
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                identity.common_name.encode(),
                identity.key,
                identity.cert,
                identity.chain() or None,
                serialization.BestAvailableEncryption(passphrase.encode()),
            )
        )
        return path


@dataclass
class SoftHsmToken:
    directory: Path
    label: str
    pin: str = TOKEN_PIN
    module: str = SOFTHSM_MODULE

    @classmethod
    def create(
        cls, directory: Path, label: str, keys: dict[str, Identity], ca_certs: list[x509.Certificate] = ()
    ) -> SoftHsmToken:
        """Initialise a token and import each identity's key and certificate under its label,
        and the issuing CAs' certificates (a real token carries its chain as well).

        The certificate is written with python-pkcs11 (Debian's softhsm2-util imports
        keys only); each key and its certificate share CKA_LABEL and CKA_ID.
        """
        directory = Path(directory)
        tokens = directory / "tokens"
        tokens.mkdir(parents=True, exist_ok=True)
        conf = directory / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        run = {"check": True, "capture_output": True, "env": {**os.environ, "SOFTHSM2_CONF": str(conf)}}
        subprocess.run(
            [SOFTHSM_UTIL, "--init-token", "--free", "--label", label, "--pin", TOKEN_PIN, "--so-pin", TOKEN_SO_PIN],
            **run,
        )
        for index, (key_label, identity) in enumerate(keys.items(), start=1):
            pem = directory / f"{key_label}.pem"
            pem.write_bytes(identity.key_pem)
            subprocess.run(
                [SOFTHSM_UTIL, "--import", str(pem), "--token", label, "--label", key_label]
                + ["--id", f"{index:02x}", "--pin", TOKEN_PIN],
                **run,
            )
            pem.unlink()
        token = cls(directory=directory, label=label)
        token._write_certificates(keys, ca_certs)
        return token

    def _write_certificates(self, keys: dict[str, Identity], ca_certs) -> None:
        import pkcs11
        from pkcs11 import Attribute, CertificateType, ObjectClass

        lib = pkcs11.lib(self.module)
        token = lib.get_token(token_label=self.label)
        with token.open(rw=True, user_pin=self.pin) as session:
            entries = [
                (key_label, bytes([i]), identity.cert) for i, (key_label, identity) in enumerate(keys.items(), 1)
            ]
            entries += [(f"ca-{i}", bytes([0x80 + i]), cert) for i, cert in enumerate(ca_certs, 1)]
            for cert_label, cert_id, cert in entries:
                session.create_object(
                    {
                        Attribute.CLASS: ObjectClass.CERTIFICATE,
                        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                        Attribute.TOKEN: True,
                        Attribute.LABEL: cert_label,
                        Attribute.ID: cert_id,
                        Attribute.SUBJECT: cert.subject.public_bytes(),
                        Attribute.ISSUER: cert.issuer.public_bytes(),
                        Attribute.SERIAL_NUMBER: asn1_core.Integer(cert.serial_number).dump(),
                        Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                    }
                )


class LocalTSA:
    """An RFC 3161 time-stamping authority on 127.0.0.1, in a thread, answering with
    pyHanko's DummyTimeStamper signed by `identity` (pki.tsa).

        with LocalTSA(pki.tsa) as url: ...
    """

    def __init__(self, identity: Identity):
        self.identity = identity
        self.requests = 0

    def __enter__(self) -> str:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from asn1crypto import keys, tsp
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        def asn1_cert(cert):
            return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

        key = keys.PrivateKeyInfo.load(
            self.identity.key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        stamper = DummyTimeStamper(
            tsa_cert=asn1_cert(self.identity.cert),
            tsa_key=key,
            certs_to_embed=[asn1_cert(c) for c in self.identity.chain()],
        )
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                response = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                tsa.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(response)))
                self.end_headers()
                self.wfile.write(response)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/tsa"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
