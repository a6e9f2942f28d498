"""Signed official documents: the registry of what can be signed and by whom, the
content-addressed store of the signed bytes, and the actions that sign and void.

Decree 30/2020/NĐ-CP Art. 5: an electronic document signed digitally by the competent
person (and, where it carries the agency's seal, by the agency, Art. 17(2)) has the
legal value of the paper original. So a signed PDF is kept byte for byte: the same
bytes are handed out on every download, checked against the SHA-256 kept on its row.

The apps (attendance, assessments, transfers) decide *when* a document may be signed
(month locked, exam closed, round finalised) and which object the caller may reach
through their own access.py; this module checks who may sign (the registry below),
which credentials they may use, signs with hr_system.signing and records the result.
hr_system imports no app: the apps call in.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hr_system import access, signing
from hr_system.models import AuditLog, OrgUnit, Role, SignedDocument, SigningCredential


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: str
    # Role.Kind of the person entitled to sign, over the document's unit.
    signer_role: str
    # Whether the agency signs too (its digital "seal", Decree 30/2020 Art. 17(2)):
    # documents the agency issues outward carry it; internal records do not.
    needs_agency: bool
    # The reason written into the signature.
    reason: str


TIMESHEET = "timesheet"
EXAM_RESULTS = "exam_results"
SITTING_MINUTES = "sitting_minutes"
TRANSFER_DECISION = "transfer_decision"
LEADER_RESULTS = "leader_results"
EVALUATION_FORM = "evaluation_form"
EVALUATION_SUMMARY = "evaluation_summary"

KINDS: dict[str, DocumentKind] = {
    k.code: k
    for k in (
        DocumentKind(TIMESHEET, _("Bảng chấm công (C01-HD)"), Role.Kind.UNIT_HEAD, False, "Duyệt bảng chấm công"),
        DocumentKind(EXAM_RESULTS, _("Kết quả kiểm tra, đánh giá"), Role.Kind.EXAM_BOARD, True, "Công bố kết quả"),
        DocumentKind(SITTING_MINUTES, _("Biên bản ca thi"), Role.Kind.EXAM_BOARD, False, "Xác nhận biên bản"),
        DocumentKind(TRANSFER_DECISION, _("Quyết định điều động"), Role.Kind.UNIT_HEAD, True, "Ban hành quyết định"),
        DocumentKind(LEADER_RESULTS, _("Kết quả thi tuyển lãnh đạo"), Role.Kind.UNIT_HEAD, True, "Công bố kết quả"),
        # Evaluation and classification (issue 17): the head decides the level on the
        # person's form, an internal record; the unit's summary goes out to the managing
        # body, so the agency signs it too (Decree 30/2020 Art. 17(2)).
        DocumentKind(EVALUATION_FORM, _("Phiếu đánh giá, xếp loại"), Role.Kind.UNIT_HEAD, False, "Quyết định xếp loại"),
        DocumentKind(
            EVALUATION_SUMMARY,
            _("Tổng hợp kết quả đánh giá, xếp loại"),
            Role.Kind.UNIT_HEAD,
            True,
            "Tổng hợp kết quả xếp loại",
        ),
    )
}

# Signature field names inside the PDF; the templates' data-signature-slot names.
SIGNER_SLOT = "signer"
AGENCY_SLOT = "agency"


class SignedDocumentError(Exception):
    """A refusal shown to the user as is (Vietnamese). `status` is the API's HTTP status."""

    def __init__(self, code: str, message: str, status: int = 409, field: str = "__all__"):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field


class StoredFileError(SignedDocumentError):
    """The stored bytes are missing or no longer match their digest."""

    def __init__(self, message: str):
        super().__init__("stored_file_damaged", message, status=409)


def kind_of(code: str) -> DocumentKind:
    try:
        return KINDS[code]
    except KeyError:
        raise SignedDocumentError("unknown_kind", "Loại văn bản không hợp lệ.", status=422) from None


# --- who may sign, with what ----------------------------------------------------------


def _signer_units(user, kind: DocumentKind) -> list[OrgUnit]:
    return [r.unit for r in access.roles_of(user) if r.kind == kind.signer_role and r.unit is not None]


def may_sign(user, kind: DocumentKind, unit: OrgUnit) -> bool:
    """Whether `user` holds the kind's signing role over `unit` (the unit or a parent).
    A system administrator is not a signer: signing is a personal act of the holder."""
    return any(unit.path.startswith(u.path) for u in _signer_units(user, kind))


def personal_credentials(user, kind: DocumentKind) -> QuerySet[SigningCredential]:
    """The caller's own active credentials, configured for a unit in their signing scope."""
    units = _signer_units(user, kind)
    if not units or not getattr(user, "is_authenticated", False):
        return SigningCredential.objects.none()
    scope = Q(pk__in=[])
    for u in units:
        scope |= Q(unit__path__startswith=u.path)
    return (
        SigningCredential.objects.filter(scope, purpose=SigningCredential.Purpose.PERSONAL, holder=user, active=True)
        .select_related("unit")
        .order_by("label", "pk")
    )


def agency_credentials(unit: OrgUnit) -> QuerySet[SigningCredential]:
    """The issuing unit's own active agency credentials."""
    return SigningCredential.objects.filter(unit=unit, purpose=SigningCredential.Purpose.AGENCY, active=True).order_by(
        "label", "pk"
    )


def _check_credentials(user, kind, unit, credential, agency_credential, agency_secret) -> None:
    if credential is None or not personal_credentials(user, kind).filter(pk=credential.pk).exists():
        raise SignedDocumentError(
            "no_credential",
            "Chứng thư số đã chọn không phải của bạn hoặc không còn hiệu lực; hãy chọn chứng thư số cá nhân của bạn.",
            status=422,
            field="credential",
        )
    if not kind.needs_agency:
        if agency_credential is not None:
            raise SignedDocumentError(
                "agency_not_needed",
                "Văn bản này không cần chữ ký số của cơ quan.",
                status=422,
                field="agency_credential",
            )
        return
    if agency_credential is None or not agency_credentials(unit).filter(pk=agency_credential.pk).exists():
        raise SignedDocumentError(
            "no_agency_credential",
            f"Văn bản này cần chữ ký số của cơ quan ban hành ({unit.name}): hãy chọn chứng thư số của cơ quan.",
            status=422,
            field="agency_credential",
        )
    if not agency_secret:
        raise SignedDocumentError(
            "missing_secret", "Vui lòng nhập mã PIN của chứng thư số cơ quan.", status=422, field="agency_secret"
        )


def signer_info(user, kind: DocumentKind, unit: OrgUnit) -> signing.SignerInfo:
    employee = access.own_employee(user)
    name = (employee.full_name if employee else "") or user.get_full_name() or user.get_username()
    position = (getattr(employee, "job_title", "") if employee else "") or str(Role.Kind(kind.signer_role).label)
    return signing.SignerInfo(name=name, position=position, agency=unit.name, reason=kind.reason)


# --- content-addressed storage --------------------------------------------------------


def storage_dir() -> Path:
    """SIGNED_DOCUMENTS_DIR, else MEDIA_ROOT/signed-documents."""
    return Path(getattr(settings, "SIGNED_DOCUMENTS_DIR", None) or Path(settings.MEDIA_ROOT) / "signed-documents")


def stored_path(sha256: str) -> Path:
    return storage_dir() / sha256[:2] / f"{sha256}.pdf"


def store_bytes(data: bytes) -> str:
    """Write `data` under its SHA-256 (tmp file + rename: a reader never sees half a
    file) and return the digest. The same bytes stored twice are one file."""
    digest = hashlib.sha256(data).hexdigest()
    path = stored_path(digest)
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
        return digest
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def read_bytes(document: SignedDocument) -> bytes:
    """The stored bytes of `document`, refused unless they still hash to its digest."""
    path = stored_path(document.sha256)
    try:
        data = path.read_bytes()
    except OSError:
        raise StoredFileError(
            "Không tìm thấy tệp văn bản đã ký trên máy chủ; hãy báo quản trị hệ thống khôi phục từ bản sao lưu."
        ) from None
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise StoredFileError(
            "Tệp văn bản đã ký lưu trên máy chủ đã bị thay đổi (mã băm SHA-256 không khớp); "
            "không thể tải về. Hãy báo quản trị hệ thống khôi phục từ bản sao lưu."
        )
    return data


# --- queries --------------------------------------------------------------------------


def current(kind: str, subject_key: str) -> SignedDocument | None:
    """The copy of a document in force, if it has been signed (and not voided)."""
    return SignedDocument.objects.in_force().filter(kind=kind, subject_key=subject_key).first()


def documents_for(user) -> QuerySet[SignedDocument]:
    """Signed documents of units in the caller's read scope (roles only: an employee's
    own unit does not open its signed records)."""
    q = access.scope_q(user, field="unit__path")
    docs = SignedDocument.objects.select_related("unit", "signed_by", "voided_by")
    return docs if q is None else docs.filter(q)


def get_document_for_user(user, pk: int) -> SignedDocument:
    doc = documents_for(user).filter(pk=pk).first()
    if doc is None:
        raise Http404("Không tìm thấy văn bản đã ký.")
    return doc


# --- actions --------------------------------------------------------------------------


def sign_document(
    *,
    acting_user,
    kind: str,
    subject: str,
    unit: OrgUnit,
    pdf_and_slots: tuple[bytes, dict],
    credential: SigningCredential | None,
    secret: str,
    agency_credential: SigningCredential | None = None,
    agency_secret: str | None = None,
    title: str = "",
    filename: str = "",
) -> SignedDocument:
    """Sign the rendered document as `acting_user` (and the agency, where the kind needs
    it), store the signed bytes and record them. `subject` is the document's subject key.
    The PIN/passphrase is passed to the signer and dropped: never stored, never logged."""
    doc_kind = kind_of(kind)
    if not may_sign(acting_user, doc_kind, unit):
        raise SignedDocumentError(
            "not_signer",
            f"Chỉ {Role.Kind(doc_kind.signer_role).label.lower()} của {unit.name} được ký văn bản này.",
            status=403,
        )
    _check_credentials(acting_user, doc_kind, unit, credential, agency_credential, agency_secret)
    if not secret:
        raise SignedDocumentError(
            "missing_secret", "Vui lòng nhập mã PIN hoặc mật khẩu của chứng thư số.", 422, "secret"
        )
    if current(kind, subject) is not None:
        raise SignedDocumentError("already_signed", "Văn bản này đã được ký số; hãy tải bản đã ký.")
    pdf_bytes, slots = pdf_and_slots
    try:
        signed = signing.sign_pdf(
            pdf_bytes,
            credential=credential,
            secret=secret,
            info=signer_info(acting_user, doc_kind, unit),
            field_name="ChuKyNguoiKy",
            box=slots.get(SIGNER_SLOT),
        )
        if doc_kind.needs_agency:
            signed = signing.sign_pdf(
                signed,
                credential=agency_credential,
                secret=agency_secret,
                info=signing.SignerInfo(name=unit.name, position="", agency=unit.name, reason=doc_kind.reason),
                field_name="ChuKyCoQuan",
                box=slots.get(AGENCY_SLOT),
            )
    except signing.SigningError as exc:
        # The code only: never the secret, and the message is ours.
        AuditLog.record(
            user=acting_user, action="document.sign_failed", obj=unit, kind=kind, subject=subject, code=exc.code
        )
        raise SignedDocumentError(exc.code, exc.message, status=422, field="secret") from None
    digest = store_bytes(signed)
    try:
        with transaction.atomic():
            doc = SignedDocument.objects.create(
                kind=kind,
                subject_key=subject,
                unit=unit,
                title=title or str(doc_kind.label),
                filename=filename or f"{kind}-{digest[:12]}.pdf",
                sha256=digest,
                size=len(signed),
                signed_by=acting_user,
                signer_name=signer_info(acting_user, doc_kind, unit).name,
                credential=credential,
                agency_credential=agency_credential if doc_kind.needs_agency else None,
            )
            AuditLog.record(
                user=acting_user,
                action="document.sign",
                obj=doc,
                kind=kind,
                subject=subject,
                sha256=digest,
                credential=credential.pk,
                agency_credential=agency_credential.pk if doc_kind.needs_agency else None,
            )
    except IntegrityError:
        # Two signers at once: the one-in-force constraint let the first through.
        raise SignedDocumentError("already_signed", "Văn bản này vừa được ký số; hãy tải bản đã ký.") from None
    return doc


def void(*, acting_user, kind: str, subject_key: str, reason: str) -> SignedDocument | None:
    """Void the copy in force (its month was unlocked, its decision withdrawn), so the
    document may be regenerated and signed again. The file stays: it was handed out."""
    with transaction.atomic():
        doc = SignedDocument.objects.select_for_update().in_force().filter(kind=kind, subject_key=subject_key).first()
        if doc is None:
            return None
        doc.status = SignedDocument.Status.VOIDED
        doc.voided_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
        doc.voided_at = timezone.now()
        doc.void_reason = reason[:500]
        doc.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
        AuditLog.record(
            user=acting_user, action="document.void", obj=doc, kind=kind, subject=subject_key, reason=reason[:500]
        )
    return doc


def credential_by_id(raw) -> SigningCredential | None:
    """The credential a form or request names (id as text or int); whether the caller may
    use it is `sign_document`'s check. Garbage is None: 'no credential chosen'."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:  # beyond a bigint PostgreSQL refuses the query itself
        return None
    return SigningCredential.objects.filter(pk=pk).first()
