"""`/api/v1/signatures`: check the digital signatures of an uploaded PDF."""

from __future__ import annotations

from ninja import File, Router
from ninja.files import UploadedFile

from hr_system import signing
from hr_system.api_base import ApiError
from hr_system.signatures.schemas import SignatureVerifyOut
from hr_system.uploads import UploadRejected, read_upload

router = Router(tags=["Chữ ký số"])


@router.post("/verify", response=SignatureVerifyOut)
def verify(request, file: File[UploadedFile]):
    """Every signature of the PDF against the server's trust roots. `overall` is "valid"
    only when each signature is valid and the last one covers the whole file; an
    unsigned PDF answers "unsigned" with no signatures. Not a PDF: 422 `bad_pdf`."""
    try:
        checks = signing.verify_pdf(read_upload(file))
    except UploadRejected as exc:  # 413 over the size limit
        raise ApiError(exc.status, exc.code, exc.summary, {"file": [str(exc)]}) from None
    except signing.SigningError as exc:
        raise ApiError(422, exc.code, exc.message, {"file": [exc.message]}) from None
    return {"overall": signing.overall_status(checks), "signatures": checks}
