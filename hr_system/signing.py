"""Digitally signed PDFs (PAdES) with pyHanko: sign with a unit's credential, verify.

Decree 30/2020/NĐ-CP: an electronic official document has the paper original's legal
value when it is digitally signed by the competent person and by the agency (Arts. 5,
13(7), 17(2)); the visible signature shows who signed, in which capacity, for which
agency and when, the time with its offset (+07:00) (Appendix I).

The key is either in a PKCS#12 file on the server or on a PKCS#11 token (the USB tokens
the Government Cipher Committee issues; SoftHSM2 in tests). The PIN or passphrase is a
parameter of `sign_pdf` only: it is never stored, logged or put in an exception message.
Verification never fetches anything from the network: the chain must reach a CA
certificate in the configured trust-roots directory.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hr_system.models import SigningCredential

logger = logging.getLogger(__name__)

# Codes callers may branch on; the message is what a page shows.
ERROR_CODES = (
    "wrong_pin",
    "no_credential",
    "token_unavailable",
    "expired_certificate",
    "not_yet_valid",
    "bad_pdf",
    "tsa_failed",
)

STATUS_LABELS = {
    "valid": gettext_noop("Hợp lệ"),
    "invalid": gettext_noop("Không hợp lệ"),
    "modified": gettext_noop("Đã bị sửa sau khi ký"),
    "untrusted": gettext_noop("Không tin cậy được chứng thư"),
    "expired": gettext_noop("Chứng thư hết hạn khi ký"),
    "unsigned": gettext_noop("Chưa được ký số"),
}


class SigningError(Exception):
    """A signing or verification step failed for a reason the user can act on."""

    def __init__(self, code: str, message: str):
        assert code in ERROR_CODES, code
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class SignerInfo:
    """What the visible signature block says (Decree 30/2020, Appendix I)."""

    name: str
    position: str
    agency: str
    reason: str = ""
    location: str = ""


@dataclass(frozen=True)
class CertificateInfo:
    common_name: str
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime


@dataclass(frozen=True)
class SignatureCheck:
    field_name: str
    status: str  # "valid" | "invalid" | "modified" | "untrusted" | "expired"
    signer_name: str
    signer_subject: str
    signed_at: dt.datetime | None
    timestamped: bool
    chain: list[str] = field(default_factory=list)
    covers_whole_file: bool = False
    message: str = ""

    @property
    def status_label(self) -> str:
        return _(STATUS_LABELS[self.status])

    @property
    def signed_at_local(self) -> str:
        return format_local_time(self.signed_at) if self.signed_at else ""


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.SIGNING_TIMEZONE)


def format_local_time(when: dt.datetime) -> str:
    """`dd/mm/yyyy HH:MM:SS +07:00`, the form printed in the signature block."""
    local = when.astimezone(local_zone())
    offset = local.strftime("%z")
    return local.strftime("%d/%m/%Y %H:%M:%S ") + f"{offset[:3]}:{offset[3:]}"


# --- credentials ----------------------------------------------------------------------


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _cn(name: asn1_x509.Name) -> str:
    return name.native.get("common_name", "") if name is not None else ""


def _cert_info(cert: asn1_x509.Certificate) -> CertificateInfo:
    validity = cert["tbs_certificate"]["validity"]
    return CertificateInfo(
        common_name=_cn(cert.subject),
        subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
    )


def _load_pkcs12_signer(credential: SigningCredential, secret: str):
    from pyhanko.sign import signers

    try:
        data = Path(credential.pkcs12_path).read_bytes()
    except OSError:
        raise SigningError(
            "no_credential", _("Không đọc được tệp khóa PKCS#12 đã cấu hình cho chứng thư này.")
        ) from None
    try:
        return signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=secret.encode() or None)
    except ValueError:
        # cryptography cannot tell a wrong passphrase from a damaged file.
        raise SigningError("wrong_pin", _("Mật khẩu của tệp khóa không đúng (hoặc tệp không phải PKCS#12).")) from None


@contextmanager
def _open_signer(credential: SigningCredential, secret: str) -> Iterator[object]:
    """A pyHanko signer for the credential; a token session is closed on exit."""
    if credential is None or not credential.active:
        raise SigningError("no_credential", _("Chưa có chứng thư ký số đang dùng cho việc ký này."))
    if credential.kind == SigningCredential.Kind.PKCS12:
        yield _load_pkcs12_signer(credential, secret)
        return

    import pkcs11.exceptions as p11_errors
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11 as hanko_p11

    if credential.pkcs11_module not in settings.SIGNING_PKCS11_MODULES:
        # Loading a PKCS#11 module runs its code here: only the administrator's list.
        raise SigningError(
            "token_unavailable", _("Thư viện PKCS#11 của chứng thư này không nằm trong danh sách được phép.")
        )
    if not secret:
        raise SigningError("wrong_pin", _("Cần nhập mã PIN của thiết bị ký số."))
    try:
        session = hanko_p11.open_pkcs11_session(
            credential.pkcs11_module, token_criteria=TokenCriteria(label=credential.token_label), user_pin=secret
        )
    except (p11_errors.PinIncorrect, p11_errors.PinInvalid, p11_errors.PinLenRange):
        raise SigningError("wrong_pin", _("Mã PIN của thiết bị ký số không đúng.")) from None
    except p11_errors.PinLocked:
        raise SigningError(
            "token_unavailable", _("Thiết bị ký số đã bị khóa do nhập sai mã PIN nhiều lần; liên hệ bộ phận CNTT.")
        ) from None
    except (hanko_p11.PKCS11Error, p11_errors.PKCS11Error, OSError, RuntimeError):
        raise SigningError(
            "token_unavailable",
            _("Không kết nối được thiết bị ký số “%(token)s”: kiểm tra thiết bị đã cắm và trình điều khiển.")
            % {"token": credential.token_label},
        ) from None
    try:
        label = credential.key_label or credential.token_label
        # other_certs_to_pull=None: embed every certificate on the token (its issuing
        # chain), so the verifier can build the path without fetching anything.
        signer = hanko_p11.PKCS11Signer(session, cert_label=label, key_label=label, other_certs_to_pull=None)
        try:
            signer.signing_cert  # noqa: B018 - loads the certificate now, so a missing one fails here
        except Exception:
            raise SigningError(
                "no_credential",
                _("Không tìm thấy khóa hoặc chứng thư “%(label)s” trên thiết bị ký số.") % {"label": label},
            ) from None
        yield signer
    finally:
        session.close()


def certificate_of(credential: SigningCredential, secret: str) -> CertificateInfo:
    """The credential's certificate (who it names, until when), opened with the secret."""
    with _open_signer(credential, secret) as signer:
        return _cert_info(signer.signing_cert)


def _check_validity(info: CertificateInfo, when: dt.datetime) -> None:
    if when > info.not_after:
        raise SigningError(
            "expired_certificate",
            _("Chứng thư ký số đã hết hạn ngày %(date)s; không thể ký.") % {"date": format_local_time(info.not_after)},
        )
    if when < info.not_before:
        raise SigningError(
            "not_yet_valid",
            _("Chứng thư ký số chỉ có hiệu lực từ %(date)s; chưa thể ký.")
            % {"date": format_local_time(info.not_before)},
        )


# --- signing --------------------------------------------------------------------------


def _appearance_pdf(info: SignerInfo, when: dt.datetime, width: float, height: float) -> bytes:
    """The visible block as a one-page PDF of exactly the box's size.

    Decree 30/2020, Appendix I (as the Ministry of Home Affairs' guidance restates it;
    not checked against the gazette text here): the information of a digital
    signature is set in Times New Roman, upright, size 10, black, with the signing time
    as day/month/year hour:minute:second and the Vietnam offset (ISO 8601). The size
    shrinks only when the reserved box is too small for the lines. WeasyPrint lays
    out the Vietnamese text (pyHanko's own text stamps would need HarfBuzz beyond
    Latin-1); pyHanko places the page as the widget's appearance.
    """
    from django.utils.html import escape
    from weasyprint import HTML

    lines = [f"<b>{escape(info.name)}</b>"] if info.name else []
    lines += [escape(text) for text in (info.position, info.agency) if text]
    lines.append(escape(_("Thời gian ký: %(time)s") % {"time": format_local_time(when)}))
    size = max(4.0, min(10.0, height / (len(lines) * 1.25)))
    html = (
        f"<style>@page {{ size: {width:.2f}pt {height:.2f}pt; margin: 0 }}"
        f"body {{ margin: 0; font-family: 'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif;"
        f" font-size: {size:.2f}pt; line-height: 1.2; color: #000; overflow: hidden }}"
        "div { height: 100%; display: flex; flex-direction: column; justify-content: center; padding: 0 2pt }</style>"
        f"<div>{'<br>'.join(lines)}</div>"
    )
    return HTML(string=html).write_pdf()


def sign_pdf(
    pdf: bytes,
    *,
    credential: SigningCredential,
    secret: str,
    info: SignerInfo,
    field_name: str,
    box: tuple[int, float, float, float, float] | None = None,
    tsa_url: str | None = None,
    when: dt.datetime | None = None,
) -> bytes:
    """Sign `pdf` (incrementally: an already signed file keeps its signatures).

    `box` is (page index, x1, y1, x2, y2) in PDF points, page -1 = the last page;
    None makes an invisible signature. `tsa_url` None means settings.SIGNING_TSA_URL,
    "" means no timestamp; an unreachable TSA fails the signing rather than signing
    without the timestamp.
    """
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.content import ImportedPdfPage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError as HankoSigningError
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko.stamp import StaticStampStyle

    when = when or dt.datetime.now(dt.UTC)
    tsa_url = settings.SIGNING_TSA_URL if tsa_url is None else tsa_url
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError, OSError, KeyError, TypeError):
        raise SigningError("bad_pdf", _("Tệp không phải là PDF hợp lệ.")) from None

    try:
        already = {sig.field_name for sig in writer.prev.embedded_signatures}
    except (PdfError, ValueError, KeyError, TypeError):
        raise SigningError("bad_pdf", _("Tệp PDF bị hỏng, không đọc được.")) from None
    if field_name in already:
        raise SigningError("bad_pdf", _("Văn bản đã có chữ ký ở ô “%(field)s”.") % {"field": field_name})

    with _open_signer(credential, secret) as signer:
        _check_validity(_cert_info(signer.signing_cert), when)
        spec, stamp_style, appearance_file = fields.SigFieldSpec(sig_field_name=field_name), None, None
        if box is not None:
            page, x1, y1, x2, y2 = box
            spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=(x1, y1, x2, y2))
            with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as handle:
                handle.write(_appearance_pdf(info, when, abs(x2 - x1), abs(y2 - y1)))
                appearance_file = handle.name
            # The block is rendered at the box's size: no margin, so it fills the box.
            fill = layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN, margins=layout.Margins()
            )
            stamp_style = StaticStampStyle(
                background=ImportedPdfPage(appearance_file), background_layout=fill, border_width=0
            )
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            reason=info.reason or None,
            location=info.location or None,
            name=info.name or None,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        )
        timestamper = HTTPTimeStamper(tsa_url, timeout=10) if tsa_url else None
        pdf_signer = _TimedPdfSigner(
            meta, signer, timestamper=timestamper, stamp_style=stamp_style, new_field_spec=spec, when=when
        )
        try:
            return pdf_signer.sign_pdf(writer).getvalue()
        except Exception as exc:
            if timestamper is not None and _caused_by(exc, (TimestampRequestError, OSError)):
                raise SigningError(
                    "tsa_failed",
                    _("Không lấy được dấu thời gian từ máy chủ cấp dấu thời gian (TSA); văn bản chưa được ký."),
                ) from None
            if isinstance(exc, HankoSigningError | PdfError):
                logger.warning("signing failed: %s", type(exc).__name__)
                raise SigningError("bad_pdf", _("Không ký được tệp PDF này: %(reason)s") % {"reason": exc}) from None
            raise
        finally:
            if appearance_file:
                os.unlink(appearance_file)


def _caused_by(exc: BaseException, types) -> bool:
    while exc is not None:
        if isinstance(exc, types):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _timed_signer_class():
    from pyhanko.sign import signers

    class TimedPdfSigner(signers.PdfSigner):
        """Signs with the given time, so the CMS signing time and the printed one agree."""

        def __init__(self, *args, when: dt.datetime, **kwargs):
            super().__init__(*args, **kwargs)
            self._when = when

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            session.system_time = self._when
            return session

    return TimedPdfSigner


def _TimedPdfSigner(*args, **kwargs):  # noqa: N802 - a class built lazily (pyHanko loads slowly)
    return _timed_signer_class()(*args, **kwargs)


# --- verification ---------------------------------------------------------------------


def load_trust_roots(roots_dir: str | Path | None = None) -> list[asn1_x509.Certificate]:
    """Every CA certificate (PEM, possibly several per file, or DER) in the directory."""
    directory = Path(roots_dir if roots_dir is not None else settings.SIGNING_TRUST_ROOTS_DIR)
    roots = []
    if not directory.is_dir():
        return roots
    for path in sorted(directory.iterdir()):
        if not path.is_file():
            continue
        data = path.read_bytes()
        try:
            certs = (
                x509.load_pem_x509_certificates(data)
                if b"-----BEGIN" in data
                else [x509.load_der_x509_certificate(data)]
            )
        except ValueError:
            logger.warning("trust roots: %s is not a certificate, skipped", path.name)
            continue
        roots += [_to_asn1(cert) for cert in certs]
    return roots


def _chain(signer: asn1_x509.Certificate, pool: list[asn1_x509.Certificate]) -> list[str]:
    """Subject CNs from the signer up to the last issuer found among `pool`."""
    names, current, seen = [_cn(signer.subject)], signer, {signer.sha256}
    while current.issuer != current.subject:
        issuer = next((c for c in pool if c.subject == current.issuer and c.sha256 not in seen), None)
        if issuer is None:
            break
        names.append(_cn(issuer.subject))
        seen.add(issuer.sha256)
        current = issuer
    return names


def verify_pdf(pdf: bytes, *, roots_dir: str | Path | None = None) -> list[SignatureCheck]:
    """One check per signature, in signing order; [] for an unsigned PDF."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not pdf.lstrip()[:5].startswith(b"%PDF-"):
        raise SigningError("bad_pdf", _("Tệp không phải là PDF."))
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        raise SigningError("bad_pdf", _("Tệp PDF bị hỏng, không đọc được.")) from None
    roots = load_trust_roots(roots_dir)
    checks = []
    for index, sig in enumerate(signatures):
        try:
            checks.append(_check_one(sig, roots, is_last=index == len(signatures) - 1))
        except Exception as exc:  # a damaged signature dictionary is a finding, not a crash
            logger.warning("signature %s could not be validated: %s", sig.field_name, type(exc).__name__)
            checks.append(
                SignatureCheck(
                    field_name=sig.field_name,
                    status="invalid",
                    signer_name="",
                    signer_subject="",
                    signed_at=None,
                    timestamped=False,
                    message=_("Chữ ký bị hỏng, không kiểm tra được."),
                )
            )
    return checks


def _check_one(sig, roots: list[asn1_x509.Certificate], *, is_last: bool) -> SignatureCheck:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    signer_cert = sig.signer_cert
    pool = list(sig.other_embedded_certs) + roots
    claimed = sig.self_reported_timestamp
    # The chain is judged at the time the signature claims (the certificate may have
    # expired since: the document stays valid); the timestamp's chain at the present.
    vc = ValidationContext(
        trust_roots=roots, other_certs=pool, allow_fetching=False, revocation_mode="soft-fail", moment=claimed
    )
    ts_vc = ValidationContext(trust_roots=roots, other_certs=pool, allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(sig, signer_validation_context=vc, ts_validation_context=ts_vc)
    ts = status.timestamp_validity
    signed_at = ts.timestamp if ts is not None else (status.signer_reported_dt or claimed)
    cert = _cert_info(signer_cert)
    common = {
        "field_name": sig.field_name,
        "signer_name": cert.common_name,
        "signer_subject": cert.subject,
        "signed_at": signed_at,
        "timestamped": ts is not None,
        "chain": _chain(signer_cert, pool),
        "covers_whole_file": status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
    }
    level = status.modification_level
    if is_last:
        # Nothing signs what follows the last signature: only validation data (DSS,
        # document timestamps) may come after it; anything else, even bytes that change
        # nothing pyHanko can see, was added after signing.
        allowed_changes = (
            status.coverage == SignatureCoverageLevel.ENTIRE_FILE or level == ModificationLevel.LTA_UPDATES
        )
    else:
        # Later revisions are the next signatures: filling in their fields is allowed.
        allowed_changes = level is not None and level <= ModificationLevel.FORM_FILLING
    if not status.intact:
        return SignatureCheck(status="modified", message=_("Nội dung đã bị sửa sau khi ký (sai mã băm)."), **common)
    if not status.valid:
        return SignatureCheck(status="invalid", message=_("Chữ ký số không khớp với chứng thư."), **common)
    if (
        status.coverage is None
        or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION
        or not allowed_changes
        or status.docmdp_ok is False
    ):
        return SignatureCheck(status="modified", message=_("Tệp đã bị thêm hoặc sửa nội dung sau khi ký."), **common)
    if ts is not None and not (ts.intact and ts.valid):
        return SignatureCheck(status="invalid", message=_("Dấu thời gian không hợp lệ."), **common)
    if signed_at is not None and not (cert.not_before <= signed_at <= cert.not_after):
        return SignatureCheck(
            status="expired",
            message=_("Chứng thư của người ký không còn hiệu lực vào thời điểm ký (hiệu lực đến %(date)s).")
            % {"date": format_local_time(cert.not_after)},
            **common,
        )
    if not status.trusted or (ts is not None and not ts.trusted):
        message = (
            _("Chữ ký nguyên vẹn nhưng chứng thư không dẫn về chứng thư gốc được tin cậy.")
            if roots
            else _("Chữ ký nguyên vẹn nhưng máy chủ chưa cấu hình chứng thư gốc tin cậy (SIGNING_TRUST_ROOTS_DIR).")
        )
        return SignatureCheck(status="untrusted", message=message, **common)
    return SignatureCheck(status="valid", message=_("Chữ ký hợp lệ."), **common)


def overall_status(checks: list[SignatureCheck]) -> str:
    """ "valid" only when every signature is valid and the last one covers the whole file;
    otherwise the first non-valid status ("unsigned" when there is no signature)."""
    if not checks:
        return "unsigned"
    for check in checks:
        if check.status != "valid":
            return check.status
    return "valid" if checks[-1].covers_whole_file else "modified"
