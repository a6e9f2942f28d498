"""Signed documents in the API: the list in the caller's scope, the download of one
copy, and the two helpers every app's sign / signed.pdf endpoints share."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from ninja import Router
from ninja.pagination import paginate

from hr_system import signed_documents
from hr_system.api_base import ApiError, PageNumber
from hr_system.models import SignedDocument
from hr_system.schemas import SignedDocumentOut, SignIn

router = Router(tags=["Văn bản đã ký số"])


def sign_or_error(sign: Callable[..., SignedDocument], body: SignIn, **kwargs) -> SignedDocument:
    """Call an app's sign action with the body's credentials; its refusals become the
    API's error envelope (422 wrong PIN / credential, 403 not the signer, 409 signed)."""
    try:
        return sign(
            credential=signed_documents.credential_by_id(body.credential),
            secret=body.secret,
            **(
                {
                    "agency_credential": signed_documents.credential_by_id(body.agency_credential),
                    "agency_secret": body.agency_secret or "",
                }
                if body.agency_credential is not None
                else {}
            ),
            **kwargs,
        )
    except signed_documents.SignedDocumentError as exc:
        fields = {exc.field: [exc.message]} if exc.status == 422 and exc.field != "__all__" else None
        raise ApiError(exc.status, exc.code, exc.message, fields) from None


def signed_pdf(document: SignedDocument | None) -> HttpResponse:
    """The stored signed bytes; 404 when unsigned, 409 when the file no longer matches."""
    if document is None:
        raise ApiError(404, "not_signed", "Văn bản này chưa được ký số.")
    try:
        content = signed_documents.read_bytes(document)
    except signed_documents.StoredFileError as exc:
        raise ApiError(409, exc.code, exc.message) from None
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


@router.get("", response=list[SignedDocumentOut])
@paginate(PageNumber)
def list_signed_documents(request, kind: str | None = None, status: str | None = None):
    """Signed documents of the units in the caller's scope, newest first."""
    docs = signed_documents.documents_for(request.user)
    if kind:
        docs = docs.filter(kind=kind)
    if status:
        docs = docs.filter(status=status)
    return docs.order_by("-signed_at", "-pk")


@router.get("/{int:document_id}/signed.pdf")
def download_signed_document(request, document_id: int):
    return signed_pdf(signed_documents.get_document_for_user(request.user, document_id))
