"""Scoring, ranking, publication, key correction and the results documents, through
the models and the API (/api/v1/assessments/results/)."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from assessments import results
from assessments.models import (
    Attempt,
    BlueprintRule,
    Category,
    Exam,
    ExamPart,
    PaperItem,
    Question,
    QuestionVersion,
    Response,
)
from hr_system.models import AuditLog, Employee, Role

API = "/api/v1/assessments/results"


def version(category, text, key="a", kind=QuestionVersion.Kind.SINGLE):
    question = Question.objects.create(category=category)
    v = QuestionVersion.objects.create(
        question=question,
        kind=kind,
        text=text,
        options=[{"id": o, "text": f"Phương án {o.upper()}", "correct": o == key} for o in "abcd"],
        status=QuestionVersion.Status.APPROVED,
    )
    question.current = v
    question.save(update_fields=["current"])
    return v


class World:
    pass


@pytest.fixture
def world(cast):
    w = World()
    w.cast = cast
    now = timezone.now()
    general = Category.objects.create(code="KTC", name="Kiến thức chung", unit=cast.commune_a)
    it = Category.objects.create(code="TH", name="Tin học", unit=cast.commune_a)
    w.exam = Exam.objects.create(
        title="Kiểm tra năng lực vòng 1 năm 2026",
        unit=cast.commune_a,
        opens_at=now - dt.timedelta(hours=3),
        closes_at=now - dt.timedelta(hours=1),
        pass_percent=50,
    )
    w.part1 = ExamPart.objects.create(exam=w.exam, order=1, title="Phần I", pass_percent=50)
    w.part2 = ExamPart.objects.create(exam=w.exam, order=2, title="Phần II")
    BlueprintRule.objects.create(part=w.part1, category=general, count=2)
    BlueprintRule.objects.create(part=w.part2, category=it, count=2)
    w.q = [
        version(general, "Hiến pháp năm 2013 quy định…"),
        version(general, "Luật Cán bộ, công chức quy định…"),
        version(it, "Phím tắt sao chép là…"),
        version(it, "Định dạng tệp của bảng tính là…"),  # keyed "a", but "b" is right
    ]
    w.parts = [w.part1, w.part1, w.part2, w.part2]
    w.t0 = now - dt.timedelta(hours=2)
    w.bình = Employee.objects.create(
        code="103", full_name="Hoàng Văn Bình", unit=cast.office_a, category="civil_servant"
    )
    w.cúc = Employee.objects.create(code="104", full_name="Phạm Thị Cúc", unit=cast.office_a, category="civil_servant")
    # Answers to q1..q4. An and Bình tie on everything; Hương has the same total as An but
    # a lower first part; Cúc answers two and leaves two blank.
    w.an = sit(w, cast.emp_a, "aaab", minutes=40)
    w.binh = sit(w, w.bình, "aaab", minutes=40)
    w.huong = sit(w, cast.teacher_a, "abaa", minutes=30)
    w.cuc = sit(w, w.cúc, "bb--", minutes=50)
    return w


def sit(w, employee, answers, minutes, status=Attempt.Status.FINALIZED):
    attempt = Attempt.objects.create(
        exam=w.exam,
        employee=employee,
        status=status,
        started_at=w.t0,
        deadline=w.t0 + dt.timedelta(minutes=60),
        finalized_at=w.t0 + dt.timedelta(minutes=minutes) if status == Attempt.Status.FINALIZED else None,
    )
    for position, (v, part, ch) in enumerate(zip(w.q, w.parts, answers, strict=True), start=1):
        item = PaperItem.objects.create(
            attempt=attempt, position=position, part=part, version=v, option_order=list("abcd")
        )
        if ch != "-":
            Response.objects.create(attempt=attempt, item=item, selected=[ch])
    return attempt


def board_member(cast, unit, username="hd_b"):
    user = get_user_model().objects.create_user(username=username, password="x")
    Role.objects.create(user=user, kind=Role.Kind.EXAM_BOARD, unit=unit)
    return user


def pdf_text(content):
    # Table cells wrap, so compare with runs of whitespace collapsed.
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


# --- scoring and ranking through the models ------------------------------------------


def test_score_attempt_stores_score_parts_and_pass(world, django_assert_max_num_queries):
    attempt = Attempt.objects.select_related("exam").get(pk=world.huong.pk)
    with django_assert_max_num_queries(4):  # parts, items+responses, versions, update
        results.score_attempt(attempt)
    attempt.refresh_from_db()
    assert (float(attempt.score), float(attempt.max_score), attempt.passed) == (3.0, 4.0, True)
    assert [(p["part_id"], p["score"], p["passed"]) for p in attempt.part_scores] == [
        (world.part1.pk, 1.0, True),
        (world.part2.pk, 2.0, None),
    ]


def test_part_below_its_pass_mark_fails_the_candidate(world):
    results.score_exam(world.exam)
    cuc = Attempt.objects.get(pk=world.cuc.pk)
    assert float(cuc.score) == 0.0 and cuc.passed is False
    assert cuc.part_scores[1]["blank"] == 2 and cuc.part_scores[0]["wrong"] == 2


def test_negative_marking_with_floor_at_zero(world):
    Exam.objects.filter(pk=world.exam.pk).update(negative_mark=0.5, floor_at_zero=True)
    world.exam.refresh_from_db()
    results.score_exam(world.exam)
    an, cuc = Attempt.objects.get(pk=world.an.pk), Attempt.objects.get(pk=world.cuc.pk)
    assert float(an.score) == 2.5  # 3 right, 1 wrong × 0.5
    assert [p["score"] for p in cuc.part_scores] == [0.0, 0.0]  # −1 floored, blanks cost nothing


def test_rank_with_a_tie_and_the_tie_break_chain(world):
    results.score_exam(world.exam)
    results.rank_exam(world.exam)
    ranks = dict(Attempt.objects.filter(exam=world.exam).values_list("employee__full_name", "rank"))
    # An and Bình: same total, first part, wrong count and finalisation time → shared 1st.
    # Hương: same total but lower first part → 3rd, even though she finished earlier.
    assert ranks == {"Nguyễn Văn An": 1, "Hoàng Văn Bình": 1, "Lò Thị Hương": 3, "Phạm Thị Cúc": 4}


def test_unfinished_attempts_are_not_scored_or_ranked(world):
    dũng = Employee.objects.create(
        code="105", full_name="Vì Văn Dũng", unit=world.cast.office_a, category="civil_servant"
    )
    late = sit(world, dũng, "aaaa", minutes=0, status=Attempt.Status.TERMINATED)
    assert results.score_exam(world.exam) == 4
    results.rank_exam(world.exam)
    late.refresh_from_db()
    assert late.score is None and late.rank is None
    with pytest.raises(results.ResultsError):
        results.score_attempt(late)


def test_past_results_keep_their_own_version(world):
    # The bank moves on: question 1 gets a new version whose key is "b".
    q1 = world.q[0].question
    v2 = QuestionVersion.objects.create(
        question=q1,
        number=2,
        text="Hiến pháp năm 2013 quy định (sửa)…",
        options=[{"id": o, "text": o, "correct": o == "b"} for o in "abcd"],
        status=QuestionVersion.Status.APPROVED,
    )
    q1.current = v2
    q1.save(update_fields=["current"])
    results.score_exam(world.exam)
    assert float(Attempt.objects.get(pk=world.an.pk).score) == 3.0  # still scored against version 1


def test_key_correction_rescores_reranks_and_is_audited(world, cast):
    results.score_exam(world.exam)
    results.rank_exam(world.exam)
    outcome = results.correct_key(
        acting_user=cast.hr_a, version=world.q[3], correct_ids=["b"], reason="Đáp án đúng là .xlsx (phương án B)"
    )
    assert (outcome["old_key"], outcome["new_key"], outcome["rescored"]) == (["a"], ["b"], 4)
    assert outcome["changed"] == 3  # An, Bình up; Hương down; Cúc unchanged
    scores = dict(Attempt.objects.filter(exam=world.exam).values_list("employee__full_name", "score"))
    assert {k: float(v) for k, v in scores.items()} == {
        "Nguyễn Văn An": 4.0,
        "Hoàng Văn Bình": 4.0,
        "Lò Thị Hương": 2.0,
        "Phạm Thị Cúc": 0.0,
    }
    assert Attempt.objects.get(pk=world.huong.pk).rank == 3
    world.q[3].refresh_from_db()
    assert world.q[3].correct_ids() == {"b"}
    log = AuditLog.objects.get(action="question.key_corrected")
    assert log.user == cast.hr_a and log.object_id == str(world.q[3].pk)
    assert log.detail["old_key"] == ["a"] and log.detail["new_key"] == ["b"]
    assert log.detail["reason"] == "Đáp án đúng là .xlsx (phương án B)"


@pytest.mark.parametrize(
    ("ids", "reason", "field"),
    [
        (["b"], "  ", "reason"),
        (["z"], "lý do", "correct_ids"),
        (["a", "b"], "lý do", "correct_ids"),
        (["a"], "lý do", "correct_ids"),
    ],
)
def test_key_correction_refuses_bad_input_and_changes_nothing(world, cast, ids, reason, field):
    with pytest.raises(results.ResultsError) as err:
        results.correct_key(acting_user=cast.hr_a, version=world.q[3], correct_ids=ids, reason=reason)
    assert err.value.field == field
    world.q[3].refresh_from_db()
    assert world.q[3].correct_ids() == {"a"}
    assert not AuditLog.objects.filter(action="question.key_corrected").exists()


# --- the API ------------------------------------------------------------------------------


def test_manager_scores_and_lists_results_with_ranks(world, login):
    client = login(world.cast.hr_a)
    r = client.post(f"{API}/exams/{world.exam.pk}/score")
    assert r.status_code == 200 and r.json() == {"scored": 4, "ranked": 4}
    body = client.get(f"{API}/exams/{world.exam.pk}").json()
    rows = body["rows"]
    # Candidates sharing a rank are listed by given name: An before Bình.
    assert [row["full_name"] for row in rows] == ["Nguyễn Văn An", "Hoàng Văn Bình", "Lò Thị Hương", "Phạm Thị Cúc"]
    assert [row["rank"] for row in rows] == [1, 1, 3, 4]
    assert rows[2]["parts"] == [1.0, 2.0] and rows[2]["result"] == "Đạt"
    assert rows[3]["result"] == "Không đạt"
    assert "phần thứ nhất" in body["tie_break"]


def test_exam_of_another_commune_is_not_found(world, login):
    outsider = board_member(world.cast, world.cast.commune_b)
    client = login(outsider)
    for path in ("", "/item-analysis", "/results.pdf"):
        assert client.get(f"{API}/exams/{world.exam.pk}{path}").status_code == 404
    assert client.post(f"{API}/exams/{world.exam.pk}/publish").status_code == 404
    assert Exam.objects.get(pk=world.exam.pk).published_at is None
    # A board member of the organising commune does get in.
    insider = board_member(world.cast, world.cast.commune_a, "hd_a")
    assert login(insider).get(f"{API}/exams/{world.exam.pk}").status_code == 200


def test_candidate_sees_own_result_only_after_publication(world, login):
    client = login(world.cast.staff_user)  # Nguyễn Văn An
    r = client.get(f"{API}/exams/{world.exam.pk}/mine")
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Kết quả kỳ thi chưa được công bố."
    assert client.get(f"{API}/exams/{world.exam.pk}/mine.pdf").status_code == 403
    # The manager's views stay closed to a candidate.
    assert client.get(f"{API}/exams/{world.exam.pk}").status_code == 404

    results.publish(acting_user=world.cast.hr_a, exam=world.exam)
    r = client.get(f"{API}/exams/{world.exam.pk}/mine")
    assert r.status_code == 200
    mine = r.json()
    assert (mine["full_name"], mine["score"], mine["rank"], mine["ranked_count"]) == ("Nguyễn Văn An", 3.0, 1, 4)
    assert "Lò Thị Hương" not in r.content.decode()


def test_someone_not_on_the_list_has_no_result(world, login):
    user = get_user_model().objects.create_user(username="khach")
    assert login(user).get(f"{API}/exams/{world.exam.pk}/mine").status_code == 404


def test_immediate_policy_shows_the_score_but_no_rank_before_publication(world, login):
    Exam.objects.filter(pk=world.exam.pk).update(results_policy=Exam.Results.IMMEDIATE)
    mine = login(world.cast.staff_user).get(f"{API}/exams/{world.exam.pk}/mine").json()
    assert mine["score"] == 3.0 and mine["rank"] is None and mine["result"] == "Đạt"


def test_publish_is_audited_and_only_once(world, login):
    client = login(world.cast.hr_a)
    r = client.post(f"{API}/exams/{world.exam.pk}/publish")
    assert r.status_code == 200 and r.json()["published_at"]
    log = AuditLog.objects.get(action="exam.results_published")
    assert log.user == world.cast.hr_a and log.detail["scored"] == 4 and log.detail["passed"] == 3
    again = client.post(f"{API}/exams/{world.exam.pk}/publish")
    assert again.status_code == 409
    assert AuditLog.objects.filter(action="exam.results_published").count() == 1


def test_publish_is_refused_while_someone_is_writing(world, login):
    Attempt.objects.filter(pk=world.cuc.pk).update(status=Attempt.Status.IN_PROGRESS)
    r = login(world.cast.hr_a).post(f"{API}/exams/{world.exam.pk}/publish")
    assert r.status_code == 409 and "đang làm bài" in r.json()["error"]["message"]
    assert Exam.objects.get(pk=world.exam.pk).published_at is None


def test_key_correction_endpoint(world, login):
    client = login(world.cast.hr_a)
    client.post(f"{API}/exams/{world.exam.pk}/score")
    url = f"{API}/exams/{world.exam.pk}/key-correction"
    r = client.post(
        url,
        {"version_id": world.q[3].pk, "correct_ids": ["b"], "reason": "Sai đáp án"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["rescored"] == 4 and r.json()["new_key"] == ["b"]
    assert float(Attempt.objects.get(pk=world.an.pk).score) == 4.0
    assert AuditLog.objects.filter(action="question.key_corrected", user=world.cast.hr_a).count() == 1
    # Unknown fields are refused; a version not on this exam is refused.
    bad = client.post(
        url,
        {"version_id": world.q[3].pk, "correct_ids": ["a"], "reason": "x", "force": True},
        content_type="application/json",
    )
    assert bad.status_code == 422
    stranger = version(world.q[0].question.category, "Câu hỏi khác")
    r = client.post(
        url, {"version_id": stranger.pk, "correct_ids": ["b"], "reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 422 and "version_id" in r.json()["error"]["fields"]


def test_item_analysis_endpoint_flags_the_mis_keyed_question(world, login):
    client = login(world.cast.hr_a)
    report = client.get(f"{API}/exams/{world.exam.pk}/item-analysis").json()
    assert report["test"]["n"] == 4 and report["test"]["k"] == 4
    by_version = {item["version_id"]: item for item in report["items"]}
    assert by_version[world.q[0].pk]["facility"] == 75.0
    assert "miskey" in {f["code"] for f in by_version[world.q[3].pk]["flags"]}
    assert [item["part_title"] for item in report["items"]] == ["Phần I", "Phần I", "Phần II", "Phần II"]


# --- documents ------------------------------------------------------------------------------


def test_results_pdf_is_the_official_list(world, login):
    results.publish(acting_user=world.cast.hr_a, exam=world.exam)
    r = login(world.cast.hr_a).get(f"{API}/exams/{world.exam.pk}/results.pdf")
    assert r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    for phrase in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "PHƯỜNG MỘC CHÂU",
        "Mộc Châu, ngày",
        "KẾT QUẢ KIỂM TRA, ĐÁNH GIÁ NĂNG LỰC",
        "Nguyễn Văn An",
        "Lò Thị Hương",
        "Phạm Thị Cúc",
        "Không đạt",
        "Xếp hạng",
        "tổng điểm cao hơn",
        "CHỦ TỊCH HỘI ĐỒNG",
    ):
        assert phrase in text, phrase


def test_candidate_result_pdf_names_only_the_candidate(world, login):
    results.publish(acting_user=world.cast.hr_a, exam=world.exam)
    r = login(world.cast.staff_user).get(f"{API}/exams/{world.exam.pk}/mine.pdf")
    assert r.status_code == 200
    text = pdf_text(r.content)
    assert "THÔNG BÁO" in text and "Nguyễn Văn An" in text and "Đạt" in text
    assert "Lò Thị Hương" not in text and "Hoàng Văn Bình" not in text


def test_item_analysis_pdf_lists_flags(world, login):
    r = login(world.cast.hr_a).get(f"{API}/exams/{world.exam.pk}/item-analysis.pdf")
    text = pdf_text(r.content)
    assert "BÁO CÁO" in text and "có thể sai đáp án" in text and "Cronbach" in text


def test_results_excel_has_a_row_per_candidate(world, login):
    client = login(world.cast.hr_a)
    client.post(f"{API}/exams/{world.exam.pk}/score")
    r = client.get(f"{API}/exams/{world.exam.pk}/results.xlsx")
    sheet = load_workbook(io.BytesIO(r.content))["Kết quả"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        *("STT", "Họ và tên", "Mã", "Đơn vị", "Phần I", "Phần II", "Tổng điểm"),
        *("Số câu đúng", "Số câu sai", "Số câu bỏ trống", "Thời gian làm bài (phút:giây)", "Kết quả", "Xếp hạng"),
    )
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"Nguyễn Văn An", "Hoàng Văn Bình", "Lò Thị Hương", "Phạm Thị Cúc"}
    assert by_name["Lò Thị Hương"][4:] == (1, 2, 3, 3, 1, 0, "30:00", "Đạt", 3)
    assert by_name["Phạm Thị Cúc"][7:] == (0, 2, 2, "50:00", "Không đạt", 4)
    notes = dict(list(load_workbook(io.BytesIO(r.content))["Ghi chú"].iter_rows(values_only=True))[1:])
    assert notes["Cách tính điểm"].startswith("Đúng hoàn toàn mới được điểm")
    assert "thời gian làm bài ít hơn" in notes["Quy tắc xếp hạng"]


# --- pages ----------------------------------------------------------------------------------


def test_results_page_has_publish_button_and_tie_break_rule(world, login):
    client = login(world.cast.hr_a)
    client.post(f"/assessments/results/{world.exam.pk}/score/")
    page = client.get(f"/assessments/results/{world.exam.pk}/").content.decode()
    assert "Công bố kết quả" in page and "csrfmiddlewaretoken" in page
    assert "Lò Thị Hương" in page and "phần thứ nhất cao hơn" in page
    r = client.post(f"/assessments/results/{world.exam.pk}/publish/")
    assert r.status_code == 302 and Exam.objects.get(pk=world.exam.pk).published_at is not None
    assert "Công bố kết quả</button>" not in client.get(f"/assessments/results/{world.exam.pk}/").content.decode()


def test_item_analysis_page_highlights_flags(world, login):
    page = login(world.cast.hr_a).get(f"/assessments/results/{world.exam.pk}/item-analysis/").content.decode()
    assert "flagged miskey" in page and "có thể sai đáp án" in page


def test_key_correction_page_form(world, login):
    client = login(world.cast.hr_a)
    r = client.post(
        f"/assessments/results/{world.exam.pk}/key-correction/",
        {"version_id": world.q[3].pk, "correct_ids": ["b"], "reason": "Sai đáp án"},
    )
    assert r.status_code == 302
    world.q[3].refresh_from_db()
    assert world.q[3].correct_ids() == {"b"}


def test_candidate_page_waits_for_publication(world, login):
    client = login(world.cast.staff_user)
    url = f"/assessments/results/{world.exam.pk}/mine/"
    r = client.get(url)
    assert r.status_code == 403 and "chưa được công bố" in r.content.decode()
    assert client.get(f"/assessments/results/{world.exam.pk}/").status_code == 404
    results.publish(acting_user=world.cast.hr_a, exam=world.exam)
    page = client.get(url).content.decode()
    assert "Nguyễn Văn An" in page and "Lò Thị Hương" not in page and "1/4" in page


def test_other_commune_pages_are_not_found(world, login):
    client = login(world.cast.hr_b)
    assert client.get(f"/assessments/results/{world.exam.pk}/").status_code == 404
    assert client.post(f"/assessments/results/{world.exam.pk}/publish/").status_code == 404
    assert Exam.objects.get(pk=world.exam.pk).published_at is None


# --- issue 15: time used as the last tie-break, the managers' list, partial credit --------


def test_closed_by_the_deadline_61_ms_apart_share_the_rank(world):
    # Two more candidates with An's answers: one clicked Start 61 ms after the other and
    # the worker closed both at their own deadline. Before issue 15 the earlier click won.
    dũng = Employee.objects.create(code="105", full_name="Vì Văn Dũng", unit=world.cast.office_a)
    em = Employee.objects.create(code="106", full_name="Lường Thị Em", unit=world.cast.office_a)
    late = []
    for employee, offset in ((dũng, 0), (em, 61)):
        attempt = sit(world, employee, "aaab", minutes=60)
        start = world.t0 + dt.timedelta(minutes=-30, milliseconds=offset)
        deadline = start + dt.timedelta(minutes=60)
        Attempt.objects.filter(pk=attempt.pk).update(started_at=start, deadline=deadline, finalized_at=deadline)
        late.append(attempt.pk)
    results.score_exam(world.exam)
    results.rank_exam(world.exam)
    ranks = dict(Attempt.objects.filter(exam=world.exam).values_list("employee__full_name", "rank"))
    # An and Bình used 40 minutes; Dũng and Em the whole hour, 61 ms apart: the same rank.
    assert ranks["Nguyễn Văn An"] == ranks["Hoàng Văn Bình"] == 1
    assert ranks["Vì Văn Dũng"] == ranks["Lường Thị Em"] == 3
    rows = {r["full_name"]: r for r in results.result_rows(world.exam)["rows"]}
    assert rows["Vì Văn Dũng"]["time_used_text"] == rows["Lường Thị Em"]["time_used_text"] == "60:00"
    assert rows["Nguyễn Văn An"]["time_used"] == 40 * 60


def test_less_time_used_ranks_higher_when_all_else_is_equal(world):
    Attempt.objects.filter(pk=world.binh.pk).update(finalized_at=world.t0 + dt.timedelta(minutes=39, seconds=59))
    results.score_exam(world.exam)
    results.rank_exam(world.exam)
    assert (Attempt.objects.get(pk=world.binh.pk).rank, Attempt.objects.get(pk=world.an.pk).rank) == (1, 2)


def test_results_api_lists_counts_and_time_used_for_managers_only(world, login):
    client = login(world.cast.hr_a)
    client.post(f"{API}/exams/{world.exam.pk}/score")
    body = client.get(f"{API}/exams/{world.exam.pk}").json()
    rows = {r["full_name"]: r for r in body["rows"]}
    cuc = rows["Phạm Thị Cúc"]
    assert (cuc["right"], cuc["partial"], cuc["wrong"], cuc["blank"]) == (0, 0, 2, 2)
    assert (cuc["time_used"], cuc["time_used_text"]) == (50 * 60, "50:00")
    assert body["scoring"] == "all_or_nothing" and body["scoring_rule"].startswith("Đúng hoàn toàn")
    assert body["tie_break_steps"][-1].startswith("thời gian làm bài ít hơn")
    assert login(world.cast.hr_b).get(f"{API}/exams/{world.exam.pk}").status_code == 404


def test_results_page_documents_the_chain_and_shows_counts(world, login):
    Exam.objects.filter(pk=world.exam.pk).update(negative_mark="0.25")
    client = login(world.cast.hr_a)
    client.post(f"/assessments/results/{world.exam.pk}/score/")
    page = client.get(f"/assessments/results/{world.exam.pk}/").content.decode()
    assert 'id="tie-break-chain"' in page and "Thời gian làm bài ít hơn" in page and "50:00" in page
    assert "thời điểm bấm “Bắt đầu”" in page
    assert "bị trừ 0,25 điểm" in page  # decimal comma in the pass rule
    assert "Đúng một phần" not in page  # only exams scored with partial credit have the column
    Exam.objects.filter(pk=world.exam.pk).update(scoring=Exam.Scoring.PARTIAL)
    page = client.get(f"/assessments/results/{world.exam.pk}/").content.decode()
    assert "Đúng một phần" in page and "Tính điểm từng phần" in page
    assert "bị trừ 0,25" not in page  # weights are the penalty under partial credit


def test_results_pdf_prints_time_used_and_the_scoring_rule(world, login):
    client = login(world.cast.hr_a)
    client.post(f"{API}/exams/{world.exam.pk}/score")
    text = pdf_text(client.get(f"{API}/exams/{world.exam.pk}/results.pdf").content)
    assert "Thời gian làm bài" in text and "50:00" in text and "Cách tính điểm: Đúng hoàn toàn" in text
    assert "thời gian làm bài ít hơn" in text


def weighted_version(category, text):
    question = Question.objects.create(category=category)
    options = [("a", 50), ("b", -100), ("c", 50), ("d", -100)]
    v = QuestionVersion.objects.create(
        question=question,
        kind=QuestionVersion.Kind.MULTIPLE,
        text=text,
        options=[{"id": o, "text": f"Phương án {o}", "correct": w > 0, "weight": w} for o, w in options],
        status=QuestionVersion.Status.APPROVED,
    )
    return v


def test_partial_credit_candidate_result_and_key_correction_of_a_weighted_item(world, login):
    category = world.q[0].question.category
    multi = weighted_version(category, "Những cơ quan nào…")
    Exam.objects.filter(pk=world.exam.pk).update(scoring=Exam.Scoring.PARTIAL)
    world.exam.refresh_from_db()
    item = PaperItem.objects.create(attempt=world.an, position=5, part=world.part1, version=multi)
    Response.objects.create(attempt=world.an, item=item, selected=["a"])
    results.score_exam(world.exam)
    an = Attempt.objects.get(pk=world.an.pk)
    assert float(an.score) == 3.5 and an.part_scores[0]["partial"] == 1
    data = results.candidate_result(an)
    assert data["parts"][0]["partial"] == 1 and data["partial_credit"] is True
    assert data["time_used_text"] == "40:00"
    # The key was wrong: "b" is right as well. The weights follow the new key.
    outcome = results.correct_key(
        acting_user=world.cast.hr_a, version=multi, correct_ids=["a", "b", "c"], reason="Sót B"
    )
    multi.refresh_from_db()
    assert multi.weights() == {"a": 33.33, "b": 33.33, "c": 33.34, "d": -100.0}
    assert outcome["changed"] == 1
    assert float(Attempt.objects.get(pk=world.an.pk).score) == 3.33
    audit = AuditLog.objects.filter(action="question.key_corrected").get()
    assert audit.detail["old_weights"]["b"] == -100 and audit.detail["new_weights"]["b"] == 33.33
    results.publish(acting_user=world.cast.hr_a, exam=world.exam)
    page = login(world.cast.staff_user).get(f"/assessments/results/{world.exam.pk}/mine/").content.decode()
    assert "Đúng một phần" in page and "40:00" in page
