"""Pages shared by every signed document: the sign form's context, the download of the
stored bytes (or an error page when they no longer match their digest), and the list of
signed documents in the caller's scope. The apps' views call the first two."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hr_system import signed_documents
from hr_system.models import OrgUnit, SignedDocument


def sign_form_context(user, kind: str, unit: OrgUnit, subject_key: str) -> dict:
    """What the sign box of a document page needs: the copy in force, whether the caller
    may sign, and the credentials they may choose."""
    doc_kind = signed_documents.kind_of(kind)
    can_sign = signed_documents.may_sign(user, doc_kind, unit)
    return {
        "kind": doc_kind,
        "signed": signed_documents.current(kind, subject_key),
        "can_sign": can_sign,
        "credentials": list(signed_documents.personal_credentials(user, doc_kind)) if can_sign else [],
        "agency_credentials": list(signed_documents.agency_credentials(unit))
        if can_sign and doc_kind.needs_agency
        else [],
    }


def credentials_from_post(post) -> dict:
    """The sign form's fields as `sign_document` keyword arguments (the secrets are
    passed on, never kept)."""
    return {
        "credential": signed_documents.credential_by_id(post.get("credential")),
        "secret": post.get("secret", ""),
        "agency_credential": signed_documents.credential_by_id(post.get("agency_credential")),
        "agency_secret": post.get("agency_secret", ""),
    }


def sign_page(
    request,
    *,
    kind: str,
    unit: OrgUnit,
    subject_key: str,
    title: str,
    ready: bool,
    not_ready: str,
    sign,
    signed_url: str,
    back_url: str,
):
    """One document's sign page: GET shows its state and the form, POST signs through
    `sign(**credentials)` (the app's action) and comes back with the outcome."""
    if request.method == "POST":
        try:
            sign(**credentials_from_post(request.POST))
        except signed_documents.SignedDocumentError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã ký số: %(t)s.") % {"t": title})
        return redirect(request.path)
    context = {
        "title": title,
        "sign": sign_form_context(request.user, kind, unit, subject_key),
        "sign_ready": ready,
        "sign_not_ready": not_ready,
        "sign_url": request.path,
        "sign_fields": [],
        "signed_url": signed_url,
        "back_url": back_url,
    }
    return render(request, "hr/sign_document.html", context)


def signed_pdf_response(request, document: SignedDocument) -> HttpResponse:
    """The stored signed bytes, or a page saying why they cannot be handed out."""
    try:
        content = signed_documents.read_bytes(document)
    except signed_documents.StoredFileError as exc:
        return render(
            request, "hr/signed_document_error.html", {"document": document, "message": exc.message}, status=409
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


@login_required
def signed_document_list(request):
    docs = signed_documents.documents_for(request.user).order_by("-signed_at", "-pk")
    page = Paginator(docs, 50).get_page(request.GET.get("page"))
    for doc in page.object_list:
        kind = signed_documents.KINDS.get(doc.kind)
        doc.kind_label = kind.label if kind else doc.kind
    return render(request, "hr/signed_documents.html", {"page": page, "title": _("Văn bản đã ký số")})


@login_required
def signed_document_download(request, pk: int):
    return signed_pdf_response(request, signed_documents.get_document_for_user(request.user, pk))
