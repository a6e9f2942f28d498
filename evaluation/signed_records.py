"""Signing the evaluation's documents (hr_system.signed_documents): a person's form once
the head has decided the level, and the unit's summary once every evaluation of the
period in the unit's subtree is decided (a summary with open rows would change). Who
signs is the registry's: the unit head; the agency signs the summary too."""

from __future__ import annotations

import datetime as dt

from evaluation import reports, rules
from evaluation.models import Evaluation
from hr_system import signed_documents
from hr_system.models import OrgUnit, SignedDocument, SigningCredential

FORM_NOT_READY = "Chỉ ký số phiếu đánh giá sau khi đã quyết định xếp loại."
SUMMARY_NOT_READY = "Chỉ ký số bản tổng hợp khi mọi người trong kỳ đã được quyết định xếp loại."


def form_subject(evaluation: Evaluation) -> str:
    return f"evaluation:{evaluation.pk}"


def summary_subject(unit: OrgUnit, period_kind: str, period_start: dt.date) -> str:
    return f"evaluation-summary:{unit.pk}:{period_kind}:{period_start:%Y-%m-%d}"


def form_ready(evaluation: Evaluation) -> bool:
    return evaluation.locked()


def summary_ready(unit: OrgUnit, period_kind: str, period_start: dt.date) -> bool:
    data = reports.summary_rows(unit, period_kind, period_start)
    return data["evaluated"] > 0 and data["decided"] == data["evaluated"]


def sign_form(
    *, acting_user, evaluation: Evaluation, credential: SigningCredential | None, secret: str
) -> SignedDocument:
    if not form_ready(evaluation):
        raise signed_documents.SignedDocumentError("not_ready", FORM_NOT_READY)
    return signed_documents.sign_document(
        acting_user=acting_user,
        kind=signed_documents.EVALUATION_FORM,
        subject=form_subject(evaluation),
        unit=evaluation.unit,
        pdf_and_slots=reports.form_pdf_with_slots(evaluation),
        credential=credential,
        secret=secret,
        title=f"Phiếu đánh giá — {evaluation.employee.full_name} — {evaluation.period_label()}"[:255],
        filename=f"phieu-danh-gia-{evaluation.pk}-da-ky.pdf",
    )


def sign_summary(
    *,
    acting_user,
    unit: OrgUnit,
    period_kind: str,
    period_start: dt.date,
    credential: SigningCredential | None,
    secret: str,
    agency_credential: SigningCredential | None = None,
    agency_secret: str | None = None,
) -> SignedDocument:
    if not summary_ready(unit, period_kind, period_start):
        raise signed_documents.SignedDocumentError("not_ready", SUMMARY_NOT_READY)
    return signed_documents.sign_document(
        acting_user=acting_user,
        kind=signed_documents.EVALUATION_SUMMARY,
        subject=summary_subject(unit, period_kind, period_start),
        unit=unit,
        pdf_and_slots=reports.summary_pdf_with_slots(unit, period_kind, period_start),
        credential=credential,
        secret=secret,
        agency_credential=agency_credential,
        agency_secret=agency_secret,
        title=f"Tổng hợp xếp loại — {unit.name} — {rules.period_label(period_kind, period_start)}"[:255],
        filename=f"tong-hop-xep-loai-{unit.pk}-{period_kind}-{period_start:%Y%m%d}-da-ky.pdf",
    )
