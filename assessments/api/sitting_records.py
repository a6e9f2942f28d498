"""A sitting's records, mounted at /api/v1/assessments/sittings/: incidents, the
minutes and signing-list PDFs, the seal and its verification.

A sitting is reached only through access.get_proctored_sitting: managers of the exam
(exam board, HR in scope) and the sitting's proctors; anyone else gets 404. Sealing and
verifying are for the managers only (403 for a proctor). Nothing here carries question
text: the archive stays on the server.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from assessments import access, incidents, sealing, signed_records, sitting_documents
from assessments.models import Attempt, Incident
from assessments.papers import ExamError
from hr_system import signed_documents
from hr_system.api_base import ApiError, PageNumber
from hr_system.schemas import InSchema, SignedDocumentOut, SignIn
from hr_system.signed_documents import api as signed_api

router = Router(tags=["Ca thi"])


class IncidentIn(InSchema):
    kind: str = Field(..., description="machine_failure | moved | violation | other")
    description: str = Field(..., max_length=incidents.MAX_DESCRIPTION)
    attempt_id: int | None = None
    rule_broken: str = Field("", max_length=incidents.MAX_RULE)
    to_seat: str = Field("", max_length=incidents.MAX_SEAT)
    time_restored_seconds: int = 0
    terminate: bool = False


class IncidentOut(Schema):
    id: int
    sitting_id: int
    attempt_id: int | None
    employee_code: str | None
    kind: str
    kind_label: str
    at: dt.datetime
    description: str
    rule_broken: str
    from_seat: str
    to_seat: str
    time_restored_seconds: int
    by: str | None


class SealOut(Schema):
    sitting_id: int
    sealed_at: dt.datetime
    sealed_by: str | None
    seal_digest: str
    archive_name: str


class VerifyOut(Schema):
    sitting_id: int
    ok: bool
    problems: list[str]


@contextmanager
def exam_errors():
    """ExamError → the one error envelope with its status; 422s name the field."""
    try:
        yield
    except ExamError as exc:
        message = str(exc)
        if exc.status == 422:
            raise ApiError(422, "validation_error", message, {exc.field: [message]}) from None
        fields = {exc.field: [message]} if exc.field != "__all__" else None
        raise ApiError(exc.status, getattr(exc, "code", "exam_error"), message, fields) from None


def incident_out(i: Incident) -> dict:
    return {
        "id": i.pk,
        "sitting_id": i.sitting_id,
        "attempt_id": i.attempt_id,
        "employee_code": i.attempt.employee.code if i.attempt_id else None,
        "kind": i.kind,
        "kind_label": i.get_kind_display(),
        "at": i.at,
        "description": i.description,
        "rule_broken": i.rule_broken,
        "from_seat": i.from_seat,
        "to_seat": i.to_seat,
        "time_restored_seconds": i.time_restored_seconds,
        "by": i.by.username if i.by_id else None,
    }


def _managed(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    if not access.manages_exam(request.user, sitting.exam_id):
        raise ApiError(403, "forbidden", _("Chỉ hội đồng thi hoặc cán bộ tổ chức kỳ thi được niêm phong, kiểm tra."))
    return sitting


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/{int:sitting_id}/incidents", response=list[IncidentOut])
@paginate(PageNumber)
def list_incidents(request, sitting_id: int):
    """The sitting's incidents, oldest first."""
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    return [incident_out(i) for i in incidents.incidents_of(sitting)]


@router.post("/{int:sitting_id}/incidents", response={201: IncidentOut})
def create_incident(request, sitting_id: int, payload: IncidentIn):
    """Record an incident; a move or failure may restore time, a violation may terminate."""
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    attempt = None
    if payload.attempt_id is not None:
        attempt = Attempt.objects.filter(pk=payload.attempt_id, sitting=sitting).first()
        if attempt is None:
            raise ApiError(
                422,
                "validation_error",
                _("Thí sinh này không có tên trong danh sách ca thi."),
                {"attempt_id": [_("Thí sinh này không có tên trong danh sách ca thi.")]},
            )
    with exam_errors():
        incident = incidents.record_incident(
            acting_user=request.user,
            sitting=sitting,
            kind=payload.kind,
            description=payload.description,
            attempt=attempt,
            rule_broken=payload.rule_broken,
            to_seat=payload.to_seat,
            time_restored_seconds=payload.time_restored_seconds,
            terminate=payload.terminate,
        )
    incident = incidents.incidents_of(sitting).get(pk=incident.pk)
    return Status(201, incident_out(incident))


@router.get("/{int:sitting_id}/minutes.pdf")
def minutes_pdf(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    signed = signed_documents.current(signed_documents.SITTING_MINUTES, signed_records.minutes_subject(sitting))
    if signed is not None:
        return signed_api.signed_pdf(signed)
    return _pdf(sitting_documents.sitting_minutes_pdf(sitting), f"bien-ban-ca-thi-{sitting.pk}.pdf")


@router.post("/{int:sitting_id}/minutes/sign", response=SignedDocumentOut)
def sign_minutes(request, sitting_id: int, body: SignIn):
    """The exam board signs the minutes of an ended sitting."""
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    return signed_api.sign_or_error(signed_records.sign_minutes, body, acting_user=request.user, sitting=sitting)


@router.get("/{int:sitting_id}/minutes/signed.pdf")
def minutes_signed_pdf(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    return signed_api.signed_pdf(
        signed_documents.current(signed_documents.SITTING_MINUTES, signed_records.minutes_subject(sitting))
    )


@router.get("/{int:sitting_id}/sign-list.pdf")
def sign_list_pdf(request, sitting_id: int):
    sitting = access.get_proctored_sitting(request.user, sitting_id)
    with exam_errors():
        content = sitting_documents.sitting_sign_list_pdf(sitting)
    return _pdf(content, f"danh-sach-ky-ca-thi-{sitting.pk}.pdf")


@router.post("/{int:sitting_id}/seal", response=SealOut)
def seal(request, sitting_id: int):
    """Seal an ended sitting (409 before its end, with attempts open, or twice)."""
    sitting = _managed(request, sitting_id)
    with exam_errors():
        sitting = sealing.seal_sitting(acting_user=request.user, sitting=sitting)
    return {
        "sitting_id": sitting.pk,
        "sealed_at": sitting.sealed_at,
        "sealed_by": sitting.sealed_by.username if sitting.sealed_by else None,
        "seal_digest": sitting.seal_digest,
        "archive_name": sitting.archive_name,
    }


@router.get("/{int:sitting_id}/verify", response=VerifyOut)
def verify(request, sitting_id: int):
    """Recompute the seal's digests; every problem names the attempt."""
    sitting = _managed(request, sitting_id)
    problems = sealing.verify_sitting(sitting)
    return {"sitting_id": sitting.pk, "ok": not problems, "problems": problems}
