"""The evaluation pages: a civil servant's quarter from assignment to decision, the
evidence and the unit's deduction note beside the criteria, Vietnamese refusals for bad
input, the lock and reopening, "Đánh giá của tôi", and the "wrong unit" checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.utils.html import escape

from evaluation import actions
from evaluation.models import Assignment, DisciplinaryMeasure, Evaluation, ProductType, Rulebook
from hr_system.models import AuditLog, SignedDocument, SigningCredential
from tests.evaluation.web_world import Q1, decided, product_fixture, scores, world_fixture  # noqa: F401  (fixtures)
from tests.pki import P12_PASSPHRASE

NOTE = "Không có văn bản quy phạm nào quy định mức trừ điểm theo số lần đi muộn"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _open(world):
    return actions.open_evaluation(acting_user=world.hr, employee=world.an, period_kind="quarter", period_start=Q1)


def _form(general=5, results=60) -> dict:
    return {f"score-{code}": str(value).replace(".", ",") for code, value in scores(general, results).items()}


def test_a_quarter_goes_from_assignment_to_decision_through_the_pages(world, product, login):
    client = login(world.hr)
    r = client.post(
        "/evaluation/assignments/",
        {
            "employee": "101",
            "product_type": product.pk,
            "period_kind": "quarter",
            "period_start": "01/01/2026",
            "quantity": "4",
            "deadline": "31/03/2026",
            "quality_requirement": "Đúng thể thức",
        },
    )
    assert r.status_code == 302, _messages(client.get("/evaluation/assignments/"))
    assignment = Assignment.objects.get(employee=world.an)
    r = client.post(
        f"/evaluation/assignments/{assignment.pk}/result/",
        {"quantity_done": "4", "rejected_on_quality": "0", "late": "1", "objective_cause": ""},
    )
    assert r.status_code == 302
    assert assignment.result.late == 1 if hasattr(assignment, "result") else True
    r = client.post("/evaluation/open/", {"employee": "101", "period_kind": "quarter", "period_start": "01/01/2026"})
    evaluation = Evaluation.objects.get(employee=world.an)
    assert r["Location"] == f"/evaluation/{evaluation.pk}/"

    client = login(world.cast.staff_user)
    page = client.get(f"/evaluation/{evaluation.pk}/").content.decode()
    assert 'name="score-nang_luc"' in page and "Gửi tự đánh giá" in page
    assert "Quyết định xếp loại" not in page
    client.post(f"/evaluation/{evaluation.pk}/self/", {**_form(5.5, 60), "comment": "Hoàn thành các việc được giao"})
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SELF
    assert evaluation.self_scores["nang_luc"] == 5.5

    client = login(world.head)
    page = client.get(f"/evaluation/{evaluation.pk}/").content.decode()
    assert escape(NOTE) in page or NOTE in page
    assert "Hạn xếp loại năm: 15/12/2026" in page
    assert "1 chậm tiến độ, không có lý do được chấp nhận" in page
    client.post(f"/evaluation/{evaluation.pk}/score/", {**_form(3, 60), "comment": "Tốt"})
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SCORED
    # Four products, one late without an accepted cause: the results criterion is the
    # products' points, not the 60 typed.
    assert evaluation.manager_scores["ket_qua_nhiem_vu"] < 70
    assert evaluation.manager_scores["ket_qua_nhiem_vu"] != 60
    # 15 general points and the products' points: tốt, within any quota.
    r = client.post(f"/evaluation/{evaluation.pk}/decide/", {"classification": ""}, follow=True)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.DECIDED, _messages(r)
    assert evaluation.classification == "tot"
    page = client.get(f"/evaluation/{evaluation.pk}/").content.decode()
    assert "đã khóa" in page and 'id="reopen-form"' in page and 'name="score-' not in page


def test_points_above_a_criterions_maximum_are_refused_in_vietnamese_naming_it(world, login):
    evaluation = _open(world)
    client = login(world.cast.staff_user)
    r = client.post(f"/evaluation/{evaluation.pk}/self/", {**_form(5, 60), "score-nang_luc": "7"}, follow=True)
    text = " ".join(_messages(r))
    assert "Năng lực, kỹ năng chuyên môn" in text
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.DRAFT and evaluation.self_scores == {}
    r = client.post(f"/evaluation/{evaluation.pk}/self/", {**_form(5, 60), "score-nang_luc": "abc"}, follow=True)
    assert r.status_code == 200 and "điểm không hợp lệ" in " ".join(_messages(r))


def test_a_decided_evaluation_is_locked_and_reopens_only_with_a_reason(world, login):
    evaluation = decided(world, world.an, 5, 60)
    client = login(world.cast.staff_user)
    r = client.post(f"/evaluation/{evaluation.pk}/self/", _form(6, 70), follow=True)
    assert "đã được quyết định" in " ".join(_messages(r))
    client = login(world.head)
    r = client.post(f"/evaluation/{evaluation.pk}/score/", _form(6, 70), follow=True)
    assert "đã được quyết định" in " ".join(_messages(r))
    r = client.post(f"/evaluation/{evaluation.pk}/reopen/", {"reason": "  "}, follow=True)
    assert "Cần ghi rõ lý do." in _messages(r)
    evaluation.refresh_from_db()
    assert evaluation.locked()
    client.post(f"/evaluation/{evaluation.pk}/reopen/", {"reason": "Sai sót khi nhập điểm tiêu chí năng lực"})
    evaluation.refresh_from_db()
    assert not evaluation.locked() and evaluation.reopened_reason.startswith("Sai sót")
    assert evaluation.self_scores == scores(5, 60)
    assert AuditLog.objects.filter(action="evaluation.reopened", object_id=str(evaluation.pk)).exists()


def test_the_decision_form_refuses_a_second_xuat_sac_naming_who_exceeds(world, login):
    # Five rated tốt and one xuất sắc: 20 % of five is one, the one place is taken.
    for colleague in world.colleagues[:4]:
        decided(world, colleague, 5, 55)  # 80 → tốt
    decided(world, world.an, 5, 55)
    first = decided(world, world.colleagues[4], 6, 66)  # 96 → xuất sắc
    assert first.classification == "xuat_sac"
    extra = actions.open_evaluation(
        acting_user=world.hr,
        employee=world.cast.emp_a.__class__.objects.create(
            code="120",
            full_name="Lò Văn Hùng",
            unit=world.cast.office_a,
            category="civil_servant",
            start_date=dt.date(2015, 1, 1),
        ),
        period_kind="quarter",
        period_start=Q1,
    )
    actions.manager_score(acting_user=world.head, evaluation=_self(extra, world), scores=scores(6, 66))
    client = login(world.head)
    r = client.post(f"/evaluation/{extra.pk}/decide/", {"classification": ""}, follow=True)
    page = r.content.decode()
    assert "Chưa thể quyết định xếp loại" in page
    assert 'id="problems"' in page and "Không được phép:" in page
    assert "Lò Văn Hùng (120)" in page
    extra.refresh_from_db()
    assert extra.status == Evaluation.Status.SCORED and extra.classification == ""


def _self(evaluation, world):
    """A colleague without a login: their self-assessment is skipped by an admin's hand."""
    return actions.self_assess(acting_user=world.cast.admin, evaluation=evaluation, scores=scores(6, 66))


def test_mine_shows_only_the_callers_own_evaluations_read_only_after_decision(world, login):
    mine = decided(world, world.an, 5, 60)
    other = decided(world, world.colleagues[0], 5, 60)
    client = login(world.cast.staff_user)
    page = client.get("/evaluation/me/").content.decode()
    assert f"/evaluation/{mine.pk}/" in page and f"/evaluation/{other.pk}/" not in page
    detail = client.get(f"/evaluation/{mine.pk}/").content.decode()
    assert 'name="score-' not in detail and "decide-form" not in detail and "reopen-form" not in detail
    assert client.get(f"/evaluation/{other.pk}/").status_code == 404


def test_wrong_unit_evaluations_are_not_found_and_a_hr_officer_cannot_score(world, login):
    evaluation = _open(world)
    actions.self_assess(acting_user=world.cast.staff_user, evaluation=evaluation, scores=scores())
    # Another commune's HR and the school's head: the evaluation does not exist for them.
    for user in (world.cast.hr_b, world.cast.head_a):
        client = login(user)
        assert client.get(f"/evaluation/{evaluation.pk}/").status_code == 404
        assert client.post(f"/evaluation/{evaluation.pk}/score/", _form()).status_code == 404
        assert client.post(f"/evaluation/{evaluation.pk}/decide/", {}).status_code == 404
        assert f"/evaluation/{evaluation.pk}/" not in client.get("/evaluation/").content.decode()
    # HR over the ward reads it, but scoring is the direct manager's.
    client = login(world.hr)
    assert client.get(f"/evaluation/{evaluation.pk}/").status_code == 200
    assert client.post(f"/evaluation/{evaluation.pk}/score/", _form()).status_code == 403
    # The employee cannot score themself.
    assert login(world.cast.staff_user).post(f"/evaluation/{evaluation.pk}/score/", _form()).status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SELF


def test_opening_for_someone_outside_scope_or_outside_employment_is_refused(world, login):
    client = login(world.cast.hr_b)
    r = client.post("/evaluation/open/", {"employee": "101", "period_kind": "quarter", "period_start": "01/01/2026"})
    assert r.status_code == 404
    world.an.leave_date = dt.date(2025, 12, 31)
    world.an.save()
    client = login(world.hr)
    r = client.post(
        "/evaluation/open/", {"employee": "101", "period_kind": "quarter", "period_start": "01/01/2026"}, follow=True
    )
    assert any("nằm ngoài thời gian công tác" in m for m in _messages(r)), _messages(r)
    assert not Evaluation.objects.filter(employee=world.an).exists()


def test_catalogue_and_discipline_records_are_hr_work_in_their_own_unit(world, login):
    client = login(world.hr)
    r = client.post(
        "/evaluation/products/",
        {"unit": "P-MC-UB", "position": "", "name": "Hồ sơ một cửa", "measure": "hồ sơ", "standard_units": "0,5"},
    )
    assert r.status_code == 302 and ProductType.objects.filter(name="Hồ sơ một cửa").exists()
    # Another commune's HR: the unit is not found; a unit head may read but not add.
    r = login(world.cast.hr_b).post(
        "/evaluation/products/", {"unit": "P-MC-UB", "name": "X", "measure": "x", "standard_units": "1"}
    )
    assert r.status_code == 404
    r = login(world.head).post(
        "/evaluation/products/", {"unit": "P-MC-UB", "name": "X", "measure": "x", "standard_units": "1"}
    )
    assert r.status_code == 403
    assert not ProductType.objects.filter(name="X").exists()

    record = {
        "employee": "101",
        "level": "khien_trach",
        "decision_number": "12/QĐ-UBND",
        "decided_on": "02/03/2026",
        "effective_from": "02/03/2026",
    }
    assert login(world.cast.hr_b).post("/evaluation/discipline/", record).status_code == 404
    assert login(world.head).post("/evaluation/discipline/", record).status_code == 403
    r = login(world.hr).post("/evaluation/discipline/", record)
    assert r.status_code == 302 and DisciplinaryMeasure.objects.filter(employee=world.an).count() == 1
    assert "12/QĐ-UBND" not in login(world.cast.hr_b).get("/evaluation/discipline/").content.decode()


def test_the_rulebook_form_keeps_points_within_the_framework_and_says_no_statute_sets_deductions(world, login):
    client = login(world.hr)
    page = client.get("/evaluation/rulebooks/").content.decode()
    assert NOTE in page
    base = {"unit": "P-MC-UB", "regime": "nd335_2025", "effective_from": "01/01/2026", "period_kind": "quarter"}
    r = client.post("/evaluation/rulebooks/", {**base, "points-nd335_2025-nang_luc": "40"})
    assert r.status_code == 400 and not Rulebook.objects.exists()
    assert any(m for m in _messages(r))
    r = client.post("/evaluation/rulebooks/", {**base, "competence_exam_id": "999999"})
    assert r.status_code == 400 and "Không tìm thấy kỳ thi" in r.content.decode()
    r = client.post(
        "/evaluation/rulebooks/",
        {**base, "rule-late_per": "2", "rule-late_points": "1", "task_groups": "Chuyên viên = Chuyên môn"},
    )
    assert r.status_code == 302, _messages(r)
    rulebook = Rulebook.objects.get()
    assert rulebook.discipline_rule == {"late_per": 2.0, "late_points": 1.0}
    assert rulebook.task_groups == {"Chuyên viên": "Chuyên môn"}
    assert login(world.cast.hr_b).post("/evaluation/rulebooks/", base).status_code == 404


def test_a_bad_period_date_is_a_vietnamese_error_not_a_crash(world, login):
    r = login(world.hr).get("/evaluation/?period_kind=quarter&period_start=31/02/2026")
    assert r.status_code == 400 and "Ngày không tồn tại" in r.content.decode()
    assert re.search(r"Chưa có phiếu đánh giá nào|evaluations", r.content.decode())


def test_the_scored_page_shows_the_snapshot_beside_the_discipline_criterion(world, login):
    evaluation = _open(world)
    actions.self_assess(acting_user=world.cast.staff_user, evaluation=evaluation, scores=scores(3, 60))
    client = login(world.head)
    client.post(f"/evaluation/{evaluation.pk}/score/", _form(3, 60))
    evaluation.refresh_from_db()
    assert evaluation.evidence["attendance"]["late_count"] == 0
    page = client.get(f"/evaluation/{evaluation.pk}/").content.decode()
    block = page[page.index('id="discipline-evidence"') :]
    block = block[: block.index("</td>")]
    assert "Số lần đi muộn: <strong>0</strong>" in block
    assert "Mức trừ theo quy chế của đơn vị:" in block and NOTE in block
    assert "Đơn vị chưa gắn kỳ thi nào với tiêu chí này." in page


def test_the_form_pdf_and_the_unit_summary_download_in_scope_only(world, login):
    evaluation = decided(world, world.an, 3, 60)
    client = login(world.head)
    r = client.get(f"/evaluation/{evaluation.pk}/phieu.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and "phieu-danh-gia-101-2026-01.pdf" in r["Content-Disposition"]
    r = login(world.hr).get("/evaluation/summary/P-MC-UB/quarter/2026-01-01.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert login(world.hr).get("/evaluation/summary/P-MC-UB/quarter/2026-01-01.pdf").content.startswith(b"%PDF")
    assert login(world.hr).get("/evaluation/summary/P-MC-UB/quarter/2026-13-01.pdf").status_code == 404
    assert login(world.hr).get("/evaluation/summary/P-MC-UB/week/2026-01-01.pdf").status_code == 404
    # Another commune's HR and the school's head: not found.
    assert login(world.cast.hr_b).get(f"/evaluation/{evaluation.pk}/phieu.pdf").status_code == 404
    assert login(world.cast.hr_b).get("/evaluation/summary/P-MC-UB/quarter/2026-01-01.pdf").status_code == 404
    assert login(world.cast.head_a).get(f"/evaluation/{evaluation.pk}/phieu.pdf").status_code == 404


def test_the_head_accepts_an_objective_cause_and_hr_may_not(world, product, login):
    assignment = actions.assign(
        acting_user=world.hr,
        employee=world.an,
        product_type=product,
        period_kind="quarter",
        period_start=Q1,
        quantity=2,
        deadline=dt.date(2026, 3, 31),
    )
    actions.record_result(
        acting_user=world.hr, assignment=assignment, quantity_done=2, late=1, objective_cause="Mất điện ba ngày"
    )
    url = f"/evaluation/assignments/{assignment.pk}/result/"
    assert 'id="cause-form"' in login(world.head).get(url).content.decode()
    assert login(world.hr).post(url, {"do": "accept_cause", "accepted": "1"}).status_code == 403
    assert login(world.cast.hr_b).get(url).status_code == 404
    assert login(world.cast.head_a).post(url, {"do": "accept_cause", "accepted": "1"}).status_code == 404
    assignment.result.refresh_from_db()
    assert assignment.result.cause_accepted is False
    r = login(world.head).post(url, {"do": "accept_cause", "accepted": "1"}, follow=True)
    assert "Nguyên nhân khách quan đã được chấp nhận" in r.content.decode()
    assignment.result.refresh_from_db()
    assert assignment.result.cause_accepted is True


def test_the_head_signs_the_decided_form_and_the_pdf_handed_out_is_the_signed_one(
    world, login, make_credential, pki, settings, tmp_path
):
    settings.SIGNED_DOCUMENTS_DIR = tmp_path / "signed"
    settings.SIGNING_TRUST_ROOTS_DIR = str(pki.roots_dir)
    settings.SIGNING_TSA_URL = ""
    credential = make_credential(
        world.cast.office_a, holder=world.head, purpose=SigningCredential.Purpose.PERSONAL, label="Chứng thư"
    )
    evaluation = decided(world, world.an, 3, 60)
    url = f"/evaluation/{evaluation.pk}/sign/"
    assert login(world.cast.hr_b).get(url).status_code == 404
    assert login(world.hr).get(url).status_code == 403  # HR reads; the head signs
    client = login(world.head)
    assert f"/evaluation/{evaluation.pk}/sign/" in client.get(f"/evaluation/{evaluation.pk}/").content.decode()
    assert client.get(url).status_code == 200
    client.post(url, {"credential": credential.pk, "secret": P12_PASSPHRASE})
    doc = SignedDocument.objects.get(kind="evaluation_form")
    r = client.get(f"/evaluation/{evaluation.pk}/phieu.pdf")
    body = b"".join(r.streaming_content) if r.streaming else r.content
    assert hashlib.sha256(body).hexdigest() == doc.sha256


def test_the_unit_view_proposes_levels_and_its_decision_is_all_or_nothing(world, login):
    people = [*world.colleagues, world.an]
    for i, employee in enumerate(people):
        e = actions.open_evaluation(acting_user=world.hr, employee=employee, period_kind="quarter", period_start=Q1)
        # Five at 80 (tốt), and two at 96 (xuất sắc): one place for five tốt.
        general, results = (6, 66) if i >= len(people) - 2 else (5, 55)
        actions.self_assess(acting_user=world.emp_user(employee), evaluation=e, scores=scores(general, results))
        actions.manager_score(acting_user=world.head, evaluation=e, scores=scores(general, results))
    query = "?unit=P-MC-UB&period_kind=quarter&period_start=01/01/2026"
    client = login(world.head)
    page = client.get(f"/evaluation/{query}").content.decode()
    assert page.count("Hoàn thành xuất sắc nhiệm vụ</td>") == 2 and 'id="decide-unit-form"' in page
    form = {"unit": "P-MC-UB", "period_kind": "quarter", "period_start": "01/01/2026"}
    r = client.post("/evaluation/decide/", form, follow=True)
    page = r.content.decode()
    assert "Không được phép:" in page and "Nguyễn Văn An (101)" in page
    assert not Evaluation.objects.filter(status=Evaluation.Status.DECIDED).exists()
    # HR reads the unit but does not decide; another commune's HR does not find it.
    r = login(world.hr).post("/evaluation/decide/", form, follow=True)
    assert "Không có phiếu nào đã chấm điểm mà bạn được quyết định xếp loại." in _messages(r)
    assert login(world.cast.hr_b).post("/evaluation/decide/", form).status_code == 404
    # With one of the two brought down to tốt, the whole unit is decided at once.
    lower = Evaluation.objects.get(employee=world.colleagues[-1])
    actions.manager_score(acting_user=world.head, evaluation=lower, scores=scores(5, 55))
    r = login(world.head).post("/evaluation/decide/", form, follow=True)
    assert "Đã quyết định xếp loại 6 người." in _messages(r)
    assert Evaluation.objects.filter(status=Evaluation.Status.DECIDED).count() == 6


def test_ids_beyond_the_database_range_are_not_found_or_refused_not_a_crash(world, login):
    huge = "9" * 25
    client = login(world.hr)
    assert client.get(f"/evaluation/{huge}/").status_code == 404
    assert client.get(f"/evaluation/assignments/{huge}/result/").status_code == 404
    r = client.post(
        "/evaluation/assignments/",
        {
            "employee": "101",
            "product_type": huge,
            "period_kind": "quarter",
            "period_start": "01/01/2026",
            "quantity": "1",
            "deadline": "31/03/2026",
        },
    )
    assert r.status_code == 400
    assert login(world.cast.staff_user).get(f"/api/v1/evaluation/evaluations/{huge}").status_code in (404, 422)


def test_the_yearly_deadline_turns_red_when_near_and_the_year_needs_a_collective_review(world, login, monkeypatch):
    year = actions.open_evaluation(
        acting_user=world.hr, employee=world.an, period_kind="year", period_start=dt.date(2026, 1, 1)
    )
    actions.self_assess(acting_user=world.cast.staff_user, evaluation=year, scores=scores(5, 60))
    actions.manager_score(acting_user=world.head, evaluation=year, scores=scores(3, 60))
    client = login(world.head)
    monkeypatch.setattr(actions.timezone, "localdate", lambda: dt.date(2026, 10, 1))
    page = client.get(f"/evaluation/{year.pk}/").content.decode()
    assert '<p id="deadline" class="muted">Hạn xếp loại năm: 15/12/2026</p>' in page
    monkeypatch.setattr(actions.timezone, "localdate", lambda: dt.date(2026, 12, 10))
    page = client.get(f"/evaluation/{year.pk}/").content.decode()
    assert '<p id="deadline" class="error">Hạn xếp loại năm: 15/12/2026 — Hạn xếp loại năm là 15/12/2026.' in page
    # The year is decided only after the collective review.
    r = client.post(f"/evaluation/{year.pk}/decide/", {}, follow=True)
    assert "101: Đánh giá năm cần họp xét tập thể trước khi quyết định." in _messages(r)
    assert login(world.cast.hr_b).post(f"/evaluation/{year.pk}/review/", {"note": "x"}).status_code == 404
    client = login(world.head)
    client.post(f"/evaluation/{year.pk}/review/", {"note": "Tập thể thống nhất mức tốt"})
    client.post(f"/evaluation/{year.pk}/decide/", {})
    year.refresh_from_db()
    assert year.review_note == "Tập thể thống nhất mức tốt" and year.status == Evaluation.Status.DECIDED
