"""The four other signed documents: the exam results list and the sitting minutes (the
exam board), the transfer decision and the leader-selection result (the unit head);
the agency's second signature where the registry asks for one."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments import remarks, sitting_documents
from assessments.models import Exam, Sitting
from hr_system import signed_documents, signing
from hr_system.models import Role, SignedDocument, SigningCredential
from tests.assessments.test_attempts import build_exam
from tests.assessments.test_remarks import ask, correct_key, seal, world  # noqa: F401 (world: a fixture)
from tests.assessments.test_sittings import make_sitting
from tests.pki import P12_PASSPHRASE
from tests.transfers.test_transfers import call, make_round, ok, pool, selection  # noqa: F401 (fixtures)
from transfers import reports
from transfers.models import LeaderSelection, TransferRound

PERSONAL = SigningCredential.Purpose.PERSONAL
AGENCY = SigningCredential.Purpose.AGENCY


@pytest.fixture(autouse=True)
def store(settings, tmp_path, pki):
    settings.SIGNED_DOCUMENTS_DIR = tmp_path / "signed"
    settings.SIGNING_TRUST_ROOTS_DIR = str(pki.roots_dir)
    settings.SIGNING_TSA_URL = ""
    return settings.SIGNED_DOCUMENTS_DIR


def form(cred, agency=None):
    data = {"credential": str(cred.pk), "secret": P12_PASSPHRASE}
    if agency is not None:
        data.update(agency_credential=str(agency.pk), agency_secret=P12_PASSPHRASE)
    return data


def api_body(cred, agency=None):
    body = {"credential": cred.pk, "secret": P12_PASSPHRASE}
    if agency is not None:
        body.update(agency_credential=agency.pk, agency_secret=P12_PASSPHRASE)
    return body


def signed_bytes(doc: SignedDocument) -> bytes:
    data = signed_documents.read_bytes(doc)
    assert hashlib.sha256(data).hexdigest() == doc.sha256
    return data


def assert_two_valid_signatures(data: bytes, pki):
    checks = signing.verify_pdf(data, roots_dir=pki.roots_dir)
    assert [c.status for c in checks] == ["valid", "valid"]
    assert [c.signer_name for c in checks] == [pki.signer.common_name, pki.agency.common_name]
    assert [c.field_name for c in checks] == ["ChuKyNguoiKy", "ChuKyCoQuan"]
    assert signing.overall_status(checks) == "valid"


def unit_head(username, unit):
    user = get_user_model().objects.create_user(username=username, password="x")
    Role.objects.create(user=user, kind=Role.Kind.UNIT_HEAD, unit=unit)
    return user


# --- the exam results list ---------------------------------------------------------------


@pytest.fixture
def exam_setup(cast, make_credential, pki):
    setup = build_exam(cast)
    setup.board_cred = make_credential(cast.commune_a, holder=setup.board, purpose=PERSONAL)
    setup.agency_cred = make_credential(cast.commune_a, purpose=AGENCY, identity=pki.agency, label="UBND phường")
    return setup


def test_results_list_is_signed_by_the_board_and_the_agency_once_published(exam_setup, login, pki):
    exam = exam_setup.exam
    client = login(exam_setup.board)
    url = f"/assessments/results/{exam.pk}/sign/"
    early = client.post(url, form(exam_setup.board_cred, exam_setup.agency_cred), follow=True)
    assert "sau khi kết quả đã được công bố" in early.content.decode()
    assert not SignedDocument.objects.exists()

    Exam.objects.filter(pk=exam.pk).update(published_at=timezone.now())
    page = client.get(url).content.decode()
    assert 'name="agency_secret"' in page and 'type="password"' in page
    # Without the agency credential the list is refused: it needs the agency's signature.
    alone = client.post(url, form(exam_setup.board_cred), follow=True)
    assert "chữ ký số của cơ quan" in alone.content.decode()
    assert not SignedDocument.objects.exists()

    client.post(url, form(exam_setup.board_cred, exam_setup.agency_cred))
    doc = SignedDocument.objects.get(kind=signed_documents.EXAM_RESULTS)
    assert doc.agency_credential == exam_setup.agency_cred
    data = signed_bytes(doc)
    assert_two_valid_signatures(data, pki)
    assert client.get(f"/assessments/results/{exam.pk}/results.pdf").content == data
    assert client.get(f"/api/v1/assessments/results/exams/{exam.pk}/results/signed.pdf").content == data


def test_results_list_of_another_units_exam_board_is_404(exam_setup, cast, login, make_credential):
    """Wrong unit: commune B's exam board cannot reach commune A's exam."""
    Exam.objects.filter(pk=exam_setup.exam.pk).update(published_at=timezone.now())
    board_b = get_user_model().objects.create_user(username="board_b", password="x")
    Role.objects.create(user=board_b, kind=Role.Kind.EXAM_BOARD, unit=cast.commune_b)
    cred = make_credential(cast.commune_b, holder=board_b, purpose=PERSONAL)
    client = login(board_b)
    assert client.post(f"/assessments/results/{exam_setup.exam.pk}/sign/", form(cred)).status_code == 404
    api = client.post(
        f"/api/v1/assessments/results/exams/{exam_setup.exam.pk}/results/sign",
        api_body(cred),
        content_type="application/json",
    )
    assert api.status_code == 404
    assert not SignedDocument.objects.exists()


def test_an_hr_officer_who_reads_the_exam_may_not_sign_its_results(exam_setup, cast, login, make_credential):
    Exam.objects.filter(pk=exam_setup.exam.pk).update(published_at=timezone.now())
    cred = make_credential(cast.commune_a, holder=cast.hr_a, purpose=PERSONAL)
    response = login(cast.hr_a).post(
        f"/api/v1/assessments/results/exams/{exam_setup.exam.pk}/results/sign",
        api_body(cred, exam_setup.agency_cred),
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_signer"


# --- the sitting minutes ---------------------------------------------------------------------


def test_sitting_minutes_are_signed_by_the_board_alone_after_the_sitting_ended(exam_setup, cast, login, pki):
    sitting = make_sitting(exam_setup, cast)
    client = login(exam_setup.board)
    api = f"/api/v1/assessments/sittings/{sitting.pk}/minutes/sign"
    early = client.post(api, api_body(exam_setup.board_cred), content_type="application/json")
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_ready"

    Sitting.objects.filter(pk=sitting.pk).update(ended_at=timezone.now())
    _pdf, slots = sitting_documents.sitting_minutes_pdf_with_slots(sitting)
    assert set(slots) == {"signer"}
    # The minutes carry no agency signature: offering one is refused.
    extra = client.post(api, api_body(exam_setup.board_cred, exam_setup.agency_cred), content_type="application/json")
    assert extra.status_code == 422
    response = client.post(api, api_body(exam_setup.board_cred), content_type="application/json")
    assert response.status_code == 200, response.content
    doc = SignedDocument.objects.get(kind=signed_documents.SITTING_MINUTES)
    checks = signing.verify_pdf(signed_bytes(doc), roots_dir=pki.roots_dir)
    assert [(c.status, c.signer_name) for c in checks] == [("valid", pki.signer.common_name)]
    assert client.get(f"/assessments/sittings/{sitting.pk}/minutes/signed.pdf").content == signed_bytes(doc)


# --- the transfer decision and the leader-selection result -----------------------------------


@pytest.fixture
def commune_head(cast, make_credential, pki):
    head = unit_head("head_commune_a", cast.commune_a)
    head.cred = make_credential(cast.commune_a, holder=head, purpose=PERSONAL)
    head.agency = make_credential(cast.commune_a, purpose=AGENCY, identity=pki.agency, label="UBND phường")
    return head


def test_transfer_decision_signed_by_unit_head_and_agency_after_finalising(pool, login, commune_head, pki):  # noqa: F811
    rid = make_round(login(pool.cast.hr_a), pool)["id"]
    client = login(commune_head)
    url = f"/transfers/rounds/{rid}/decision/sign/"
    early = client.post(url, form(commune_head.cred, commune_head.agency), follow=True)
    assert "sau khi đợt điều động đã được chốt" in early.content.decode()

    TransferRound.objects.filter(pk=rid).update(status=TransferRound.Status.FINAL, finalised_at=timezone.now())
    _pdf, slots = reports.decision_pdf_with_slots(TransferRound.objects.get(pk=rid))
    assert set(slots) == {"signer", "agency"}
    client.post(url, form(commune_head.cred, commune_head.agency))
    doc = SignedDocument.objects.get(kind=signed_documents.TRANSFER_DECISION)
    data = signed_bytes(doc)
    assert_two_valid_signatures(data, pki)
    assert client.get(f"/transfers/rounds/{rid}/decision/signed.pdf").content == data
    # HR, who reads the round, gets the signed decision from the usual download.
    assert login(pool.cast.hr_a).get(f"/transfers/rounds/{rid}/decision.pdf").content == data


def test_transfer_decision_of_another_commune_is_404_for_its_unit_head(pool, login, make_credential):  # noqa: F811
    rid = make_round(login(pool.cast.hr_a), pool)["id"]
    TransferRound.objects.filter(pk=rid).update(status=TransferRound.Status.FINAL)
    head_b = unit_head("head_b", pool.cast.commune_b)
    cred = make_credential(pool.cast.commune_b, holder=head_b, purpose=PERSONAL)
    client = login(head_b)
    assert client.post(f"/transfers/rounds/{rid}/decision/sign/", form(cred)).status_code == 404
    api = client.post(
        f"/api/v1/assessments/transfers/rounds/{rid}/decision/sign", api_body(cred), content_type="application/json"
    )
    assert api.status_code == 404
    assert client.get(f"/transfers/rounds/{rid}/decision/signed.pdf").status_code == 404


def test_leader_results_signed_after_closing_via_the_api(pool, login, selection, commune_head, pki):  # noqa: F811
    sid, _members = selection
    agency_th2 = SigningCredential.objects.create(
        unit=LeaderSelection.objects.get(pk=sid).unit,
        purpose=AGENCY,
        kind=SigningCredential.Kind.PKCS12,
        label="Trường TH Mộc Châu 2",
        pkcs12_path=str(pki.pkcs12(pki.agency, name="agency-th2")),
    )
    client = login(commune_head)
    api = f"/api/v1/assessments/transfers/leaders/{sid}/sign"
    early = client.post(api, api_body(commune_head.cred, agency_th2), content_type="application/json")
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_ready"

    ok(call(login(pool.cast.hr_a), "post", f"/leaders/{sid}/close"))
    _pdf, slots = reports.leader_results_pdf_with_slots(LeaderSelection.objects.get(pk=sid))
    assert set(slots) == {"signer", "agency"}
    client = login(commune_head)
    # The commune's agency credential is not the issuing unit's (the school's).
    wrong_agency = client.post(api, api_body(commune_head.cred, commune_head.agency), content_type="application/json")
    assert wrong_agency.status_code == 422 and wrong_agency.json()["error"]["code"] == "no_agency_credential"
    response = client.post(api, api_body(commune_head.cred, agency_th2), content_type="application/json")
    assert response.status_code == 200, response.content
    doc = SignedDocument.objects.get(kind=signed_documents.LEADER_RESULTS)
    assert response.json()["sha256"] == doc.sha256
    data = client.get(f"/api/v1/assessments/transfers/leaders/{sid}/signed.pdf").content
    assert hashlib.sha256(data).hexdigest() == doc.sha256
    assert_two_valid_signatures(data, pki)


def test_signature_slots_are_found_in_every_signed_template(cast):
    """Each of the five documents reserves a signer slot (and an agency slot where the
    registry needs the agency), so the visible signature lands in the signature block."""
    from attendance import reports as attendance_reports

    data = attendance_reports.timesheet(cast.school_a, dt.date(2026, 1, 1))
    _pdf, slots = attendance_reports.timesheet_pdf_with_slots(data, cast.school_a)
    assert set(slots) == {"signer"}
    page, x1, y1, x2, y2 = slots["signer"]
    assert x2 - x1 > 100 and y2 - y1 > 40  # ≈ 60 mm × 20 mm
    setup = build_exam(cast)
    from assessments import reports as exam_reports

    _pdf, slots = exam_reports.results_pdf_with_slots(setup.exam)
    assert set(slots) == {"signer", "agency"}
    # The agency's box overlaps the left part of the signer's (Decree 30/2020 Appendix I).
    assert slots["agency"][1] < slots["signer"][1] < slots["agency"][3] < slots["signer"][3]


# --- results that move after signing ---------------------------------------------------------


def _signed_results(exam, unit):
    cred = SigningCredential.objects.create(
        unit=unit, purpose=PERSONAL, kind=SigningCredential.Kind.PKCS12, label="x", pkcs12_path="/nonexistent.p12"
    )
    return SignedDocument.objects.create(
        kind=signed_documents.EXAM_RESULTS,
        subject_key=exam.signed_results_key(),
        unit=unit,
        title="Kết quả",
        filename="ket-qua.pdf",
        sha256="0" * 64,
        size=1,
        signer_name="Hội đồng thi",
        credential=cred,
    )


def test_a_key_correction_that_moves_results_voids_the_signed_list(cast, world):  # noqa: F811
    w = world
    doc = _signed_results(w.exam, cast.commune_a)
    correct_key(w, w.q[2], ["b"])
    doc.refresh_from_db()
    assert doc.status == SignedDocument.Status.VOIDED and doc.voided_by == cast.hr_a
    assert "Sửa đáp án" in doc.void_reason


def test_a_remark_that_changes_a_result_voids_the_signed_list(cast, world):  # noqa: F811
    w = world
    seal(w, w.an, w.binh)
    correct_key(w, w.q[2], ["b"])  # sealed attempts keep their result: nothing moves yet
    doc = _signed_results(w.exam, cast.commune_a)
    remarks.decide_remark(acting_user=cast.hr_a, request=ask(w), decision="Chấm lại câu 3.")
    doc.refresh_from_db()
    assert doc.status == SignedDocument.Status.VOIDED
    assert "phúc khảo" in doc.void_reason


def test_leader_results_of_another_commune_are_404_for_its_unit_head(pool, login, selection, make_credential):  # noqa: F811
    """Wrong unit: commune B's unit head cannot reach commune A's selection."""
    sid, _members = selection
    ok(call(login(pool.cast.hr_a), "post", f"/leaders/{sid}/close"))
    head_b = unit_head("head_b", pool.cast.commune_b)
    cred = make_credential(pool.cast.commune_b, holder=head_b, purpose=PERSONAL)
    client = login(head_b)
    assert client.post(f"/transfers/leaders/{sid}/sign/", form(cred)).status_code == 404
    api = client.post(
        f"/api/v1/assessments/transfers/leaders/{sid}/sign", api_body(cred), content_type="application/json"
    )
    assert api.status_code == 404
    assert client.get(f"/api/v1/assessments/transfers/leaders/{sid}/signed.pdf").status_code == 404
    assert not SignedDocument.objects.exists()
