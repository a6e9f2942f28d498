"""Re-marking (phúc khảo): the candidate's request, the board's decision, the only path
through a sealed sitting, the pages, the API (/api/v1/assessments/remarks/) and the PDF."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone
from pypdf import PdfReader

from assessments import remarks, results, sealing
from assessments.models import (
    Attempt,
    AttemptEvent,
    BlueprintRule,
    Category,
    Exam,
    ExamPart,
    PaperItem,
    QuestionVersion,
    RemarkRequest,
    Response,
    Sitting,
)
from assessments.papers import ExamError
from hr_system.models import AuditLog, Employee, Role
from tests.assessments.test_results import version

API = "/api/v1/assessments/remarks"
VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


class World:
    pass


def sit(w, employee, answers, minutes):
    attempt = Attempt.objects.create(
        exam=w.exam,
        employee=employee,
        status=Attempt.Status.FINALIZED,
        started_at=w.t0,
        deadline=w.t0 + dt.timedelta(minutes=60),
        finalized_at=w.t0 + dt.timedelta(minutes=minutes),
    )
    for position, (v, ch) in enumerate(zip(w.q, answers, strict=True), start=1):
        item = PaperItem.objects.create(
            attempt=attempt, position=position, part=w.part, version=v, option_order=["a", "b", "c", "d"]
        )
        if ch != "-":
            Response.objects.create(attempt=attempt, item=item, selected=[ch])
    return attempt


@pytest.fixture
def world(cast):
    """Commune A's exam of three questions, published: the third question's key says
    "a" where "b" is right. An answered "aab" (2 of 3 under the published key), Bình
    "aaa" (3 of 3); Bình ranks first."""
    w = World()
    w.cast = cast
    now = timezone.now()
    category = Category.objects.create(code="KTC", name="Kiến thức chung", unit=cast.commune_a)
    w.exam = Exam.objects.create(
        title="Kiểm tra năng lực năm 2026",
        unit=cast.commune_a,
        opens_at=now - dt.timedelta(hours=3),
        closes_at=now - dt.timedelta(hours=1),
        pass_percent=50,
    )
    w.part = ExamPart.objects.create(exam=w.exam, order=1, title="Phần I")
    BlueprintRule.objects.create(part=w.part, category=category, count=3)
    w.q = [
        version(category, "Hiến pháp năm 2013 quy định…"),
        version(category, "Luật Cán bộ, công chức quy định…"),
        version(category, "Định dạng tệp của bảng tính là…"),
    ]
    w.t0 = now - dt.timedelta(hours=2)
    w.binh_user = get_user_model().objects.create_user(username="binh", password="x")
    w.binh_emp = Employee.objects.create(
        code="103", full_name="Hoàng Văn Bình", unit=cast.office_a, category="civil_servant", user=w.binh_user
    )
    w.an = sit(w, cast.emp_a, "aab", minutes=30)
    w.binh = sit(w, w.binh_emp, "aaa", minutes=40)
    results.publish(acting_user=cast.hr_a, exam=w.exam)
    w.exam.refresh_from_db()
    return w


def attempt(pk):
    return Attempt.objects.select_related("exam", "employee", "sitting").get(pk=pk)


def seal(w, *attempts):
    """Put the attempts on a sitting sealed an hour ago (as the records helper's seal leaves it)."""
    sitting = Sitting.objects.create(
        exam=w.exam,
        name="Ca 1",
        venue="Phòng máy 1",
        starts_at=w.t0,
        ends_at=w.t0 + dt.timedelta(minutes=60),
        ended_at=w.t0 + dt.timedelta(minutes=60),
        sealed_at=timezone.now() - dt.timedelta(hours=1),
    )
    Attempt.objects.filter(pk__in=[a.pk for a in attempts]).update(sitting=sitting)
    return sitting


def correct_key(w, v, new_key):
    """The owner's key correction (results.correct_key): every unsealed attempt with the
    version is re-scored at once; an attempt of a sealed sitting keeps its result."""
    return results.correct_key(acting_user=w.cast.hr_a, version=v, correct_ids=new_key, reason="Đáp án đúng là B")


def ask(w, a=None, reason="Tôi cho rằng câu 3 chấm chưa đúng.", now=None):
    a = a or w.an
    return remarks.request_remark(acting_user=a.employee.user, attempt=attempt(a.pk), reason=reason, now=now)


def pdf_text(content):
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


# --- the request ----------------------------------------------------------------------------


def test_the_candidate_asks_within_the_window_and_it_is_audited(world):
    remark = ask(world)
    assert remark.status == RemarkRequest.Status.PENDING and remark.requested_by == world.cast.staff_user
    log = AuditLog.objects.get(action="exam.remark_requested")
    assert log.object_id == str(world.exam.pk) and log.detail["remark_id"] == remark.pk
    assert "reason" not in log.detail  # the reason may hold personal data: it stays on the request


def test_a_request_after_the_window_is_refused_naming_the_last_day(world):
    # Published 23:30 Vietnam time on 1 March: 15 days → requests until the end of 16 March.
    published = dt.datetime(2026, 3, 1, 23, 30, tzinfo=VN)
    Exam.objects.filter(pk=world.exam.pk).update(published_at=published)
    last_moment = dt.datetime(2026, 3, 16, 23, 59, 59, tzinfo=VN)
    with pytest.raises(ExamError) as err:
        ask(world, now=last_moment + dt.timedelta(seconds=1))
    assert err.value.status == 409
    assert "16/03/2026" in str(err.value) and "hết thời hạn" in str(err.value)
    assert not RemarkRequest.objects.exists()
    assert ask(world, now=last_moment).status == RemarkRequest.Status.PENDING


def test_the_exams_own_window_overrides_the_rule(world):
    Exam.objects.filter(pk=world.exam.pk).update(remark_window_days=2)
    with pytest.raises(ExamError) as err:
        ask(world, now=timezone.now() + dt.timedelta(days=3))
    assert err.value.status == 409


def test_a_request_before_publication_is_refused(world):
    Exam.objects.filter(pk=world.exam.pk).update(published_at=None)
    with pytest.raises(ExamError) as err:
        ask(world)
    assert err.value.status == 409 and "chưa được công bố" in str(err.value)


def test_a_request_for_another_candidates_attempt_is_not_found(world):
    with pytest.raises(ExamError) as err:
        remarks.request_remark(acting_user=world.binh_user, attempt=attempt(world.an.pk), reason="x")
    assert err.value.status == 404
    assert not RemarkRequest.objects.exists()


def test_a_second_pending_request_is_refused_but_one_after_a_decision_is_not(world):
    first = ask(world)
    with pytest.raises(ExamError) as err:
        ask(world)
    assert err.value.status == 409
    remarks.decide_remark(acting_user=world.cast.hr_a, request=first, decision="Giữ nguyên.")
    assert ask(world).status == RemarkRequest.Status.PENDING
    assert RemarkRequest.objects.filter(attempt=world.an).count() == 2


@pytest.mark.parametrize("status", [Attempt.Status.TERMINATED, Attempt.Status.ABSENT])
def test_only_a_finalized_attempt_is_re_marked(world, status):
    Attempt.objects.filter(pk=world.an.pk).update(status=status)
    with pytest.raises(ExamError) as err:
        ask(world)
    assert err.value.status == 409 and not RemarkRequest.objects.exists()


def test_an_empty_reason_is_refused(world):
    with pytest.raises(ExamError) as err:
        ask(world, reason="   ")
    assert (err.value.status, err.value.field) == (422, "reason")


# --- the decision ---------------------------------------------------------------------------


def test_a_granted_request_after_a_key_correction_changes_score_and_rank_and_is_audited(world):
    seal(world, world.an, world.binh)
    correct_key(world, world.q[2], ["b"])
    an = attempt(world.an.pk)
    assert (float(an.score), an.rank) == (2.0, 2)  # sealed: the correction did not reach it
    remark = ask(world)

    decided = remarks.decide_remark(
        acting_user=world.cast.hr_a, request=remark, decision="Câu 3 chấm lại theo đáp án đã sửa (B)."
    )
    assert decided.status == RemarkRequest.Status.CHANGED
    assert (float(decided.score_before), float(decided.score_after)) == (2.0, 3.0)
    an = attempt(world.an.pk)
    assert (float(an.score), an.rank) == (3.0, 1)  # ties Bình (kept as sealed); finished earlier
    assert attempt(world.binh.pk).rank == 2
    third = decided.detail["items"][2]
    assert (third["position"], third["version_id"], third["chosen"]) == (3, world.q[2].pk, ["b"])
    assert (third["key_before"], third["key"], third["mark_before"], third["mark_after"]) == (["a"], ["b"], 0.0, 1.0)
    assert decided.detail["changed_positions"] == [3]
    log = AuditLog.objects.get(action="exam.remark_decided")
    assert log.user == world.cast.hr_a and log.object_id == str(world.exam.pk)
    assert log.detail["status"] == "changed" and log.detail["sealed"] is True
    assert (log.detail["score_before"], log.detail["score_after"]) == (2.0, 3.0)
    assert (log.detail["rank_before"], log.detail["rank_after"]) == (2, 1)
    event = AttemptEvent.objects.get(attempt=world.an, kind="remark_decided")
    assert event.by == world.cast.hr_a and event.detail["score_after"] == 3.0


def test_an_unchanged_outcome_keeps_the_score(world):
    # A key correction before the request re-scores the unsealed attempt at once, so
    # re-marking finds nothing more to change.
    correct_key(world, world.q[2], ["b"])
    assert float(attempt(world.an.pk).score) == 3.0
    decided = remarks.decide_remark(acting_user=world.cast.hr_a, request=ask(world), decision="Giữ nguyên điểm.")
    assert decided.status == RemarkRequest.Status.UNCHANGED
    assert float(decided.score_before) == float(decided.score_after) == 3.0
    assert decided.detail["changed_positions"] == []
    assert float(attempt(world.an.pk).score) == 3.0
    assert AuditLog.objects.get(action="exam.remark_decided").detail["status"] == "unchanged"


def test_a_rejected_request_leaves_the_result_alone(world):
    seal(world, world.an)
    correct_key(world, world.q[2], ["b"])  # would change the score if re-marked
    decided = remarks.decide_remark(
        acting_user=world.cast.hr_a, request=ask(world), decision="Đơn không đúng mẫu.", reject=True
    )
    assert decided.status == RemarkRequest.Status.REJECTED and decided.decision == "Đơn không đúng mẫu."
    assert float(attempt(world.an.pk).score) == 2.0


def test_a_decision_needs_reasons_and_is_taken_once(world):
    remark = ask(world)
    with pytest.raises(ExamError) as err:
        remarks.decide_remark(acting_user=world.cast.hr_a, request=remark, decision="  ")
    assert err.value.field == "decision"
    remarks.decide_remark(acting_user=world.cast.hr_a, request=remark, decision="Giữ nguyên.")
    with pytest.raises(ExamError) as err:
        remarks.decide_remark(acting_user=world.cast.hr_a, request=remark, decision="Lần hai.")
    assert err.value.status == 409


def test_a_manager_of_another_unit_cannot_decide(world):
    remark = ask(world)
    with pytest.raises(Http404):
        remarks.decide_remark(acting_user=world.cast.hr_b, request=remark, decision="x")
    remark.refresh_from_db()
    assert remark.status == RemarkRequest.Status.PENDING


def test_a_board_member_does_not_decide_their_own_request(world):
    Role.objects.create(user=world.binh_user, kind=Role.Kind.EXAM_BOARD, unit=world.cast.commune_a)
    with pytest.raises(ExamError) as err:
        remarks.decide_remark(acting_user=world.binh_user, request=ask(world, world.binh), decision="Giữ nguyên.")
    assert err.value.status == 403
    assert RemarkRequest.objects.get(attempt=world.binh).status == RemarkRequest.Status.PENDING


def test_a_sealed_attempt_changes_only_through_re_marking(world):
    seal(world, world.an)
    correct_key(world, world.q[2], ["b"])
    an = attempt(world.an.pk)
    with pytest.raises(sealing.SealedError):
        sealing.check_unsealed(an)
    with pytest.raises(sealing.SealedError):
        results.score_attempt(an)
    assert float(attempt(world.an.pk).score) == 2.0
    remarks.decide_remark(acting_user=world.cast.hr_a, request=ask(world), decision="Chấm lại câu 3.")
    assert float(attempt(world.an.pk).score) == 3.0


def test_re_marking_a_partial_credit_exam_counts_the_corrected_weights(world):
    """The author weighted question 3 as A and C right (50 % each), B −100 %; A and B are
    right. An ticked only B: 0 under the sealed result, half the mark after the
    correction re-weights the options (A 50 %, B 50 %, C no longer positive)."""
    Exam.objects.filter(pk=world.exam.pk).update(scoring=Exam.Scoring.PARTIAL)
    weights = {"a": 50, "b": -100, "c": 50, "d": 0}
    options = [{"id": o, "text": f"Phương án {o.upper()}", "correct": w > 0, "weight": w} for o, w in weights.items()]
    QuestionVersion.objects.filter(pk=world.q[2].pk).update(kind=QuestionVersion.Kind.MULTIPLE, options=options)
    world.exam.refresh_from_db()
    results.score_exam(world.exam)
    assert float(attempt(world.an.pk).score) == 2.0
    seal(world, world.an)
    correct_key(world, QuestionVersion.objects.get(pk=world.q[2].pk), ["a", "b"])
    decided = remarks.decide_remark(acting_user=world.cast.hr_a, request=ask(world), decision="Chấm lại câu 3.")
    third = decided.detail["items"][2]
    assert (third["chosen"], third["key_before"], third["key"]) == (["b"], ["a", "c"], ["a", "b"])
    assert (third["mark_before"], third["mark_after"]) == (0.0, 0.5)
    assert decided.status == RemarkRequest.Status.CHANGED
    assert (float(decided.score_before), float(decided.score_after)) == (2.0, 2.5)


# --- the API ----------------------------------------------------------------------------------


def test_the_api_round_trip(world, login):
    seal(world, world.an, world.binh)
    correct_key(world, world.q[2], ["b"])
    client = login(world.cast.staff_user)
    r = client.post(API, {"exam_id": world.exam.pk, "reason": "Câu 3"}, content_type="application/json")
    assert r.status_code == 201, r.content
    remark_id = r.json()["id"]
    assert r.json()["status"] == "pending" and r.json()["window_closes_on"]
    mine = client.get(f"{API}/mine").json()
    assert [m["id"] for m in mine["items"]] == [remark_id]
    assert client.get(f"{API}/{remark_id}").status_code == 403  # the candidate does not read the review

    board = login(world.cast.hr_a)
    listed = board.get(f"{API}/exams/{world.exam.pk}").json()
    assert [(x["id"], x["full_name"]) for x in listed["items"]] == [(remark_id, "Nguyễn Văn An")]
    detail = board.get(f"{API}/{remark_id}").json()
    assert [i["mark_after"] for i in detail["items"]] == [1.0, 1.0, 1.0]
    assert detail["items"][2]["text"] == "Định dạng tệp của bảng tính là…" and detail["items"][2]["key"] == ["b"]
    r = board.post(f"{API}/{remark_id}/decide", {"decision": "Chấm lại câu 3."}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["score_after"], r.json()["rank_after"]) == ("changed", 3.0, 1)
    r = board.post(f"{API}/{remark_id}/decide", {"decision": "Lần hai."}, content_type="application/json")
    assert r.status_code == 409 and r.json()["error"]["message"] == "Đề nghị phúc khảo này đã được xem xét."


def test_api_refusals_use_the_envelope(world, login):
    client = login(world.cast.staff_user)
    Exam.objects.filter(pk=world.exam.pk).update(published_at=timezone.now() - dt.timedelta(days=30))
    r = client.post(API, {"exam_id": world.exam.pk, "reason": "Câu 3"}, content_type="application/json")
    assert r.status_code == 409 and "hết thời hạn" in r.json()["error"]["message"]
    r = client.post(API, {"exam_id": world.exam.pk, "reason": "x", "extra": 1}, content_type="application/json")
    assert r.status_code == 422
    outsider = login(world.cast.hr_b)  # not on the list
    r = outsider.post(API, {"exam_id": world.exam.pk, "reason": "Câu 3"}, content_type="application/json")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_wrong_unit_manager_and_another_candidate_get_404(world, login):
    remark = ask(world)
    other = login(world.cast.hr_b)
    assert other.get(f"{API}/exams/{world.exam.pk}").status_code == 404
    assert other.get(f"{API}/{remark.pk}").status_code == 404
    r = other.post(f"{API}/{remark.pk}/decide", {"decision": "x"}, content_type="application/json")
    assert r.status_code == 404
    assert other.get(f"{API}/{remark.pk}/decision.pdf").status_code == 404
    candidate = login(world.binh_user)
    assert candidate.get(f"{API}/{remark.pk}/decision.pdf").status_code == 404
    assert candidate.get(f"{API}/mine").json()["items"] == []
    assert RemarkRequest.objects.get(pk=remark.pk).status == RemarkRequest.Status.PENDING


def test_a_version_the_manager_may_not_read_shows_only_its_ids(world, login, cast):
    """hr_a is also a candidate of another, unpublished exam whose paper holds question 1:
    the review hides that version's text, key and marks from them."""
    hr_emp = Employee.objects.create(code="150", full_name="Đinh Văn Hải", unit=cast.office_a, user=cast.hr_a)
    other = Exam.objects.create(
        title="Kỳ thi khác", unit=cast.commune_b, opens_at=world.t0, closes_at=world.t0 + dt.timedelta(days=9)
    )
    part = ExamPart.objects.create(exam=other, order=1, title="Phần I")
    pending = Attempt.objects.create(exam=other, employee=hr_emp)
    PaperItem.objects.create(attempt=pending, position=1, part=part, version=world.q[0], option_order=list("abcd"))
    remark = ask(world)
    detail = login(cast.hr_a).get(f"{API}/{remark.pk}").json()
    first, second = detail["items"][0], detail["items"][1]
    assert first["hidden"] is True and first["version_id"] == world.q[0].pk
    assert (first["text"], first["key"], first["mark_after"], first["options"]) == (None, None, None, [])
    assert second["hidden"] is False and second["key"] == ["a"]
    page = login(cast.hr_a).get(f"/assessments/remarks/{remark.pk}/").content.decode()
    assert "Hiến pháp năm 2013" not in page and "Luật Cán bộ, công chức" in page


# --- pages and the PDF ------------------------------------------------------------------------


def test_the_result_page_offers_the_form_and_then_shows_the_decision(world, login):
    client = login(world.cast.staff_user)
    page = client.get(f"/assessments/results/{world.exam.pk}/mine/").content.decode()
    assert 'name="reason"' in page and "Đề nghị phúc khảo" in page
    r = client.post(f"/assessments/results/{world.exam.pk}/remark/", {"reason": "Câu 3 chấm sai"})
    assert r.status_code == 302
    remark = RemarkRequest.objects.get(attempt=world.an)
    page = client.get(f"/assessments/results/{world.exam.pk}/mine/").content.decode()
    assert 'name="reason"' not in page and "Đang chờ xem xét" in page

    board = login(world.cast.hr_a)
    assert "1 đề nghị chờ xem xét" in board.get(f"/assessments/results/{world.exam.pk}/").content.decode()
    assert "Nguyễn Văn An" in board.get(f"/assessments/results/{world.exam.pk}/remarks/").content.decode()
    review = board.get(f"/assessments/remarks/{remark.pk}/").content.decode()
    assert "Định dạng tệp của bảng tính là…" in review and 'name="decision"' in review
    r = board.post(f"/assessments/remarks/{remark.pk}/decide/", {"decision": "Giữ nguyên.", "outcome": "remark"})
    assert r.status_code == 302
    page = login(world.cast.staff_user).get(f"/assessments/results/{world.exam.pk}/mine/").content.decode()
    assert "Giữ nguyên." in page and f"/assessments/remarks/{remark.pk}/decision.pdf" in page


def test_the_window_closed_hides_the_form(world, login):
    Exam.objects.filter(pk=world.exam.pk).update(published_at=timezone.now() - dt.timedelta(days=40))
    page = login(world.cast.staff_user).get(f"/assessments/results/{world.exam.pk}/mine/").content.decode()
    assert 'name="reason"' not in page and "đã kết thúc" in page
    r = login(world.cast.staff_user).post(f"/assessments/results/{world.exam.pk}/remark/", {"reason": "x"})
    assert r.status_code == 302 and not RemarkRequest.objects.exists()


def test_pages_of_another_unit_are_not_found(world, login):
    remark = ask(world)
    other = login(world.cast.hr_b)
    assert other.get(f"/assessments/results/{world.exam.pk}/remarks/").status_code == 404
    assert other.get(f"/assessments/remarks/{remark.pk}/").status_code == 404
    assert other.post(f"/assessments/remarks/{remark.pk}/decide/", {"decision": "x"}).status_code == 404
    assert other.get(f"/assessments/remarks/{remark.pk}/decision.pdf").status_code == 404
    assert RemarkRequest.objects.get(pk=remark.pk).status == RemarkRequest.Status.PENDING


def test_the_decision_pdf_for_candidate_and_board(world, login):
    Exam.objects.filter(pk=world.exam.pk).update(negative_mark=0.25)
    world.exam.refresh_from_db()
    results.score_exam(world.exam)  # An: 2 right, 1 wrong → 1,75
    seal(world, world.an, world.binh)
    correct_key(world, world.q[2], ["b"])
    remark = ask(world)
    assert login(world.cast.staff_user).get(f"{API}/{remark.pk}/decision.pdf").status_code == 409  # pending
    remarks.decide_remark(acting_user=world.cast.hr_a, request=remark, decision="Chấm lại câu 3 theo đáp án B.")
    r = login(world.cast.staff_user).get(f"{API}/{remark.pk}/decision.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "Kết quả phúc khảo bài thi của Nguyễn Văn An" in text
    assert "1,75/3" in text and "3/3" in text and "Chấm lại câu 3 theo đáp án B." in text
    assert "CHỦ TỊCH HỘI ĐỒNG" in text
    r = login(world.cast.hr_a).get(f"/assessments/remarks/{remark.pk}/decision.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
