"""Signature pages: "Kiểm tra chữ ký" for every signed-in user, and the signing
credentials of the units an HR officer or administrator manages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from hr_system import access, actions, signing
from hr_system.models import Role, SigningCredential
from hr_system.signatures.forms import CredentialForm, TrySignForm, VerifyForm
from hr_system.uploads import UploadRejected, read_upload

OVERALL_MESSAGES = {
    "valid": gettext_noop("Tệp có chữ ký số hợp lệ và không bị sửa đổi sau khi ký."),
    "unsigned": gettext_noop("Tệp không có chữ ký số nào."),
}


def overall_message(overall: str) -> str:
    if overall in OVERALL_MESSAGES:
        return _(OVERALL_MESSAGES[overall])
    return _("Tệp KHÔNG hợp lệ: %(status)s.") % {"status": _(signing.STATUS_LABELS[overall])}


@login_required
def verify(request):
    """Upload a PDF, see each signature: who, when, chain, valid or not."""
    form, checks, overall, error = VerifyForm(), None, None, None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                checks = signing.verify_pdf(read_upload(form.cleaned_data["pdf"]))
                overall = signing.overall_status(checks)
            except UploadRejected as exc:
                error = str(exc)
            except signing.SigningError as exc:
                error = exc.message
    status = 400 if error or (request.method == "POST" and not form.is_valid()) else 200
    return render(
        request,
        "hr/signatures/verify.html",
        {
            "form": form,
            "checks": checks,
            "overall": overall,
            "overall_message": overall_message(overall) if overall else "",
            "error": error,
        },
        status=status,
    )


def _require_configurer(user) -> None:
    access.require_role(user, Role.Kind.HR_OFFICER)


@login_required
def credential_list(request):
    _require_configurer(request.user)
    credentials = access.credentials_for(request.user).order_by("unit__path", "purpose", "label")
    return render(request, "hr/signatures/credential_list.html", {"credentials": credentials})


@login_required
def credential_edit(request, pk: int | None = None):
    _require_configurer(request.user)
    credential = access.get_credential_for_user(request.user, pk) if pk else SigningCredential()
    form = CredentialForm(request.POST or None, instance=credential, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = actions.save_signing_credential(
            acting_user=request.user, credential=form.save(commit=False), changed=form.changed_data
        )
        messages.success(request, _("Đã lưu chứng thư ký số “%(label)s”.") % {"label": saved.label})
        return redirect("signing_credential_detail", pk=saved.pk)
    return render(
        request,
        "hr/signatures/credential_form.html",
        {"form": form, "credential": credential},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def credential_detail(request, pk: int):
    _require_configurer(request.user)
    credential = access.get_credential_for_user(request.user, pk)
    return render(
        request, "hr/signatures/credential_detail.html", {"credential": credential, "try_form": TrySignForm()}
    )


@login_required
@require_POST
def credential_try(request, pk: int):
    """ "Thử ký": sign a test page with the typed PIN; show the certificate or the error.
    The PIN is neither stored nor echoed back, and the answer is not cached."""
    _require_configurer(request.user)
    credential = access.get_credential_for_user(request.user, pk)
    form = TrySignForm(request.POST)
    certificate, error = None, None
    if form.is_valid():
        try:
            certificate = actions.try_signing_credential(
                acting_user=request.user, credential=credential, secret=form.cleaned_data["secret"]
            )
        except signing.SigningError as exc:
            error = exc.message
    response = render(
        request,
        "hr/signatures/credential_detail.html",
        {"credential": credential, "try_form": TrySignForm(), "certificate": certificate, "try_error": error},
        status=200 if certificate else 400,
    )
    add_never_cache_headers(response)
    return response
