"""Signing the evaluation's documents (issue 17 item 6, signable once [R] landed): the
person's form by the unit head once the level is decided; the unit's summary by the
unit head and the agency once every row of the period is decided."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model

from evaluation import signed_records
from evaluation.models import Evaluation
from hr_system import signed_documents, signing
from hr_system.models import Role, SignedDocument, SigningCredential
from tests.evaluation.test_reports import Q1, evaluated, person
from tests.pki import P12_PASSPHRASE

PERSONAL = SigningCredential.Purpose.PERSONAL
AGENCY = SigningCredential.Purpose.AGENCY


@pytest.fixture(autouse=True)
def store(settings, tmp_path, pki):
    settings.SIGNED_DOCUMENTS_DIR = tmp_path / "signed"
    settings.SIGNING_TRUST_ROOTS_DIR = str(pki.roots_dir)
    settings.SIGNING_TSA_URL = ""
    return settings.SIGNED_DOCUMENTS_DIR


def unit_head(username, unit):
    user = get_user_model().objects.create_user(username=username, password="x")
    Role.objects.create(user=user, kind=Role.Kind.UNIT_HEAD, unit=unit)
    return user


@pytest.fixture
def head(cast, make_credential, pki):
    h = unit_head("head_commune_a", cast.commune_a)
    h.cred = make_credential(cast.commune_a, holder=h, purpose=PERSONAL)
    h.agency = make_credential(cast.commune_a, purpose=AGENCY, identity=pki.agency, label="UBND phường")
    return h


def checks_of(doc: SignedDocument, pki):
    data = signed_documents.read_bytes(doc)
    assert hashlib.sha256(data).hexdigest() == doc.sha256
    return signing.verify_pdf(data, roots_dir=pki.roots_dir)


def test_a_decided_form_is_signed_by_the_unit_head_alone(cast, head, pki):
    scored = evaluated(cast.emp_a, total="80", level="", status=Evaluation.Status.SCORED)
    with pytest.raises(signed_documents.SignedDocumentError) as early:
        signed_records.sign_form(acting_user=head, evaluation=scored, credential=head.cred, secret=P12_PASSPHRASE)
    assert early.value.code == "not_ready"

    scored.status, scored.classification = Evaluation.Status.DECIDED, "tot"
    scored.save()
    doc = signed_records.sign_form(acting_user=head, evaluation=scored, credential=head.cred, secret=P12_PASSPHRASE)

    assert doc.kind == signed_documents.EVALUATION_FORM and doc.subject_key == f"evaluation:{scored.pk}"
    checks = checks_of(doc, pki)
    assert [c.status for c in checks] == ["valid"] and checks[0].field_name == "ChuKyNguoiKy"


def test_another_communes_head_may_not_sign_the_form(cast, make_credential):
    other = unit_head("head_commune_b", cast.commune_b)
    cred = make_credential(cast.commune_b, holder=other, purpose=PERSONAL)
    decided = evaluated(cast.emp_a, total="80", level="tot")

    with pytest.raises(signed_documents.SignedDocumentError) as refused:
        signed_records.sign_form(acting_user=other, evaluation=decided, credential=cred, secret=P12_PASSPHRASE)

    assert refused.value.code == "not_signer" and refused.value.status == 403
    assert not SignedDocument.objects.exists()


def test_the_summary_is_signed_by_the_head_and_the_agency_once_everyone_is_decided(cast, head, pki):
    evaluated(cast.emp_a, total="91", level="xuat_sac")
    waiting = evaluated(person(cast, "103", "Hoàng Văn Bình"), total="80", level="", status=Evaluation.Status.SCORED)
    sign = {
        "acting_user": head,
        "unit": cast.commune_a,
        "period_kind": "quarter",
        "period_start": Q1,
        "credential": head.cred,
        "secret": P12_PASSPHRASE,
        "agency_credential": head.agency,
        "agency_secret": P12_PASSPHRASE,
    }
    with pytest.raises(signed_documents.SignedDocumentError) as early:
        signed_records.sign_summary(**sign)
    assert early.value.code == "not_ready"

    waiting.status, waiting.classification = Evaluation.Status.DECIDED, "tot"
    waiting.save()
    doc = signed_records.sign_summary(**sign)

    assert doc.subject_key == f"evaluation-summary:{cast.commune_a.pk}:quarter:2026-01-01"
    checks = checks_of(doc, pki)
    assert [c.status for c in checks] == ["valid", "valid"]
    assert [c.field_name for c in checks] == ["ChuKyNguoiKy", "ChuKyCoQuan"]
    assert signed_records.summary_ready(cast.commune_a, "quarter", dt.date(2026, 4, 1)) is False  # nobody in Q2


def test_the_head_signs_the_summary_on_its_page_and_the_download_is_the_signed_copy(cast, head, pki, login):
    evaluated(cast.emp_a, total="91", level="xuat_sac")
    page = f"/evaluation/summary/{cast.commune_a.code}/quarter/2026-01-01/sign/"
    pdf = f"/evaluation/summary/{cast.commune_a.code}/quarter/2026-01-01.pdf"
    # HR over the commune reads the summary but does not sign it; another commune's head
    # does not reach it.
    assert login(cast.hr_a).get(page).status_code == 403
    assert login(unit_head("head_commune_b", cast.commune_b)).get(page).status_code == 404
    client = login(head)
    unsigned = client.get(pdf).content
    response = client.post(
        page,
        {
            "credential": head.cred.pk,
            "secret": P12_PASSPHRASE,
            "agency_credential": head.agency.pk,
            "agency_secret": P12_PASSPHRASE,
        },
    )
    assert response.status_code in (200, 302)
    doc = SignedDocument.objects.get(kind=signed_documents.EVALUATION_SUMMARY)
    assert [c.status for c in checks_of(doc, pki)] == ["valid", "valid"]
    signed = client.get(pdf).content
    assert signed != unsigned and hashlib.sha256(signed).hexdigest() == doc.sha256
