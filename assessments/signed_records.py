"""Signing the exam's official records: the results list (once published, which is
refused until every candidate has finished: a published list is final) and a sitting's
minutes (once the sitting has ended). Who signs and with what is hr_system's registry
(signed_documents.KINDS: the exam board, plus the organising unit's agency signature on
the results list)."""

from __future__ import annotations

from assessments import reports, sitting_documents
from assessments.models import Exam, Sitting
from hr_system import signed_documents
from hr_system.models import SignedDocument, SigningCredential


def results_subject(exam: Exam) -> str:
    return exam.signed_results_key()


def minutes_subject(sitting: Sitting) -> str:
    return f"sitting:{sitting.pk}"


def results_ready(exam: Exam) -> bool:
    return exam.published_at is not None


def minutes_ready(sitting: Sitting) -> bool:
    return sitting.ended_at is not None


RESULTS_NOT_READY = "Chỉ ký số danh sách kết quả sau khi kết quả đã được công bố (mọi thí sinh đã làm xong bài)."
MINUTES_NOT_READY = "Chỉ ký số biên bản sau khi ca thi đã kết thúc."


def sign_results(
    *,
    acting_user,
    exam: Exam,
    credential: SigningCredential | None,
    secret: str,
    agency_credential: SigningCredential | None = None,
    agency_secret: str | None = None,
) -> SignedDocument:
    if not results_ready(exam):
        raise signed_documents.SignedDocumentError("not_ready", RESULTS_NOT_READY)
    return signed_documents.sign_document(
        acting_user=acting_user,
        kind=signed_documents.EXAM_RESULTS,
        subject=results_subject(exam),
        unit=exam.unit,
        pdf_and_slots=reports.results_pdf_with_slots(exam),
        credential=credential,
        secret=secret,
        agency_credential=agency_credential,
        agency_secret=agency_secret,
        title=f"Kết quả kiểm tra — {exam.title}"[:255],
        filename=f"ket-qua-{exam.pk}-da-ky.pdf",
    )


def sign_minutes(
    *,
    acting_user,
    sitting: Sitting,
    credential: SigningCredential | None,
    secret: str,
    agency_credential: SigningCredential | None = None,
    agency_secret: str | None = None,
) -> SignedDocument:
    if not minutes_ready(sitting):
        raise signed_documents.SignedDocumentError("not_ready", MINUTES_NOT_READY)
    return signed_documents.sign_document(
        acting_user=acting_user,
        kind=signed_documents.SITTING_MINUTES,
        subject=minutes_subject(sitting),
        unit=sitting.exam.unit,
        pdf_and_slots=sitting_documents.sitting_minutes_pdf_with_slots(sitting),
        credential=credential,
        secret=secret,
        agency_credential=agency_credential,
        agency_secret=agency_secret,
        title=f"Biên bản {sitting.name} — {sitting.exam.title}"[:255],
        filename=f"bien-ban-ca-thi-{sitting.pk}-da-ky.pdf",
    )
